"""Lists on Spark: lengths, slices, ranges and series, folds, 1-based indexing computed by the query,
index lambdas."""

from __future__ import annotations

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from rmmhunt.compiler.functions.sql import anon

_DUCKDB_GENERATOR = Dialect.get_or_raise("duckdb").generator()


def list_length(args: list[exp.Expression]) -> exp.Expression:
    return anon("array_size", *args)  # size() would give -1 for null


def list_slice(args: list[exp.Expression]) -> exp.Expression:
    items, start, stop = args
    length = exp.Add(this=exp.paren(exp.Sub(this=stop, expression=start.copy())), expression=exp.Literal.number(1))
    return anon("slice", items, start, length)


def list_range(args: list[exp.Expression]) -> exp.Expression:
    (count,) = args
    last = exp.Sub(this=exp.paren(count.copy()), expression=exp.Literal.number(1))
    positions = anon("sequence", exp.Literal.number(0), last)
    return exp.If(this=exp.GT(this=count, expression=exp.Literal.number(0)), true=positions, false=anon("array"))


def list_reverse(args: list[exp.Expression]) -> exp.Expression:
    return anon("reverse", *args)


def list_reduce(args: list[exp.Expression]) -> exp.Expression:
    """list_reduce(list, (acc, x) -> ..., start) as Spark's aggregate(list, start, (acc, x) -> ...)."""
    items, merge, start = args
    return anon("aggregate", items, start, merge)


def generate_series(args: list[exp.Expression]) -> exp.Expression:
    """Spark's sequence() fails where DuckDB's generate_series() is empty: a step leading away from `to`."""
    start, stop, step = args
    ahead = exp.paren(exp.Add(this=stop.copy(), expression=step.copy()))
    away = exp.or_(
        exp.and_(exp.GT(this=start.copy(), expression=stop.copy()), exp.GT(this=ahead, expression=stop.copy())),
        exp.and_(exp.LT(this=start.copy(), expression=stop.copy()), exp.LT(this=ahead.copy(), expression=stop.copy())),
    )
    return exp.If(this=away, true=anon("array"), false=anon("sequence", start, stop, step))


def generate_series_node(node: exp.GenerateSeries) -> exp.Expression:
    step = node.args.get("step") or exp.Literal.number(1)
    return generate_series([node.args["start"], node.args["end"], step])


def bracket(node: exp.Bracket) -> exp.Expression:
    """list[i] with i computed: DuckDB's 1-based index as DuckDB's SQL writes it, read with try_element_at
    (null out of range, from the end when negative, as in DuckDB; null for 0, which Spark would refuse).
    A constant index sqlglot shifts itself."""
    if node.args.get("json_access") or node.expressions[0].is_int:
        return node
    (index,) = _DUCKDB_GENERATOR.bracket_offset_expressions(node)
    position = exp.cast(exp.Nullif(this=index, expression=exp.Literal.number(0)), exp.DataType.Type.INT)
    return anon("try_element_at", node.this, position)


# The list functions whose lambda may take an element's index as a second parameter.
_INDEXED_LAMBDAS = (exp.Transform, exp.ArrayFilter)


def index_lambda(node: exp.Lambda) -> exp.Lambda:
    """(x, i) -> body over a list: DuckDB counts i from 1, Spark from 0."""
    if len(node.expressions) != 2 or not isinstance(node.parent, _INDEXED_LAMBDAS):
        return node
    index = node.expressions[1].name
    for column in list(node.this.find_all(exp.Column)):
        if column.name == index and not column.table:
            column.replace(exp.paren(exp.Add(this=column.copy(), expression=exp.Literal.number(1))))
    return node
