"""Kusto's conversions: tostring, toint, tolong, toreal, tobool, todatetime, totimespan, parse_json.

The SQL builders here (`string_of`, `json_of`, `long_of`, ...) are also how every other function
reads an argument of another type, most often a `dynamic` one (a property of a JSON column).

Rules, from each function's page (https://learn.microsoft.com/en-us/kusto/query/<name>-function):
a conversion that fails is null, never an error; `tostring(null)` is "" for every type; a datetime
prints as `2024-01-01T00:00:00.0000000Z`, a timespan as `[-][d.]hh:mm:ss[.fffffff]`. Where the
pages are silent the behaviour follows Kusto's .NET conventions: a bool prints `True`/`False`,
integer text is `[+-]digits` or `0x` hex (so `tolong("1.5")` is null while `tolong(1.5)` is 1),
and a datetime or timespan converts to a number as its ticks (100 ns).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.registry import STRINGS, fail, function
from rmmhunt.compiler.functions.sql import EPOCH_TICKS, Ref, case, n, s
from rmmhunt.compiler.literals import literal
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import DATETIME_TEXT_FORMATS, KqlType, format_timespan, parse_type_name

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

_INTEGER_TEXT = r"^\s*[+-]?([0-9]+|0[xX][0-9a-fA-F]+)\s*$"
_BOOL_TEXT = r"(?i)^\s*(true|false)\s*$"
_SPACE_EDGES = r"^\s+|\s+$"
_TIMESPAN_TEXT = r"^\s*(-?)(?:([0-9]+)\.)?([0-9]{1,2}):([0-9]{1,2})(?::([0-9]{1,2})(?:\.([0-9]{1,7}))?)?\s*$"
_INT32 = 2**32


# ---------------------------------------------------------------- to text


def py_string(value: object, kql_type: KqlType) -> str:
    """tostring() of a constant, exactly as `string_of` computes it in SQL."""
    if value is None:
        return ""
    if kql_type is KqlType.DYNAMIC:
        return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value).replace("e", "E")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"
    if isinstance(value, timedelta):
        return format_timespan(value)
    return str(value)


def datetime_text(compiler: ExprCompiler, value: exp.Expression) -> exp.Expression:
    """`2024-01-01T00:00:00.0000000Z` (NULL stays NULL)."""

    def body(d: Ref) -> exp.Expression:
        date = exp.TimeToStr(this=d(), format=s("%Y-%m-%d"))
        time = exp.TimeToStr(this=d(), format=s("%H:%M:%S.%f"))  # a literal T in a format is not portable
        return sql.concat(date, s("T"), time, s("0Z"))

    return sql.bind(compiler, value, body)


def timespan_text(compiler: ExprCompiler, value: exp.Expression) -> exp.Expression:
    """`[-][d.]hh:mm:ss[.fffffff]`, as Kusto prints a timespan (NULL stays NULL)."""

    def body(us: Ref) -> exp.Expression:
        def part(divisor: int, modulo: int | None) -> exp.Expression:
            whole = sql.intdiv(exp.Abs(this=us()), n(divisor)) if divisor > 1 else exp.Abs(this=us())
            return sql.mod(whole, n(modulo)) if modulo else whole

        days = part(sql.MICROS_PER_DAY, None)
        fraction = part(1, 1_000_000)
        return sql.concat(
            case((exp.LT(this=us(), expression=n(0)), s("-")), default=s("")),
            case((exp.GT(this=days, expression=n(0)), sql.concat(sql.text(days.copy()), s("."))), default=s("")),
            sql.lpad(sql.text(part(3_600_000_000, 24)), 2),
            s(":"),
            sql.lpad(sql.text(part(60_000_000, 60)), 2),
            s(":"),
            sql.lpad(sql.text(part(1_000_000, 60)), 2),
            case(
                (
                    exp.GT(this=fraction, expression=n(0)),
                    sql.concat(s("."), sql.lpad(sql.text(fraction.copy()), 6), s("0")),
                ),
                default=s(""),
            ),
        )

    return sql.bind(compiler, sql.epoch_us(value), body)


def real_text(compiler: ExprCompiler, value: exp.Expression) -> exp.Expression:
    """A real as .NET prints it: `1` for 1.0, `1.5`, `1E+20`, `NaN` (NULL stays NULL)."""

    def body(x: Ref) -> exp.Expression:
        integral = exp.and_(
            exp.EQ(this=x(), expression=exp.Trunc(this=x())),
            exp.LT(this=exp.Abs(this=x()), expression=exp.Literal.number("1e15")),
        )
        return case(
            (exp.IsNan(this=x()), s("NaN")),
            (integral, sql.text(sql.bigint(x()))),
            default=exp.Replace(this=sql.text(x()), expression=s("e"), replacement=s("E")),
        )

    return sql.bind(compiler, value, body)


def nullable_string_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """tostring() of a value, but NULL where the value is null (for JSON serialization)."""
    node = arg.sql
    match arg.type:
        case KqlType.STRING | KqlType.GUID:
            return node
        case KqlType.BOOL:
            return case((node, s("True")), (sql.not_(node.copy()), s("False")))
        case KqlType.REAL:
            return real_text(compiler, node)
        case KqlType.DECIMAL:

            def trimmed(x: Ref) -> exp.Expression:
                dotted = exp.StrPosition(this=x(), substr=s(".")).neq(0)
                stripped = exp.Trim(this=exp.Trim(this=x(), expression=s("0"), position="TRAILING"), expression=s("."))
                return case((dotted, stripped), default=x())

            return sql.bind(compiler, sql.text(node), trimmed)
        case KqlType.DATETIME:
            return datetime_text(compiler, node)
        case KqlType.TIMESPAN:
            return timespan_text(compiler, node)
        case KqlType.DYNAMIC:
            return sql.json_text(sql.as_json(node))
    return sql.text(node)


def string_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """Kusto's tostring(): never NULL, "" for null (https://learn.microsoft.com/en-us/kusto/query/tostring-function)."""
    if arg.is_constant:
        return s(py_string(arg.value, arg.type))
    if arg.type is KqlType.STRING:
        return arg.sql  # strings are never null in Kusto, nor in the workspace
    return sql.coalesce(nullable_string_of(compiler, arg), s(""))


def string_arg(
    compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, *, any_type: bool = False
) -> exp.Expression:
    """An argument Kusto reads as a string: a string or guid, or a dynamic holding one (or any type if `any_type`)."""
    if not any_type and arg.type not in (*STRINGS, KqlType.DYNAMIC):
        raise KqlTypeError(
            f"argument {position + 1} of {node.name}() must be string, not {arg.type.value}",
            node.args[position].span,
            compiler.ctx.source,
        )
    return string_of(compiler, arg)


# ---------------------------------------------------------------- to JSON


def py_json(value: object, kql_type: KqlType) -> object:
    """A constant as the JSON value it becomes inside a dynamic."""
    if kql_type in (KqlType.DATETIME, KqlType.TIMESPAN) and value is not None:
        return py_string(value, kql_type)
    return value


def json_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """A value as it is stored inside a dynamic: datetimes and timespans as Kusto's strings."""
    if arg.is_constant:
        if arg.value is None:
            return sql.dynamic_null()
        return sql.cast(s(json.dumps(py_json(arg.value, arg.type), ensure_ascii=False)), KqlType.DYNAMIC)
    match arg.type:
        case KqlType.DYNAMIC:
            return sql.as_json(arg.sql)
        case KqlType.DATETIME | KqlType.TIMESPAN:
            return sql.to_json(nullable_string_of(compiler, arg))
    return sql.to_json(arg.sql)


# ---------------------------------------------------------------- to numbers


def _trimmed(text: exp.Expression) -> exp.Expression:
    return exp.RegexpReplace(this=text, expression=s(_SPACE_EDGES), replacement=s(""), modifiers=s("g"))


def integer_from_text(compiler: ExprCompiler, text: exp.Expression, bits: int) -> exp.Expression:
    """Integer text only: `tolong("1.5")` and `tolong("1e3")` are null."""
    target = KqlType.LONG if bits == 64 else KqlType.INT

    def body(t: Ref) -> exp.Expression:
        shaped = exp.RegexpLike(this=t(), expression=s(_INTEGER_TEXT))
        return case((shaped, sql.try_cast(_trimmed(t()), target)))

    return sql.bind(compiler, text, body)


def integer_from_real(compiler: ExprCompiler, real: exp.Expression, bits: int) -> exp.Expression:
    """Truncated toward zero, saturating at the type's bounds; NaN and infinities are null."""
    high, low = 2 ** (bits - 1) - 1, -(2 ** (bits - 1))
    target = KqlType.LONG if bits == 64 else KqlType.INT

    def body(x: Ref) -> exp.Expression:
        return case(
            (exp.IsNan(this=sql.sub(x(), x())), sql.cast(exp.null(), target)),  # NaN or an infinity
            (exp.GTE(this=x(), expression=exp.Literal.number(repr(float(high + 1)))), sql.cast(n(high), target)),
            (exp.LTE(this=x(), expression=exp.Literal.number(repr(float(low)))), sql.cast(n(low), target)),
            default=sql.cast(exp.Trunc(this=x()), target),
        )

    return sql.bind(compiler, sql.double(real), body)


def wrap_int32(compiler: ExprCompiler, value: exp.Expression) -> exp.Expression:
    """A long wrapped to 32 bits, as .NET's unchecked (int) cast."""

    def body(w: Ref) -> exp.Expression:
        wrapped = case(
            (exp.GTE(this=w(), expression=n(2**31)), sql.sub(w(), n(_INT32))),
            default=w(),
        )
        return sql.cast(wrapped, KqlType.INT)

    unsigned = sql.mod(sql.add(sql.mod(sql.bigint(value), n(_INT32)), n(_INT32)), n(_INT32))
    return sql.bind(compiler, unsigned, body)


def ticks_of(arg: Typed) -> exp.Expression:
    """A datetime (since 0001-01-01) or timespan as ticks of 100 ns."""
    ticks = sql.mul(sql.micros_of(arg.sql, arg.type), n(10))
    return sql.add(ticks, n(EPOCH_TICKS)) if arg.type is KqlType.DATETIME else ticks


def long_of(compiler: ExprCompiler, arg: Typed, bits: int = 64) -> exp.Expression:
    """tolong() (bits=64) or toint() (bits=32) of any value."""
    target = KqlType.LONG if bits == 64 else KqlType.INT
    node = arg.sql
    match arg.type:
        case KqlType.INT:
            return node if bits == 32 else sql.bigint(node)
        case KqlType.LONG:
            return node if bits == 64 else wrap_int32(compiler, node)
        case KqlType.REAL | KqlType.DECIMAL:
            return integer_from_real(compiler, node, bits)
        case KqlType.BOOL:
            return sql.cast(node, target)
        case KqlType.STRING | KqlType.GUID:
            return integer_from_text(compiler, node, bits)
        case KqlType.DATETIME | KqlType.TIMESPAN:
            ticks = ticks_of(arg)
            return ticks if bits == 64 else wrap_int32(compiler, ticks)
    # dynamic: as what it holds

    def held(j: Ref) -> exp.Expression:
        whole = sql.try_cast(j(), KqlType.LONG)
        return case(
            (
                exp.In(this=sql.json_type(j()), expressions=[s("BIGINT"), s("UBIGINT")]),
                whole if bits == 64 else wrap_int32(compiler, whole),
            ),
            (
                sql.eq(sql.json_type(j()), s("DOUBLE")),
                integer_from_real(compiler, sql.try_cast(j(), KqlType.REAL), bits),
            ),
            (sql.eq(sql.json_type(j()), s("BOOLEAN")), sql.cast(sql.try_cast(j(), KqlType.BOOL), target)),
            (sql.eq(sql.json_type(j()), s("VARCHAR")), integer_from_text(compiler, sql.json_text(j()), bits)),
        )

    return sql.bind(compiler, sql.as_json(node), held)


def real_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """toreal() of any value."""
    node = arg.sql
    match arg.type:
        case KqlType.REAL:
            return node
        case KqlType.INT | KqlType.LONG | KqlType.DECIMAL:
            return sql.double(node)
        case KqlType.BOOL:
            return sql.double(sql.cast(node, KqlType.INT))
        case KqlType.STRING | KqlType.GUID:
            return sql.try_cast(_trimmed(node), KqlType.REAL)
        case KqlType.DATETIME | KqlType.TIMESPAN:
            return sql.double(ticks_of(arg))

    def held(j: Ref) -> exp.Expression:
        return case(
            (
                sql.eq(sql.json_type(j()), s("BOOLEAN")),
                sql.double(sql.cast(sql.try_cast(j(), KqlType.BOOL), KqlType.INT)),
            ),
            default=sql.try_cast(_trimmed(sql.json_text(j())), KqlType.REAL),
        )

    return sql.bind(compiler, sql.as_json(node), held)


def number_of(compiler: ExprCompiler, arg: Typed, target: KqlType) -> exp.Expression:
    """An argument read as a number of `target` type (dynamic converted, integers widened)."""
    if target is KqlType.REAL:
        return real_of(compiler, arg)
    if arg.type is KqlType.DYNAMIC or (arg.type in (KqlType.REAL, KqlType.DECIMAL)):
        return long_of(compiler, arg, 64 if target is KqlType.LONG else 32)
    return arg.sql


def bool_from_text(compiler: ExprCompiler, text: exp.Expression) -> exp.Expression:
    """`true`/`false` in any case, or integer text (nonzero is true); anything else null."""

    def body(t: Ref) -> exp.Expression:
        return case(
            (
                exp.RegexpLike(this=t(), expression=s(_INTEGER_TEXT)),
                exp.NEQ(this=sql.try_cast(_trimmed(t()), KqlType.LONG), expression=n(0)),
            ),
            (exp.RegexpLike(this=t(), expression=s(_BOOL_TEXT)), sql.eq(exp.Lower(this=_trimmed(t())), s("true"))),
        )

    return sql.bind(compiler, text, body)


def bool_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """tobool() of any value (https://learn.microsoft.com/en-us/kusto/query/tobool-function)."""
    node = arg.sql
    match arg.type:
        case KqlType.BOOL:
            return node
        case KqlType.INT | KqlType.LONG | KqlType.REAL | KqlType.DECIMAL:
            return exp.NEQ(this=node, expression=n(0))
        case KqlType.STRING | KqlType.GUID:
            return bool_from_text(compiler, node)
        case KqlType.DATETIME | KqlType.TIMESPAN:
            return sql.cast(exp.null(), KqlType.BOOL)

    def held(j: Ref) -> exp.Expression:
        return case(
            (sql.eq(sql.json_type(j()), s("BOOLEAN")), sql.try_cast(j(), KqlType.BOOL)),
            (
                exp.In(this=sql.json_type(j()), expressions=[s("BIGINT"), s("UBIGINT"), s("DOUBLE")]),
                exp.NEQ(this=sql.try_cast(j(), KqlType.REAL), expression=n(0)),
            ),
            (sql.eq(sql.json_type(j()), s("VARCHAR")), bool_from_text(compiler, sql.json_text(j()))),
        )

    return sql.bind(compiler, sql.as_json(node), held)


def condition_of(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    """A predicate argument: bool, or a dynamic read as bool."""
    if arg.type is KqlType.BOOL:
        return arg.sql
    if arg.type is KqlType.DYNAMIC:
        return bool_of(compiler, arg)
    raise fail(compiler, node, position, f"argument {position + 1} must be bool, not {arg.type.value}")


# ---------------------------------------------------------------- to datetime and timespan


def datetime_from_text(compiler: ExprCompiler, text: exp.Expression) -> exp.Expression:
    def body(t: Ref) -> exp.Expression:
        iso = exp.AtTimeZone(this=sql.try_cast(t(), "TIMESTAMPTZ"), zone=s("UTC"))
        formats = exp.Array(expressions=[s(f) for f in DATETIME_TEXT_FORMATS])
        return sql.coalesce(iso, sql.anon("try_strptime", t(), formats))

    return sql.bind(compiler, _trimmed(text), body)


def datetime_from_ticks(ticks: exp.Expression) -> exp.Expression:
    micros = sql.intdiv(sql.sub(ticks, n(EPOCH_TICKS)), n(10))
    return exp.Try(this=exp.UnixToTime(this=micros, scale=exp.UnixToTime.MICROS.copy()))


def datetime_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """todatetime() of any value (https://learn.microsoft.com/en-us/kusto/query/todatetime-function)."""
    match arg.type:
        case KqlType.DATETIME:
            return arg.sql
        case KqlType.STRING | KqlType.GUID:
            return datetime_from_text(compiler, arg.sql)
        case KqlType.INT | KqlType.LONG:
            return datetime_from_ticks(arg.sql)
        case KqlType.REAL | KqlType.DECIMAL:
            return datetime_from_ticks(integer_from_real(compiler, arg.sql, 64))
        case KqlType.BOOL | KqlType.TIMESPAN:
            return sql.cast(exp.null(), KqlType.DATETIME)
    return datetime_from_text(compiler, sql.json_text(sql.as_json(arg.sql)))


def timespan_from_text(compiler: ExprCompiler, text: exp.Expression) -> exp.Expression:
    """`[-][d.]hh:mm[:ss[.fffffff]]`; anything else is null."""

    def body(t: Ref) -> exp.Expression:
        def group(i: int) -> exp.Expression:
            return exp.RegexpExtract(this=t(), expression=s(_TIMESPAN_TEXT), group=exp.Literal.number(i))

        def whole(i: int) -> exp.Expression:
            return sql.coalesce(sql.try_cast(exp.Nullif(this=group(i), expression=s("")), KqlType.LONG), n(0))

        hours = sql.add(sql.mul(whole(2), n(24)), whole(3))
        minutes = sql.add(sql.mul(hours, n(60)), whole(4))
        seconds = sql.add(sql.mul(minutes, n(60)), whole(5))
        fraction = sql.try_cast(
            exp.Substring(
                this=exp.Pad(this=group(6), expression=n(6), fill_pattern=s("0"), is_left=False),
                start=n(1),
                length=n(6),
            ),
            KqlType.LONG,
        )
        total = sql.add(sql.mul(seconds, n(1_000_000)), fraction)
        signed = case((sql.eq(group(1), s("-")), exp.Neg(this=total)), default=total.copy())
        return case((exp.RegexpLike(this=t(), expression=s(_TIMESPAN_TEXT)), sql.micros(signed)))

    return sql.bind(compiler, text, body)


def timespan_from_ticks(ticks: exp.Expression) -> exp.Expression:
    return sql.micros(sql.intdiv(ticks, n(10)))


def timespan_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """totimespan() of any value (https://learn.microsoft.com/en-us/kusto/query/totimespan-function)."""
    match arg.type:
        case KqlType.TIMESPAN:
            return arg.sql
        case KqlType.STRING | KqlType.GUID:
            return timespan_from_text(compiler, arg.sql)
        case KqlType.INT | KqlType.LONG:
            return timespan_from_ticks(arg.sql)
        case KqlType.REAL | KqlType.DECIMAL:
            return timespan_from_ticks(integer_from_real(compiler, arg.sql, 64))
        case KqlType.DATETIME:
            return timespan_from_ticks(ticks_of(arg))
        case KqlType.BOOL:
            return sql.cast(exp.null(), KqlType.TIMESPAN)

    def held(j: Ref) -> exp.Expression:
        return case(
            (sql.eq(sql.json_type(j()), s("VARCHAR")), timespan_from_text(compiler, sql.json_text(j()))),
            (
                exp.In(this=sql.json_type(j()), expressions=[s("BIGINT"), s("UBIGINT")]),
                timespan_from_ticks(sql.try_cast(j(), KqlType.LONG)),
            ),
            (
                sql.eq(sql.json_type(j()), s("DOUBLE")),
                timespan_from_ticks(integer_from_real(compiler, sql.try_cast(j(), KqlType.REAL), 64)),
            ),
        )

    return sql.bind(compiler, sql.as_json(arg.sql), held)


def convert(compiler: ExprCompiler, arg: Typed, target: KqlType) -> exp.Expression:
    """Kusto's to<target>() of any value."""
    match target:
        case KqlType.STRING:
            return string_of(compiler, arg)
        case KqlType.LONG:
            return long_of(compiler, arg, 64)
        case KqlType.INT:
            return long_of(compiler, arg, 32)
        case KqlType.REAL:
            return real_of(compiler, arg)
        case KqlType.BOOL:
            return bool_of(compiler, arg)
        case KqlType.DATETIME:
            return datetime_of(compiler, arg)
        case KqlType.TIMESPAN:
            return timespan_of(compiler, arg)
        case KqlType.DYNAMIC:
            return parse_json(compiler, arg)
        case KqlType.GUID:
            return guid_of(compiler, arg)
        case KqlType.DECIMAL:
            return sql.try_cast(real_of(compiler, arg), KqlType.DECIMAL)
    raise AssertionError(target)


@function("new_guid", args=0)
def _new_guid(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A random guid, new in each row (https://learn.microsoft.com/en-us/kusto/query/new-guid-function)."""
    return Typed(sql.cast(exp.Uuid(), KqlType.GUID), KqlType.GUID)


def guid_of(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """Kusto's toguid(): the first 32 hex digits with the hyphens skipped (the page's example places them
    12-4-4-12), in either case; the rest of the text is ignored; null when they are not 32 hex digits."""
    digits = exp.Replace(this=exp.Lower(this=string_of(compiler, arg)), expression=s("-"), replacement=s(""))

    def body(d: Ref) -> exp.Expression:
        return case((exp.RegexpLike(this=d(), expression=s("^[0-9a-f]{32}")), dashed_guid(d)))

    return sql.bind(compiler, digits, body)


def dashed_guid(digits: Ref) -> exp.Expression:
    """32 hex digits (or more: the rest is dropped) as a guid's text, 8-4-4-4-12."""

    def part(start: int, length: int) -> exp.Expression:
        return exp.Substring(this=digits(), start=n(start), length=n(length))

    groups = [part(1, 8), part(9, 4), part(13, 4), part(17, 4), part(21, 12)]
    return sql.concat(*[piece for group in groups for piece in (s("-"), group)][1:])


@function("toguid", args=1)
def _toguid(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/toguid-function"""
    if args[0].type is KqlType.GUID:
        return args[0]
    return Typed(guid_of(compiler, args[0]), KqlType.GUID)


@function("tohex", args=(1, 2))
def _tohex(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Lower-case hex, a negative in two's complement of its type's width (8 digits for an int, 16 for a long),
    left-padded with zeros to `minLength` (at most 16). A null value gives "" (Kusto's null string).

    https://learn.microsoft.com/en-us/kusto/query/tohex-function
    """
    value = args[0]
    if value.type not in (KqlType.INT, KqlType.LONG, KqlType.DYNAMIC):
        raise KqlTypeError(
            f"argument 1 of tohex() must be int or long, not {value.type.value}", node.args[0].span, compiler.ctx.source
        )
    number = long_of(compiler, value)
    if value.type is KqlType.INT:
        number = exp.BitwiseAnd(this=sql.paren(number), expression=n(0xFFFFFFFF))
    digits = exp.Lower(this=exp.Hex(this=number))
    if len(args) == 2:
        if args[1].type not in (KqlType.INT, KqlType.LONG):
            raise KqlTypeError(
                f"argument 2 of tohex() must be int, not {args[1].type.value}", node.args[1].span, compiler.ctx.source
            )
        width = sql.cast(
            sql.at_most(long_of(compiler, args[1]), 16), KqlType.INT
        )  # DuckDB's lpad takes an INTEGER width

        def padded(h: Ref) -> exp.Expression:
            short = exp.LT(this=exp.Length(this=h()), expression=width)
            return case(
                (short, exp.Pad(this=h(), expression=width.copy(), fill_pattern=s("0"), is_left=True)), default=h()
            )

        digits = sql.bind(compiler, digits, padded)
    return Typed(sql.coalesce(digits, s("")), KqlType.STRING)


PARSE_JSON_NAMES = ("todynamic", "parse_json", "parsejson", "toobject")


def parse_json(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """A JSON string parsed; text that is not JSON stays a dynamic string; "" is null."""
    if arg.type is KqlType.DYNAMIC:
        return arg.sql
    if arg.type not in (KqlType.STRING, KqlType.GUID):
        return json_of(compiler, arg)

    def body(t: Ref) -> exp.Expression:
        return case(
            (sql.eq(t(), s("")), sql.dynamic_null()),
            (
                exp.Not(this=exp.Is(this=sql.try_cast(t(), KqlType.DYNAMIC), expression=exp.null())),
                exp.ParseJSON(this=t()),
            ),
            default=sql.to_json(t()),
        )

    return sql.bind(compiler, arg.sql, body)


# ---------------------------------------------------------------- the functions


def _fold(arg: Typed, target: KqlType) -> Typed | None:
    """Constant conversions that are cheap and exact in Python."""
    if not arg.is_constant:
        return None
    value = arg.value
    if target is KqlType.STRING:
        return literal(py_string(value, arg.type), KqlType.STRING)
    if value is None and target is not KqlType.DYNAMIC:
        return literal(None, target)
    if target in (KqlType.LONG, KqlType.INT) and isinstance(value, int) and not isinstance(value, bool):
        bound = 2**63 if target is KqlType.LONG else 2**31
        if -bound <= value < bound:
            return literal(value, target)
    if target is KqlType.REAL and isinstance(value, (int, float)) and not isinstance(value, bool):
        return literal(float(value), target)
    if target is KqlType.DYNAMIC and arg.type is KqlType.STRING and isinstance(value, str):
        if value == "":
            return literal(None, KqlType.DYNAMIC)
        try:
            return literal(json.loads(value), KqlType.DYNAMIC)
        except ValueError:
            return literal(value, KqlType.DYNAMIC)
    return None


def _converter(target: KqlType):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        arg = args[0]
        if arg.type is target and target is not KqlType.STRING:
            return arg
        folded = _fold(arg, target)
        if folded is not None:
            return folded
        return Typed(convert(compiler, arg, target), target)

    return handler


for _names, _target in (
    (("tostring",), KqlType.STRING),
    (("toint",), KqlType.INT),
    (("tolong",), KqlType.LONG),
    (("toreal", "todouble"), KqlType.REAL),
    (("tobool", "toboolean"), KqlType.BOOL),
    (("todatetime",), KqlType.DATETIME),
    (("totimespan", "totime"), KqlType.TIMESPAN),
    (("todecimal",), KqlType.DECIMAL),
    (PARSE_JSON_NAMES, KqlType.DYNAMIC),
):
    function(*_names, args=1)(_converter(_target))


def type_literal(compiler: ExprCompiler, expr: ast.Expr) -> KqlType | None:
    """The type named by `typeof(T)`, or None when `expr` is not a type literal."""
    if not (isinstance(expr, ast.Call) and expr.name == "typeof" and len(expr.args) == 1):
        return None
    inner = expr.args[0]
    kql_type = parse_type_name(inner.name) if isinstance(inner, ast.Name) else None
    if kql_type is None:
        raise KqlTypeError("typeof() needs a type name such as long or string", inner.span, compiler.ctx.source)
    return kql_type


@function("typeof", args=1, raw=True)
def _typeof(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A type literal: only meaningful where a function or operator takes one (extract, mv-expand ... to)."""
    type_literal(compiler, node)
    raise KqlTypeError(
        "typeof(T) is a type literal; it is only allowed where a type is expected, "
        "e.g. extract(regex, 1, text, typeof(long))",
        node.span,
        compiler.ctx.source,
    )
