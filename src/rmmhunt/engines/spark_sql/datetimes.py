"""Datetime arithmetic on Spark: microsecond counts, bins, intervals, differences, additions, UTC wall-clock time."""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError


def epoch_us(args: list[exp.Expression]) -> exp.Expression:
    (span,) = args
    epoch = anon("timestamp_micros", exp.Literal.number(0))
    return anon("unix_micros", exp.Add(this=epoch, expression=exp.paren(span)))


def time_bucket(args: list[exp.Expression]) -> exp.Expression:
    """floor((ts - origin) / width) * width + origin, in whole microseconds; every ts is after origin."""
    width, value, origin = args
    width_us = epoch_us([width])
    origin_us = anon("unix_micros", origin)
    since = exp.Sub(this=anon("unix_micros", value), expression=origin_us)
    bins = exp.IntDiv(this=exp.paren(since), expression=width_us)
    micros = exp.Add(this=exp.Mul(this=exp.paren(bins), expression=width_us.copy()), expression=origin_us.copy())
    return exp.cast(anon("timestamp_micros", micros), exp.DataType.build(exp.DataType.Type.TIMESTAMPNTZ))


def interval(node: exp.Interval) -> exp.Expression:
    """INTERVAL (n) unit: Spark's INTERVAL takes a constant only, so a computed count multiplies one unit."""
    if isinstance(node.this, exp.Literal):
        return node
    one = exp.Interval(this=exp.Literal.string("1"), unit=node.args["unit"])
    return exp.Mul(this=exp.paren(node.this), expression=one)


def date_diff(node: exp.DateDiff) -> exp.Expression:
    """DuckDB counts the unit's boundaries crossed; Spark's timestampdiff whole units elapsed.
    Both truncated to the unit, they agree."""
    unit = str(node.args["unit"].name).upper()

    def truncated(value: exp.Expression) -> exp.Expression:
        return value if unit == "MICROSECOND" else anon("date_trunc", exp.Literal.string(unit), value)

    return anon("timestampdiff", exp.var(unit), truncated(node.expression), truncated(node.this))


def at_time_zone(node: exp.AtTimeZone) -> exp.Expression:
    """An instant AT TIME ZONE 'UTC': its UTC wall-clock time, a TIMESTAMP_NTZ as the session's time zone is UTC."""
    if node.args["zone"] != exp.Literal.string("UTC"):
        raise DialectError(f"spark: not supported yet: a time zone other than UTC ({node.sql('duckdb')})")
    return exp.cast(node.this, exp.DataType.Type.TIMESTAMPNTZ)


def timezone(args: list[exp.Expression]) -> exp.Expression:
    """DuckDB's timezone(zone, ts), as the compiler uses it: timezone('UTC', naive UTC) is the instant, and
    timezone(zone, instant) its wall-clock time in the zone. In a UTC session an instant is its UTC TIMESTAMP."""
    zone, value = args
    if zone == exp.Literal.string("UTC"):
        return value
    local = anon("from_utc_timestamp", exp.cast(value, exp.DataType.Type.TIMESTAMPLTZ), zone)
    return exp.cast(local, exp.DataType.Type.TIMESTAMPNTZ)


def date_add(node: exp.DateAdd) -> exp.Expression:
    unit = exp.var(str(node.args["unit"].name).upper())
    return anon("timestampadd", unit, node.expression, node.this)
