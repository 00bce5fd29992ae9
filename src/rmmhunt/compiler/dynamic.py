"""Dynamic (JSON) values converted to the scalar types they are compared with.

In SQL a dynamic value is DuckDB JSON (literals, stored columns) or a LIST/STRUCT (make_set, ...);
casting to JSON accepts both. https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/dynamic
"""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql.types import KqlType


def as_json(value: Typed) -> exp.Expression:
    return sql.as_json(value.sql)


def to_text(value: Typed) -> exp.Expression:
    """A dynamic value as Kusto's tostring() gives it: a JSON string unquoted, anything else as JSON text."""
    return sql.json_text(as_json(value))


def coerce(value: Typed, target: KqlType) -> Typed:
    """A dynamic operand converted to the scalar type it is compared with; other values unchanged."""
    if value.type is not KqlType.DYNAMIC or target is KqlType.DYNAMIC:
        return value
    return from_text(to_text(value), target)


def from_text(text: exp.Expression, target: KqlType) -> Typed:
    """A dynamic value's text (as `to_text` gives it) as the scalar type `target`: null when it is not one."""
    if target in (KqlType.STRING, KqlType.GUID):
        return Typed(text, target)
    return Typed(exp.TryCast(this=text, to=sql_type(target)), target)
