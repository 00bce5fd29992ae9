"""strftime and strptime formats on Spark: Java's DateTimeFormatter pattern letters for C's % elements."""

from __future__ import annotations

import re

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError

# strftime's elements the compiler writes, as Java's DateTimeFormatter letters; `%-y` has no letter.
_JAVA_DATE_LETTERS = {
    "d": "dd", "-d": "d", "I": "hh", "-I": "h", "H": "HH", "-H": "H", "M": "mm", "-M": "m",
    "m": "MM", "-m": "M", "S": "ss", "-S": "s", "y": "yy", "Y": "yyyy", "p": "a", "f": "SSSSSS",
}  # fmt: skip
_STRFTIME_ELEMENT = re.compile(r"%(-?[a-zA-Z%])")


def strftime(node: exp.TimeToStr) -> exp.Expression:
    """strftime(ts, format) as date_format(ts, pattern): letters mapped, other text quoted.

    `%-y` (the year's last two digits, unpadded) is computed apart, as Java has no letter for it.
    """
    fmt = node.args["format"]
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        raise DialectError(f"spark: not supported yet: a datetime format computed by the query ({node.sql('duckdb')})")
    pieces: list[exp.Expression] = []
    pattern = ""

    def flush() -> None:
        nonlocal pattern
        if pattern:
            pieces.append(anon("date_format", node.this.copy(), exp.Literal.string(pattern)))
        pattern = ""

    def quoted(text: str) -> str:
        return "'" + text.replace("'", "''") + "'" if text else ""

    end = 0
    for element in _STRFTIME_ELEMENT.finditer(fmt.this):
        pattern += quoted(fmt.this[end : element.start()])
        end = element.end()
        name = element.group(1)
        if name == "%":
            pattern += quoted("%")
        elif name == "-y":
            flush()
            two_digits = exp.Mod(this=exp.Year(this=node.this.copy()), expression=exp.Literal.number(100))
            pieces.append(exp.cast(two_digits, exp.DataType.Type.VARCHAR))
        elif name in _JAVA_DATE_LETTERS:
            pattern += _JAVA_DATE_LETTERS[name]
        else:
            raise DialectError(f"spark: not supported yet: the strftime element %{name}")
    pattern += quoted(fmt.this[end:])
    flush()
    return pieces[0] if len(pieces) == 1 else exp.Concat(expressions=pieces)


# strptime's elements in todatetime()'s formats as Java's parsing letters; a leading weekday has no letter
# Spark parses ('E' only formats), so its name is matched and cut off first.
_JAVA_PARSE_LETTERS = {"d": "d", "m": "M", "Y": "yyyy", "y": "yy", "H": "H", "M": "m", "S": "s", "b": "MMM"}
_WEEKDAYS = {
    "a": "(?i)^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ",
    "A": "(?i)^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ",
}


def _strptime_one(text: exp.Expression, fmt: str) -> exp.Expression:
    """to_timestamp_ntz(text, pattern) for one strptime format (null when the text does not match)."""
    if (weekday := re.match(r"%([aA]), ", fmt)) is not None:
        pattern = exp.Literal.string(_WEEKDAYS[weekday.group(1)])
        matches = exp.RegexpLike(this=text.copy(), expression=pattern.copy())
        cut = exp.RegexpReplace(this=text, expression=pattern, replacement=exp.Literal.string(""))
        text = exp.If(this=matches, true=cut, false=exp.null())
        fmt = fmt[weekday.end() :]
    java = ""
    end = 0
    for element in _STRFTIME_ELEMENT.finditer(fmt):
        literal = fmt[end : element.start()]
        java += "'" + literal.replace("'", "''") + "'" if literal else ""
        end = element.end()
        if element.group(1) not in _JAVA_PARSE_LETTERS:
            raise DialectError(f"spark: not supported yet: the strptime element %{element.group(1)}")
        java += _JAVA_PARSE_LETTERS[element.group(1)]
    rest = fmt[end:]
    java += "'" + rest.replace("'", "''") + "'" if rest else ""
    return anon("to_timestamp_ntz", text, exp.Literal.string(java))


def try_strptime(args: list[exp.Expression]) -> exp.Expression:
    """try_strptime(text, [formats]): the first format the text matches, in order."""
    text, formats = args
    if not (isinstance(formats, exp.Array) and all(f.is_string for f in formats.expressions)):
        raise DialectError("spark: not supported yet: todatetime() formats computed by the query")
    parsed = [_strptime_one(text.copy(), f.this) for f in formats.expressions]
    return parsed[0] if len(parsed) == 1 else exp.Coalesce(this=parsed[0], expressions=parsed[1:])
