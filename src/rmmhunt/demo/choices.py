"""Weighted choice tables for generating rows in DuckDB without a Python loop per row: each choice is
repeated by its weight and numbered by `slot`, so joining `hash(i, ...) % total = slot` picks choices in
proportion to their weights, deterministically."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa


def register_choices(
    con: duckdb.DuckDBPyConnection, name: str, columns: Sequence[str], rows: Sequence[tuple[object, ...]]
) -> int:
    """Register view `name` (`columns` plus `slot`) from rows whose last item is the weight; returns the total."""
    expanded = [row[:-1] for row in rows for _ in range(int(row[-1]))]
    table = pa.table({column: [row[i] for row in expanded] for i, column in enumerate(columns)})
    con.register(name, table.append_column("slot", pa.array(range(len(expanded)), pa.int64())))
    return len(expanded)
