"""The embedded engine: DuckDB over the workspace's Parquet files."""

from __future__ import annotations

import duckdb
import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery
from rmmhunt.compiler.duckdb_sql import duckdb_sql
from rmmhunt.compiler.relation import col, ident
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.engines.base import KQL_TYPE_KEY, EngineError, first_line, referenced_tables, with_kql_types
from rmmhunt.engines.dialects import for_dialect
from rmmhunt.engines.shared_scans import SharedScans
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore

__all__ = ["KQL_TYPE_KEY", "DuckDBEngine", "EngineError", "table_view"]

SPILL_DIRECTORY = ".spill"  # in the workspace: where DuckDB writes what does not fit in memory_limit
SESSION_SETTINGS = "; ".join(
    [
        "SET TimeZone = 'UTC'",
        "SET enable_progress_bar = false",  # it would print into the command's output
        "SET error_on_division_by_zero = false",  # null rather than failing the whole hunt
        # Workspace files are written once under a new name and never changed, so their footers can be cached.
        "SET parquet_metadata_cache = true",
    ]
)


def stored_column(name: str, kql_type: KqlType) -> exp.Expression:
    """A column as read from Parquet: timespans are stored as whole microseconds."""
    if kql_type is KqlType.TIMESPAN:
        return exp.Alias(this=exp.Anonymous(this="to_microseconds", expressions=[col(name)]), alias=ident(name))
    return col(name)


def table_view(name: str, columns: dict[str, KqlType], files: list[str], union_by_name: bool = False) -> exp.Create:
    """CREATE VIEW name AS the table's Parquet files, or an empty typed table when it has none.

    `union_by_name` is for files that do not all hold the same columns (written before the table gained
    one): DuckDB then reads every file's footer whenever a query is bound, which costs more than many
    small queries take to run, so it is only used when the plain form fails.
    """
    if files:
        options = [exp.EQ(this=exp.column("union_by_name"), expression=exp.true())] if union_by_name else []
        scan = exp.Anonymous(
            this="read_parquet",
            expressions=[exp.Array(expressions=[exp.Literal.string(f) for f in files]), *options],
        )
        items = [stored_column(c, t) for c, t in columns.items()]
        body = exp.Select(expressions=items).from_(exp.Table(this=scan), copy=False)
    else:
        nulls = [exp.alias_(exp.cast(exp.null(), sql_type(t)), ident(c)) for c, t in columns.items()]
        body = exp.select(*nulls).where(exp.false())
    return exp.Create(this=exp.Table(this=ident(name)), kind="VIEW", expression=body, replace=True)


class DuckDBEngine:
    name = "duckdb"
    dialect = "duckdb"

    def __init__(self, store: WorkspaceStore | None, memory_limit: str | None = None):
        """Views over the workspace's tables, made when a query first names them; with no workspace,
        every catalog table is empty.

        `memory_limit` (DuckDB's setting, such as "2GB") caps the memory DuckDB uses; what does not
        fit is spilled to the workspace's `.spill` directory.
        """
        self.con = duckdb.connect()
        self.con.execute(SESSION_SETTINGS)  # one call: each is a round trip that a cold query pays
        if memory_limit:
            try:
                self.con.execute("SET memory_limit = ?", [memory_limit])
            except duckdb.Error as exc:
                raise EngineError(f"duckdb: memory_limit {memory_limit!r}: {first_line(exc)}") from None
        if store is not None:
            self.con.execute("SET temp_directory = ?", [str(store.root / SPILL_DIRECTORY)])
        self.store = store
        self.tables = store if store is not None else default_catalog()
        self.views: set[str] = set()
        self.by_name: set[str] = set()  # tables whose files were found to differ in their columns
        self.scans = SharedScans(self.tables.table_columns)

    def register(self, tree: exp.Expression) -> None:
        for name in referenced_tables(tree) - self.views:
            columns = self.tables.table_columns(name)
            watchlist = self.store.watchlist_for_view(name) if self.store is not None and columns is None else None
            if watchlist is not None:
                self.con.register(name, watchlist)
                self.views.add(name)
                continue
            if columns is None:
                continue  # not a table (a subquery's alias): DuckDB names anything unknown
            files = [str(p) for p in self.store.table_files(name)] if self.store is not None else []
            try:
                self.con.execute(table_view(name, columns, files, name in self.by_name).sql(self.dialect, copy=False))
            except duckdb.BinderException:
                # The first file lacks a column a later one has: DuckDB says so rather than guess.
                self.by_name.add(name)
                self.con.execute(table_view(name, columns, files, union_by_name=True).sql(self.dialect, copy=False))
            self.views.add(name)

    def materialize(self, name: str, query: exp.Select) -> int:
        """The query's rows as the temporary table `name` (see `shared_scans`); how many there are."""
        table = exp.to_table(name, quoted=True)
        properties = exp.Properties(expressions=[exp.TemporaryProperty()])
        create = exp.Create(this=table, kind="TABLE", expression=query, properties=properties, replace=True)
        self.register(query)
        try:
            self.con.execute(create.sql(self.dialect, copy=False))
        except duckdb.Error as exc:
            raise EngineError(f"the engine failed to share a scan of {name}: {first_line(exc)}") from None
        count = exp.select(exp.Count(this=exp.Star())).from_(table.copy())
        return self.con.execute(count.sql(self.dialect)).fetchall()[0][0]

    def drop(self, name: str) -> None:
        drop = exp.Drop(tables=[exp.to_table(name, quoted=True)], kind="TABLE", exists=True)
        self.con.execute(drop.sql(self.dialect))

    def run(self, sql: str, tree: exp.Expression) -> pa.Table:
        self.register(tree)
        return self.con.sql(sql).to_arrow_table()

    def execute(self, query: CompiledQuery) -> pa.Table:
        tree = for_dialect(self.scans.redirect(query.tree), self.dialect)
        sql = duckdb_sql(tree)
        try:
            try:
                result = self.run(sql, tree)
            except duckdb.InvalidInputException as exc:
                # A later file lacks a column the first one has; DuckDB's message suggests union_by_name.
                plain = referenced_tables(tree) & self.views - self.by_name
                if "union_by_name" not in str(exc) or not plain:
                    raise
                self.by_name |= plain
                self.views -= plain
                result = self.run(sql, tree)
        except duckdb.Error as exc:
            raise EngineError(f"the engine failed to run the query: {first_line(exc)}") from None
        return with_kql_types(result, query.columns)
