"""The whole RMM pack at scale: rmmhunt against hand-written DuckDB SQL for every rule, same rows.

    python -m benchmarks pack [--rows 1M 10M] [--repeat 3] [--threads 2] [--dir DIR]

Generates (or reuses) a workspace with the pack's three tables (certificates, processes, network
events) at each size, checks that every rule gives the same rows through rmmhunt and through each
hand-written variant (`benchmarks/handwritten.py`), then times the whole pack, median of N:

- sequential: one rule after another (rmmhunt: `Workspace.hunt`, parse + compile + run each rule);
- concurrent: the rules spread over T threads, each with its own DuckDB cursor on one database
  (DuckDB runs each query on its own threads too; this overlaps the per-query overheads).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from benchmarks.data import NETWORK, NOW, PROCESS, TABLE
from benchmarks.handwritten import VARIANTS, rule_sql, since
from benchmarks.query import (
    canonical,
    connect,
    console,
    generated_workspaces,
    interleaved_medians,
    print_table,
    sized_parser,
)
from rmmhunt import Workspace
from rmmhunt.rules import LoadedRule, builtin_rules_dir, load_rules

KINDS = ("file_signature", "process", "network")


def slug_and_kind(rule: LoadedRule) -> tuple[str, str]:
    stem = rule.path.stem
    kind = next(k for k in KINDS if stem.endswith("_" + k))
    return stem.removesuffix("_" + kind), kind


class PackRun:
    """The pack's rules over one workspace, through rmmhunt and as hand-written SQL."""

    def __init__(self, path: Path):
        self.path = path
        self.rules = load_rules(builtin_rules_dir() / "rmm")
        self.workspace = Workspace(path)
        store = self.workspace.store
        assert store is not None
        self.files = {t: [str(p) for p in store.table_files(t)] for t in (TABLE, PROCESS, NETWORK)}
        self.hand = {variant: [self._hand(rule, variant) for rule in self.rules] for variant in VARIANTS}
        self.con = connect()

    def _hand(self, rule: LoadedRule, variant: str) -> tuple[str, dict]:
        table, sql = rule_sql(*slug_and_kind(rule), variant)
        return sql, {"files": self.files[table], "since": since(NOW)}

    def rmmhunt(self, threads: int) -> list:
        if threads == 1:
            return [result.table for result in self.workspace.hunt(self.rules, NOW)]
        engine = self.workspace.engine
        queries = [self.workspace.compile(rule.rule.query, NOW) for rule in self.rules]
        for query in queries:
            engine.register(query.tree)  # views first: they are shared by every cursor

        def run(query):
            return engine.con.cursor().sql(query.sql()).to_arrow_table()

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(run, queries))

    def handwritten(self, variant: str, threads: int) -> list:
        def run(item: tuple[str, dict]):
            sql, params = item
            return self.con.cursor().sql(sql, params=params).to_arrow_table()

        if threads == 1:
            return [run(item) for item in self.hand[variant]]
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(run, self.hand[variant]))

    def differences(self) -> tuple[int, dict[str, list[str]]]:
        """The rows rmmhunt finds, and per variant the rules whose hand-written rows differ from rmmhunt's."""
        tables = self.rmmhunt(1)
        ours = [canonical(t) for t in tables]
        return sum(t.num_rows for t in tables), {
            variant: [
                rule.path.stem
                for rule, mine, theirs in zip(self.rules, ours, self.handwritten(variant, 1), strict=True)
                if mine != canonical(theirs)
            ]
            for variant in VARIANTS
        }


def size_rows(label: str, run: PackRun, repeat: int, threads: int) -> list[list[str]]:
    matches, differ = run.differences()
    runs: dict[str, Callable[[], object]] = {}
    for t in sorted({1, threads}):
        runs[f"rmmhunt/{t}"] = lambda t=t: run.rmmhunt(t)
        for variant in VARIANTS:
            runs[f"{variant}/{t}"] = lambda t=t, variant=variant: run.handwritten(variant, t)
    times = interleaved_medians(runs, repeat, warm_up=False)  # differences() ran each once
    rows = []
    for t in sorted({1, threads}):
        best = min(VARIANTS, key=lambda v: times[f"{v}/{t}"][0])
        hand_ms, hand_spread = times[f"{best}/{t}"]
        ours_ms, ours_spread = times[f"rmmhunt/{t}"]
        same = "yes" if not differ[best] else f"NO: {', '.join(differ[best][:3])} ..."
        rows.append(
            [
                label,
                "sequential" if t == 1 else f"{t} threads",
                f"{hand_ms:.0f} ±{hand_spread / 2:.0f} ({best})",
                f"{ours_ms:.0f} ±{ours_spread / 2:.0f}",
                f"{ours_ms / hand_ms:.2f}",
                f"{len(run.rules)} rules, {matches} rows",
                same,
            ]
        )
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = sized_parser("pack", __doc__, ["1M"], 3)
    parser.add_argument("--threads", type=int, default=2, help="threads for the concurrent run (default 2)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    console.print(f"duckdb {duckdb.__version__}; median of {args.repeat}; ± is half the spread (max - min)")
    table_rows = []
    for label, path in generated_workspaces(args.dir, args.rows, (TABLE, PROCESS, NETWORK)):
        table_rows += size_rows(label, PackRun(path), args.repeat, args.threads)
    print_table(
        "RMM pack: rmmhunt (parse + compile + run every rule) / best hand-written DuckDB SQL, ms",
        ["rows per table", "mode", "hand-written", "rmmhunt", "ratio", "answer", "same rows"],
        table_rows,
    )
