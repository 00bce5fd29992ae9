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


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def canonical(table: pa.Table, *, ordered: bool = False, sort_lists: bool = True) -> list[list[Any]]:
    """A result's rows as JSON values; arrays sorted (make_set has no order) and rows sorted, unless order
    is the point."""
    out = rows(table)
    if sort_lists:
        out = [[sorted(v, key=_key) if isinstance(v, list) else v for v in row] for row in out]
    return out if ordered else sorted(out, key=_key)


def normalize(table_rows: list[list[Any]], case: Case) -> list[list[Any]]:
    """Rows as a multiset unless the case is ordered; arrays sorted when the case says so."""
    out = table_rows
    if case.sort_lists:
        out = [[sorted(v, key=_key) if isinstance(v, list) else v for v in row] for row in out]
    if not case.ordered:
        out = sorted(out, key=_key)
    return out
