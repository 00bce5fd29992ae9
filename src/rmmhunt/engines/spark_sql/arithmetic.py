"""Arithmetic on Spark: a real division by zero is +-infinity or NaN, as in Kusto and DuckDB (IEEE 754), where
Spark's `/` gives null."""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import REAL_DIVISION

_DOUBLE = exp.DataType.build("DOUBLE")


def _double(text: str) -> exp.Expression:
    return exp.cast(exp.Literal.string(text), _DOUBLE.copy())


def divide(node: exp.Div) -> exp.Expression:
    """x / y, with x / 0 worked out as IEEE 754 does it (a divisor of -0.0 counts as +0.0: Spark finds them equal)."""
    numerator, divisor = node.this, node.expression
    if not node.meta.get(REAL_DIVISION):
        return node  # the compiler's own divisions (by constants, or guarded) keep Spark's `/`
    by_zero = exp.Case(
        ifs=[
            exp.If(this=exp.Is(this=numerator.copy(), expression=exp.Null()), true=exp.null()),
            # NaN first: Spark ranks NaN above every number, so NaN > 0 holds
            exp.If(
                this=exp.or_(
                    exp.func("isnan", numerator.copy()), exp.EQ(this=numerator.copy(), expression=exp.Literal.number(0))
                ),
                true=_double("NaN"),
            ),
            exp.If(this=exp.GT(this=numerator.copy(), expression=exp.Literal.number(0)), true=_double("Infinity")),
        ],
        default=_double("-Infinity"),
    )
    quotient = exp.Div(this=numerator.copy(), expression=divisor.copy())  # not `node`: the rewrite replaces it
    return exp.If(this=exp.EQ(this=divisor.copy(), expression=exp.Literal.number(0)), true=by_zero, false=quotient)
