"""The embedded engine: DuckDB over the workspace's Parquet files."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery
from rmmhunt.compiler.relation import col, ident
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore

KQL_TYPE_KEY = b"kql_type"


class EngineError(RmmhuntError):
    pass


def table_view(name: str, columns: dict[str, KqlType], files: list[str]) -> exp.Create:
    """CREATE VIEW name AS the table's Parquet files, or an empty typed table when it has none."""
    if files:
        scan = exp.Anonymous(
            this="read_parquet",
            expressions=[
                exp.Array(expressions=[exp.Literal.string(f) for f in files]),
                exp.EQ(this=exp.column("union_by_name"), expression=exp.true()),
            ],
        )
        body = exp.select(*[col(c) for c in columns]).from_(exp.Table(this=scan))
    else:
        nulls = [exp.alias_(exp.cast(exp.null(), sql_type(t)), ident(c)) for c, t in columns.items()]
        body = exp.select(*nulls).where(exp.false())
    return exp.Create(this=exp.Table(this=ident(name)), kind="VIEW", expression=body, replace=True)


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, store: WorkspaceStore | None, memory_limit: str | None = None):
        """Views over the workspace's tables; with no workspace, every catalog table is empty."""
        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [memory_limit])
        tables = store if store is not None else default_catalog()
        for name in tables.table_names():
            columns = tables.table_columns(name)
            assert columns is not None
            files = [str(p) for p in store.table_files(name)] if store is not None else []
            self.con.execute(table_view(name, columns, files).sql(self.dialect))

    def execute(self, query: CompiledQuery) -> pa.Table:
        try:
            result = self.con.sql(query.sql(self.dialect)).to_arrow_table()
        except duckdb.Error as exc:
            raise EngineError(f"the engine failed to run the query: {str(exc).splitlines()[0]}") from None
        fields = [
            field.with_metadata({KQL_TYPE_KEY: kql_type.value.encode()})
            for field, kql_type in zip(result.schema, query.columns.values(), strict=True)
        ]
        return pa.Table.from_arrays(result.columns, schema=pa.schema(fields))
