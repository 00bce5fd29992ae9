"""KQL type <-> SQL type <-> Arrow type mapping, in one place."""

from __future__ import annotations

import pyarrow as pa
from sqlglot import exp

from rmmhunt.kql.types import KqlType

_SQL_TYPES: dict[KqlType, exp.DataType.Type] = {
    KqlType.BOOL: exp.DataType.Type.BOOLEAN,
    KqlType.DATETIME: exp.DataType.Type.TIMESTAMP,
    KqlType.DYNAMIC: exp.DataType.Type.JSON,
    KqlType.GUID: exp.DataType.Type.VARCHAR,
    KqlType.INT: exp.DataType.Type.INT,
    KqlType.LONG: exp.DataType.Type.BIGINT,
    KqlType.REAL: exp.DataType.Type.DOUBLE,
    KqlType.DECIMAL: exp.DataType.Type.DECIMAL,
    KqlType.STRING: exp.DataType.Type.VARCHAR,
    KqlType.TIMESPAN: exp.DataType.Type.INTERVAL,
}


def sql_type(kql_type: KqlType) -> exp.DataType:
    return exp.DataType(this=_SQL_TYPES[kql_type])  # what DataType.build makes of a type, without its checks


def arrow_type(kql_type: KqlType) -> pa.DataType:
    """How a KQL type is stored in the workspace's Parquet files."""
    return {
        KqlType.BOOL: pa.bool_(),
        KqlType.DATETIME: pa.timestamp("us"),
        KqlType.DYNAMIC: pa.string(),  # JSON text
        KqlType.GUID: pa.string(),
        KqlType.INT: pa.int32(),
        KqlType.LONG: pa.int64(),
        KqlType.REAL: pa.float64(),
        KqlType.DECIMAL: pa.decimal128(38, 18),
        KqlType.STRING: pa.string(),
        KqlType.TIMESPAN: pa.duration("us"),
    }[kql_type]


def kql_type_of_arrow(arrow: pa.DataType) -> KqlType:
    """The KQL type for a column that the catalog does not know (kept from an export as-is)."""
    if pa.types.is_boolean(arrow):
        return KqlType.BOOL
    if pa.types.is_timestamp(arrow) or pa.types.is_date(arrow):
        return KqlType.DATETIME
    if pa.types.is_duration(arrow):
        return KqlType.TIMESPAN
    if pa.types.is_integer(arrow):
        return KqlType.INT if arrow.bit_width <= 32 else KqlType.LONG
    if pa.types.is_floating(arrow):
        return KqlType.REAL
    if pa.types.is_decimal(arrow):
        return KqlType.DECIMAL
    if pa.types.is_string(arrow) or pa.types.is_large_string(arrow):
        return KqlType.STRING
    return KqlType.DYNAMIC
