"""DuckDB's JSON reads on Spark: the JSON text read as VARIANT (try_parse_json keeps JSON's own types), then
paths, types, validity and casts to lists from there."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError
from rmmhunt.engines.spark_sql.json_texts import json_depth, mark
from rmmhunt.engines.spark_sql.tree import parameter_name


def variant_of(json_text: exp.Expression) -> exp.Expression:
    """The JSON text read as VARIANT, null when it is not JSON."""
    return anon("try_parse_json", json_text)


def _variant_as(variant: exp.Expression, spark_type: str) -> exp.Expression:
    """null when the value is not of that shape (safe: sqlglot writes a plain CAST for Spark otherwise)."""
    return exp.TryCast(this=variant, to=exp.DataType.build(spark_type, dialect="spark"), safe=True)


def _member(variant: exp.Expression, key: exp.Expression) -> exp.Expression:
    return anon("try_element_at", _variant_as(variant, "MAP<STRING, VARIANT>"), key)


def _element(variant: exp.Expression, one_based: exp.Expression) -> exp.Expression:
    """A negative position counts from the end, as DuckDB's $[#-n] does."""
    return anon("try_element_at", _variant_as(variant, "ARRAY<VARIANT>"), one_based)


def _bound(value: exp.Expression, body: Callable[[exp.Expression], exp.Expression]) -> exp.Expression:
    """`body` over `value` computed once: element_at(transform(array(value), v -> body(v)), 1)."""
    name = parameter_name()
    mapped = anon(
        "transform",
        anon("array", value),
        exp.Lambda(this=body(exp.column(name)), expressions=[exp.to_identifier(name)]),
    )
    return anon("element_at", mapped, exp.Literal.number(1))


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
    return anon("try_variant_get", variant, exp.Literal.string(path))  # a JSONPath from extract_json()


def _runtime_json_step(variant: exp.Expression, path: exp.Expression) -> exp.Expression:
    """The same as _json_step, for a path computed by the query (a key or index from a column)."""

    def inner(length_less: int, start: int) -> exp.Expression:
        length = exp.Sub(this=anon("length", path.copy()), expression=exp.Literal.number(length_less))
        return anon("substr", path.copy(), exp.Literal.number(start), length)

    number = exp.DataType.build("INT")
    key = exp.RegexpReplace(
        this=inner(4, 4), expression=exp.Literal.string("\\\\(.)"), replacement=exp.Literal.string("$1")
    )
    from_end = exp.cast(inner(4, 4), number)
    ahead = exp.Add(this=exp.cast(inner(3, 3), number), expression=exp.Literal.number(1))
    starts = lambda prefix: anon("startswith", path.copy(), exp.Literal.string(prefix))  # noqa: E731
    return exp.Case(
        ifs=[
            exp.If(this=starts('$."'), true=_member(variant.copy(), key)),
            exp.If(this=starts("$[#"), true=_element(variant.copy(), from_end)),
            exp.If(this=starts("$["), true=_element(variant.copy(), ahead)),
            exp.If(this=exp.Not(this=starts("$")), true=_member(variant.copy(), path.copy())),
        ],
        default=anon("try_variant_get", variant.copy(), path.copy()),
    )


def json_extract_string(args: list[exp.Expression]) -> exp.Expression:
    return anon("get_json_object", *args)


def json_extract(args: list[exp.Expression]) -> exp.Expression:
    """DuckDB's json -> path: the element as JSON text (a string keeps its quotes), null when absent."""
    document, path = args
    if isinstance(path, exp.Literal) and path.is_string:
        return mark(anon("to_json", _json_step(variant_of(document), path.this)), 0)
    return mark(anon("to_json", _bound(variant_of(document), lambda v: _runtime_json_step(v, path))), 0)


def json_extract_scalar(node: exp.JSONExtractScalar) -> exp.Expression:
    """json ->> path: get_json_object, except where it would differ from DuckDB: the root path ($) of a JSON
    null is null (not 'null'), and a path to every element of an array ([*]) gives their texts as a list
    (null when there is no array there)."""
    path = node.expression
    if not (isinstance(path, exp.Literal) and path.is_string):
        return node
    if path.this == "$":
        return _variant_as(variant_of(node.this), "STRING")
    if path.this.endswith("[*]"):
        array = json_extract([node.this, exp.Literal.string(path.this.removesuffix("[*]"))])
        return _variant_as(variant_of(array), "ARRAY<STRING>")
    return node


def _duckdb_json_type_name(spark_type: exp.Expression, variant: exp.Expression) -> exp.Expression:
    """schema_of_variant()'s names as DuckDB's json_type() names them; a whole number past BIGINT is a
    DECIMAL(p, 0) on Spark, UBIGINT on DuckDB when it fits 64 unsigned bits."""
    is_ = lambda *names: exp.In(this=spark_type.copy(), expressions=[exp.Literal.string(n) for n in names])  # noqa: E731
    like = lambda pattern: exp.Like(this=spark_type.copy(), expression=exp.Literal.string(pattern))  # noqa: E731
    whole = anon("try_variant_get", variant, exp.Literal.string("$"), exp.Literal.string("DECIMAL(38, 0)"))
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


def json_type(args: list[exp.Expression]) -> exp.Expression:
    """DuckDB's json_type(json[, path]), from the type Spark reads in the JSON text."""
    document = json_extract(args) if len(args) == 2 else args[0]
    return _bound(variant_of(document), lambda v: _duckdb_json_type_name(anon("schema_of_variant", v), v.copy()))


def json_valid(args: list[exp.Expression]) -> exp.Expression:
    (text,) = args
    return exp.Not(this=exp.Is(this=variant_of(text), expression=exp.null()))


def _json_list(json_text: exp.Expression) -> exp.Expression:
    """TRY_CAST(json AS JSON[]): the elements' JSON texts, or null when it is not an array."""
    name = parameter_name()
    to_text = exp.Lambda(this=anon("to_json", exp.column(name)), expressions=[exp.to_identifier(name)])
    return anon("transform", _variant_as(variant_of(json_text), "ARRAY<VARIANT>"), to_text)


def cast_json_to_list(node: exp.Cast) -> exp.Expression:
    """CAST(json AS T[]): the JSON array's elements as T, read through VARIANT (null when not an array)."""
    variant = variant_of(node.this)
    if isinstance(node, exp.TryCast):
        return _variant_as(variant, node.to.sql("spark"))
    return exp.cast(variant, node.to)


def cast_to_json_list(node: exp.Cast) -> exp.Expression:
    """CAST(json AS JSON[]): a list of JSON texts. Only JSON, lists of JSON and empty lists are cast so in the
    compiler."""
    value = node.this
    depth = json_depth(value)
    if depth == 0:
        return mark(_json_list(value), 1)
    if depth == 1:
        return value
    if isinstance(value, exp.Array) and not value.expressions:
        return exp.cast(value, exp.DataType.build("ARRAY<STRING>", dialect="spark"))
    raise DialectError(f"spark: not supported yet: dynamic arrays and bags (DuckDB's {node.sql('duckdb')})")
