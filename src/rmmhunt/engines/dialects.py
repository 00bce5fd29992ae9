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
| DECIMAL with no precision            | DECIMAL(18, 3), which is what DuckDB means by it                 |
| INTERVAL with no fields              | INTERVAL DAY TO SECOND (a bare one is Spark's CalendarInterval)  |
| CAST(x AS JSON)                      | JSON text: a string stays as it is, anything else goes to_json   |
| CAST('1-01-01 ...' AS TIMESTAMP)     | the year written with four digits, as Spark requires             |
| ts + INTERVAL (n) unit (exp.DateAdd) | timestampadd(unit, n, ts): Spark's date_add() would drop the time |
| (?P<name>...) in a regex constant    | (?<name>...), Java's spelling of RE2's named group               |

What Spark cannot say yet (SPARK_UNMAPPED: JSON paths, JSON types, bags) fails here with DialectError,
naming it, before Spark sees the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from rmmhunt.engines.base import EngineError

Rewrite = Callable[[list[exp.Expression]], exp.Expression]


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


SPARK_FUNCTIONS: dict[str, Rewrite] = {
    "time_bucket": _spark_time_bucket,
    "epoch_us": _spark_epoch_us,
    "regexp_escape": _spark_regexp_escape,
    "json_extract_string": _spark_json_extract_string,
    "len": _spark_len,
    "list_slice": _spark_list_slice,
    "range": _spark_range,
    "generate_series": _spark_generate_series,
}

# DuckDB functions the compiler names that have no Spark spelling yet: a query using one fails
# before it reaches Spark, naming the function, rather than with Spark's own analysis error.
SPARK_UNMAPPED: dict[str, str] = {
    "json_extract": "dynamic property access (d.a, d[0])",
    "json_type": "the type of a dynamic value",
    "to_json": "a value converted to dynamic",
    "try_strptime": "todatetime() of text in a non-ISO format",
    "map": "dynamic property bags",
    "map_concat": "bag_merge()",
    "json_merge_patch": "make_bag()",
    "list_reduce": "make_bag()",
}


def _spark_cast_to_json(node: exp.Cast) -> exp.Expression:
    value = node.this
    if isinstance(value, exp.Null):
        return exp.cast(value, exp.DataType.build(exp.DataType.Type.VARCHAR))
    if isinstance(value, exp.Literal) and value.is_string:
        return value
    return call("to_json", value)


# An unescaped `(?P<`: an even number of backslashes (maybe none) before the parenthesis.
_RE2_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?P<")
_REGEX_NODES = (exp.RegexpExtract, exp.RegexpExtractAll, exp.RegexpLike, exp.RegexpReplace, exp.RegexpSplit)


def _spark_regex(node: exp.Expression) -> exp.Expression:
    pattern = node.args.get("expression")
    if isinstance(pattern, exp.Literal) and pattern.is_string and "(?P<" in pattern.this:
        node.set("expression", exp.Literal.string(_RE2_NAMED_GROUP.sub(r"\1(?<", pattern.this)))
    return node


def _spark_node(node: exp.Expression) -> exp.Expression:
    if isinstance(node, _REGEX_NODES):
        return _spark_regex(node)
    if isinstance(node, exp.DateAdd):
        unit = exp.var(str(node.args["unit"].name).upper())
        return call("timestampadd", unit, node.expression, node.this)
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        if name in SPARK_UNMAPPED:
            raise DialectError(f"spark: not supported yet: {SPARK_UNMAPPED[name]} (DuckDB's {name})")
        rewrite = SPARK_FUNCTIONS.get(name)
        return rewrite(list(node.expressions)) if rewrite else node
    if isinstance(node, exp.JSONType):
        raise DialectError(f"spark: not supported yet: {SPARK_UNMAPPED['json_type']} (DuckDB's json_type)")
    if isinstance(node, exp.JSONExtract):  # DuckDB's `->`: Spark's get_json_object reads other paths, unquotes text
        raise DialectError(f"spark: not supported yet: {SPARK_UNMAPPED['json_extract']} (DuckDB's ->)")
    if isinstance(node, exp.Try) and isinstance(node.this, exp.Anonymous) and node.this.name.lower() == "url_decode":
        return call("try_url_decode", *node.this.expressions)
    if isinstance(node, exp.UnixToTime):
        return exp.cast(node, exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ))
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return _spark_cast_to_json(node)
    if isinstance(node, exp.DataType):
        nested = node.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.MAP)
        if nested and any(inner.is_type(exp.DataType.Type.JSON) for inner in node.find_all(exp.DataType)):
            raise DialectError(f"spark: not supported yet: dynamic arrays and bags (DuckDB's {node.sql('duckdb')})")
        if node.this is exp.DataType.Type.TIMESTAMP:
            return exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ)
        if node.this is exp.DataType.Type.DECIMAL and not node.expressions:
            return exp.DataType.build("DECIMAL(18, 3)")
        if node.this is exp.DataType.Type.INTERVAL and not node.expressions:
            return exp.DataType.build("INTERVAL DAY TO SECOND", dialect="spark")
    return node


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
