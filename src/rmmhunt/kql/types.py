"""The KQL scalar types."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum


class KqlType(StrEnum):
    BOOL = "bool"
    DATETIME = "datetime"
    DYNAMIC = "dynamic"
    GUID = "guid"
    INT = "int"
    LONG = "long"
    REAL = "real"
    DECIMAL = "decimal"
    STRING = "string"
    TIMESPAN = "timespan"

    @property
    def is_numeric(self) -> bool:
        return self in _NUMERIC

    @property
    def is_integer(self) -> bool:
        return self in _INTEGER


# Sets built once: in Python 3.11 each KqlType.X lookup takes EnumType.__getattr__'s slow path.
_INTEGER = frozenset({KqlType.INT, KqlType.LONG})
_NUMERIC = _INTEGER | {KqlType.REAL, KqlType.DECIMAL}


# Besides ISO 8601, the formats of https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/datetime
# ("supported as datetime() literals and the todatetime() function"), as strptime formats (Python's and DuckDB's).
DATETIME_TEXT_FORMATS = (
    "%m-%d-%Y",
    "%m/%d/%Y",
    "%m-%d-%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%a, %d %b %y %H:%M:%S GMT",
    "%a, %d %b %y %H:%M:%S",
    "%a, %d %b %y %H:%M",
    "%d %b %y %H:%M:%S GMT",
    "%d %b %y %H:%M:%S",
    "%d %b %y %H:%M",
    "%A, %d-%b-%y %H:%M:%S GMT",
    "%A, %d-%b-%y %H:%M:%S",
    "%d-%b-%y %H:%M:%S GMT",
    "%d-%b-%y %H:%M:%S",
    "%d-%b-%y %H:%M",
    "%Y-%m-%d %H:%M:%S GMT",
)

# Spellings Kusto accepts in type positions (datatable, casts), including documented synonyms.
TYPE_NAMES: dict[str, KqlType] = {
    **{t.value: t for t in KqlType},
    "boolean": KqlType.BOOL,
    "date": KqlType.DATETIME,
    "double": KqlType.REAL,
    "time": KqlType.TIMESPAN,
    "uniqueid": KqlType.GUID,
    "int64": KqlType.LONG,
    "int32": KqlType.INT,
}


def parse_type_name(name: str) -> KqlType | None:
    return TYPE_NAMES.get(name.lower())


def format_timespan(value: timedelta) -> str:
    """Kusto's text for a timespan: [-][d.]hh:mm:ss[.fffffff]."""
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.days:
        text = f"{value.days}.{text}"
    if value.microseconds:
        text += f".{value.microseconds:06d}0"
    return sign + text
