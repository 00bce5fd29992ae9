"""Aggregate functions for `summarize`: one entry each in AGGREGATES.

References: https://learn.microsoft.com/en-us/kusto/query/aggregation-functions and each
function's page. Default output names follow the summarize operator's page (count_, min_X, set_X).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType


@dataclass(frozen=True, slots=True)
class Aggregate:
    """How to build one aggregate: its SQL and KQL type from compiled arguments.

    `empty` is the value Kusto gives over no rows (summarize without `by` on an empty input),
    where SQL would give NULL.
    """

    prefix: str  # default column name is f"{prefix}_{first argument's name}"
    build: Callable[[list[Typed]], Typed]
    min_args: int
    max_args: int
    empty: exp.Expression | None = None


def _long(node: exp.Expression) -> Typed:
    return Typed(exp.cast(node, sql_type(KqlType.LONG)), KqlType.LONG)


def _sum(args: list[Typed]) -> Typed:
    arg = args[0]
    if arg.type.is_integer:
        return _long(exp.Sum(this=arg.sql))  # DuckDB widens integer sums to HUGEINT
    return Typed(exp.Sum(this=arg.sql), arg.type)


def _same_type(node_type: type[exp.Expression]) -> Callable[[list[Typed]], Typed]:
    return lambda args: Typed(node_type(this=args[0].sql), args[0].type)


AGGREGATES: dict[str, Aggregate] = {
    "count": Aggregate(
        "count", lambda args: _long(exp.Count(this=args[0].sql if args else exp.Star())), 0, 1, exp.Literal.number(0)
    ),
    "countif": Aggregate("countif", lambda args: _long(exp.CountIf(this=args[0].sql)), 1, 1, exp.Literal.number(0)),
    "dcount": Aggregate(
        "dcount",
        lambda args: _long(exp.Count(this=exp.Distinct(expressions=[args[0].sql]))),
        1,
        2,
        exp.Literal.number(0),
    ),
    "sum": Aggregate("sum", _sum, 1, 1, exp.Literal.number(0)),
    "avg": Aggregate("avg", lambda args: Typed(exp.Avg(this=args[0].sql), KqlType.REAL), 1, 1),
    "min": Aggregate("min", _same_type(exp.Min), 1, 1),
    "max": Aggregate("max", _same_type(exp.Max), 1, 1),
    # make_set drops nulls and duplicates; make_list drops nulls
    # (https://learn.microsoft.com/en-us/kusto/query/make-set-aggregation-function).
    "make_set": Aggregate(
        "set",
        lambda args: Typed(exp.ArrayUniqueAgg(this=args[0].sql), KqlType.DYNAMIC),
        1,
        1,
        exp.Array(expressions=[]),
    ),
    "make_list": Aggregate(
        "list",
        lambda args: Typed(
            exp.Filter(
                this=exp.ArrayAgg(this=args[0].sql),
                expression=exp.Where(this=exp.Not(this=exp.Is(this=args[0].sql.copy(), expression=exp.null()))),
            ),
            KqlType.DYNAMIC,
        ),
        1,
        1,
        exp.Array(expressions=[]),
    ),
}

ARG_EXTREMES = {"arg_max": "max", "arg_min": "min"}

AGGREGATE_TYPES = {
    "sum": (KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL, KqlType.TIMESPAN),
    "avg": (KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL),
    "countif": (KqlType.BOOL,),
}


def compile_aggregate(compiler: ExprCompiler, call: ast.Call) -> tuple[Aggregate, Typed]:
    """Compile one call to an aggregate (arg_max/arg_min are handled by the summarize compiler)."""
    spec = AGGREGATES[call.name]
    source = compiler.ctx.source
    if not spec.min_args <= len(call.args) <= spec.max_args:
        raise KqlTypeError(
            f"{call.name}() takes {spec.min_args} to {spec.max_args} arguments, not {len(call.args)}", call.span, source
        )
    args = [compiler.compile(a) for a in call.args]
    allowed = AGGREGATE_TYPES.get(call.name)
    if allowed and args and args[0].type not in (*allowed, KqlType.DYNAMIC):
        raise KqlTypeError(f"{call.name}() cannot aggregate {args[0].type.value} values", call.args[0].span, source)
    if call.name == "dcount" and len(args) == 2 and not args[1].is_constant:
        raise KqlTypeError("dcount() accuracy must be a constant", call.args[1].span, source)
    return spec, spec.build(args[:1] if call.name == "dcount" else args)
