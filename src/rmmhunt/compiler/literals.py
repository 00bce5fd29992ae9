"""Python values -> typed SQL literal nodes. Values never become SQL text by pasting."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql.types import KqlType


def interval(delta: timedelta) -> exp.Expression:
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if not -(2**63) < micros < 2**63:  # beyond the engines' intervals; compile_query reports it as out of range
        raise OverflowError("timespan out of range")
    return exp.Interval(this=exp.Literal.string(str(micros)), unit=exp.Var(this="MICROSECOND"))


def literal(value: object, kql_type: KqlType) -> Typed:
    """A constant of a KQL type, carrying its value for compile-time folding."""
    if value is None:
        return Typed(exp.cast(exp.null(), sql_type(kql_type), copy=False), kql_type, None)
    node: exp.Expression
    match kql_type:
        case KqlType.STRING | KqlType.GUID:
            node = exp.Literal.string(str(value))
        case KqlType.BOOL:
            node = exp.Boolean(this=bool(value))
        case KqlType.INT | KqlType.LONG:
            node = exp.cast(exp.Literal.number(int(value)), sql_type(kql_type), copy=False)  # type: ignore[call-overload]
        case KqlType.REAL | KqlType.DECIMAL:
            number = float(value)  # type: ignore[arg-type]
            text = exp.Literal.number(repr(number)) if math.isfinite(number) else exp.Literal.string(str(number))
            node = exp.cast(text, sql_type(kql_type), copy=False)
        case KqlType.DATETIME:
            assert isinstance(value, datetime)
            # isoformat keeps 4-digit years ('0001-01-01'), which every engine reads the same way
            text = exp.Literal.string(value.isoformat(sep=" ", timespec="microseconds"))
            node = exp.cast(text, sql_type(kql_type), copy=False)
        case KqlType.TIMESPAN:
            assert isinstance(value, timedelta)
            node = interval(value)
        case KqlType.DYNAMIC:
            node = exp.cast(exp.Literal.string(json.dumps(value)), sql_type(kql_type), copy=False)
    return Typed(node, kql_type, value)
