"""Casts and data types on Spark: Spark's names for DuckDB's types, and the casts Spark does differently."""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError
from rmmhunt.engines.spark_sql.bags import cast_to_bag, is_bag_type
from rmmhunt.engines.spark_sql.json_read import cast_json_to_list, cast_to_json_list
from rmmhunt.engines.spark_sql.json_texts import json_depth
from rmmhunt.engines.spark_sql.json_write import cast_to_json


def cast(node: exp.Cast) -> exp.Expression:
    """CAST and TRY_CAST: to and from JSON texts (Spark has no JSON type), to bags, and of hex text to a number."""
    if node.to.is_type(exp.DataType.Type.JSON):
        return cast_to_json(node)
    if is_bag_type(node.to):
        return cast_to_bag(node)
    if _is_json_array_type(node.to):
        return cast_to_json_list(node)
    if node.to.is_type(exp.DataType.Type.ARRAY) and json_depth(node.this) == 0:
        return cast_json_to_list(node)
    if node.to.is_type(*exp.DataType.INTEGER_TYPES) and (digits := _hex_digits(node.this)) is not None:
        # DuckDB casts '0x1f' to a number; Spark reads hex text with conv()
        node.set("this", anon("conv", digits, exp.Literal.number(16), exp.Literal.number(10)))
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


def _is_json_array_type(to: exp.DataType) -> bool:
    return to.is_type(exp.DataType.Type.ARRAY) and to.expressions[0].is_type(exp.DataType.Type.JSON)


def data_type(node: exp.DataType) -> exp.Expression:
    """A DuckDB type as Spark names it; a nested type of JSON is a gap, but for the targets of the casts that
    `cast` rewrites (to a list of JSON texts, to a bag)."""
    nested = node.is_type(exp.DataType.Type.ARRAY, exp.DataType.Type.MAP)
    cast_target = (_is_json_array_type(node) or is_bag_type(node)) and isinstance(node.parent, exp.Cast)
    if nested and not cast_target and any(t.is_type(exp.DataType.Type.JSON) for t in node.find_all(exp.DataType)):
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
