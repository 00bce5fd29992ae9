"""Query results as a terminal table, JSON or CSV, with KQL's value conventions."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta
from typing import Any

import pyarrow as pa
from rich.console import Console
from rich.table import Table

from rmmhunt.engines.duckdb_engine import KQL_TYPE_KEY
from rmmhunt.kql.types import format_timespan


def kql_types(table: pa.Table) -> list[str]:
    return [(field.metadata or {}).get(KQL_TYPE_KEY, b"dynamic").decode() for field in table.schema]


def format_datetime(value: datetime) -> str:
    """ISO 8601 UTC with 7 fractional digits and a Z, as Kusto prints datetimes."""
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def _timespan_of(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    months, days, nanos = value  # Arrow month_day_nano interval
    return timedelta(days=months * 30 + days, microseconds=nanos // 1000)


def json_value(value: Any, kql_type: str) -> Any:
    """A cell as a JSON-ready value: datetimes ISO Z, timespans Kusto-style, dynamic as JSON."""
    if value is None:
        return None
    if kql_type == "dynamic":
        if isinstance(value, str):
            try:
                return json.loads(value)
            except json.JSONDecodeError:
                return value
        return _plain(value)
    if kql_type == "datetime":
        return format_datetime(value)
    if kql_type == "timespan":
        return format_timespan(_timespan_of(value))
    if kql_type == "decimal":
        return str(value)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, timedelta):
        return format_timespan(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def rows(table: pa.Table) -> list[list[Any]]:
    types = kql_types(table)
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return [[json_value(v, t) for v, t in zip(row, types, strict=True)] for row in zip(*columns, strict=True)]


def to_json_object(table: pa.Table) -> dict[str, Any]:
    return {"columns": table.column_names, "types": kql_types(table), "rows": rows(table)}


def text_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def to_csv(table: pa.Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table.column_names)
    writer.writerows([text_cell(v) for v in row] for row in rows(table))
    return buffer.getvalue()


def screen_cell(value: Any, kql_type: str) -> str:
    """A cell for people: datetimes to the second unless they carry a fraction."""
    if kql_type == "datetime" and isinstance(value, str):
        return value.replace("T", " ").replace(".0000000Z", "Z")
    return text_cell(value)


def to_rich_table(table: pa.Table, title: str | None = None) -> Table:
    view = Table(title=title, title_justify="left", header_style="bold cyan")
    types = kql_types(table)
    for name, kql_type in zip(table.column_names, types, strict=True):
        view.add_column(name, overflow="fold", no_wrap=kql_type in ("datetime", "long", "int", "real"))
    for row in rows(table):
        view.add_row(*(screen_cell(v, t) for v, t in zip(row, types, strict=True)))
    return view


def print_table(table: pa.Table, console: Console, title: str | None = None) -> None:
    console.print(to_rich_table(table, title))
    noun = "row" if table.num_rows == 1 else "rows"
    console.print(f"[dim]{table.num_rows} {noun}[/dim]")
