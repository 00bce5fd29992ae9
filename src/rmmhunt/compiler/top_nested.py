"""top-nested: hierarchical aggregation, the top N values of each level within each value of the level above.

https://learn.microsoft.com/en-us/kusto/query/top-nested-operator

Level i groups the rows whose ancestors made the top by the values of levels 1..i, aggregates each group and
ranks the groups within their parent with ROW_NUMBER() (ties broken by the value, so results are repeatable).
The output has two columns per level: the value (`Name = Expr`, else the name Kusto infers) and the aggregate
(`Name = Aggregation`, else `aggregated_<value name>`). `with others = C` adds, per parent, one row whose value
is C and whose aggregate is over the rows of the groups left out (none when nothing was left out); the levels
below such a row are empty (null, or '' for strings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.joins import qualified
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.naming import inferred_name, unique
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.reshape import whole_number
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

_RANK = "__rmmhunt_rank"
_ROWS = "__rmmhunt_rows"  # an others row needs rows left out (summarize without `by` yields a row regardless)


def _key(level: int) -> str:
    return f"__rmmhunt_value{level}"


def _aggregate(level: int) -> str:
    return f"__rmmhunt_aggregate{level}"


def _aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def top_nested(compiler: TabularCompiler, op: ast.TopNested, relation: Relation) -> Relation:
    values = tuple(ast.Assignment(_key(i), level.value.expr, level.value.span) for i, level in enumerate(op.levels))
    base = compiler.extend(ast.Extend(op.span, values), relation)
    kept: Relation | None = None
    others: list[tuple[int, Relation]] = []
    for i, level in enumerate(op.levels):
        ancestors = [_key(j) for j in range(i)] + [_aggregate(j) for j in range(i)]
        rows = base if kept is None else _under(compiler, base, kept, i)
        span = level.value.span
        by = tuple(ast.Assignment(n, ast.Name(span, n), span) for n in [_key(i), *ancestors])
        aggregate = ast.Assignment(_aggregate(i), level.aggregate.expr, level.aggregate.span)
        grouped = compiler.summarize(ast.Summarize(op.span, (aggregate,), by), rows)
        ranked = _ranked(compiler, grouped, i, level.descending)
        if level.count is None:
            kept = grouped
            continue
        limit = exp.Literal.number(whole_number(compiler, level.count))
        kept = _rank_filter(compiler, ranked, grouped, exp.LTE(this=col(_RANK), expression=limit))
        if level.others is not None:
            left_out = _rank_filter(compiler, ranked, grouped, exp.GT(this=col(_RANK), expression=limit.copy()))
            rest = _joined(compiler, rows, left_out, [_key(j) for j in range(i + 1)], [])
            by_parent = tuple(a for a in by if a.name != _key(i))
            counted = (aggregate, ast.Assignment(_ROWS, ast.Call(span, "count", (), span), span))
            others.append((i, compiler.summarize(ast.Summarize(op.span, counted, by_parent), rest)))
    assert kept is not None
    return _output(compiler, op, base, kept, others)


def _ranked(compiler: TabularCompiler, grouped: Relation, level: int, descending: bool) -> exp.Select:
    """The groups numbered 1, 2, ... within their parent, best aggregate first."""
    order = exp.Order(
        expressions=[
            exp.Ordered(this=col(_aggregate(level)), desc=descending, nulls_first=not descending),
            exp.Ordered(this=col(_key(level)), nulls_first=True),
        ]
    )
    parents = [col(_key(j)) for j in range(level)] or None
    number = exp.Window(this=exp.RowNumber(), partition_by=parents, order=order)
    return grouped.select_from(compiler.ctx.next_alias(), [exp.Star(), _aliased(number, _RANK)])


def _rank_filter(
    compiler: TabularCompiler, ranked: exp.Select, grouped: Relation, condition: exp.Expression
) -> Relation:
    query = exp.Select(expressions=grouped.column_items()).from_(ranked.subquery(compiler.ctx.next_alias()))
    return Relation(query.where(condition, copy=False), grouped.columns)


def _joined(
    compiler: TabularCompiler, rows: Relation, groups: Relation, keys: list[str], carried: list[str]
) -> Relation:
    """The rows in one of the groups, with the group's `carried` columns; null keys match null. Each group is
    one row of `groups`, so the join repeats no row."""
    left, right = compiler.ctx.next_alias(), compiler.ctx.next_alias()
    on = exp.and_(*(exp.NullSafeEQ(this=qualified(k, left), expression=qualified(k, right)) for k in keys))
    items = [*(qualified(n, left) for n in rows.columns), *(qualified(n, right) for n in carried)]
    query = (
        exp.Select(expressions=items)
        .from_(rows.query.subquery(left))
        .join(groups.query.subquery(right), on=on, join_type="inner", copy=False)
    )
    return Relation(query, {**rows.columns, **{n: groups.columns[n] for n in carried}})


def _under(compiler: TabularCompiler, base: Relation, kept: Relation, level: int) -> Relation:
    """The input rows whose values at the levels above made the top, with those levels' aggregates."""
    return _joined(compiler, base, kept, [_key(j) for j in range(level)], [_aggregate(j) for j in range(level)])


def _output_names(compiler: TabularCompiler, op: ast.TopNested) -> list[tuple[str, str]]:
    """(value column, aggregate column) per level: given names, inferred ones, `aggregated_<value>`."""
    taken: set[str] = set()
    names = []
    for level in op.levels:
        value = level.value.name or inferred_name(level.value.expr) or compiler.ctx.namer.next(taken)
        value = unique(value, taken)
        taken.add(value)
        aggregate = unique(level.aggregate.name or f"aggregated_{value}", taken)
        taken.add(aggregate)
        names.append((value, aggregate))
    return names


def _output(
    compiler: TabularCompiler,
    op: ast.TopNested,
    base: Relation,
    kept: Relation,
    others: list[tuple[int, Relation]],
) -> Relation:
    names = _output_names(compiler, op)
    columns: dict[str, KqlType] = {}
    for i, (value, aggregate) in enumerate(names):
        columns[value], columns[aggregate] = base.columns[_key(i)], kept.columns[_aggregate(i)]
    query: exp.Query = kept.select_from(compiler.ctx.next_alias(), _items(names, columns, len(names), None))
    for level, rest in others:
        constant = _others_value(compiler, op.levels[level], base.columns[_key(level)])
        others_rows = rest.select_from(compiler.ctx.next_alias(), _items(names, columns, level, constant)).where(
            exp.GT(this=col(_ROWS), expression=exp.Literal.number(0)), copy=False
        )
        query = exp.union(query, others_rows, distinct=False)
    if not others:
        return Relation(query, columns)
    assert isinstance(query, exp.Union)
    return Relation(exp.Select(expressions=[exp.Star()]).from_(query.subquery(compiler.ctx.next_alias())), columns)


def _items(
    names: list[tuple[str, str]], columns: dict[str, KqlType], level: int, others: exp.Expression | None
) -> list[exp.Expression]:
    """The output columns of the levels above `level`, then the others row's at `level` (when there is one);
    the levels below an others row are empty."""
    items: list[exp.Expression] = []
    for i, (value, aggregate) in enumerate(names):
        if i < level:
            items += [_aliased(col(_key(i)), value), _aliased(col(_aggregate(i)), aggregate)]
        elif i == level and others is not None:
            items += [_aliased(others, value), _aliased(col(_aggregate(i)), aggregate)]
        else:
            items += [_aliased(_empty(columns[n]), n) for n in (value, aggregate)]
    return items


def _empty(kql_type: KqlType) -> exp.Expression:
    """Null, or '' for a string (Kusto strings have no null)."""
    return literal("" if kql_type is KqlType.STRING else None, kql_type).sql


def _others_value(compiler: TabularCompiler, level: ast.TopNestedLevel, kql_type: KqlType) -> exp.Expression:
    assert level.others is not None
    typed = ExprCompiler(compiler.ctx, {}).compile(level.others)
    fits = typed.type == kql_type or (typed.type.is_numeric and kql_type.is_numeric)
    if not typed.is_constant or not fits:
        message = f"with others = needs a constant {kql_type.value}, like the values of this level"
        raise KqlTypeError(message, level.others.span, compiler.ctx.source)
    return exp.cast(typed.sql, sql_type(kql_type))
