"""Datetime and timespan functions: now, ago, bin, datetime_add, format_datetime, ...

References: https://learn.microsoft.com/en-us/kusto/query/<name>-function. A datetime is a naive
UTC TIMESTAMP in SQL (microseconds), a timespan an INTERVAL. Kusto's weeks start on Sunday.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import datetime_of, number_of, real_of, string_arg, timespan_of
from rmmhunt.compiler.functions.registry import (
    INTEGERS,
    NUMBERS,
    Handler,
    all_constant,
    constant_string,
    expect,
    fail,
    function,
)
from rmmhunt.compiler.functions.sql import Ref, case, n, s
from rmmhunt.compiler.functions.timezones import TIME_ZONES
from rmmhunt.compiler.literals import interval, literal
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


def datetime_arg(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    expect(compiler, node, position, arg, KqlType.DATETIME)
    return datetime_of(compiler, arg)


def int_arg(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    expect(compiler, node, position, arg, *INTEGERS)
    return number_of(compiler, arg, KqlType.LONG)


def add_unit(value: exp.Expression, amount: exp.Expression, unit: str) -> exp.Expression:
    """value + amount units (calendar-aware for MONTH and YEAR: the day clamps to the month's end)."""
    return exp.DateAdd(this=value, expression=amount, unit=exp.var(unit))


def start_of_day(value: exp.Expression) -> exp.Expression:
    return exp.TimestampTrunc(this=value, unit=exp.var("DAY"))


def day_of_week(value: exp.Expression) -> exp.Expression:
    """Days since the preceding Sunday, 0..6 (1970-01-01 was a Thursday)."""
    shifted = sql.add(sql.days_since_epoch(value), n(4))
    return sql.mod(sql.add(sql.mod(shifted, n(7)), n(7)), n(7))


def week_number(value: exp.Expression) -> exp.Expression:
    """Sunday-started weeks since the week of 1970-01-01."""
    shifted = sql.add(sql.days_since_epoch(value), n(4))
    return sql.bigint(exp.Floor(this=exp.Div(this=sql.double(shifted), expression=n(7))))


# ---------------------------------------------------------------- now, ago


def _offset_now(compiler: ExprCompiler, node: ast.Call, offset: Typed, sign: int) -> Typed:
    expect(compiler, node, 0, offset, KqlType.TIMESPAN)
    now = compiler.ctx.now
    if offset.is_constant:
        if offset.value is None:
            return literal(None, KqlType.DATETIME)
        assert isinstance(offset.value, timedelta)
        return literal(now + sign * offset.value, KqlType.DATETIME)
    node_type = exp.Add if sign > 0 else exp.Sub
    span = timespan_of(compiler, offset)
    return Typed(sql.paren(node_type(this=literal(now, KqlType.DATETIME).sql, expression=span)), KqlType.DATETIME)


@function("now", args=(0, 1))
def _now(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """One instant for the whole query (https://learn.microsoft.com/en-us/kusto/query/now-function)."""
    if not args:
        return literal(compiler.ctx.now, KqlType.DATETIME)
    return _offset_now(compiler, node, args[0], +1)


@function("ingestion_time", args=0)
def _ingestion_time(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Null: a workspace keeps no per-record ingestion time, which is Kusto's case of a table without the
    IngestionTime policy (https://learn.microsoft.com/en-us/kusto/query/ingestion-time-function,
    https://learn.microsoft.com/en-us/kusto/management/ingestion-time-policy)."""
    return literal(None, KqlType.DATETIME)


@function("ago", args=1)
def _ago(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/ago-function"""
    return _offset_now(compiler, node, args[0], -1)


# ---------------------------------------------------------------- bin


def _positive(size: Typed) -> bool | None:
    """Whether a constant bin size is usable (None: not a constant)."""
    if not size.is_constant:
        return None
    value = size.value
    if isinstance(value, timedelta):
        return value > timedelta(0)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _floor_to_multiple(x: Ref, width: Ref) -> exp.Expression:
    """An integer rounded down to a multiple of a positive width (exact: no floating point)."""
    return sql.sub(x(), sql.mod(sql.add(sql.mod(x(), width()), width()), width()))


@function("bin", "floor", args=2)
def _bin(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Rounds down to a multiple of the bin size; a null, zero or negative size gives null.

    Datetime bins are aligned to 0001-01-01. https://learn.microsoft.com/en-us/kusto/query/bin-function
    """
    value, size = args
    return _binned(compiler, node, value, size, None)


@function("bin_at", args=3)
def _bin_at(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """bin() with the bins aligned to a fixed point of the value's type, on either side of it.

    https://learn.microsoft.com/en-us/kusto/query/bin-at-function
    """
    value, size, fixed = args
    return _binned(compiler, node, value, size, fixed)


def _binned(compiler: ExprCompiler, node: ast.Call, value: Typed, size: Typed, fixed: Typed | None) -> Typed:
    if value.type in (KqlType.DATETIME, KqlType.TIMESPAN):
        return _binned_time(compiler, node, value, size, fixed)
    expect(compiler, node, 0, value, *NUMBERS)
    expect(compiler, node, 1, size, *NUMBERS)
    if fixed is not None:
        expect(compiler, node, 2, fixed, *NUMBERS)
    kinds = {value.type, size.type} | ({fixed.type} if fixed is not None else set())
    result_type = (
        KqlType.REAL
        if kinds & {KqlType.REAL, KqlType.DYNAMIC}
        else KqlType.DECIMAL
        if KqlType.DECIMAL in kinds
        else KqlType.LONG
    )
    if _positive(size) is False:
        return literal(None, result_type)

    def number(arg: Typed) -> exp.Expression:
        if result_type is KqlType.DECIMAL:
            return arg.sql
        return number_of(compiler, arg, result_type)

    origin = number(fixed) if fixed is not None else None
    shifted = number(value) if origin is None else sql.sub(number(value), origin)

    def floored(width: Ref) -> exp.Expression:
        if result_type is KqlType.LONG:
            result = sql.bind(compiler, shifted, lambda x: _floor_to_multiple(x, width))
        else:
            result = sql.mul(exp.Floor(this=exp.Div(this=shifted, expression=width())), width())
        if origin is not None:
            result = sql.add(result, origin.copy())
        if result_type is not KqlType.LONG:
            result = sql.cast(result, result_type)
        return result if _positive(size) else case((exp.GT(this=width(), expression=n(0)), result))

    binned = sql.bind(compiler, number(size), floored)
    return Typed(sql.bigint(binned) if result_type is KqlType.LONG else binned, result_type)


def _binned_time(compiler: ExprCompiler, node: ast.Call, value: Typed, size: Typed, fixed: Typed | None) -> Typed:
    """A datetime or timespan binned in whole microseconds from an origin: the fixed point, else 0001-01-01 for a
    datetime and zero for a timespan."""
    expect(compiler, node, 1, size, KqlType.TIMESPAN)
    result_type = value.type
    if fixed is not None:
        expect(compiler, node, 2, fixed, result_type)
    if _positive(size) is False:
        return literal(None, result_type)
    span = timespan_of(compiler, size)
    if fixed is None and value.type is KqlType.DATETIME and size.is_constant:
        origin = literal(datetime(1, 1, 1), KqlType.DATETIME).sql
        assert isinstance(size.value, timedelta)
        return Typed(sql.anon("time_bucket", interval(size.value), value.sql, origin), KqlType.DATETIME)
    if fixed is None:
        origin_us = sql.paren(exp.Neg(this=sql.epoch_offset_0001())) if value.type is KqlType.DATETIME else n(0)
    else:
        at = datetime_of(compiler, fixed) if value.type is KqlType.DATETIME else timespan_of(compiler, fixed)
        origin_us = sql.micros_of(at, value.type)

    def binned(width: Ref) -> exp.Expression:
        since = sql.sub(sql.micros_of(value.sql, value.type), origin_us)
        floored = sql.add(sql.bind(compiler, since, lambda x: _floor_to_multiple(x, width)), origin_us.copy())
        if value.type is KqlType.DATETIME:
            result = exp.UnixToTime(this=floored, scale=exp.UnixToTime.MICROS.copy())
        else:
            result = sql.micros(floored)
        return case((exp.GT(this=width(), expression=n(0)), result))

    return Typed(sql.bind(compiler, sql.epoch_us(span), binned), result_type)


# ---------------------------------------------------------------- arithmetic on dates

_PERIODS = {
    "year": ("YEAR", 1),
    "quarter": ("MONTH", 3),
    "month": ("MONTH", 1),
    "week": ("DAY", 7),
    "day": ("DAY", 1),
    "hour": ("HOUR", 1),
    "minute": ("MINUTE", 1),
    "second": ("SECOND", 1),
    "millisecond": ("MILLISECOND", 1),
    "microsecond": ("MICROSECOND", 1),
    "nanosecond": ("MICROSECOND", 1),
}


def _period(compiler: ExprCompiler, node: ast.Call, arg: Typed) -> str:
    period = constant_string(compiler, node, 0, arg, "period").lower()
    if period not in _PERIODS:
        raise fail(compiler, node, 0, f"unknown period {period!r}; expected one of {', '.join(_PERIODS)}")
    return period


@function("datetime_add", args=3)
def _datetime_add(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/datetime-add-function"""
    period = _period(compiler, node, args[0])
    amount = int_arg(compiler, node, 1, args[1])
    value = datetime_arg(compiler, node, 2, args[2])
    unit, factor = _PERIODS[period]
    if period == "nanosecond":
        amount = sql.intdiv(amount, n(1000))
    elif factor != 1:
        amount = sql.mul(amount, n(factor))
    return Typed(add_unit(value, amount, unit), KqlType.DATETIME)


@function("datetime_diff", args=3)
def _datetime_diff(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Period boundaries crossed from the second datetime to the first (weeks start on Sunday).

    https://learn.microsoft.com/en-us/kusto/query/datetime-diff-function
    """
    period = _period(compiler, node, args[0])
    later = datetime_arg(compiler, node, 1, args[1])
    earlier = datetime_arg(compiler, node, 2, args[2])
    if period == "week":
        return Typed(sql.sub(week_number(later), week_number(earlier)), KqlType.LONG)
    unit = {"nanosecond": "MICROSECOND"}.get(period, period.upper())
    diff = sql.bigint(exp.DateDiff(this=later, expression=earlier, unit=exp.var(unit)))
    if period == "nanosecond":
        diff = sql.mul(diff, n(1000))
    return Typed(diff, KqlType.LONG)


def _offset(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> exp.Expression | None:
    if len(args) < 2:
        return None
    return int_arg(compiler, node, 1, args[1])


def _start_of_week(d: Ref) -> exp.Expression:
    return add_unit(start_of_day(d()), exp.Neg(this=day_of_week(d())), "DAY")


def _truncated(unit: str) -> Callable[[Ref], exp.Expression]:
    return lambda d: exp.TimestampTrunc(this=d(), unit=exp.var(unit))


# Each calendar period: its start for a date, and its length as a count of a unit (weeks start on Sunday).
_CALENDAR_PERIODS: dict[str, tuple[Callable[[Ref], exp.Expression], str, int]] = {
    "day": (lambda d: start_of_day(d()), "DAY", 1),
    "week": (_start_of_week, "DAY", 7),
    "month": (_truncated("MONTH"), "MONTH", 1),
    "year": (_truncated("YEAR"), "YEAR", 1),
}


def _period_bound(period: str, *, end: bool) -> Handler:
    """startof<period>(date[, offset]) or endof<period>: the first instant of the period `offset` periods
    from the one holding `date`, or its last instant (the next period's start less one microsecond)."""
    start_of, unit, length = _CALENDAR_PERIODS[period]

    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        value = datetime_arg(compiler, node, 0, args[0])
        offset = _offset(compiler, node, args)
        periods = offset  # whole periods from the one holding the date to the one bounded
        if end:
            periods = n(1) if offset is None else sql.add(offset, n(1))

        def body(d: Ref) -> exp.Expression:
            bound = start_of(d)
            if periods is not None:
                bound = add_unit(bound, periods if length == 1 else sql.mul(periods, n(length)), unit)
            return add_unit(bound, n(-1), "MICROSECOND") if end else bound

        return Typed(sql.bind(compiler, value, body), KqlType.DATETIME)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/startofday-function, startofweek, startofmonth, startofyear,
# endofday, endofweek, endofmonth, endofyear.
for _span in _CALENDAR_PERIODS:
    function(f"startof{_span}", args=(1, 2))(_period_bound(_span, end=False))
    function(f"endof{_span}", args=(1, 2))(_period_bound(_span, end=True))


@function("dayofweek", args=1)
def _dayofweek(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Whole days since the preceding Sunday, as a timespan (https://learn.microsoft.com/en-us/kusto/query/day-of-week-function)."""
    value = datetime_arg(compiler, node, 0, args[0])
    if args[0].is_constant and isinstance(args[0].value, datetime):
        return literal(timedelta(days=(args[0].value.weekday() + 1) % 7), KqlType.TIMESPAN)
    return Typed(exp.Interval(this=day_of_week(value), unit=exp.var("DAY")), KqlType.TIMESPAN)


def _micros_of_second(value: exp.Expression) -> exp.Expression:
    """The microseconds past the datetime's whole second, 0..999999 (also before 1970)."""
    second = n(1_000_000)
    return sql.mod(sql.add(sql.mod(sql.unix_micros(value), second), second.copy()), second.copy())


# The parts of a datetime datetime_part() names (https://learn.microsoft.com/en-us/kusto/query/datetime-part-function).
# Week of year is ISO 8601's (weeks start on Monday; week 1 holds the year's first Thursday), as both engines count it.
_DATETIME_PARTS: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "year": lambda d: exp.Year(this=d),
    "quarter": lambda d: exp.Quarter(this=d),
    "month": lambda d: exp.Month(this=d),
    "week_of_year": lambda d: exp.WeekOfYear(this=d),
    "day": lambda d: exp.Day(this=d),
    "dayofyear": lambda d: exp.DayOfYear(this=d),
    "hour": lambda d: exp.Hour(this=d),
    "minute": lambda d: exp.Minute(this=d),
    "second": lambda d: exp.Second(this=d),
    "millisecond": lambda d: sql.intdiv(_micros_of_second(d), n(1000)),
    "microsecond": _micros_of_second,
    "nanosecond": lambda d: sql.mul(_micros_of_second(d), n(1000)),  # datetimes hold whole microseconds
}


def _part_of(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, part: str) -> Typed:
    value = datetime_arg(compiler, node, position, arg)
    return Typed(sql.cast(_DATETIME_PARTS[part](value), KqlType.INT), KqlType.INT)


def _part_function(part: str) -> Handler:
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        return _part_of(compiler, node, 0, args[0], part)

    return handler


# One part of a datetime, as an int: https://learn.microsoft.com/en-us/kusto/query/hour-of-day-function,
# day-of-month-function, day-of-year-function, monthofyear-function (getmonth is the same), getyear-function,
# week-of-year-function.
for _name, _part in {
    "hourofday": "hour",
    "dayofmonth": "day",
    "dayofyear": "dayofyear",
    "monthofyear": "month",
    "getmonth": "month",
    "getyear": "year",
    "week_of_year": "week_of_year",
}.items():
    function(_name, args=1)(_part_function(_part))


@function("datetime_part", "datepart", args=2)
def _datetime_part(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The part's name in any case (https://learn.microsoft.com/en-us/kusto/query/datetime-part-function)."""
    part = constant_string(compiler, node, 0, args[0], "part").lower()
    if part not in _DATETIME_PARTS:
        raise fail(compiler, node, 0, f"unknown part {part!r}; expected one of {', '.join(_DATETIME_PARTS)}")
    return _part_of(compiler, node, 1, args[1], part)


@function("make_datetime", args=(3, 6))
def _make_datetime(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Null for an invalid date; seconds keep their fraction (https://learn.microsoft.com/en-us/kusto/query/make-datetime-function)."""
    if len(args) == 4:
        raise KqlTypeError("make_datetime() takes 3, 5 or 6 arguments, not 4", node.span, compiler.ctx.source)
    parts = [int_arg(compiler, node, i, a) for i, a in enumerate(args[:5])]
    while len(parts) < 5:
        parts.append(n(0))
    if len(args) == 6:
        expect(compiler, node, 5, args[5], *NUMBERS)
        # Kusto truncates below the tick; DuckDB's make_timestamp would round to the microsecond.
        micros = exp.Floor(this=sql.mul(real_of(compiler, args[5]), n(1_000_000)))
        seconds = exp.Div(this=micros, expression=exp.Literal.number("1000000.0"))
    else:
        seconds = n(0)
    if all_constant(args):
        try:
            whole = [int(a.value) for a in args[:5]]  # type: ignore[call-overload]
            whole += [0] * (5 - len(whole))
            second = float(args[5].value) if len(args) == 6 else 0.0  # type: ignore[arg-type]
            made = datetime(*whole) + timedelta(microseconds=int(second * 1_000_000))  # type: ignore[misc]
            return literal(made, KqlType.DATETIME)
        except (TypeError, ValueError, OverflowError):
            return literal(None, KqlType.DATETIME)
    made_sql = exp.TimestampFromParts(
        year=parts[0], month=parts[1], day=parts[2], hour=parts[3], min=parts[4], sec=seconds
    )
    return Typed(exp.Try(this=made_sql), KqlType.DATETIME)


_MAX_TIMESPAN_DAYS = 10_675_199  # .NET's TimeSpan.MaxValue.Days: a timespan beyond it cannot be made
# make_timespan's whole arguments (day, hour, minute): the microseconds each counts, and the values each takes.
_TIMESPAN_FIELDS = (
    (sql.MICROS_PER_DAY, -_MAX_TIMESPAN_DAYS, _MAX_TIMESPAN_DAYS),
    (3_600_000_000, 0, 23),
    (60_000_000, 0, 59),
)


@function("make_timespan", args=(2, 4))
def _make_timespan(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """(hour, minute[, second]) or (day, hour, minute, second); null when a part is out of its range (hour 0-23,
    minute 0-59, second below 60, never negative). https://learn.microsoft.com/en-us/kusto/query/make-timespan-function
    """
    whole = args[:3] if len(args) == 4 else args[:2]
    fields = _TIMESPAN_FIELDS if len(args) == 4 else _TIMESPAN_FIELDS[1:]
    second = args[-1] if len(args) > 2 else None
    if second is not None:
        expect(compiler, node, len(args) - 1, second, *NUMBERS)
    parts = [int_arg(compiler, node, i, a) for i, a in enumerate(whole)]
    if all_constant(args):
        return literal(_constant_timespan(args, fields, second), KqlType.TIMESPAN)
    terms = [sql.mul(part, n(scale)) for part, (scale, _, _) in zip(parts, fields, strict=True)]
    checks = [
        exp.Between(this=part.copy(), low=n(low), high=n(high))
        for part, (_, low, high) in zip(parts, fields, strict=True)
    ]
    if second is not None:
        # Kusto truncates below the tick, as make_datetime does; here below the microsecond.
        seconds = real_of(compiler, second)
        terms.append(sql.bigint(exp.Floor(this=sql.mul(seconds, n(1_000_000)))))
        checks.append(exp.GTE(this=seconds.copy(), expression=n(0)))
        checks.append(exp.LT(this=seconds.copy(), expression=n(60)))
    micros = functools.reduce(sql.add, terms)
    return Typed(case((exp.and_(*checks), sql.micros(micros))), KqlType.TIMESPAN)


def _constant_timespan(
    args: list[Typed], fields: tuple[tuple[int, int, int], ...], second: Typed | None
) -> timedelta | None:
    values = [a.value for a in args]
    if any(v is None for v in values):
        return None
    whole = [int(v) for v in values[: len(fields)]]  # type: ignore[call-overload]
    if any(not low <= v <= high for v, (_, low, high) in zip(whole, fields, strict=True)):
        return None
    seconds = float(second.value) if second is not None else 0.0  # type: ignore[arg-type]
    if not 0 <= seconds < 60:
        return None
    micros = sum(v * scale for v, (scale, _, _) in zip(whole, fields, strict=True))
    return timedelta(microseconds=micros + math.floor(seconds * 1_000_000))


def _from_unix(value: exp.Expression, scale: float) -> exp.Expression:
    micros = sql.bigint(exp.Round(this=sql.mul(value, n(scale))))
    return exp.Try(this=exp.UnixToTime(this=micros, scale=exp.UnixToTime.MICROS.copy()))


def _unixtime_todatetime(micros_per_unit: float) -> Handler:
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        expect(compiler, node, 0, args[0], *NUMBERS)
        return Typed(_from_unix(real_of(compiler, args[0]), micros_per_unit), KqlType.DATETIME)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/unixtime-seconds-todatetime-function and its siblings:
# epoch time in a unit to a datetime, null where it cannot be one.
for _unit, _micros_per_unit in {
    "seconds": 1_000_000,
    "milliseconds": 1_000,
    "microseconds": 1,
    "nanoseconds": 0.001,
}.items():
    function(f"unixtime_{_unit}_todatetime", args=1)(_unixtime_todatetime(_micros_per_unit))


# ---------------------------------------------------------------- time zones


def _wall_clock(utc: exp.Expression, zone: exp.Expression) -> exp.Expression:
    """The local time in a zone at a UTC instant (unambiguous, unlike the other direction)."""
    return sql.anon("timezone", zone, sql.anon("timezone", s("UTC"), utc))


def _zone_arg(compiler: ExprCompiler, node: ast.Call, arg: Typed) -> exp.Expression | None:
    """The zone, or None when it is a constant Kusto does not know (the result is then null)."""
    zone = string_arg(compiler, node, 1, arg)
    if isinstance(zone, exp.Literal):
        return zone if zone.this in TIME_ZONES else None
    return zone


def _in_zone(compiler: ExprCompiler, zone: exp.Expression, convert: Callable[[Ref], exp.Expression]) -> exp.Expression:
    """`convert` over a zone computed by the query: null for a name Kusto does not know (an engine would fail)."""
    if isinstance(zone, exp.Literal):
        return convert(zone.copy)

    def known(z: Ref) -> exp.Expression:
        names = [s(name) for name in sorted(TIME_ZONES)]
        return case((exp.In(this=z(), expressions=names), convert(z)))

    return sql.bind(compiler, zone, known)


def _zone_conversion(
    compiler: ExprCompiler, node: ast.Call, args: list[Typed], convert: Callable[[exp.Expression, Ref], exp.Expression]
) -> Typed:
    """A datetime converted in a time zone; an unknown zone gives null (the pages are silent)."""
    value = datetime_arg(compiler, node, 0, args[0])
    zone = _zone_arg(compiler, node, args[1])
    if zone is None:
        return literal(None, KqlType.DATETIME)
    return Typed(_in_zone(compiler, zone, lambda z: convert(value, z)), KqlType.DATETIME)


@function("datetime_utc_to_local", args=2)
def _datetime_utc_to_local(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/datetime-utc-to-local-function"""
    return _zone_conversion(compiler, node, args, lambda value, z: _wall_clock(value, z()))


def _local_to_utc(compiler: ExprCompiler, local: Ref, zone: Ref) -> exp.Expression:
    """The UTC instant of a local time: local - offset, with the zone's offset a day after (its offset after any
    nearby transition), unless only the offset a day before is right. A local time the clocks skipped takes the
    offset after the transition, as the page's example shows; a repeated one the later instant's (standard time)."""

    def offset_at(utc: exp.Expression) -> exp.Expression:
        return sql.sub(sql.unix_micros(_wall_clock(utc, zone())), sql.unix_micros(utc.copy()))

    def shifted(days: int) -> exp.Expression:
        return add_unit(local(), exp.Neg(this=offset_at(add_unit(local(), n(days), "DAY"))), "MICROSECOND")

    def choose(after: Ref, before: Ref) -> exp.Expression:
        after_wrong = exp.NEQ(this=_wall_clock(after(), zone()), expression=local())
        before_right = sql.eq(_wall_clock(before(), zone()), local())
        return case((exp.and_(after_wrong, before_right), before()), default=after())

    return sql.bind(compiler, shifted(1), lambda after: sql.bind(compiler, shifted(-1), lambda b: choose(after, b)))


@function("datetime_local_to_utc", args=2)
def _datetime_local_to_utc(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/datetime-local-to-utc-function"""

    def convert(value: exp.Expression, z: Ref) -> exp.Expression:
        return sql.bind(compiler, value, lambda local: _local_to_utc(compiler, local, z))

    return _zone_conversion(compiler, node, args, convert)


# ---------------------------------------------------------------- formatting

_DELIMITERS = frozenset(" /-:,._[]")
_DATETIME_ELEMENTS = {
    "d": "%-d", "dd": "%d", "h": "%-I", "hh": "%I", "H": "%-H", "HH": "%H", "m": "%-M", "mm": "%M",
    "M": "%-m", "MM": "%m", "s": "%-S", "ss": "%S", "y": "%-y", "yy": "%y", "yyyy": "%Y", "tt": "%p",
}  # fmt: skip
_DATETIME_RUNS = {"d": 2, "h": 2, "H": 2, "m": 2, "M": 2, "s": 2, "y": 4, "t": 2, "f": 7, "F": 7}
_TIMESPAN_RUNS = {"d": 8, "h": 2, "H": 2, "m": 2, "s": 2, "f": 7, "F": 7}


def _elements(compiler: ExprCompiler, node: ast.Call, fmt: str, runs: dict[str, int]) -> list[str]:
    """A format split into elements (runs of one letter, longest first) and delimiters."""
    out: list[str] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char in _DELIMITERS:
            out.append(char)
            i += 1
            continue
        longest = runs.get(char)
        if longest is None:
            raise KqlNotSupported(f"{node.name} format element {char!r}", node.args[1].span, compiler.ctx.source)
        end = i
        while end < len(fmt) and fmt[end] == char:
            end += 1
        run = end - i
        while run:
            take = min(run, longest)
            out.append(char * take)
            run -= take
        i = end
    for element in out:
        if element in ("t", "yyy"):
            raise KqlNotSupported(f"{node.name} format element {element!r}", node.args[1].span, compiler.ctx.source)
    return out


def _fraction(digits6: exp.Expression, element: str) -> exp.Expression:
    """`f...` is the first n digits of the fraction; `F...` the same, or nothing when they are all zero."""
    width = len(element)
    digits = exp.Substring(this=digits6, start=n(1), length=n(min(width, 6)))
    if width == 7:
        digits = sql.concat(digits, s("0"))
    if element[0] == "f":
        return digits
    return case((sql.eq(digits, s("0" * width)), s("")), default=digits.copy())


@function("format_datetime", args=2)
def _format_datetime(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/format-datetime-function"""
    value = datetime_arg(compiler, node, 0, args[0])
    fmt = constant_string(compiler, node, 1, args[1], "format")
    if not fmt:
        raise fail(compiler, node, 1, "the format must not be empty")
    elements = _elements(compiler, node, fmt, _DATETIME_RUNS)

    def body(d: Ref) -> exp.Expression:
        pieces: list[exp.Expression] = []
        plain: list[str] = []
        for element in [*elements, ""]:
            if element and element[0] not in "fF":
                plain.append(_DATETIME_ELEMENTS.get(element, element))
                continue
            if plain:
                pieces.append(exp.TimeToStr(this=d(), format=s("".join(plain))))
                plain.clear()
            if element:
                pieces.append(_fraction(exp.TimeToStr(this=d(), format=s("%f")), element))
        return sql.concat(*pieces)

    return Typed(sql.coalesce(sql.bind(compiler, value, body), s("")), KqlType.STRING)


@function("format_timespan", args=2)
def _format_timespan(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/format-timespan-function"""
    expect(compiler, node, 0, args[0], KqlType.TIMESPAN)
    value = timespan_of(compiler, args[0])
    fmt = constant_string(compiler, node, 1, args[1], "format")
    if not fmt:
        raise fail(compiler, node, 1, "the format must not be empty")
    elements = _elements(compiler, node, fmt, _TIMESPAN_RUNS)

    def body(us: Ref) -> exp.Expression:
        def part(divisor: int, modulo: int | None) -> exp.Expression:
            whole = sql.intdiv(us(), n(divisor))
            return sql.mod(whole, n(modulo)) if modulo else whole

        pieces: list[exp.Expression] = []
        for element in elements:
            letter = element[0]
            if letter == "d":
                pieces.append(sql.zero_pad(part(sql.MICROS_PER_DAY, None), len(element)))
            elif letter in "hH":
                pieces.append(sql.zero_pad(part(3_600_000_000, 24), len(element)))
            elif letter == "m":
                pieces.append(sql.zero_pad(part(60_000_000, 60), len(element)))
            elif letter == "s":
                pieces.append(sql.zero_pad(part(1_000_000, 60), len(element)))
            elif letter in "fF":
                pieces.append(_fraction(sql.lpad(sql.text(part(1, 1_000_000)), 6), element))
            else:
                pieces.append(s(element))
        return sql.concat(*pieces)

    return Typed(sql.coalesce(sql.bind(compiler, exp.Abs(this=sql.epoch_us(value)), body), s("")), KqlType.STRING)
