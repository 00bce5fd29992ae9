"""Text to and from bytes and code points: url_encode(_component), base64_decode_toarray, unicode_codepoints_*.

Bytes are handled as lower-case hex text (`lower(hex(blob))`), two digits a byte, which DuckDB and
Spark both spell the same way. References: https://learn.microsoft.com/en-us/kusto/query/<name>-function
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import dashed_guid, string_arg
from rmmhunt.compiler.functions.registry import INTEGERS, expect, fail, function
from rmmhunt.compiler.functions.sql import case, n, s
from rmmhunt.kql import ast
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

# What .NET's HttpUtility.UrlEncode leaves as it is (Kusto's escapes are lower-case, `%3a`).
_URL_SAFE = r"^[A-Za-z0-9_.!*()-]$"


def _hex_bytes(
    compiler: ExprCompiler, hexes: exp.Expression, body: Callable[[exp.Expression], exp.Expression]
) -> exp.Expression:
    """`body(two hex digits)` for each byte of a hex string, as a list."""
    i = sql.fresh_name(compiler, "_i")
    start = sql.sub(sql.mul(n(2), exp.column(i)), n(1))
    digits = exp.Substring(this=hexes, start=start, length=n(2))
    count = sql.intdiv(exp.Length(this=hexes.copy()), n(2))
    return sql.list_transform(exp.GenerateSeries(start=n(1), end=count, step=n(1)), i, body(digits))


def _url_encode(compiler: ExprCompiler, text: exp.Expression, space: str) -> exp.Expression:
    c = sql.fresh_name(compiler, "_c")
    char = exp.column(c)
    hexes = exp.Lower(this=exp.Hex(this=exp.Encode(this=char.copy(), charset=s("utf-8"))))
    escaped = exp.ArrayToString(
        this=_hex_bytes(compiler, hexes, lambda digits: sql.concat(s("%"), digits)), expression=s("")
    )
    encoded = case(
        (exp.RegexpLike(this=char.copy(), expression=s(_URL_SAFE)), char.copy()),
        (sql.eq(char.copy(), s(" ")), s(space)),
        default=escaped,
    )
    chars = exp.Split(this=text, expression=s(""))
    return exp.ArrayToString(this=sql.list_transform(chars, c, encoded), expression=s(""))


@function("url_encode", args=1)
def _url_encode_form(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Percent-encoding with a space as `+` (https://learn.microsoft.com/en-us/kusto/query/url-encode-function)."""
    return Typed(_url_encode(compiler, string_arg(compiler, node, 0, args[0]), "+"), KqlType.STRING)


@function("url_encode_component", args=1)
def _url_encode_component(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Percent-encoding with a space as `%20` (https://learn.microsoft.com/en-us/kusto/query/url-encode-component-function)."""
    return Typed(_url_encode(compiler, string_arg(compiler, node, 0, args[0]), "%20"), KqlType.STRING)


@function("base64_decode_toarray", args=1)
def _base64_decode_toarray(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The decoded bytes as an array of longs; null for invalid base64.

    https://learn.microsoft.com/en-us/kusto/query/base64-decode-toarray-function
    """
    text = string_arg(compiler, node, 0, args[0])
    hexes = exp.Lower(this=exp.Hex(this=exp.Try(this=exp.FromBase64(this=text))))
    values = _hex_bytes(compiler, hexes, lambda digits: sql.cast(sql.concat(s("0x"), digits), KqlType.LONG))
    return Typed(sql.json_array_of(values), KqlType.DYNAMIC)


def _is_code_point(value: exp.Expression) -> exp.Expression:
    """A Unicode scalar value: 0 to 0x10FFFF, surrogates excluded."""
    in_range = exp.Between(this=value, low=n(0), high=n(0x10FFFF))
    surrogate = exp.Between(this=value.copy(), low=n(0xD800), high=n(0xDFFF))
    return exp.and_(in_range, sql.not_(surrogate))


def _chars_of_list(compiler: ExprCompiler, array: exp.Expression) -> exp.Expression:
    """The characters of an array of code points; null when one is not a code point (nulls add nothing)."""
    x, y = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_y")

    def text(points: sql.Ref) -> exp.Expression:
        chars = sql.list_transform(points(), x, exp.Chr(expressions=[sql.cast(exp.column(x), KqlType.INT)]))
        bad = sql.list_filter(points(), y, sql.not_(_is_code_point(exp.column(y))))
        joined = sql.coalesce(exp.ArrayToString(this=chars, expression=s("")), s(""))
        return case((exp.GT(this=exp.ArraySize(this=bad), expression=n(0)), exp.null()), default=joined)

    return sql.bind(compiler, sql.try_cast(sql.as_json(array), "BIGINT[]"), text)


def _char_of(compiler: ExprCompiler, value: exp.Expression) -> exp.Expression:
    """The character of one code point: "" for null, null when it is not a code point."""

    def char(v: sql.Ref) -> exp.Expression:
        return case(
            (sql.is_null(v()), s("")),
            (_is_code_point(v()), exp.Chr(expressions=[sql.cast(v(), KqlType.INT)])),
        )

    return sql.bind(compiler, sql.bigint(value), char)


@function("unicode_codepoints_to_string", "make_string", args=(1, 64))
def _unicode_codepoints_to_string(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The characters of Unicode code points: integers, or arrays of them; make_string is its former name.

    A value that is not a code point makes the whole result null (Kusto's null string, ""); a null adds nothing.
    https://learn.microsoft.com/en-us/kusto/query/unicode-codepoints-to-string-function
    """
    parts: list[exp.Expression] = []
    for position, arg in enumerate(args):
        expect(compiler, node, position, arg, *INTEGERS)
        is_list = arg.type is KqlType.DYNAMIC
        parts.append(_chars_of_list(compiler, arg.sql) if is_list else _char_of(compiler, arg.sql))
    return Typed(sql.coalesce(sql.concat(*parts), s("")), KqlType.STRING)


@function("unicode_codepoints_from_string", args=1)
def _unicode_codepoints_from_string(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The code points of the text's characters, as an array of longs.

    https://learn.microsoft.com/en-us/kusto/query/unicode-codepoints-from-string-function
    """
    text = string_arg(compiler, node, 0, args[0])
    c = sql.fresh_name(compiler, "_c")
    chars = exp.Split(this=text, expression=s(""))
    points = sql.list_transform(chars, c, sql.bigint(exp.Unicode(this=exp.column(c))))
    return Typed(sql.json_array_of(points), KqlType.DYNAMIC)


# .NET's Guid.ToByteArray order, as the (1-based) places of each byte's two digits in the guid's 32 hex digits:
# the first three fields little-endian, the last eight bytes as written. Each order is its own inverse.
_GUID_BYTE_DIGITS = (7, 5, 3, 1, 11, 9, 15, 13, 17, 19, 21, 23, 25, 27, 29, 31)
# base64_decode_toguid's page shows the third field as written ("JpbpECu8dUy7Pv5gbeJXAA==" is
# 10e99626-bc2b-754c-..., where .NET's order gives 4c75): its documented output is followed.
_GUID_DECODED_DIGITS = (7, 5, 3, 1, 11, 9, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31)


def _reordered(digits: sql.Ref, order: tuple[int, ...]) -> exp.Expression:
    return sql.concat(*[exp.Substring(this=digits(), start=n(at), length=n(2)) for at in order])


@function("base64_encode_fromguid", args=1)
def _base64_encode_fromguid(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Base64 of the guid's 16 bytes in .NET's order; "" for a null guid.

    https://learn.microsoft.com/en-us/kusto/query/base64-encode-fromguid-function
    """
    if args[0].type is not KqlType.GUID:
        raise fail(compiler, node, 0, f"argument 1 must be guid, not {args[0].type.value}")
    digits = exp.Replace(this=exp.Lower(this=args[0].sql), expression=s("-"), replacement=s(""))
    encoded = sql.bind(compiler, digits, lambda d: exp.ToBase64(this=exp.Unhex(this=_reordered(d, _GUID_BYTE_DIGITS))))
    return Typed(sql.coalesce(encoded, s("")), KqlType.STRING)


@function("base64_decode_toguid", args=1)
def _base64_decode_toguid(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The guid of 16 base64 bytes in .NET's order; null for invalid base64 or another number of bytes.

    https://learn.microsoft.com/en-us/kusto/query/base64-decode-toguid-function
    """
    text = string_arg(compiler, node, 0, args[0])
    hexes = exp.Lower(this=exp.Hex(this=exp.Try(this=exp.FromBase64(this=text))))

    def body(h: sql.Ref) -> exp.Expression:
        sixteen = sql.eq(exp.Length(this=h()), n(32))
        return case((sixteen, sql.bind(compiler, _reordered(h, _GUID_DECODED_DIGITS), dashed_guid)))

    return Typed(sql.bind(compiler, hexes, body), KqlType.GUID)


@function("base64_encode_fromarray", args=1)
def _base64_encode_fromarray(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Base64 of an array of bytes (integers 0 to 255); "" when an element is not a byte or it is not an array.

    https://learn.microsoft.com/en-us/kusto/query/base64-encode-fromarray-function
    """
    expect(compiler, node, 0, args[0], KqlType.DYNAMIC)
    x, y = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_y")

    def body(values: sql.Ref) -> exp.Expression:
        byte = exp.column(x)
        digits = sql.lpad(exp.Lower(this=exp.Hex(this=byte)), 2)
        hexes = exp.ArrayToString(this=sql.list_transform(values(), x, digits), expression=s(""))
        not_byte = exp.or_(sql.is_null(exp.column(y)), sql.not_(exp.Between(this=exp.column(y), low=n(0), high=n(255))))
        bad = exp.GT(this=exp.ArraySize(this=sql.list_filter(values(), y, not_byte)), expression=n(0))
        return case((bad, s("")), default=exp.ToBase64(this=exp.Unhex(this=hexes)))

    bytes_ = sql.try_cast(sql.as_json(args[0].sql), "BIGINT[]")
    return Typed(sql.coalesce(sql.bind(compiler, bytes_, body), s("")), KqlType.STRING)
