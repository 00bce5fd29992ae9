"""Math functions: round, ceiling, abs, sign, the logarithms and exponentials, the trigonometric functions,
isnan/isinf/isfinite, pi, rand, and the bitwise binary_* functions.

References: https://learn.microsoft.com/en-us/kusto/query/<name>-function. The logarithms and `sqrt` of a
negative number, and `asin`/`acos` outside [-1, 1], are null (SQL would give NaN); a logarithm of 0 is
-infinity on both engines (Spark would give null). Result types are those of Kusto.Language's Functions.cs:
real for all but ceiling (its argument's type) and the binary_* functions (long).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import number_of, real_of
from rmmhunt.compiler.functions.registry import INTEGERS, NUMBERS, expect, function
from rmmhunt.compiler.functions.sql import Ref, case, n, s
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


def _infinity(sign: int = 1) -> exp.Expression:
    return sql.cast(s("inf" if sign > 0 else "-inf"), KqlType.REAL)


def _null_real() -> exp.Expression:
    return sql.cast(exp.null(), KqlType.REAL)


def _logarithm(log: Callable[[exp.Expression], exp.Expression]) -> Callable[[Ref], exp.Expression]:
    """Null below 0, -infinity at 0 (as .NET's Math.Log; Spark's log functions give null there)."""

    def body(x: Ref) -> exp.Expression:
        return case(
            (exp.LT(this=x(), expression=n(0)), _null_real()),
            (sql.eq(x(), n(0)), _infinity(-1)),
            default=log(x()),
        )

    return body


def _within_one(inner: Callable[[exp.Expression], exp.Expression]) -> Callable[[Ref], exp.Expression]:
    """Null outside [-1, 1] (asin, acos); NaN stays NaN (SQL would count NaN above 1)."""

    def body(x: Ref) -> exp.Expression:
        outside = exp.and_(exp.GT(this=exp.Abs(this=x()), expression=n(1)), sql.not_(exp.IsNan(this=x())))
        return case((outside, _null_real()), default=inner(x()))

    return body


def _nonnegative(inner: Callable[[exp.Expression], exp.Expression]) -> Callable[[Ref], exp.Expression]:
    """Null for a negative argument (sqrt)."""

    def body(x: Ref) -> exp.Expression:
        return case((exp.LT(this=x(), expression=n(0)), _null_real()), default=inner(x()))

    return body


def _plain(inner: Callable[[exp.Expression], exp.Expression]) -> Callable[[Ref], exp.Expression]:
    return lambda x: inner(x())


def _times(factor: float) -> Callable[[exp.Expression], exp.Expression]:
    """Multiplication by a constant written out, so both engines compute the same double (degrees, radians)."""
    return lambda x: sql.mul(x, sql.double(exp.Literal.number(repr(factor))))


def _power_of(base: float) -> Callable[[exp.Expression], exp.Expression]:
    return lambda x: exp.Pow(this=sql.double(exp.Literal.number(repr(base))), expression=x)


def _node(node_type: type[exp.Expression]) -> Callable[[exp.Expression], exp.Expression]:
    return lambda x: node_type(this=x)


def _sign(x: Ref) -> exp.Expression:
    """NaN stays NaN (the page is silent; DuckDB's SIGN would give 0, Spark's NaN)."""
    return case((exp.IsNan(this=x()), x()), default=sql.double(exp.Sign(this=x())))


# The functions of one real argument with a real result, each as its SQL over the (bound) argument.
REAL_FUNCTIONS: dict[str, Callable[[Ref], exp.Expression]] = {
    "log": _logarithm(_node(exp.Ln)),
    "log10": _logarithm(lambda x: sql.anon("log10", x)),  # the same in Spark (sqlglot has no node)
    "log2": _logarithm(lambda x: sql.anon("log2", x)),
    "sqrt": _nonnegative(_node(exp.Sqrt)),
    "exp": _plain(_node(exp.Exp)),
    "exp2": _plain(_power_of(2.0)),
    "exp10": _plain(_power_of(10.0)),
    "sin": _plain(_node(exp.Sin)),
    "cos": _plain(_node(exp.Cos)),
    "tan": _plain(_node(exp.Tan)),
    "cot": _plain(_node(exp.Cot)),
    "asin": _within_one(_node(exp.Asin)),
    "acos": _within_one(_node(exp.Acos)),
    "atan": _plain(_node(exp.Atan)),
    "degrees": _plain(_times(180 / math.pi)),  # (180 / PI) * radians, as the page writes it
    "radians": _plain(_times(math.pi / 180)),  # (PI / 180) * degrees
    "sign": _sign,
}


def _real_function(body: Callable[[Ref], exp.Expression]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        return Typed(sql.bind(compiler, _real(compiler, node, 0, args[0]), body), KqlType.REAL)

    return handler


for _name, _body in REAL_FUNCTIONS.items():
    function(_name, args=1)(_real_function(_body))


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


@function("ceiling", args=1)
def _ceiling(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Of its argument's type: an integer is its own ceiling (SQL's CEIL would make it a double).

    https://learn.microsoft.com/en-us/kusto/query/ceiling-function
    """
    arg = args[0]
    expect(compiler, node, 0, arg, *NUMBERS)
    if arg.type in INTEGERS:
        return arg
    if arg.type is KqlType.DECIMAL:
        return Typed(sql.cast(exp.Ceil(this=arg.sql), KqlType.DECIMAL), KqlType.DECIMAL)
    return Typed(sql.bind(compiler, real_of(compiler, arg), _real_ceiling), KqlType.REAL)


def _real_ceiling(x: Ref) -> exp.Expression:
    """CEIL of a double, but a double from 2^52 up is whole already, and infinities and NaN stay as they are
    (Spark's CEIL gives a BIGINT, which would clamp them)."""
    fractional = exp.LT(this=exp.Abs(this=x()), expression=n(2**52))
    return case((fractional, sql.double(exp.Ceil(this=x()))), default=x())


@function("pi", args=0)
def _pi(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/pi-function"""
    return literal(math.pi, KqlType.REAL)


@function("atan2", args=2)
def _atan2(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/atan2-function"""
    y = _real(compiler, node, 0, args[0])
    x = _real(compiler, node, 1, args[1])
    return Typed(exp.Atan2(this=y, expression=x), KqlType.REAL)


# isnan, isinf, isfinite: false for null (Spark's isnan is; the pages say false for anything not NaN, infinite,
# finite). NaN compares greater than infinity on both engines, so it is neither infinite nor below infinity.
CLASSIFIERS: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "isnan": lambda x: exp.IsNan(this=x),
    "isinf": lambda x: sql.eq(exp.Abs(this=x), _infinity()),
    "isfinite": lambda x: exp.LT(this=exp.Abs(this=x), expression=_infinity()),
}


def _classifier(test: Callable[[exp.Expression], exp.Expression]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        value = _real(compiler, node, 0, args[0])
        return Typed(sql.coalesce(test(value), exp.false()), KqlType.BOOL)

    return handler


for _name, _test in CLASSIFIERS.items():
    function(_name, args=1)(_classifier(_test))


def _long(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    """An integer argument as a long (an int widened, so the bitwise result is a long too)."""
    expect(compiler, node, position, arg, *INTEGERS)
    value = number_of(compiler, arg, KqlType.LONG)
    return sql.bigint(value) if arg.type is KqlType.INT else value


BITWISE: dict[str, type[exp.Binary]] = {
    "binary_and": exp.BitwiseAnd,
    "binary_or": exp.BitwiseOr,
    "binary_xor": exp.BitwiseXor,
}


def _bitwise(node_type: type[exp.Binary]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        a, b = _long(compiler, node, 0, args[0]), _long(compiler, node, 1, args[1])
        return Typed(sql.paren(node_type(this=a, expression=b)), KqlType.LONG)

    return handler


for _name, _node_type in BITWISE.items():
    function(_name, args=2)(_bitwise(_node_type))


@function("binary_not", args=1)
def _binary_not(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/binary-not-function"""
    return Typed(exp.BitwiseNot(this=_long(compiler, node, 0, args[0])), KqlType.LONG)


@function("bitset_count_ones", args=1)
def _bitset_count_ones(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Set bits of the 64-bit two's complement (a negative number counts its sign bits).

    https://learn.microsoft.com/en-us/kusto/query/bitset-count-ones-function
    """
    return Typed(sql.bigint(exp.BitwiseCount(this=_long(compiler, node, 0, args[0]))), KqlType.LONG)


LONG_MAX = 2**63 - 1


def _shift_left(value: Ref, count: Ref) -> exp.Expression:
    """value << count for 0 <= count < 64, wrapping as a long does.

    DuckDB refuses a shift that overflows or of a negative number, so the bits that stay below the sign bit
    are shifted alone, and the sign bit is set when the bit that lands there is 1.
    """
    kept = exp.BitwiseAnd(this=value(), expression=_right_shift(n(LONG_MAX), count()))
    shifted = sql.paren(exp.BitwiseLeftShift(this=sql.paren(kept), expression=count()))
    landing_bit = exp.BitwiseAnd(this=_right_shift(value(), sql.sub(n(63), count())), expression=n(1))
    sign_bit = exp.BitwiseNot(this=n(LONG_MAX))
    return case(
        (sql.eq(sql.paren(landing_bit), n(1)), sql.paren(exp.BitwiseOr(this=shifted, expression=sign_bit))),
        default=shifted.copy(),
    )


def _right_shift(value: exp.Expression, count: exp.Expression) -> exp.Expression:
    """value >> count, arithmetic (the sign is kept), for 0 <= count < 64."""
    return sql.paren(exp.BitwiseRightShift(this=value, expression=count))


def _shift(shift: Callable[[Ref, Ref], exp.Expression]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        """value shifted by shift % 64 bits; null for a negative shift (the pages)."""
        value, count = _long(compiler, node, 0, args[0]), _long(compiler, node, 1, args[1])
        if isinstance(args[1].value, int):  # a constant count (the usual case) is reduced here
            if args[1].value < 0:
                return Typed(sql.cast(exp.null(), KqlType.LONG), KqlType.LONG)
            bits = args[1].value % 64
            return Typed(sql.bind(compiler, value, lambda v: shift(v, lambda: n(bits))), KqlType.LONG)

        def by_count(c: Ref) -> exp.Expression:
            def body(v: Ref) -> exp.Expression:
                bits = sql.mod(c(), n(64))
                return case(
                    (exp.LT(this=c(), expression=n(0)), sql.cast(exp.null(), KqlType.LONG)),
                    default=sql.bind(compiler, bits, lambda k: shift(v, k)),
                )

            return sql.bind(compiler, value, body)

        return Typed(sql.bind(compiler, count, by_count), KqlType.LONG)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/binary-shift-left-function, .../binary-shift-right-function
function("binary_shift_left", args=2)(_shift(_shift_left))
function("binary_shift_right", args=2)(_shift(lambda v, k: _right_shift(v(), k())))
