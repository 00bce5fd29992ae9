"""Property bags on Spark (bag_merge, make_bag): DuckDB's MAP(VARCHAR, JSON) is a MAP<STRING, VARIANT> there,
a JSON text's object read as VARIANT, so each value stays whole (nested values, JSON null) and goes back
into JSON text with to_json.
"""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError
from rmmhunt.engines.spark_sql.json_read import variant_of
from rmmhunt.engines.spark_sql.json_texts import json_depth

_BAG = "variant_bag"  # meta mark of a MAP<STRING, VARIANT> the dialect made


def _spark_bag_type() -> exp.DataType:
    return exp.DataType.build("MAP<STRING, VARIANT>", dialect="spark")


def _marked(node: exp.Expression) -> exp.Expression:
    node.meta[_BAG] = True
    return node


def is_bag(node: exp.Expression) -> bool:
    """A MAP<STRING, VARIANT> of the dialect's making, which to_json writes as a JSON object."""
    return bool(node.meta.get(_BAG))


def is_bag_type(to: exp.DataType) -> bool:
    """DuckDB's MAP(VARCHAR, JSON), the type the compiler casts a dynamic value to as a bag."""
    return to.is_type(exp.DataType.Type.MAP) and to.expressions[1].is_type(exp.DataType.Type.JSON)


def cast_to_bag(node: exp.Cast) -> exp.Expression:
    """TRY_CAST(json AS MAP(VARCHAR, JSON)): the JSON text's object as a map, null when the text is not an
    object (an array, a string, JSON null); CAST(MAP() AS MAP(VARCHAR, JSON)): the bag with no keys."""
    value = node.this
    if isinstance(value, exp.Anonymous) and value.name.lower() == "map" and not value.expressions:
        return _marked(exp.cast(value, _spark_bag_type()))
    if json_depth(value) == 0:
        path = exp.Literal.string("$")
        return _marked(anon("try_variant_get", variant_of(value), path, exp.Literal.string("map<string,variant>")))
    raise DialectError(f"spark: not supported yet: a bag of a value other than JSON ({node.sql('duckdb')})")


def map_concat(args: list[exp.Expression]) -> exp.Expression:
    """map_concat(bag, ...): a key in several bags takes the last one's value, as in DuckDB (Spark's
    spark.sql.mapKeyDedupPolicy, which the engine sets to LAST_WIN; see spark_engine.SESSION_CONF)."""
    return _marked(anon("map_concat", *args))
