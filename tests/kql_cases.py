"""The shape of a data-driven KQL case (query text -> expected columns and rows, with its doc page)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa

from rmmhunt.output import rows

NOW = datetime(2024, 3, 1, 12, 0, 0)
DOCS = "https://learn.microsoft.com/en-us/kusto/query/"


def doc(page: str) -> str:
    return DOCS + page


@dataclass(frozen=True)
class Case:
    id: str
    kql: str
    columns: list[str]
    rows: list[list[Any]]
    url: str
    types: list[str] | None = None
    ordered: bool = False
    sort_lists: bool = False


def json_key(value: Any) -> str:
    """A sort key for rows and list elements of any JSON type."""
    return json.dumps(value, sort_keys=True, default=str)


def arranged(table_rows: list[list[Any]], *, ordered: bool, sort_lists: bool) -> list[list[Any]]:
    """Rows as a multiset unless their order is the point; arrays sorted when theirs is not (make_set)."""
    out = table_rows
    if sort_lists:
        out = [[sorted(v, key=json_key) if isinstance(v, list) else v for v in row] for row in out]
    return out if ordered else sorted(out, key=json_key)


def canonical(table: pa.Table, *, ordered: bool = False, sort_lists: bool = True) -> list[list[Any]]:
    """A result's rows as JSON values, arranged (arrays sorted unless told otherwise)."""
    return arranged(rows(table), ordered=ordered, sort_lists=sort_lists)


def normalize(table_rows: list[list[Any]], case: Case) -> list[list[Any]]:
    """Rows arranged as the case says."""
    return arranged(table_rows, ordered=case.ordered, sort_lists=case.sort_lists)
