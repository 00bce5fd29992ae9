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
    # exp.Cast, not exp.cast: the builder's parse check, copy and cast-of-a-cast folding never apply to a literal.
    if value is None:
        return Typed(exp.Cast(this=exp.null(), to=sql_type(kql_type)), kql_type, None)
    node: exp.Expression
    match kql_type:
        case KqlType.STRING | KqlType.GUID:
            node = exp.Literal.string(str(value))
        case KqlType.BOOL:
            node = exp.Boolean(this=bool(value))
        case KqlType.INT | KqlType.LONG:
            node = exp.Cast(this=exp.Literal.number(int(value)), to=sql_type(kql_type))  # type: ignore[call-overload]
        case KqlType.REAL | KqlType.DECIMAL:
            number = float(value)  # type: ignore[arg-type]
            text = exp.Literal.number(repr(number)) if math.isfinite(number) else exp.Literal.string(str(number))
            node = exp.Cast(this=text, to=sql_type(kql_type))
        case KqlType.DATETIME:
            assert isinstance(value, datetime)
            # isoformat keeps 4-digit years ('0001-01-01'), which every engine reads the same way
            text = exp.Literal.string(value.isoformat(sep=" ", timespec="microseconds"))
            node = exp.Cast(this=text, to=sql_type(kql_type))
        case KqlType.TIMESPAN:
            assert isinstance(value, timedelta)
            node = interval(value)
        case KqlType.DYNAMIC:
            node = exp.Cast(this=exp.Literal.string(json.dumps(value)), to=sql_type(kql_type))
    return Typed(node, kql_type, value)
