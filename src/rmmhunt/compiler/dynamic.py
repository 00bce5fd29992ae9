"""Dynamic (JSON) values: property and index access, and conversion to scalar types for comparisons.

In SQL a dynamic value is DuckDB JSON (literals, stored columns) or a LIST/STRUCT (make_set, ...);
casting to JSON accepts both. https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/dynamic
"""

from __future__ import annotations

import json

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql.types import KqlType


def as_json(value: Typed) -> exp.Expression:
    return exp.cast(value.sql, sql_type(KqlType.DYNAMIC))


def _path_step(step: str | int) -> str:
    if isinstance(step, int):
        return f"[{step}]" if step >= 0 else f"[#{step}]"  # [#-1] is DuckDB's last element
    return "." + json.dumps(step)


def access(base: Typed, steps: list[str | int]) -> Typed:
    """`d.a.b[0]` as one JSON path extraction; the result stays dynamic."""
    path = "$" + "".join(_path_step(s) for s in steps)
    node = exp.Anonymous(this="json_extract", expressions=[as_json(base), exp.Literal.string(path)])
    return Typed(node, KqlType.DYNAMIC)


def access_expression(base: Typed, key: Typed) -> Typed:
    """`d[expr]` with a key computed per row: a string key is a property, a number an index."""
    if key.type is KqlType.STRING:
        path = exp.Concat(expressions=[exp.Literal.string('$."'), key.sql, exp.Literal.string('"')])
    else:
        path = exp.Concat(
            expressions=[exp.Literal.string("$["), exp.cast(key.sql, sql_type(KqlType.STRING)), exp.Literal.string("]")]
        )
    return Typed(exp.Anonymous(this="json_extract", expressions=[as_json(base), path]), KqlType.DYNAMIC)


def to_text(value: Typed) -> exp.Expression:
    """A dynamic value as Kusto's tostring() gives it: a JSON string unquoted, anything else as JSON text."""
    return exp.Anonymous(this="json_extract_string", expressions=[as_json(value), exp.Literal.string("$")])


def coerce(value: Typed, target: KqlType) -> Typed:
    """A dynamic operand converted to the scalar type it is compared with; other values unchanged."""
    if value.type is not KqlType.DYNAMIC or target is KqlType.DYNAMIC:
        return value
    text = to_text(value)
    if target in (KqlType.STRING, KqlType.GUID):
        return Typed(text, target)
    return Typed(exp.TryCast(this=text, to=sql_type(target)), target)
