"""Text on Spark: str_split's plain separator, a code point's character, and the TRY() of the compiler's trees,
which Spark SQL lacks."""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.spark_sql.regexes import regexp_escape


def split(node: exp.Split) -> exp.Expression:
    """str_split(s, sep): Spark's split takes a regex (the separator quoted); an empty separator splits
    the characters, and DuckDB's characters of "" are none."""
    text, separator = node.this, node.expression
    characters = exp.If(
        this=exp.EQ(this=text.copy(), expression=exp.Literal.string("")),
        true=exp.cast(anon("array"), exp.DataType.build("ARRAY<STRING>", dialect="spark")),
        false=anon("split", text.copy(), exp.Literal.string("")),
    )
    if isinstance(separator, exp.Literal) and separator.is_string and not separator.this:
        return characters
    parts = anon("split", text, regexp_escape([separator.copy()]))
    if isinstance(separator, exp.Literal):
        return parts
    return exp.If(this=exp.EQ(this=separator, expression=exp.Literal.string("")), true=characters, false=parts)


def try_(node: exp.Try) -> exp.Expression:
    """TRY(x): null where x fails, as in DuckDB. With ANSI mode off (the session's setting) Spark gives null for a
    failed conversion or an impossible datetime already; the decodings that still fail, or guess, get a guard."""
    inner = node.this
    if isinstance(inner, exp.FromBase64):
        return _from_base64_or_null(inner)
    if isinstance(inner, exp.Decode):
        return _decode_or_null(inner)
    if isinstance(inner, exp.Anonymous) and inner.name.lower() == "url_decode":
        return anon("try_url_decode", *inner.expressions)
    return inner


def _from_base64_or_null(node: exp.FromBase64) -> exp.Expression:
    """Spark's unbase64 fails on a bad ending and skips characters outside the alphabet; try_to_binary is null,
    but reads text without its padding, which DuckDB (and so the compiler's TRY) rejects: its length must be a
    multiple of 4."""
    padded = exp.EQ(
        this=exp.Mod(this=exp.Length(this=node.this.copy()), expression=exp.Literal.number(4)),
        expression=exp.Literal.number(0),
    )
    return exp.If(this=padded, true=anon("try_to_binary", node.this, exp.Literal.string("base64")), false=exp.null())


def _decode_or_null(node: exp.Decode) -> exp.Expression:
    """TRY(decode(bytes)): Spark's decode() fails on invalid UTF-8."""
    data = _from_base64_or_null(node.this) if isinstance(node.this, exp.FromBase64) else node.this
    text = exp.cast(data, exp.DataType.build("STRING", dialect="spark"))
    return exp.If(this=anon("is_valid_utf8", text), true=text.copy(), false=exp.null())


def _utf8_bytes(point: exp.Expression, count: int) -> exp.Expression:
    """A code point's UTF-8 encoding in `count` (2 to 4) bytes, as one integer (the lead byte's marker bits, then
    6 bits a continuation byte, each 128 + its bits)."""

    def bits(shift: int) -> exp.Expression:
        return exp.IntDiv(this=exp.paren(point.copy()), expression=exp.Literal.number(64**shift))

    lead = {2: 0xC0, 3: 0xE0, 4: 0xF0}[count]
    value: exp.Expression = exp.Add(this=exp.Literal.number(lead), expression=bits(count - 1))
    for shift in range(count - 2, -1, -1):
        continuation = exp.Add(
            this=exp.Literal.number(128), expression=exp.Mod(this=bits(shift), expression=exp.Literal.number(64))
        )
        value = exp.Add(
            this=exp.Mul(this=exp.paren(value), expression=exp.Literal.number(256)), expression=continuation
        )
    return value


def chr_(node: exp.Chr) -> exp.Expression:
    """chr(code point): Spark's chr takes the code point mod 256, so the character is the code point's UTF-8
    bytes, computed, read as text."""
    point = exp.cast(node.expressions[0], exp.DataType.build("BIGINT"))  # four bytes overflow an INT
    one_byte = exp.Pad(
        this=exp.Hex(this=point.copy()),
        expression=exp.Literal.number(2),
        fill_pattern=exp.Literal.string("0"),
        is_left=True,
    )
    ifs = [exp.If(this=exp.LT(this=point.copy(), expression=exp.Literal.number(0x80)), true=one_byte)]
    for limit, count in ((0x800, 2), (0x10000, 3)):
        fits = exp.LT(this=point.copy(), expression=exp.Literal.number(limit))
        ifs.append(exp.If(this=fits, true=exp.Hex(this=_utf8_bytes(point, count))))
    hexes = exp.Case(ifs=ifs, default=exp.Hex(this=_utf8_bytes(point, 4)))  # a lead byte of 2+ bytes is >= 0xC0
    text = exp.cast(exp.Unhex(this=hexes), exp.DataType.build("STRING", dialect="spark"))
    return exp.If(this=_is_code_point(point), true=text, false=exp.null())


def _is_code_point(point: exp.Expression) -> exp.Expression:
    """Only a code point has UTF-8 bytes: anything else gives null rather than arbitrary bytes."""
    number = exp.Literal.number
    in_range = exp.Between(this=point.copy(), low=number(0), high=number(0x10FFFF))
    surrogate = exp.Between(this=point.copy(), low=number(0xD800), high=number(0xDFFF))
    return exp.and_(in_range, exp.Not(this=exp.paren(surrogate)))
