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
    """Spark's unbase64 fails on a bad ending and skips characters outside the alphabet; try_to_binary is null."""
    return anon("try_to_binary", node.this, exp.Literal.string("base64"))


def _decode_or_null(node: exp.Decode) -> exp.Expression:
    """TRY(decode(bytes)): Spark's decode() fails on invalid UTF-8."""
    data = _from_base64_or_null(node.this) if isinstance(node.this, exp.FromBase64) else node.this
    text = exp.cast(data, exp.DataType.build("STRING", dialect="spark"))
    return exp.If(this=anon("is_valid_utf8", text), true=text.copy(), false=exp.null())


def chr_(node: exp.Chr) -> exp.Expression:
    """chr(code point): Spark's chr takes the code point mod 256; Java's Character.toString(int) gives the
    character of any code point (the compiler checks the value is one first)."""
    (point,) = node.expressions
    return anon("reflect", exp.Literal.string("java.lang.Character"), exp.Literal.string("toString"), point)
