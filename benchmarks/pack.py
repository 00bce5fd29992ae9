"""The whole RMM pack at scale: rmmhunt against hand-written DuckDB SQL for every rule, same rows.

    python -m benchmarks pack [--rows 1M 10M] [--repeat 3] [--dir DIR]

Generates (or reuses) a workspace with the pack's three tables (certificates, processes, network
events) at each size, checks that every rule gives the same rows through rmmhunt and through each
hand-written variant (`benchmarks/handwritten.py`), then times the whole pack, median of N, against
the best hand-written variant run one rule after another:

- hunt: `Workspace.hunt` (parse and compile every rule, then run them, the rules that filter one table
  sharing one scan of it: `rmmhunt.engines.shared_scans`);
- rule by rule: `Workspace.query` for each rule (parse, compile and run it alone), as without sharing.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
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

    def hunt(self) -> list:
        return [result.table for result in self.workspace.hunt(self.rules, NOW)]

    def rule_by_rule(self) -> list:
        return [self.workspace.query(rule.rule.query, NOW) for rule in self.rules]

    def handwritten(self, variant: str) -> list:
        return [self.con.sql(sql, params=params).to_arrow_table() for sql, params in self.hand[variant]]

    def differences(self) -> tuple[int, dict[str, list[str]]]:
        """The rows rmmhunt finds, and per way of running (the other rmmhunt mode, each hand-written variant)
        the rules whose rows differ from the hunt's."""
        tables = self.hunt()
        ours = [canonical(t) for t in tables]
        others = {"rule by rule": self.rule_by_rule(), **{v: self.handwritten(v) for v in VARIANTS}}
        return sum(t.num_rows for t in tables), {
            name: [
                rule.path.stem
                for rule, mine, theirs in zip(self.rules, ours, results, strict=True)
                if mine != canonical(theirs)
            ]
            for name, results in others.items()
        }


def size_rows(label: str, run: PackRun, repeat: int) -> list[list[str]]:
    matches, differ = run.differences()
    runs: dict[str, Callable[[], object]] = {"hunt": run.hunt, "rule by rule": run.rule_by_rule}
    for variant in VARIANTS:
        runs[variant] = lambda variant=variant: run.handwritten(variant)
    times = interleaved_medians(runs, repeat, warm_up=False)  # differences() ran each once
    best = min(VARIANTS, key=lambda v: times[v][0])
    hand_ms, hand_spread = times[best]
    rows = []
    for mode in ("hunt", "rule by rule"):
        ours_ms, ours_spread = times[mode]
        wrong = differ[best] + differ.get(mode, [])
        rows.append(
            [
                label,
                mode,
                f"{hand_ms:.0f} ±{hand_spread / 2:.0f} ({best})",
                f"{ours_ms:.0f} ±{ours_spread / 2:.0f}",
                f"{ours_ms / hand_ms:.2f}",
                f"{len(run.rules)} rules, {matches} rows",
                "yes" if not wrong else f"NO: {', '.join(wrong[:3])} ...",
            ]
        )
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    return sized_parser("pack", __doc__, ["1M"], 3).parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    console.print(f"duckdb {duckdb.__version__}; median of {args.repeat}; ± is half the spread (max - min)")
    table_rows = []
    for label, path in generated_workspaces(args.dir, args.rows, (TABLE, PROCESS, NETWORK)):
        table_rows += size_rows(label, PackRun(path), args.repeat)
    print_table(
        "RMM pack: rmmhunt (parse + compile + run every rule) / best hand-written DuckDB SQL, ms",
        ["rows per table", "rmmhunt", "hand-written, rule by rule", "rmmhunt", "ratio", "answer", "same rows"],
        table_rows,
    )
