"""Text to and from bytes and code points: url_encode(_component), base64_decode_toarray, make_string.

Bytes are handled as lower-case hex text (`lower(hex(blob))`), two digits a byte, which DuckDB and
Spark both spell the same way. References: https://learn.microsoft.com/en-us/kusto/query/<name>-function
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import string_arg
from rmmhunt.compiler.functions.registry import INTEGERS, expect, function
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


@function("make_string", args=(1, 64))
def _make_string(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The characters of Unicode code points: integers, or arrays of them.

    https://learn.microsoft.com/en-us/kusto/query/make-string-function
    """
    parts: list[exp.Expression] = []
    for position, arg in enumerate(args):
        expect(compiler, node, position, arg, *INTEGERS)
        if arg.type is KqlType.DYNAMIC:
            x = sql.fresh_name(compiler, "_x")
            points = sql.try_cast(sql.as_json(arg.sql), "INTEGER[]")
            chars = sql.list_transform(points, x, exp.Chr(expressions=[exp.column(x)]))
            parts.append(sql.coalesce(exp.ArrayToString(this=chars, expression=s("")), s("")))
        else:
            parts.append(sql.coalesce(exp.Chr(expressions=[sql.cast(arg.sql, KqlType.INT)]), s("")))
    return Typed(sql.concat(*parts), KqlType.STRING)
