"""What every engine is: it runs a compiled query and returns a pyarrow.Table with KQL types on its fields."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.engines.shared_scans import SharedScans

KQL_TYPE_KEY = b"kql_type"


class EngineError(RmmhuntError):
    pass


class DialectError(EngineError):
    """The query uses something the engine's dialect cannot say yet."""


class Engine(Protocol):
    name: str
    dialect: str  # the sqlglot dialect the engine's SQL is written in
    scans: SharedScans  # the scans the rules of a hunt share (see `shared_scans.sharing`)

    def execute(self, query: CompiledQuery) -> pa.Table: ...

    def materialize(self, name: str, query: exp.Select) -> int:
        """Store the query's rows as the temporary table `name`; return how many there are."""
        ...

    def drop(self, name: str) -> None:
        """Drop the temporary table `name`."""
        ...


def with_kql_types(result: pa.Table, columns: dict[str, KqlType]) -> pa.Table:
    """The engine's result with each field's KQL type in its metadata (`kql_type`)."""
    fields = [
        field.with_metadata({KQL_TYPE_KEY: kql_type.value.encode()})
        for field, kql_type in zip(result.schema, columns.values(), strict=True)
    ]
    return pa.Table.from_arrays(result.columns, schema=pa.schema(fields))


def probe_rows(engine: Engine, tree: exp.Select) -> list[tuple[object, ...]]:
    """The rows of a small query the compiler asks while compiling (see `rmmhunt.compiler.context.Probe`)."""
    columns = {item.alias_or_name: KqlType.STRING for item in tree.expressions}
    table = engine.execute(CompiledQuery(tree, columns, datetime.min))
    return list(zip(*(column.to_pylist() for column in table.columns), strict=True))


def referenced_tables(tree: exp.Expression) -> set[str]:
    """Names of the tables a query reads (engines make their views for these only, when first needed)."""
    return {table.name for table in tree.find_all(exp.Table) if table.name}


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
