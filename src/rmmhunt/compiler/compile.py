"""Entry point: a whole query (let statements + tabular body) to a typed SQL tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlglot import exp

from rmmhunt.compiler.context import Probe, QueryContext, TableFilter, TableProvider
from rmmhunt.compiler.duckdb_sql import duckdb_sql
from rmmhunt.compiler.pruning import prune_projections
from rmmhunt.compiler.tabular import TabularCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlError, KqlTypeError
from rmmhunt.kql.parser import parse
from rmmhunt.kql.types import KqlType


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    tree: exp.Select
    columns: dict[str, KqlType]
    now: datetime

    def sql(self, dialect: str = "duckdb", pretty: bool = False) -> str:
        if dialect == "duckdb":
            return duckdb_sql(self.tree, pretty)
        return self.tree.sql(dialect=dialect, pretty=pretty)  # other dialects' generators rewrite what they generate


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def compile_query(
    query: str | ast.Query,
    tables: TableProvider,
    now: datetime | None = None,
    table_filter: TableFilter | None = None,
    probe: Probe | None = None,
) -> CompiledQuery:
    """Parse (if given text), bind names against `tables` and build the SQL tree.

    `now` fixes what `now()` and `ago()` mean (naive UTC); the default is the clock, read once.
    `table_filter` adds a condition to every read of a named table (see `TableFilter`).
    `probe` runs a query on the data when the output's columns depend on it (see `Probe`).
    """
    tree = parse(query) if isinstance(query, str) else query
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    ctx = QueryContext(tree.source, now or utc_now(), tables, table_filter, probe)
    try:
        tabular = TabularCompiler(ctx)
        for let in tree.lets:
            tabular.bind_let(let)
        relation = tabular.compile(tree.body)
    except KqlError as error:
        raise error.with_source(tree.source) from None
    except (OverflowError, RecursionError):  # constant folding past datetime's range, absurd nesting
        raise KqlTypeError(
            "a value in the query is out of range, or the query nests too deeply", None, tree.source
        ) from None
    prune_projections(relation.query, ctx.nested_queries)
    return CompiledQuery(relation.query, relation.columns, ctx.now)
