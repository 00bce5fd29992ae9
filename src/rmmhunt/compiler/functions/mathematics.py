"""Math functions: round, abs, log, pow, sqrt, exp, rand.

References: https://learn.microsoft.com/en-us/kusto/query/<name>-function. `log` and `sqrt` of a
negative number are null (SQL would give NaN).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import number_of, real_of
from rmmhunt.compiler.functions.registry import INTEGERS, NUMBERS, expect, function
from rmmhunt.compiler.functions.sql import Ref, case, n
from rmmhunt.compiler.literals import interval, literal
from rmmhunt.kql import ast
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


def _real(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    expect(compiler, node, position, arg, *NUMBERS)
    return real_of(compiler, arg)


@function("round", args=(1, 2))
def _round(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Half away from zero at `precision` digits (negative: left of the point), on the double value.

    Scaled as .NET does (`round(2.15, 1)` is 2.2, since 2.15 * 10 is 21.5 in floating point).
    https://learn.microsoft.com/en-us/kusto/query/round-function
    """
    value = _real(compiler, node, 0, args[0])
    if len(args) == 1:
        return Typed(exp.Round(this=value), KqlType.REAL)
    expect(compiler, node, 1, args[1], *INTEGERS)
    digits = number_of(compiler, args[1], KqlType.LONG)

    def body(p: Ref) -> exp.Expression:
        scale = exp.Pow(this=exp.Literal.number("10.0"), expression=exp.Abs(this=p()))
        up = exp.Div(this=exp.Round(this=sql.mul(value, scale)), expression=scale.copy())
        down = sql.mul(exp.Round(this=exp.Div(this=value.copy(), expression=scale.copy())), scale.copy())
        return case((exp.GTE(this=p(), expression=n(0)), up), default=down)

    return Typed(sql.bind(compiler, digits, body), KqlType.REAL)


@function("abs", args=1)
def _abs(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/abs-function"""
    arg = args[0]
    expect(compiler, node, 0, arg, *NUMBERS, KqlType.TIMESPAN)
    if arg.is_constant and arg.value is not None:
        return literal(abs(arg.value), KqlType.LONG if arg.type is KqlType.INT else arg.type)  # type: ignore[arg-type]
    if arg.type is KqlType.TIMESPAN:

        def body(x: Ref) -> exp.Expression:
            return case((exp.LT(this=x(), expression=interval(timedelta(0))), exp.Neg(this=x())), default=x())

        return Typed(sql.bind(compiler, arg.sql, body), KqlType.TIMESPAN)
    if arg.type is KqlType.DYNAMIC:
        return Typed(exp.Abs(this=real_of(compiler, arg)), KqlType.REAL)
    result_type = KqlType.LONG if arg.type in INTEGERS else arg.type
    return Typed(exp.Abs(this=sql.cast(arg.sql, result_type) if arg.type is KqlType.INT else arg.sql), result_type)


def _domain(node_type: type[exp.Expression]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        """Null for a negative argument."""
        value = _real(compiler, node, 0, args[0])

        def body(x: Ref) -> exp.Expression:
            return case(
                (exp.LT(this=x(), expression=n(0)), sql.cast(exp.null(), KqlType.REAL)), default=node_type(this=x())
            )

        return Typed(sql.bind(compiler, value, body), KqlType.REAL)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/log-function, .../sqrt-function
function("log", args=1)(_domain(exp.Ln))
function("sqrt", args=1)(_domain(exp.Sqrt))


@function("exp", args=1)
def _exp(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/exp-function"""
    return Typed(exp.Exp(this=_real(compiler, node, 0, args[0])), KqlType.REAL)


@function("pow", args=2)
def _pow(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/pow-function"""
    base = _real(compiler, node, 0, args[0])
    exponent = _real(compiler, node, 1, args[1])
    return Typed(exp.Pow(this=base, expression=exponent), KqlType.REAL)


@function("rand", args=(0, 1))
def _rand(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A real uniform in [0.0, 1.0), or, given N, one of the whole numbers 0.0 .. N - 1 (as a real).

    https://learn.microsoft.com/en-us/kusto/query/rand-function
    """
    draw: exp.Expression = exp.Rand()
    if args:
        draw = exp.Floor(this=sql.mul(draw, _real(compiler, node, 0, args[0])))
    return Typed(draw, KqlType.REAL)
