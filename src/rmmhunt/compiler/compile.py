"""Entry point: a whole query (let statements + tabular body) to a typed SQL tree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlglot import exp

from rmmhunt.compiler.context import QueryContext, TableProvider
from rmmhunt.compiler.relation import Relation
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.tabular import TabularCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlError
from rmmhunt.kql.parser import parse
from rmmhunt.kql.types import KqlType


@dataclass(frozen=True, slots=True)
class CompiledQuery:
    tree: exp.Select
    columns: dict[str, KqlType]
    now: datetime

    def sql(self, dialect: str = "duckdb", pretty: bool = False) -> str:
        return self.tree.sql(dialect=dialect, pretty=pretty)


def utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def compile_query(query: str | ast.Query, tables: TableProvider, now: datetime | None = None) -> CompiledQuery:
    """Parse (if given text), bind names against `tables` and build the SQL tree.

    `now` fixes what `now()` and `ago()` mean (naive UTC); the default is the clock, read once.
    """
    tree = parse(query) if isinstance(query, str) else query
    if now is not None and now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    ctx = QueryContext(tree.source, now or utc_now(), tables)
    try:
        tabular = TabularCompiler(ctx)
        for let in tree.lets:
            bind_let(ctx, tabular, let)
        relation = tabular.compile(tree.body)
    except KqlError as error:
        raise error.with_source(tree.source) from None
    return CompiledQuery(relation.query, relation.columns, ctx.now)


def bind_let(ctx: QueryContext, tabular: TabularCompiler, let: ast.Let) -> None:
    value = let.value
    if isinstance(value, ast.Name) and _names_table(ctx, value.name):
        value = ast.TableRef(value.span, value.name)
    if isinstance(value, ast.Tabular):
        relation: Relation = tabular.compile(value)
        ctx.relations[let.name] = relation
        ctx.scalars.pop(let.name, None)
    else:
        ctx.scalars[let.name] = ExprCompiler(ctx, {}).compile(value)
        ctx.relations.pop(let.name, None)


def _names_table(ctx: QueryContext, name: str) -> bool:
    return name in ctx.relations or (name not in ctx.scalars and ctx.tables.table_columns(name) is not None)
