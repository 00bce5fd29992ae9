"""Loads the table catalog from `defender_tables.json`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from rmmhunt.kql.types import KqlType


@dataclass(frozen=True, slots=True)
class TableSchema:
    name: str
    columns: dict[str, KqlType]
    description: str = ""
    source: str = ""


class Catalog:
    """Tables by name; serves the compiler as a table provider."""

    def __init__(self, tables: dict[str, TableSchema]):
        self.tables = tables

    def table_columns(self, name: str) -> dict[str, KqlType] | None:
        table = self.tables.get(name)
        return None if table is None else table.columns

    def table_names(self) -> list[str]:
        return list(self.tables)

    def __contains__(self, name: str) -> bool:
        return name in self.tables

    def __getitem__(self, name: str) -> TableSchema:
        return self.tables[name]


@cache
def default_catalog() -> Catalog:
    text = resources.files("rmmhunt.schema").joinpath("defender_tables.json").read_text("utf-8")
    tables = {
        name: TableSchema(
            name,
            {c["name"]: KqlType(c["type"]) for c in spec["columns"]},
            spec.get("description", ""),
            spec.get("source", ""),
        )
        for name, spec in json.loads(text).items()
    }
    return Catalog(tables)
