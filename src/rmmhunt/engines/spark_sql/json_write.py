"""JSON texts made on Spark: SQL values to_json, dynamic values of either Spark type, json_array and json_object."""

from __future__ import annotations

import json

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.spark_sql.bags import is_bag
from rmmhunt.engines.spark_sql.json_read import variant_of
from rmmhunt.engines.spark_sql.json_texts import json_depth, mark
from rmmhunt.engines.spark_sql.tree import parameter_name


def to_json(args: list[exp.Expression]) -> exp.Expression:
    """A SQL value (never a dynamic one) as JSON text; Spark's to_json takes only VARIANT and nested types."""
    (value,) = args
    return mark(anon("to_json", exp.cast(value, exp.DataType.build("VARIANT", dialect="spark"))), 0)


def cast_to_json(node: exp.Cast) -> exp.Expression:
    """CAST(x AS JSON): JSON text, a string as it is and anything else to_json."""
    value = node.this
    if isinstance(value, exp.Null):
        text = exp.cast(value, exp.DataType.build(exp.DataType.Type.VARCHAR))
    elif (isinstance(value, exp.Literal) and value.is_string) or json_depth(value) == 0:
        text = value
    elif is_bag(value):
        text = anon("to_json", value)
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
        return anon("to_json", variants)
    is_text = exp.EQ(this=anon("typeof", value.copy()), expression=exp.Literal.string("string"))
    as_text = exp.cast(value.copy(), exp.DataType.build(exp.DataType.Type.VARCHAR))
    in_array = anon("to_json", anon("array", value))
    as_json = exp.Nullif(
        this=exp.RegexpExtract(
            this=in_array, expression=exp.Literal.string(r"^\[(.*)\]$"), group=exp.Literal.number(1)
        ),
        expression=exp.Literal.string("null"),
    )
    return exp.If(this=is_text, true=as_text, false=as_json)


def _parsed(texts: exp.Expression, depth: int) -> exp.Expression:
    """An array of JSON texts (nested `depth` deep) with each text read as VARIANT."""
    name = parameter_name()
    inner = variant_of(exp.column(name)) if depth == 1 else _parsed(exp.column(name), depth - 1)
    return anon("transform", texts, exp.Lambda(this=inner, expressions=[exp.to_identifier(name)]))


def _with_variants(value: exp.Expression) -> exp.Expression | None:
    """The value with the JSON texts it is known to hold read as VARIANT (in arrays, struct fields and map
    values), or None when it holds none known."""
    depth = json_depth(value)
    if depth is not None:
        return variant_of(value) if depth == 0 else _parsed(value, depth)
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
        key, text = parameter_name(), parameter_name()
        parse = exp.Lambda(
            this=variant_of(exp.column(text)), expressions=[exp.to_identifier(key), exp.to_identifier(text)]
        )
        return anon("transform_values", value, parse)
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


def json_array(node: exp.JSONArray) -> exp.Expression:
    """json_array(j, ...) of JSON values (the compiler passes JSON only): their texts joined."""
    return _json_joined("[", [_json_member(value) for value in node.expressions], "]")


def json_object(node: exp.JSONObject) -> exp.Expression:
    """json_object(key, j, ...) of JSON values: "key":text members joined, in order."""
    members = []
    for pair in node.expressions:
        key = pair.this
        if isinstance(key, exp.Literal) and key.is_string:
            key_text: exp.Expression = exp.Literal.string(json.dumps(key.this, ensure_ascii=False))
        else:
            key_text = to_json([key])
        members.append(exp.Concat(expressions=[key_text, exp.Literal.string(":"), _json_member(pair.expression)]))
    return _json_joined("{", members, "}")
