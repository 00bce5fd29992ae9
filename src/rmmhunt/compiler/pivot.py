"""`evaluate pivot(Column [, Aggregation] [, GroupColumn, ...])`: each distinct value of Column becomes a column.

https://learn.microsoft.com/en-us/kusto/query/pivot-plugin

The rows are grouped by the group columns (by default every column but the pivoted one and those the
aggregation reads); the cell under value V is the aggregation (count() by default) over the group's rows whose
Column is V, or what the aggregation gives over no rows (0 for count and sum, null for min) when there are none.
Which columns that gives depends on the data: an output schema (`: (Group:string, V:long)`) names them up front;
without one the query's `Probe` asks the data for the distinct values (sorted by name), as bag_unpack does. An
empty value has no name of its own and gets an invented one (Column1, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.aggregates import AGGREGATES, compile_aggregate, over_no_rows
from rmmhunt.compiler.naming import unique
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

_VALUE = "__rmmhunt_pivot_value"
_CELL = "__rmmhunt_pivot_cell"


def _aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def _names_read(node: object) -> set[str]:
    """The column names an expression reads."""
    if isinstance(node, ast.Name):
        return {node.name}
    if isinstance(node, ast.Expr):
        return set().union(*(_names_read(getattr(node, f)) for f in node.__dataclass_fields__ if f != "span"))
    if isinstance(node, tuple):
        return set().union(*(_names_read(n) for n in node))
    return set()


def pivot(compiler: TabularCompiler, op: ast.Evaluate, relation: Relation) -> Relation:
    ctx, call = compiler.ctx, op.call
    args = list(call.args)
    if not args or not isinstance(args[0], ast.Name) or args[0].name not in relation.columns:
        raise KqlTypeError("pivot() needs a column of its input first", call.span, ctx.source)
    column = args.pop(0)
    aggregation = ast.Call(call.span, "count", (), call.span)
    if args and isinstance(args[0], ast.Call):
        aggregation = args.pop(0)
        if aggregation.name not in AGGREGATES:
            raise KqlTypeError("pivot() aggregates with one function such as sum(x)", aggregation.span, ctx.source)
    for arg in args:
        if not isinstance(arg, ast.Name) or arg.name not in relation.columns:
            raise KqlTypeError("pivot() groups by columns of its input", arg.span, ctx.source)
    left_out = {column.name} | _names_read(aggregation)
    groups = [a.name for a in args] if args else [n for n in relation.columns if n not in left_out]
    by = [ast.Assignment(n, ast.Name(call.span, n), call.span) for n in groups]
    by.append(ast.Assignment(_VALUE, ast.Call(call.span, "tostring", (column,), call.span), call.span))
    cells = ast.Summarize(op.span, (ast.Assignment(_CELL, aggregation, call.span),), tuple(by))
    grouped = compiler.summarize(cells, relation)
    spec, typed = compile_aggregate(ExprCompiler(ctx, relation.columns), aggregation)
    empty = over_no_rows(spec, typed)
    values = _declared_values(compiler, op, groups) if op.schema is not None else _probe_values(compiler, relation, op)
    if not groups and not values:  # SQL has no table without columns
        raise KqlTypeError("pivot: no column would be left (no group columns, no values)", call.span, ctx.source)
    items: list[exp.Expression] = [col(n) for n in groups]
    columns = {n: relation.columns[n] for n in groups}
    for value in values:
        picked = exp.Filter(
            this=exp.AnyValue(this=col(_CELL)),
            expression=exp.Where(this=exp.EQ(this=col(_VALUE), expression=exp.Literal.string(value))),
        )
        name = unique(value or ctx.namer.next(set(columns)), set(columns))
        items.append(_aliased(picked if empty is None else exp.Coalesce(this=picked, expressions=[empty.copy()]), name))
        columns[name] = grouped.columns[_CELL]
    query = grouped.select_from(ctx.next_alias(), items)
    if groups:
        query = query.group_by(*(col(n) for n in groups), copy=False)
    return Relation(query, columns)


def _declared_values(compiler: TabularCompiler, op: ast.Evaluate, groups: list[str]) -> list[str]:
    assert op.schema is not None
    if [n for n, _ in op.schema[: len(groups)]] != groups:
        message = f"pivot()'s output schema starts with its group columns: {', '.join(groups) or '(none)'}"
        raise KqlTypeError(message, op.span, compiler.ctx.source)
    return [name for name, _ in op.schema[len(groups) :]]


def _probe_values(compiler: TabularCompiler, relation: Relation, op: ast.Evaluate) -> list[str]:
    """The pivoted column's distinct values in the data, as strings, sorted."""
    if compiler.ctx.probe is None:
        construct = "evaluate pivot() without the data or an output schema such as `pivot(c) : (Group:string, a:long)`"
        raise KqlNotSupported(construct, op.call.span, compiler.ctx.source)
    column = op.call.args[0]
    text = ExprCompiler(compiler.ctx, relation.columns).compile(
        ast.Call(column.span, "tostring", (column,), column.span)
    )
    # Over a copy: the relation's own query already sits in the pivot's tree.
    source = Relation(relation.query.copy(), relation.columns)
    probe = source.select_from(compiler.ctx.next_alias(), [_aliased(text.sql, _VALUE)]).distinct(copy=False)
    return sorted("" if value is None else str(value) for (value,) in compiler.ctx.probe(probe))
