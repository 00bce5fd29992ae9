"""The one place where DuckDB and Spark spell things differently.

The compiler builds one sqlglot tree in DuckDB's vocabulary: sqlglot's own nodes (which every dialect
generates correctly) and a few DuckDB functions it has no node for (`exp.Anonymous`). `for_dialect`
rewrites a copy of that tree for an engine's SQL dialect so the same query gives the same rows:

| in the tree                          | Spark SQL                                                        |
|--------------------------------------|------------------------------------------------------------------|
| time_bucket(width, ts, origin)       | whole widths since origin, in microseconds (unix_micros)          |
| epoch_us(timespan)                   | unix_micros(timestamp_micros(0) + timespan)                      |
| regexp_escape(s)                     | Java's Pattern.quote: \\Q s \\E (with any \\E in s split)        |
| json_extract_string(json, path)      | get_json_object(json, path)                                      |
| len(list)                            | array_size(list)                                                 |
| list_slice(list, from, to)           | slice(list, from, to - from + 1)                                 |
| range(n)                             | sequence(0, n - 1), or an empty array when n <= 0                |
| generate_series(from, to, step)      | sequence(from, to, step), or an empty array when step leads away |
| TRY(url_decode(s))                   | try_url_decode(s)                                                |
| to_timestamp(micros) (exp.UnixToTime)| the same, as TIMESTAMP_NTZ                                       |
| TIMESTAMP                            | TIMESTAMP_NTZ (DuckDB's TIMESTAMP has no time zone)               |
| TIMESTAMPTZ; x AT TIME ZONE 'UTC'    | TIMESTAMP_LTZ; CAST(x AS TIMESTAMP_NTZ) (the session is in UTC)   |
| try_strptime(s, [formats])           | coalesce(to_timestamp_ntz(s, Java pattern), ...); a weekday cut off |
| DECIMAL with no precision            | DECIMAL(18, 3), which is what DuckDB means by it                 |
| INTERVAL with no fields              | INTERVAL DAY TO SECOND (a bare one is Spark's CalendarInterval)  |
| CAST(x AS JSON)                      | JSON text: a string stays as it is, anything else goes to_json   |
|                                      | (JSON texts in its arrays, fields, map values read as VARIANT)    |
| json -> path, json_extract(json, p)  | to_json of the element read through VARIANT (try_parse_json)     |
| json_type(json[, path])              | schema_of_variant's type, named as DuckDB names it               |
| to_json(x) of a SQL scalar           | to_json(CAST(x AS VARIANT))                                      |
| CAST(json AS JSON[])                 | the elements' JSON texts: ARRAY<VARIANT> elements to_json        |
| json_valid(text)                     | try_parse_json(text) IS NOT NULL                                 |
| json ->> '$'                         | CAST(VARIANT AS STRING): get_json_object gives 'null' for null   |
| json ->> '$...[*]'                   | the texts of the array's elements, as a list (through VARIANT)   |
| CAST('1-01-01 ...' AS TIMESTAMP)     | the year written with four digits, as Spark requires             |
| ts + INTERVAL (n) unit (exp.DateAdd) | timestampadd(unit, n, ts): Spark's date_add() would drop the time |
| (?P<name>...) in a regex constant    | (?<name>...), Java's spelling of RE2's named group               |
| \\1 in a regex rewrite (RE2)         | $1, Java's spelling; a $ in the rewrite escaped                  |
| CAST('0x' || hex AS BIGINT)          | CAST(conv(hex, 16, 10) AS BIGINT): Spark casts no hex text        |
| INTERVAL (n) unit                    | n * INTERVAL '1' unit (an INTERVAL takes only a constant)        |
| date_diff(unit, a, b) (exp.DateDiff) | timestampdiff of both truncated to the unit: boundaries crossed  |
| strftime(ts, fmt) (exp.TimeToStr)    | date_format with Java's pattern letters, text quoted             |
| list[i] with i computed (exp.Bracket)| try_element_at(list, i): sqlglot shifts only an integer it knows |
| (x, i) -> ... over a list            | i + 1 for Spark's index counted from 0, DuckDB's from 1          |
| list_slice(list, from, to)           | slice(list, from, to - from + 1) (exp.ArraySlice too)            |
| generate_series (exp.GenerateSeries) | sequence(...), or an empty array when step leads away            |
| array_length(list) (exp.ArraySize)   | array_size(list): size() would give -1 for null                  |
| str_split(s, sep) (exp.Split)        | split(s, Java-quoted sep); an empty sep splits characters        |
| TRY(decode(bytes))                   | the bytes as text when valid UTF-8, else null                    |
| row_number() OVER (no order)         | ... OVER (ORDER BY monotonically_increasing_id()): rows as they come |
| lag(v, CAST(n AS BIGINT)) OVER ...   | lag(v, CAST(n AS INT)): Spark takes an INT offset only           |
| filter((SELECT array_agg(x) ...), f) | (SELECT array_agg(x) ... WHERE f(x)): no subquery in a lambda    |
| SELECT explode(a) x, explode(b) y    | inline(arrays_zip(a, b)) AS (x, y): zipped, not a cross product  |
| json_array(j, ...), json_object(...) | the JSON texts joined: '[' j, ... ']', '{' "key":j, ... '}'      |
| CAST(json AS T[])                    | CAST(VARIANT AS ARRAY<T>): the elements converted as in DuckDB   |

What Spark cannot say yet (SPARK_UNMAPPED: bags, non-ISO datetime text; UNION ALL BY NAME, which `search`
over every table uses) fails here with DialectError, naming it, before Spark sees the query.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from sqlglot import exp
from sqlglot.dialects.dialect import Dialect

from rmmhunt.engines.base import EngineError
from rmmhunt.engines.json_texts import json_depth, mark

Rewrite = Callable[[list[exp.Expression]], exp.Expression]
DUCKDB_GENERATOR = Dialect.get_or_raise("duckdb").generator()


class DialectError(EngineError):
    """The query uses something the engine's dialect cannot say yet."""


def call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def _spark_epoch_us(args: list[exp.Expression]) -> exp.Expression:
    (span,) = args
    epoch = call("timestamp_micros", exp.Literal.number(0))
    return call("unix_micros", exp.Add(this=epoch, expression=exp.paren(span)))


def _spark_time_bucket(args: list[exp.Expression]) -> exp.Expression:
    """floor((ts - origin) / width) * width + origin, in whole microseconds; every ts is after origin."""
    width, value, origin = args
    width_us = _spark_epoch_us([width])
    origin_us = call("unix_micros", origin)
    since = exp.Sub(this=call("unix_micros", value), expression=origin_us)
    bins = exp.IntDiv(this=exp.paren(since), expression=width_us)
    micros = exp.Add(this=exp.Mul(this=exp.paren(bins), expression=width_us.copy()), expression=origin_us.copy())
    return exp.cast(call("timestamp_micros", micros), exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ))


def _spark_regexp_escape(args: list[exp.Expression]) -> exp.Expression:
    r"""Java regex quoting, as java.util.regex.Pattern.quote does it: \Q...\E, each \E inside ended and re-begun."""
    (text,) = args
    quoted = call("replace", text, exp.Literal.string("\\E"), exp.Literal.string("\\E\\\\E\\Q"))
    return exp.Concat(expressions=[exp.Literal.string("\\Q"), quoted, exp.Literal.string("\\E")])


def _spark_json_extract_string(args: list[exp.Expression]) -> exp.Expression:
    return call("get_json_object", *args)


def _spark_len(args: list[exp.Expression]) -> exp.Expression:
    return call("array_size", *args)  # size() would give -1 for null


def _spark_list_slice(args: list[exp.Expression]) -> exp.Expression:
    items, start, stop = args
    length = exp.Add(this=exp.paren(exp.Sub(this=stop, expression=start.copy())), expression=exp.Literal.number(1))
    return call("slice", items, start, length)


def _spark_range(args: list[exp.Expression]) -> exp.Expression:
    (count,) = args
    last = exp.Sub(this=exp.paren(count.copy()), expression=exp.Literal.number(1))
    positions = call("sequence", exp.Literal.number(0), last)
    return exp.If(this=exp.GT(this=count, expression=exp.Literal.number(0)), true=positions, false=call("array"))


def _spark_generate_series(args: list[exp.Expression]) -> exp.Expression:
    """Spark's sequence() fails where DuckDB's generate_series() is empty: a step leading away from `to`."""
    start, stop, step = args
    ahead = exp.paren(exp.Add(this=stop.copy(), expression=step.copy()))
    away = exp.or_(
        exp.and_(exp.GT(this=start.copy(), expression=stop.copy()), exp.GT(this=ahead, expression=stop.copy())),
        exp.and_(exp.LT(this=start.copy(), expression=stop.copy()), exp.LT(this=ahead.copy(), expression=stop.copy())),
    )
    return exp.If(this=away, true=call("array"), false=call("sequence", start, stop, step))


def _spark_series_node(node: exp.GenerateSeries) -> exp.Expression:
    step = node.args.get("step") or exp.Literal.number(1)
    return _spark_generate_series([node.args["start"], node.args["end"], step])


def _spark_interval(node: exp.Interval) -> exp.Expression:
    """INTERVAL (n) unit: Spark's INTERVAL takes a constant only, so a computed count multiplies one unit."""
    if isinstance(node.this, exp.Literal):
        return node
    one = exp.Interval(this=exp.Literal.string("1"), unit=node.args["unit"])
    return exp.Mul(this=exp.paren(node.this), expression=one)


def _spark_date_diff(node: exp.DateDiff) -> exp.Expression:
    """DuckDB counts the unit's boundaries crossed; Spark's timestampdiff whole units elapsed.
    Both truncated to the unit, they agree."""
    unit = str(node.args["unit"].name).upper()

    def truncated(value: exp.Expression) -> exp.Expression:
        return value if unit == "MICROSECOND" else call("date_trunc", exp.Literal.string(unit), value)

    return call("timestampdiff", exp.var(unit), truncated(node.expression), truncated(node.this))


# strftime's elements the compiler writes, as Java's DateTimeFormatter letters; `%-y` has no letter.
_JAVA_DATE_LETTERS = {
    "d": "dd", "-d": "d", "I": "hh", "-I": "h", "H": "HH", "-H": "H", "M": "mm", "-M": "m",
    "m": "MM", "-m": "M", "S": "ss", "-S": "s", "y": "yy", "Y": "yyyy", "p": "a", "f": "SSSSSS",
}  # fmt: skip
_STRFTIME_ELEMENT = re.compile(r"%(-?[a-zA-Z%])")


def _spark_time_to_str(node: exp.TimeToStr) -> exp.Expression:
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
            pieces.append(call("date_format", node.this.copy(), exp.Literal.string(pattern)))
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


def _spark_bracket(node: exp.Bracket) -> exp.Expression:
    """list[i] with i computed: DuckDB's 1-based index as DuckDB's SQL writes it, read with try_element_at
    (null out of range, from the end when negative, as in DuckDB; null for 0, which Spark would refuse).
    A constant index sqlglot shifts itself."""
    if node.args.get("json_access") or node.expressions[0].is_int:
        return node
    (index,) = DUCKDB_GENERATOR.bracket_offset_expressions(node)
    position = exp.cast(exp.Nullif(this=index, expression=exp.Literal.number(0)), exp.DataType.Type.INT)
    return call("try_element_at", node.this, position)


def _spark_index_lambda(node: exp.Lambda) -> exp.Lambda:
    """(x, i) -> body over a list: DuckDB counts i from 1, Spark from 0."""
    if len(node.expressions) != 2 or not isinstance(node.parent, _INDEXED_LAMBDAS):
        return node
    index = node.expressions[1].name
    for column in list(node.this.find_all(exp.Column)):
        if column.name == index and not column.table:
            column.replace(exp.paren(exp.Add(this=column.copy(), expression=exp.Literal.number(1))))
    return node


def _spark_split(node: exp.Split) -> exp.Expression:
    """str_split(s, sep): Spark's split takes a regex (the separator quoted); an empty separator splits
    the characters, and DuckDB's characters of "" are none."""
    text, separator = node.this, node.expression
    characters = exp.If(
        this=exp.EQ(this=text.copy(), expression=exp.Literal.string("")),
        true=exp.cast(call("array"), exp.DataType.build("ARRAY<STRING>", dialect="spark")),
        false=call("split", text.copy(), exp.Literal.string("")),
    )
    if isinstance(separator, exp.Literal) and separator.is_string and not separator.this:
        return characters
    parts = call("split", text, _spark_regexp_escape([separator.copy()]))
    if isinstance(separator, exp.Literal):
        return parts
    return exp.If(this=exp.EQ(this=separator, expression=exp.Literal.string("")), true=characters, false=parts)


# An RE2 rewrite's group reference (\1) or escaped backslash, or a $ (Java's group reference).
_RE2_REWRITE_TOKEN = re.compile(r"\\([0-9\\])|\$")
# The same at run time, in two steps: each $ escaped, then each unescaped backslash-digit as $digit.
_JAVA_DOLLAR = (r"\$", r"\\\$")
_RE2_GROUP = (r"(?<!\\)((?:\\\\)*)\\([0-9])", r"$1\$$2")


def _java_rewrite_token(token: re.Match[str]) -> str:
    if token.group(0) == "$":
        return "\\$"
    escaped = token.group(1)
    return "$" + escaped if escaped.isdigit() else "\\\\"


def _spark_regex_rewrite(node: exp.RegexpReplace) -> exp.RegexpReplace:
    """An RE2 rewrite (\\1 for a group, \\\\ for a backslash) as Java writes it ($1, \\\\, and \\$ for a $)."""
    rewrite = node.args.get("replacement")
    if isinstance(rewrite, exp.Literal) and rewrite.is_string:
        node.set("replacement", exp.Literal.string(_RE2_REWRITE_TOKEN.sub(_java_rewrite_token, rewrite.this)))
    elif rewrite is not None:
        for pattern, replacement in (_JAVA_DOLLAR, _RE2_GROUP):
            rewrite = exp.RegexpReplace(
                this=rewrite, expression=exp.Literal.string(pattern), replacement=exp.Literal.string(replacement)
            )
        node.set("replacement", rewrite)
    return node


def _spark_filter_of_subquery(node: exp.ArrayFilter) -> exp.Expression:
    """filter((SELECT array_agg(x) FROM s), v -> p(v)) as (SELECT array_agg(x) FROM s WHERE p(x)): Spark refuses
    a subquery in a higher-order function (has_any/has_all over a table) but takes a correlated one.

    Only where no column the predicate reads from the outer query is also a column of s, which would
    capture it; elsewhere Spark names the problem itself."""
    subquery, function = node.this, node.expression
    select = subquery.this if isinstance(subquery, exp.Subquery) else None
    if not (isinstance(select, exp.Select) and isinstance(function, exp.Lambda) and len(function.expressions) == 1):
        return node
    (aggregate,) = select.expressions if len(select.expressions) == 1 else (None,)
    aggregate = aggregate.this if isinstance(aggregate, exp.Alias) else aggregate
    source = select.args.get("from_")
    inner = source.this.this if source is not None and isinstance(source.this, exp.Subquery) else None
    if not (isinstance(aggregate, exp.ArrayAgg) and isinstance(inner, exp.Select)) or select.args.get("group"):
        return node
    parameter = function.expressions[0].name
    outer = {c.name for c in function.this.find_all(exp.Column) if c.name != parameter}
    if outer & set(inner.named_selects) or "*" in inner.named_selects:
        return node
    predicate = function.this.copy()
    for column in list(predicate.find_all(exp.Column)):
        if column.name == parameter and not column.table:
            column.replace(aggregate.this.copy())
    return exp.Subquery(this=select.copy().where(predicate, copy=False))


def _spark_select(node: exp.Select) -> exp.Expression:
    """Several explode()s in one SELECT: DuckDB zips the lists (padding the shorter with nulls), Spark would
    give their cross product. inline(arrays_zip(...)) zips them; an outer SELECT keeps the columns' order.
    Only for a plain projection (no WHERE, GROUP BY, ...) whose columns are all named."""
    exploded = [e for e in node.expressions if isinstance(e, exp.Alias) and isinstance(e.this, exp.Explode)]
    clauses = set(node.args) - {"expressions", "from_"}
    if len(exploded) < 2 or any(node.args.get(c) for c in clauses) or "*" in node.named_selects:
        return node
    lists = [exp.Coalesce(this=e.this.this, expressions=[call("array")]) for e in exploded]  # null zips as empty
    zipped = exp.Aliases(
        this=call("inline", call("arrays_zip", *lists)), expressions=[e.args["alias"].copy() for e in exploded]
    )
    kept = [e for e in node.expressions if e not in exploded]
    inner = exp.Select(expressions=[*kept, zipped]).from_(node.args["from_"].this, copy=False)
    names = [exp.column(e.alias_or_name, quoted=True) for e in node.expressions]
    return exp.Select(expressions=names).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_zipped")))
    )


# Window functions Spark computes only over an ordered window.
_ORDERED_WINDOW_FUNCTIONS = (exp.RowNumber, exp.Lag, exp.Lead)


def _spark_window(node: exp.Window) -> exp.Window:
    """row_number(), lag() and lead() over a window with no order, where Kusto's order is the rows' own:
    Spark needs an order, and monotonically_increasing_id() is the rows' order as they come. The offset
    of lag() and lead() must be a constant INT."""
    function = node.this
    if not isinstance(function, _ORDERED_WINDOW_FUNCTIONS):
        return node
    if isinstance(function, (exp.Lag, exp.Lead)) and function.args.get("offset") is not None:
        function.set("offset", exp.cast(function.args["offset"], exp.DataType.Type.INT))
    if not node.args.get("order"):
        node.set("order", exp.Order(expressions=[exp.Ordered(this=call("monotonically_increasing_id"))]))
    return node


def _spark_try_decode(node: exp.Decode) -> exp.Expression:
    """TRY(decode(bytes)): Spark's decode() fails on invalid UTF-8 even inside TRY."""
    text = exp.cast(node.this, exp.DataType.build("STRING", dialect="spark"))
    return exp.If(this=call("is_valid_utf8", text), true=text.copy(), false=exp.null())


# strptime's elements in todatetime()'s formats as Java's parsing letters; a leading weekday has no letter
# Spark parses ('E' only formats), so its name is matched and cut off first.
_JAVA_PARSE_LETTERS = {"d": "d", "m": "M", "Y": "yyyy", "y": "yy", "H": "H", "M": "m", "S": "s", "b": "MMM"}
_WEEKDAYS = {
    "a": "(?i)^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), ",
    "A": "(?i)^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), ",
}


def _spark_strptime_one(text: exp.Expression, fmt: str) -> exp.Expression:
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
    return call("to_timestamp_ntz", text, exp.Literal.string(java))


def _spark_try_strptime(args: list[exp.Expression]) -> exp.Expression:
    """try_strptime(text, [formats]): the first format the text matches, in order."""
    text, formats = args
    if not (isinstance(formats, exp.Array) and all(f.is_string for f in formats.expressions)):
        raise DialectError("spark: not supported yet: todatetime() formats computed by the query")
    parsed = [_spark_strptime_one(text.copy(), f.this) for f in formats.expressions]
    return parsed[0] if len(parsed) == 1 else exp.Coalesce(this=parsed[0], expressions=parsed[1:])


# ---- dynamic values: JSON text on Spark, read through VARIANT (parse_json keeps JSON's own types)

_lambda_names = itertools.count()


def _bound(value: exp.Expression, body: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """`body` over `value` computed once: element_at(transform(array(value), v -> body(v)), 1)."""
    name = f"_json{next(_lambda_names)}"
    mapped = call(
        "transform",
        call("array", value),
        exp.Lambda(this=body(exp.column(name)), expressions=[exp.to_identifier(name)]),
    )
    return call("element_at", mapped, exp.Literal.number(1))


def _variant(json_text: exp.Expression) -> exp.Expression:
    return call("try_parse_json", json_text)


def _variant_as(variant: exp.Expression, spark_type: str) -> exp.Expression:
    """null when the value is not of that shape (safe: sqlglot writes a plain CAST for Spark otherwise)."""
    return exp.TryCast(this=variant, to=exp.DataType.build(spark_type, dialect="spark"), safe=True)


def _member(variant: exp.Expression, key: exp.Expression) -> exp.Expression:
    return call("try_element_at", _variant_as(variant, "MAP<STRING, VARIANT>"), key)


def _element(variant: exp.Expression, one_based: exp.Expression) -> exp.Expression:
    """A negative position counts from the end, as DuckDB's $[#-n] does."""
    return call("try_element_at", _variant_as(variant, "ARRAY<VARIANT>"), one_based)


# The one-step paths the compiler writes: $."key" (with \\ and \" escaped), $[n] and $[#-n].
_KEY_PATH = re.compile(r'\$\."((?:[^"\\]|\\.)*)"')
_INDEX_PATH = re.compile(r"\$\[(#)?(-?\d+)\]")


def _json_step(variant: exp.Expression, path: str) -> exp.Expression:
    if key := _KEY_PATH.fullmatch(path):
        return _member(variant, exp.Literal.string(re.sub(r"\\(.)", r"\1", key.group(1))))
    if index := _INDEX_PATH.fullmatch(path):
        from_end, number = index.groups()
        position = int(number) if from_end else int(number) + 1
        return _element(variant, exp.Literal.number(position)) if position else exp.null()
    if not path.startswith("$"):  # DuckDB reads a path with no $ as one key
        return _member(variant, exp.Literal.string(path))
    return call("try_variant_get", variant, exp.Literal.string(path))  # a JSONPath from extract_json()


def _runtime_json_step(variant: exp.Expression, path: exp.Expression) -> exp.Expression:
    """The same as _json_step, for a path computed by the query (a key or index from a column)."""

    def inner(length_less: int, start: int) -> exp.Expression:
        length = exp.Sub(this=call("length", path.copy()), expression=exp.Literal.number(length_less))
        return call("substr", path.copy(), exp.Literal.number(start), length)

    number = exp.DataType.build("INT")
    key = exp.RegexpReplace(
        this=inner(4, 4), expression=exp.Literal.string("\\\\(.)"), replacement=exp.Literal.string("$1")
    )
    from_end = exp.cast(inner(4, 4), number)
    ahead = exp.Add(this=exp.cast(inner(3, 3), number), expression=exp.Literal.number(1))
    starts = lambda prefix: call("startswith", path.copy(), exp.Literal.string(prefix))  # noqa: E731
    return exp.Case(
        ifs=[
            exp.If(this=starts('$."'), true=_member(variant.copy(), key)),
            exp.If(this=starts("$[#"), true=_element(variant.copy(), from_end)),
            exp.If(this=starts("$["), true=_element(variant.copy(), ahead)),
            exp.If(this=exp.Not(this=starts("$")), true=_member(variant.copy(), path.copy())),
        ],
        default=call("try_variant_get", variant.copy(), path.copy()),
    )


def _spark_json_extract(args: list[exp.Expression]) -> exp.Expression:
    """DuckDB's json -> path: the element as JSON text (a string keeps its quotes), null when absent."""
    document, path = args
    if isinstance(path, exp.Literal) and path.is_string:
        return mark(call("to_json", _json_step(_variant(document), path.this)), 0)
    return mark(call("to_json", _bound(_variant(document), lambda v: _runtime_json_step(v, path))), 0)


def _duckdb_json_type_name(spark_type: exp.Expression, variant: exp.Expression) -> exp.Expression:
    """schema_of_variant()'s names as DuckDB's json_type() names them; a whole number past BIGINT is a
    DECIMAL(p, 0) on Spark, UBIGINT on DuckDB when it fits 64 unsigned bits."""
    is_ = lambda *names: exp.In(this=spark_type.copy(), expressions=[exp.Literal.string(n) for n in names])  # noqa: E731
    like = lambda pattern: exp.Like(this=spark_type.copy(), expression=exp.Literal.string(pattern))  # noqa: E731
    whole = call("try_variant_get", variant, exp.Literal.string("$"), exp.Literal.string("DECIMAL(38, 0)"))
    unsigned = exp.Between(this=whole, low=exp.Literal.number(0), high=exp.Literal.number(2**64 - 1))
    names = [
        (is_("VOID"), "NULL"),
        (is_("STRING"), "VARCHAR"),
        (is_("BOOLEAN"), "BOOLEAN"),
        (is_("BIGINT", "INT", "SMALLINT", "TINYINT"), "BIGINT"),
        (exp.and_(like("DECIMAL(%,0)"), unsigned), "UBIGINT"),
        (like("ARRAY%"), "ARRAY"),
        (like("OBJECT%"), "OBJECT"),
    ]
    return exp.Case(
        ifs=[exp.If(this=test, true=exp.Literal.string(name)) for test, name in names],
        default=exp.Literal.string("DOUBLE"),
    )


def _spark_json_type(args: list[exp.Expression]) -> exp.Expression:
    """DuckDB's json_type(json[, path]), from the type Spark reads in the JSON text."""
    document = _spark_json_extract(args) if len(args) == 2 else args[0]
    return _bound(_variant(document), lambda v: _duckdb_json_type_name(call("schema_of_variant", v), v.copy()))


def _spark_to_json(args: list[exp.Expression]) -> exp.Expression:
    """A SQL value (never a dynamic one) as JSON text; Spark's to_json takes only VARIANT and nested types."""
    (value,) = args
    return mark(call("to_json", exp.cast(value, exp.DataType.build("VARIANT", dialect="spark"))), 0)


def _spark_json_list(json_text: exp.Expression) -> exp.Expression:
    """TRY_CAST(json AS JSON[]): the elements' JSON texts, or null when it is not an array."""
    name = f"_json{next(_lambda_names)}"
    to_text = exp.Lambda(this=call("to_json", exp.column(name)), expressions=[exp.to_identifier(name)])
    return call("transform", _variant_as(_variant(json_text), "ARRAY<VARIANT>"), to_text)


def _spark_json_extract_scalar(node: exp.JSONExtractScalar) -> exp.Expression:
    """json ->> path: get_json_object, except where it would differ from DuckDB: the root path ($) of a JSON
    null is null (not 'null'), and a path to every element of an array ([*]) gives their texts as a list
    (null when there is no array there)."""
    path = node.expression
    if not (isinstance(path, exp.Literal) and path.is_string):
        return node
    if path.this == "$":
        return _variant_as(_variant(node.this), "STRING")
    if path.this.endswith("[*]"):
        array = _spark_json_extract([node.this, exp.Literal.string(path.this.removesuffix("[*]"))])
        return _variant_as(_variant(array), "ARRAY<STRING>")
    return node


def _spark_json_valid(args: list[exp.Expression]) -> exp.Expression:
    (text,) = args
    return exp.Not(this=exp.Is(this=_variant(text), expression=exp.null()))


SPARK_FUNCTIONS: dict[str, Rewrite] = {
    "time_bucket": _spark_time_bucket,
    "epoch_us": _spark_epoch_us,
    "regexp_escape": _spark_regexp_escape,
    "json_extract_string": _spark_json_extract_string,
    "len": _spark_len,
    "list_slice": _spark_list_slice,
    "range": _spark_range,
    "generate_series": _spark_generate_series,
    "json_extract": _spark_json_extract,
    "json_type": _spark_json_type,
    "to_json": _spark_to_json,
    "try_strptime": _spark_try_strptime,
    "json_valid": _spark_json_valid,
}

# DuckDB functions the compiler names that have no Spark spelling yet: a query using one fails
# before it reaches Spark, naming the function, rather than with Spark's own analysis error.
SPARK_UNMAPPED: dict[str, str] = {
    "map": "dynamic property bags",
    "map_concat": "bag_merge()",
    "json_merge_patch": "make_bag()",
    "list_reduce": "make_bag()",
}


def _spark_cast_to_json(node: exp.Cast) -> exp.Expression:
    value = node.this
    if isinstance(value, exp.Null):
        text = exp.cast(value, exp.DataType.build(exp.DataType.Type.VARCHAR))
    elif (isinstance(value, exp.Literal) and value.is_string) or json_depth(value) == 0:
        text = value
    else:
        text = _json_text_of_any(value)
    return mark(text, 0)


def _json_text_of_any(value: exp.Expression) -> exp.Expression:
    """A dynamic value of either Spark type: a string is JSON text already, a list or struct goes to_json.

    The type is only known when Spark analyses the query: typeof() picks the branch, and both branches are
    valid for any type (to_json takes the value inside an array; a SQL null is not the JSON null).
    A value known to hold JSON texts has them read as VARIANT, so to_json keeps them as they are.
    """
    variants = _with_variants(value)
    if variants is not None:
        return call("to_json", variants)
    is_text = exp.EQ(this=call("typeof", value.copy()), expression=exp.Literal.string("string"))
    as_text = exp.cast(value.copy(), exp.DataType.build(exp.DataType.Type.VARCHAR))
    in_array = call("to_json", call("array", value))
    as_json = exp.Nullif(
        this=exp.RegexpExtract(
            this=in_array, expression=exp.Literal.string(r"^\[(.*)\]$"), group=exp.Literal.number(1)
        ),
        expression=exp.Literal.string("null"),
    )
    return exp.If(this=is_text, true=as_text, false=as_json)


def _parsed(texts: exp.Expression, depth: int) -> exp.Expression:
    """An array of JSON texts (nested `depth` deep) with each text read as VARIANT."""
    name = f"_json{next(_lambda_names)}"
    inner = _variant(exp.column(name)) if depth == 1 else _parsed(exp.column(name), depth - 1)
    return call("transform", texts, exp.Lambda(this=inner, expressions=[exp.to_identifier(name)]))


def _with_variants(value: exp.Expression) -> exp.Expression | None:
    """The value with the JSON texts it is known to hold read as VARIANT (in arrays, struct fields and map
    values), or None when it holds none known."""
    depth = json_depth(value)
    if depth is not None:
        return _variant(value) if depth == 0 else _parsed(value, depth)
    if isinstance(value, exp.Struct):
        fields = [
            (f, _with_variants(f.expression)) if isinstance(f, exp.PropertyEQ) else (f, None) for f in value.expressions
        ]
        if all(v is None for _, v in fields):
            return None
        return exp.Struct(
            expressions=[f.copy() if v is None else exp.PropertyEQ(this=f.this.copy(), expression=v) for f, v in fields]
        )
    if isinstance(value, exp.MapFromEntries) and _entry_value_depth(value.this) == 0:
        key, text = f"_json{next(_lambda_names)}", f"_json{next(_lambda_names)}"
        parse = exp.Lambda(
            this=_variant(exp.column(text)), expressions=[exp.to_identifier(key), exp.to_identifier(text)]
        )
        return call("transform_values", value, parse)
    return None


def _entry_value_depth(entries: exp.Expression) -> int | None:
    """How deep the JSON texts sit in the values of a list of {k, v} entries built by a transform."""
    if not isinstance(entries, exp.Transform) or not isinstance(entries.expression.this, exp.Struct):
        return None
    fields = entries.expression.this.expressions
    return json_depth(fields[1].expression) if len(fields) == 2 and isinstance(fields[1], exp.PropertyEQ) else None


def _json_member(value: exp.Expression) -> exp.Expression:
    """A JSON value's text inside an array or object: a SQL null is JSON's null there."""
    return exp.Coalesce(this=value, expressions=[exp.Literal.string("null")])


def _json_joined(opening: str, members: list[exp.Expression], closing: str) -> exp.Expression:
    joined = exp.ConcatWs(expressions=[exp.Literal.string(","), *members])
    return mark(exp.Concat(expressions=[exp.Literal.string(opening), joined, exp.Literal.string(closing)]), 0)


def _spark_json_array(node: exp.JSONArray) -> exp.Expression:
    """json_array(j, ...) of JSON values (the compiler passes JSON only): their texts joined."""
    return _json_joined("[", [_json_member(value) for value in node.expressions], "]")


def _spark_json_object(node: exp.JSONObject) -> exp.Expression:
    """json_object(key, j, ...) of JSON values: "key":text members joined, in order."""
    members = []
    for pair in node.expressions:
        key = pair.this
        if isinstance(key, exp.Literal) and key.is_string:
            key_text: exp.Expression = exp.Literal.string(json.dumps(key.this, ensure_ascii=False))
        else:
            key_text = _spark_to_json([key])
        members.append(exp.Concat(expressions=[key_text, exp.Literal.string(":"), _json_member(pair.expression)]))
    return _json_joined("{", members, "}")


def _spark_cast_json_to_list(node: exp.Cast) -> exp.Expression:
    """CAST(json AS T[]): the JSON array's elements as T, read through VARIANT (null when not an array)."""
    variant = _variant(node.this)
    if isinstance(node, exp.TryCast):
        return _variant_as(variant, node.to.sql("spark"))
    return exp.cast(variant, node.to)


def _is_json_array_type(to: exp.DataType) -> bool:
    return to.is_type(exp.DataType.Type.ARRAY) and to.expressions[0].is_type(exp.DataType.Type.JSON)


def _spark_cast_to_json_list(node: exp.Cast) -> exp.Expression:
    """CAST(json AS JSON[]): a list of JSON texts. Only JSON, lists of JSON and empty lists are cast so in the
    compiler."""
    value = node.this
    depth = json_depth(value)
    if depth == 0:
        return mark(_spark_json_list(value), 1)
    if depth == 1:
        return value
    if isinstance(value, exp.Array) and not value.expressions:
        return exp.cast(value, exp.DataType.build("ARRAY<STRING>", dialect="spark"))
    raise DialectError(f"spark: not supported yet: dynamic arrays and bags (DuckDB's {node.sql('duckdb')})")


# An unescaped `(?P<`: an even number of backslashes (maybe none) before the parenthesis.
_RE2_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?P<")
_REGEX_NODES = (exp.RegexpExtract, exp.RegexpExtractAll, exp.RegexpLike, exp.RegexpReplace, exp.RegexpSplit)
# The list functions whose lambda may take an element's index as a second parameter.
_INDEXED_LAMBDAS = (exp.Transform, exp.ArrayFilter)


def _spark_regex(node: exp.Expression) -> exp.Expression:
    pattern = node.args.get("expression")
    if isinstance(pattern, exp.Literal) and pattern.is_string and "(?P<" in pattern.this:
        node.set("expression", exp.Literal.string(_RE2_NAMED_GROUP.sub(r"\1(?<", pattern.this)))
    return node


def _spark_regex_node(node: exp.Expression) -> exp.Expression:
    node = _spark_regex(node)
    return _spark_regex_rewrite(node) if isinstance(node, exp.RegexpReplace) else node


def _spark_at_time_zone(node: exp.AtTimeZone) -> exp.Expression:
    """An instant AT TIME ZONE 'UTC': its UTC wall-clock time, a TIMESTAMP_NTZ as the session's time zone is UTC."""
    if node.args["zone"] != exp.Literal.string("UTC"):
        raise DialectError(f"spark: not supported yet: a time zone other than UTC ({node.sql('duckdb')})")
    return exp.cast(node.this, exp.DataType.Type.TIMESTAMPNTZ)


def _spark_date_add(node: exp.DateAdd) -> exp.Expression:
    unit = exp.var(str(node.args["unit"].name).upper())
    return call("timestampadd", unit, node.expression, node.this)


def _spark_anonymous(node: exp.Anonymous) -> exp.Expression:
    name = str(node.this).lower()
    if name in SPARK_UNMAPPED:
        raise DialectError(f"spark: not supported yet: {SPARK_UNMAPPED[name]} (DuckDB's {name})")
    rewrite = SPARK_FUNCTIONS.get(name)
    return rewrite(list(node.expressions)) if rewrite else node


def _spark_union(node: exp.Union) -> exp.Expression:
    if node.args.get("by_name"):
        raise DialectError("spark: not supported yet: search over every table (DuckDB's UNION ALL BY NAME)")
    return node


def _spark_try(node: exp.Try) -> exp.Expression:
    inner = node.this
    if isinstance(inner, exp.Decode):
        return _spark_try_decode(inner)
    if isinstance(inner, exp.Anonymous) and inner.name.lower() == "url_decode":
        return call("try_url_decode", *inner.expressions)
    return node


def _hex_digits(text: exp.Expression) -> exp.Expression | None:
    """The digits of '0x' || digits (hex text as the compiler writes it to cast to a number), else None."""
    if isinstance(text, exp.DPipe):
        parts = [text.this, text.expression]
    elif isinstance(text, exp.Concat):
        parts = text.expressions
    else:
        return None
    return parts[1] if len(parts) == 2 and parts[0] == exp.Literal.string("0x") else None


def _spark_cast(node: exp.Cast) -> exp.Expression:
    if node.to.is_type(exp.DataType.Type.JSON):
        return _spark_cast_to_json(node)
    if _is_json_array_type(node.to):
        return _spark_cast_to_json_list(node)
    if node.to.is_type(exp.DataType.Type.ARRAY) and json_depth(node.this) == 0:
        return _spark_cast_json_to_list(node)
    if node.to.is_type(*exp.DataType.INTEGER_TYPES) and (digits := _hex_digits(node.this)) is not None:
        # DuckDB casts '0x1f' to a number; Spark reads hex text with conv()
        node.set("this", call("conv", digits, exp.Literal.number(16), exp.Literal.number(10)))
    return node


def _spark_data_type(node: exp.DataType) -> exp.Expression:
    nested = node.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.MAP)
    in_json_list = _is_json_array_type(node) and isinstance(node.parent, exp.Cast)
    if nested and not in_json_list and any(t.is_type(exp.DataType.Type.JSON) for t in node.find_all(exp.DataType)):
        raise DialectError(f"spark: not supported yet: dynamic arrays and bags (DuckDB's {node.sql('duckdb')})")
    if node.this is exp.DataType.Type.TIMESTAMP:
        return exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ)
    if node.this is exp.DataType.Type.TIMESTAMPTZ:  # Spark's TIMESTAMP is the session's default, here NTZ
        return exp.DataType.build(exp.DataType.Type.TIMESTAMPLTZ)
    if node.this is exp.DataType.Type.DECIMAL and not node.expressions:
        return exp.DataType.build("DECIMAL(18, 3)")
    if node.this is exp.DataType.Type.INTERVAL and not node.expressions:
        return exp.DataType.build("INTERVAL DAY TO SECOND", dialect="spark")
    return node


# Each node type's rewrite for Spark; one that applies to only some nodes of its type returns the others as they are.
SPARK_NODES: dict[type[exp.Expression], Callable[[Any], exp.Expression]] = {
    **dict.fromkeys(_REGEX_NODES, _spark_regex_node),
    exp.Anonymous: _spark_anonymous,
    exp.Interval: _spark_interval,
    exp.DateAdd: _spark_date_add,
    exp.AtTimeZone: _spark_at_time_zone,
    exp.DateDiff: _spark_date_diff,
    exp.TimeToStr: _spark_time_to_str,
    exp.Bracket: _spark_bracket,
    exp.Lambda: _spark_index_lambda,
    exp.Window: _spark_window,
    exp.ArrayFilter: _spark_filter_of_subquery,
    exp.Select: _spark_select,
    exp.ArraySlice: lambda node: _spark_list_slice([node.this, node.args["start"], node.args["end"]]),
    exp.GenerateSeries: _spark_series_node,
    exp.ArraySize: lambda node: _spark_len([node.this]),
    exp.Split: _spark_split,
    exp.Try: _spark_try,
    exp.Union: _spark_union,
    exp.JSONType: lambda node: _spark_json_type([node.this]),
    exp.JSONArray: _spark_json_array,
    exp.JSONObject: _spark_json_object,
    exp.JSONExtract: lambda node: _spark_json_extract([node.this, node.expression]),  # get_json_object unquotes
    exp.JSONExtractScalar: _spark_json_extract_scalar,
    exp.UnixToTime: lambda node: exp.cast(node, exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ)),
    exp.Cast: _spark_cast,
    exp.TryCast: _spark_cast,
    exp.DataType: _spark_data_type,
}


def _spark_node(node: exp.Expression) -> exp.Expression:
    rewrite = SPARK_NODES.get(type(node))
    return rewrite(node) if rewrite else node


REWRITES: dict[str, Callable[[exp.Expression], exp.Expression]] = {"spark": _spark_node}


def for_dialect(tree: exp.Expression, dialect: str) -> exp.Expression:
    """`tree` as the given engine dialect needs it (a rewritten copy; the tree itself is not changed).

    Children are rewritten before their parents, so a rewrite sees arguments already in the dialect.
    """
    rewrite = REWRITES.get(dialect)
    if rewrite is None:
        return tree
    root = tree.copy()
    for node in reversed(list(root.dfs())):
        new = rewrite(node)
        if new is node:
            continue
        if node is root:
            root = new
        else:
            node.replace(new)
    return root
