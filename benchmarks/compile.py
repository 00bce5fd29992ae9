"""Compile time: parse + bind + DuckDB SQL generation, with no engine: the seed rule, each pack rule, the whole pack."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import datetime

from rich.console import Console
from rich.table import Table

from rmmhunt.compiler import compile_query
from rmmhunt.rules import builtin_rules_dir, load_rules
from rmmhunt.schema import default_catalog

NOW = datetime(2026, 11, 27, 12)
SEED_ID = "ae49b070-4477-4660-a0a6-2377b08b76b4"


def samples_ms(run: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def median_ms(run: Callable[[], object], repeat: int = 200) -> float:
    return statistics.median(samples_ms(run, repeat))


def calibration_loop() -> int:
    """A fixed pure-Python workload, no rmmhunt or sqlglot in it: its time says how fast the machine runs now.

    A small VM flips between a fast and a slow CPU state (this loop's median moves by ~2x); compare a compile
    time with this loop's time from the same run rather than with a figure from another run.
    """
    total = 0
    for i in range(20_000):
        total += i * i % 7
    return total


def spread(samples: list[float]) -> str:
    quartiles = statistics.quantiles(samples, n=4)
    return f"{statistics.median(samples):.3f} (IQR {quartiles[0]:.3f}-{quartiles[2]:.3f})"


def main(argv: list[str]) -> None:
    del argv
    catalog = default_catalog()
    rules = load_rules(builtin_rules_dir())
    seed = next(r.rule.query for r in rules if r.rule.id == SEED_ID)

    def compile_one(query: str) -> str:
        return compile_query(query, catalog, NOW).sql()

    samples_ms(lambda: compile_one(seed), 50)  # warm-up: imports, caches
    per_rule = [median_ms(lambda q=r.rule.query: compile_one(q), repeat=11) for r in rules]
    table = Table(title="compile time (parse + bind + DuckDB SQL), ms", title_justify="left")
    table.add_column("what")
    table.add_column("ms", justify="right")
    table.add_row("seed rule, back to back, median of 500", spread(samples_ms(lambda: compile_one(seed), 500)))
    seed_samples: list[float] = []
    calibration: list[float] = []
    for _ in range(500):  # interleaved, so both see the same machine state (each also evicts the other's caches)
        seed_samples += samples_ms(lambda: compile_one(seed), 1)
        calibration += samples_ms(calibration_loop, 1)
    table.add_row("seed rule, interleaved with the loop, median of 500", spread(seed_samples))
    table.add_row("pure-Python calibration loop, interleaved with the seed", spread(calibration))
    deciles = statistics.quantiles(per_rule, n=10)
    table.add_row(
        f"each of the {len(rules)} rules (its median of 11)",
        f"median {statistics.median(per_rule):.3f}, p90 {deciles[8]:.3f}, max {max(per_rule):.3f}",
    )
    table.add_row(
        f"whole pack ({len(rules)} rules), median of 7",
        spread(samples_ms(lambda: [compile_one(r.rule.query) for r in rules], 7)),
    )
    Console(width=160).print(table)
