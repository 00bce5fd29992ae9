"""Compile time: parse + bind + SQL generation of the seed rule, with no engine."""

from __future__ import annotations

import statistics
import time
from datetime import datetime

from rich.console import Console
from rich.table import Table

from rmmhunt.compiler import compile_query
from rmmhunt.rules import builtin_rules_dir, load_rules
from rmmhunt.schema import default_catalog

NOW = datetime(2026, 11, 27, 12)


def median_ms(run, repeat: int = 200) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main(argv: list[str]) -> None:
    del argv
    catalog = default_catalog()
    rules = load_rules(builtin_rules_dir())
    table = Table(title="compile time (parse + bind + DuckDB SQL), median of 200")
    table.add_column("rule")
    table.add_column("ms", justify="right")
    for item in rules:
        query = item.rule.query
        table.add_row(item.rule.title, f"{median_ms(lambda q=query: compile_query(q, catalog, NOW).sql()):.3f}")
    whole = median_ms(lambda: [compile_query(r.rule.query, catalog, NOW).sql() for r in rules], repeat=20)
    table.add_row(f"whole pack ({len(rules)} rules)", f"{whole:.3f}")
    Console().print(table)
