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
| timezone(zone, timezone('UTC', ts))  | from_utc_timestamp(ts, zone) as TIMESTAMP_NTZ: ts's wall clock in zone |
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
| chr(code point) (exp.Chr)            | its UTF-8 bytes, computed, as text: Spark's chr is mod 256        |
| TRY(decode(bytes))                   | the bytes as text when valid UTF-8, else null                    |
| row_number() OVER (no order)         | ... OVER (ORDER BY monotonically_increasing_id()): rows as they come |
| lag(v, CAST(n AS BIGINT)) OVER ...   | lag(v, CAST(n AS INT)): Spark takes an INT offset only           |
| filter((SELECT array_agg(x) ...), f) | (SELECT array_agg(x) ... WHERE f(x)): no subquery in a lambda    |
| SELECT explode(a) x, explode(b) y    | inline(arrays_zip(a, b)) AS (x, y): zipped, not a cross product  |
| json_array(j, ...), json_object(...) | the JSON texts joined: '[' j, ... ']', '{' "key":j, ... '}'      |
| CAST(json AS T[])                    | CAST(VARIANT AS ARRAY<T>): the elements converted as in DuckDB   |
| TRY_CAST(json AS MAP(VARCHAR, JSON)) | try_variant_get(VARIANT, '$', 'map<string,variant>'): a bag      |
| map_concat(bag, ...)                 | the same; a key's last value wins (mapKeyDedupPolicy LAST_WIN)   |
| CAST(bag AS JSON)                    | to_json(bag)                                                     |
| list_reduce(list, f, start)          | aggregate(list, start, f)                                        |
| list_reverse(list)                   | reverse(list)                                                    |
| UNION ALL BY NAME (`search`)         | UNION ALL by position, each leg padded with nulls to every column|

What Spark cannot say yet (datetime formats computed by the query or with elements Java has no letter for,
a time zone other than UTC, JSON inside SQL lists and maps other than through the casts above) fails here with
DialectError, naming it, before Spark sees the query.

The tables below say which rewrite each node type and DuckDB function takes; the rewrites themselves live
in `engines/spark_sql/`, one module per family (datetimes, formats, regexes, strings, lists, queries, JSON, bags).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlglot import exp

from rmmhunt.engines.spark_sql import (
    arithmetic,
    bags,
    casts,
    datetime_formats,
    datetimes,
    json_read,
    json_write,
    lists,
    queries,
    regexes,
    strings,
)

Rewrite = Callable[[list[exp.Expression]], exp.Expression]

# DuckDB functions the compiler names (exp.Anonymous) and their Spark rewrites, given the call's arguments.
SPARK_FUNCTIONS: dict[str, Rewrite] = {
    "time_bucket": datetimes.time_bucket,
    "epoch_us": datetimes.epoch_us,
    "regexp_escape": regexes.regexp_escape,
    "json_extract_string": json_read.json_extract_string,
    "len": lists.list_length,
    "list_slice": lists.list_slice,
    "range": lists.list_range,
    "generate_series": lists.generate_series,
    "json_extract": json_read.json_extract,
    "json_type": json_read.json_type,
    "to_json": json_write.to_json,
    "try_strptime": datetime_formats.try_strptime,
    "json_valid": json_read.json_valid,
    "map_concat": bags.map_concat,
    "list_reduce": lists.list_reduce,
    "list_reverse": lists.list_reverse,
    "timezone": datetimes.timezone,
}


def _spark_anonymous(node: exp.Anonymous) -> exp.Expression:
    name = str(node.this).lower()
    rewrite = SPARK_FUNCTIONS.get(name)
    return rewrite(list(node.expressions)) if rewrite else node


# Each node type's rewrite for Spark; one that applies to only some nodes of its type returns the others as they are.
SPARK_NODES: dict[type[exp.Expression], Callable[[Any], exp.Expression]] = {
    **dict.fromkeys(regexes.REGEX_NODES, regexes.regex),
    exp.Anonymous: _spark_anonymous,
    exp.Interval: datetimes.interval,
    exp.DateAdd: datetimes.date_add,
    exp.AtTimeZone: datetimes.at_time_zone,
    exp.DateDiff: datetimes.date_diff,
    exp.TimeToStr: datetime_formats.strftime,
    exp.Bracket: lists.bracket,
    exp.Lambda: lists.index_lambda,
    exp.Window: queries.ordered_window,
    exp.ArrayFilter: queries.filter_of_subquery,
    exp.Select: queries.zipped_explodes,
    exp.ArraySlice: lambda node: lists.list_slice([node.this, node.args["start"], node.args["end"]]),
    exp.GenerateSeries: lists.generate_series_node,
    exp.ArraySize: lambda node: lists.list_length([node.this]),
    exp.Split: strings.split,
    exp.Chr: strings.chr_,
    exp.Div: arithmetic.divide,
    exp.Try: strings.try_,
    exp.Union: queries.union,
    exp.JSONType: lambda node: json_read.json_type([node.this]),
    exp.JSONArray: json_write.json_array,
    exp.JSONObject: json_write.json_object,
    exp.JSONExtract: lambda node: json_read.json_extract([node.this, node.expression]),  # get_json_object unquotes
    exp.JSONExtractScalar: json_read.json_extract_scalar,
    exp.UnixToTime: lambda node: exp.cast(node, exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ)),
    exp.Cast: casts.cast,
    exp.TryCast: casts.cast,
    exp.DataType: casts.data_type,
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
