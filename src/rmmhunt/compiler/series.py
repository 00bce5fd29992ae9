"""make-series: one array per aggregate over a regular axis, per group.

https://learn.microsoft.com/en-us/kusto/query/make-series-operator
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.aggregates import AGGREGATES, compile_aggregate, default_name
from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.literals import interval, literal
from rmmhunt.compiler.naming import inferred_name, unique
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

BIN = "__rmmhunt_bin"


def _aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def _qualified(name: str, table: str) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table))


def _constant(compiler: TabularCompiler, node: ast.Expr | None, what: str) -> Typed | None:
    typed = _bound(compiler, node)
    if node is not None and typed is not None and (not typed.is_constant or typed.value is None):
        raise KqlTypeError(f"make-series {what} must be a constant", node.span, compiler.ctx.source)
    return typed


def _bound(compiler: TabularCompiler, node: ast.Expr | None) -> Typed | None:
    """`from` or `to`: one value for the whole query (it cannot read the rows), computed at run time when it is
    not a constant, as `startofday(ago(14d))` is not."""
    return None if node is None else ExprCompiler(compiler.ctx, {}).compile(node)


def _bin(axis: Typed, step: Typed, start: Typed | None) -> exp.Expression:
    """The axis value rounded down to its bin: start + k * step (aligned to 0 without a start)."""
    if axis.type is KqlType.DATETIME:
        origin = start.sql if start else literal(datetime(1, 1, 1), KqlType.DATETIME).sql
        assert isinstance(step.value, timedelta)
        return exp.Anonymous(this="time_bucket", expressions=[interval(step.value), axis.sql, origin])
    offset = start.sql if start else exp.Literal.number(0)
    steps = exp.Floor(this=exp.Div(this=exp.paren(exp.Sub(this=axis.sql, expression=offset)), expression=step.sql))
    return exp.Add(this=offset.copy(), expression=exp.Mul(this=steps, expression=step.sql.copy()))


def make_series(compiler: TabularCompiler, op: ast.MakeSeries, relation: Relation) -> Relation:
    ctx = compiler.ctx
    scalar = ExprCompiler(ctx, relation.columns)
    axis = scalar.compile(op.axis)
    step = _constant(compiler, op.step, "step")
    start, end = _bound(compiler, op.start), _bound(compiler, op.end)
    assert step is not None
    expected_step = KqlType.TIMESPAN if axis.type is KqlType.DATETIME else None
    if (expected_step and step.type is not expected_step) or (not expected_step and not axis.type.is_numeric):
        raise KqlTypeError(
            "make-series needs a datetime axis with a timespan step, or a numeric axis and step",
            op.axis.span,
            ctx.source,
        )

    # 1. one row per group and bin, with every aggregate.
    by_names: list[str] = []
    binned_items: list[exp.Expression] = []
    group: list[exp.Expression] = []
    for item in op.by:
        typed = scalar.compile(item.expr)
        name = unique(item.name or inferred_name(item.expr) or ctx.namer.next(set(by_names)), set(by_names))
        by_names.append(name)
        binned_items.append(_aliased(typed.sql, name))
        group.append(typed.sql.copy())
    bin_sql = _bin(axis, step, start)
    binned_items.append(_aliased(bin_sql, BIN))
    group.append(bin_sql.copy())
    series: list[tuple[str, Typed, exp.Expression]] = []  # (name, aggregate, default)
    taken = set(by_names)
    for item, default in op.aggregates:
        call = item.expr
        if not isinstance(call, ast.Call) or call.name not in AGGREGATES:
            raise KqlTypeError("make-series needs an aggregate function such as count() here", call.span, ctx.source)
        spec, typed = compile_aggregate(scalar, call)
        name = unique(item.name or default_name(spec, call), taken)
        taken.add(name)
        fill = scalar.compile(default).sql if default is not None else exp.Literal.number(0)
        series.append((name, typed, fill))
        binned_items.append(_aliased(typed.sql, name))
    axis_name = unique(inferred_name(op.axis) or "Column1", taken)
    source = relation.select_from(ctx.next_alias(), binned_items)
    conditions = []
    if start is not None:
        conditions.append(exp.GTE(this=axis.sql.copy(), expression=start.sql))
    if end is not None:
        conditions.append(exp.LT(this=axis.sql.copy(), expression=end.sql))
    if conditions:
        source = source.where(exp.and_(*conditions), copy=False)
    binned = source.group_by(*group, copy=False)

    # 2. the axis of each group: from..to when given, else the group's own first..last bin.
    # (aggregates even when constant, so that each group yields one row)
    low = exp.Min(this=start.sql if start is not None else col(BIN))
    high = exp.Max(this=_last_bin(start, end, step) if start is not None and end is not None else col(BIN))
    bounds_items = [col(n) for n in by_names] + [_aliased(low, "__lo"), _aliased(high, "__hi")]
    bounds = exp.Select(expressions=bounds_items).from_(binned.subquery(ctx.next_alias()), copy=False)
    if by_names:
        bounds = bounds.group_by(*[col(n) for n in by_names], copy=False)
    grid_axis = exp.Explode(
        this=exp.Anonymous(this="generate_series", expressions=[col("__lo"), col("__hi"), step.sql.copy()])
    )
    grid = exp.Select(expressions=[*[col(n) for n in by_names], _aliased(grid_axis, BIN)]).from_(
        bounds.subquery(ctx.next_alias()), copy=False
    )

    # 3. arrays in axis order, absent bins filled with the default.
    g, b = ctx.next_alias(), ctx.next_alias()
    on = exp.and_(
        *[exp.NullSafeEQ(this=_qualified(n, g), expression=_qualified(n, b)) for n in by_names],
        exp.EQ(this=_qualified(BIN, g), expression=_qualified(BIN, b)),
    )
    by_bin = [exp.Ordered(this=_qualified(BIN, g), nulls_first=False)]
    items: list[exp.Expression] = [_aliased(_qualified(n, g), n) for n in by_names]
    for name, _, fill in series:
        value = exp.Coalesce(this=_qualified(name, b), expressions=[fill])
        items.append(_aliased(exp.ArrayAgg(this=exp.Order(this=value, expressions=[o.copy() for o in by_bin])), name))
    items.append(_aliased(exp.ArrayAgg(this=exp.Order(this=_qualified(BIN, g), expressions=by_bin)), axis_name))
    query = exp.Select(expressions=items).from_(grid.subquery(g), copy=False)
    query.append("joins", exp.Join(this=binned.subquery(b), on=on, side="LEFT"))
    if by_names:
        query = query.group_by(*[_qualified(n, g) for n in by_names], copy=False)
    else:  # no input rows, no series (rather than SQL's one row of empty aggregates)
        query = query.having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(0)), copy=False)
    columns = {n: relation.columns.get(n, KqlType.STRING) for n in by_names}
    for item, name in zip(op.by, by_names, strict=True):
        columns[name] = scalar.compile(item.expr).type
    columns |= {name: KqlType.DYNAMIC for name, _, _ in series} | {axis_name: KqlType.DYNAMIC}
    return Relation(query, columns)


def _last_bin(start: Typed, end: Typed, step: Typed) -> exp.Expression:
    """The last bin start below `end` (exclusive), at least `start`: start + (ceil((end - start) / step) - 1) * step."""
    if start.is_constant and end.is_constant and start.value is not None and end.value is not None:
        span, size = end.value - start.value, step.value  # type: ignore[operator]
        count = math.ceil(span / size)  # type: ignore[operator]
        last = start.value + (max(count, 1) - 1) * size  # type: ignore[operator]
        return literal(last, start.type).sql
    if start.type is KqlType.DATETIME:  # the bin of the last microsecond before `end`
        before_end = Typed(exp.Sub(this=end.sql.copy(), expression=interval(timedelta(microseconds=1))), end.type)
        return exp.Greatest(this=start.sql.copy(), expressions=[_bin(before_end, step, start)])
    steps = exp.Ceil(
        this=exp.Div(
            this=exp.paren(exp.Sub(this=end.sql.copy(), expression=start.sql.copy())), expression=step.sql.copy()
        )
    )
    count = exp.Greatest(this=steps, expressions=[exp.Literal.number(1)])
    offset = exp.Mul(this=exp.paren(exp.Sub(this=count, expression=exp.Literal.number(1))), expression=step.sql.copy())
    return exp.cast(exp.Add(this=start.sql.copy(), expression=offset), sql_type(start.type))
