"""Cases for the calendar functions: the start/end of a period, the parts of a datetime, timespans from
parts, bins at a fixed point, and time zone conversions (pages of https://learn.microsoft.com/en-us/kusto/query/).

Datetimes hold whole microseconds here (Kusto's hold 100 ns ticks): an end of period is .9999990, not .9999999.
"""

from __future__ import annotations

from .kql_cases import DOCS, Case, doc


def fn(name: str) -> str:
    return f"{DOCS}{name.replace('_', '-')}-function"


OFFSETS = "datatable(offset:long)[-1, 0, 1]"
D = "datetime(2017-01-01 10:10:17)"
END = "23:59:59.9999990Z"

CASES: list[Case] = [
    # ================================================================ start and end of a period
    Case(
        "startofmonth-doc-example",
        f"{OFFSETS} | project monthStart = startofmonth({D}, offset)",
        ["monthStart"],
        [["2016-12-01T00:00:00.0000000Z"], ["2017-01-01T00:00:00.0000000Z"], ["2017-02-01T00:00:00.0000000Z"]],
        fn("startofmonth"),
        types=["datetime"],
    ),
    Case(
        "startofyear-doc-example",
        f"{OFFSETS} | project yearStart = startofyear({D}, offset)",
        ["yearStart"],
        [["2016-01-01T00:00:00.0000000Z"], ["2017-01-01T00:00:00.0000000Z"], ["2018-01-01T00:00:00.0000000Z"]],
        fn("startofyear"),
        types=["datetime"],
    ),
    Case(
        "endofweek-doc-example",
        f"{OFFSETS} | project weekEnd = endofweek({D}, offset)",
        ["weekEnd"],
        [[f"2016-12-31T{END}"], [f"2017-01-07T{END}"], [f"2017-01-14T{END}"]],
        fn("endofweek"),
        types=["datetime"],
    ),
    Case(
        "endofweek-sunday-doc-example",
        "let endofweekSunday = (dateArg: datetime) { datetime_add('day', 8, endofweek(datetime_add('day', -8,"
        " dateArg))) }; datatable(Date: datetime, day: string)[datetime(2025-06-14), 'Saturday',"
        " datetime(2025-06-15), 'Sunday', datetime(2025-06-16), 'Monday', datetime(2025-06-17), 'Tuesday']"
        " | extend SundayEndOfWeek = endofweekSunday(Date)",
        ["Date", "day", "SundayEndOfWeek"],
        [
            ["2025-06-14T00:00:00.0000000Z", "Saturday", f"2025-06-15T{END}"],
            ["2025-06-15T00:00:00.0000000Z", "Sunday", f"2025-06-15T{END}"],
            ["2025-06-16T00:00:00.0000000Z", "Monday", f"2025-06-22T{END}"],
            ["2025-06-17T00:00:00.0000000Z", "Tuesday", f"2025-06-22T{END}"],
        ],
        fn("endofweek"),
    ),
    Case(
        "endofmonth-doc-example",
        f"{OFFSETS} | project monthEnd = endofmonth({D}, offset)",
        ["monthEnd"],
        [[f"2016-12-31T{END}"], [f"2017-01-31T{END}"], [f"2017-02-28T{END}"]],
        fn("endofmonth"),
        types=["datetime"],
    ),
    Case(
        "endofyear-doc-example",
        f"{OFFSETS} | project yearEnd = endofyear({D}, offset)",
        ["yearEnd"],
        [[f"2016-12-31T{END}"], [f"2017-12-31T{END}"], [f"2018-12-31T{END}"]],
        fn("endofyear"),
        types=["datetime"],
    ),
    Case(
        "start-end-of-period-without-offset",
        "print a = startofmonth(datetime(2016-02-29 23:59:59)), b = startofyear(datetime(2016-12-31 23:59:59)),"
        " c = endofweek(datetime(2017-01-07 23:59:59.999999)), d = endofmonth(datetime(2016-02-01)),"
        " e = endofyear(datetime(2016-01-01)), f = startofmonth(datetime(2017-03-01))",
        ["a", "b", "c", "d", "e", "f"],
        [
            [
                "2016-02-01T00:00:00.0000000Z",
                "2016-01-01T00:00:00.0000000Z",
                f"2017-01-07T{END}",
                f"2016-02-29T{END}",
                f"2016-12-31T{END}",
                "2017-03-01T00:00:00.0000000Z",
            ]
        ],
        fn("startofmonth"),
    ),
    Case(
        "start-end-of-period-columns",
        "datatable(t:datetime, offset:long)[datetime(2017-01-31 10:10:17), 1, datetime(2016-02-29), -12,"
        " datetime(1969-12-31 23:00), 0, datetime(2017-01-01), long(null), datetime(null), 2]"
        " | extend sm = startofmonth(t, offset), sy = startofyear(t, offset), ew = endofweek(t, offset),"
        " em = endofmonth(t, offset), ey = endofyear(t, offset), em0 = endofmonth(t)",
        ["t", "offset", "sm", "sy", "ew", "em", "ey", "em0"],
        [
            [
                "2017-01-31T10:10:17.0000000Z",
                1,
                "2017-02-01T00:00:00.0000000Z",
                "2018-01-01T00:00:00.0000000Z",
                f"2017-02-11T{END}",
                f"2017-02-28T{END}",
                f"2018-12-31T{END}",
                f"2017-01-31T{END}",
            ],
            [
                "2016-02-29T00:00:00.0000000Z",
                -12,
                "2015-02-01T00:00:00.0000000Z",
                "2004-01-01T00:00:00.0000000Z",
                f"2015-12-12T{END}",
                f"2015-02-28T{END}",
                f"2004-12-31T{END}",
                f"2016-02-29T{END}",
            ],
            [
                "1969-12-31T23:00:00.0000000Z",
                0,
                "1969-12-01T00:00:00.0000000Z",
                "1969-01-01T00:00:00.0000000Z",
                f"1970-01-03T{END}",
                f"1969-12-31T{END}",
                f"1969-12-31T{END}",
                f"1969-12-31T{END}",
            ],
            # A null offset gives null, as any null argument of a scalar function does (the pages are silent).
            ["2017-01-01T00:00:00.0000000Z", None, None, None, None, None, None, f"2017-01-31T{END}"],
            [None, 2, None, None, None, None, None, None],
        ],
        fn("endofmonth"),
    ),
    # ================================================================ parts of a datetime
    Case(
        "dayofmonth-doc-example",
        "print result = dayofmonth(datetime(2015-12-14))",
        ["result"],
        [[14]],
        doc("day-of-month-function"),
        types=["int"],
    ),
    Case(
        "dayofyear-doc-example",
        "print result = dayofyear(datetime(2015-12-14))",
        ["result"],
        [[348]],
        doc("day-of-year-function"),
        types=["int"],
    ),
    Case(
        "monthofyear-doc-example",
        'print result = monthofyear(datetime("2015-12-14")), same = getmonth(datetime("2015-12-14"))',
        ["result", "same"],
        [[12, 12]],
        fn("monthofyear"),
        types=["int", "int"],
    ),
    Case(
        "getyear-doc-example",
        "print year = getyear(datetime(2015-10-12))",
        ["year"],
        [[2015]],
        fn("getyear"),
        types=["int"],
    ),
    Case(
        "week-of-year-doc-examples",
        "print a = week_of_year(datetime(2020-12-31)), b = week_of_year(datetime(2020-06-15)),"
        " c = week_of_year(datetime(1970-01-01)), d = week_of_year(datetime(2000-01-01))",
        ["a", "b", "c", "d"],
        [[53, 25, 1, 52]],
        fn("week_of_year"),
        types=["int", "int", "int", "int"],
    ),
    Case(
        "datetime-parts-columns",
        "datatable(t:datetime)[datetime(2016-12-31 23:59:59), datetime(2021-01-03), datetime(2021-01-04),"
        " datetime(2018-12-31), datetime(1969-12-31 23:59:59.25), datetime(null)]"
        " | extend d = dayofmonth(t), y = dayofyear(t), m = monthofyear(t), g = getmonth(t), yy = getyear(t),"
        " w = week_of_year(t)",
        ["t", "d", "y", "m", "g", "yy", "w"],
        [
            ["2016-12-31T23:59:59.0000000Z", 31, 366, 12, 12, 2016, 52],
            ["2021-01-03T00:00:00.0000000Z", 3, 3, 1, 1, 2021, 53],  # ISO: still the last week of 2020
            ["2021-01-04T00:00:00.0000000Z", 4, 4, 1, 1, 2021, 1],
            ["2018-12-31T00:00:00.0000000Z", 31, 365, 12, 12, 2018, 1],  # ISO: already the first week of 2019
            ["1969-12-31T23:59:59.2500000Z", 31, 365, 12, 12, 1969, 1],
            [None, None, None, None, None, None, None],
        ],
        fn("week_of_year"),
    ),
    # Known difference: datetimes hold whole microseconds, so the nanosecond is 765432000 (Kusto: 765432100).
    Case(
        "datetime-part-doc-example",
        "let dt = datetime(2017-10-30 01:02:03.7654321); print year = datetime_part('year', dt),"
        " quarter = datetime_part('quarter', dt), month = datetime_part('month', dt),"
        " weekOfYear = datetime_part('week_of_year', dt), day = datetime_part('day', dt),"
        " dayOfYear = datetime_part('dayOfYear', dt), hour = datetime_part('hour', dt),"
        " minute = datetime_part('minute', dt), second = datetime_part('second', dt),"
        " millisecond = datetime_part('millisecond', dt), microsecond = datetime_part('microsecond', dt),"
        " nanosecond = datetime_part('nanosecond', dt)",
        [
            *("year", "quarter", "month", "weekOfYear", "day", "dayOfYear"),
            *("hour", "minute", "second", "millisecond", "microsecond", "nanosecond"),
        ],
        [[2017, 4, 10, 44, 30, 303, 1, 2, 3, 765, 765432, 765432000]],
        fn("datetime_part"),
        types=["int"] * 12,
    ),
    Case(
        "datetime-part-columns-and-datepart",
        "datatable(t:datetime)[datetime(1969-12-31 23:59:59.25), datetime(2024-02-29 13:14:15.000016),"
        " datetime(null)] | extend q = datetime_part('Quarter', t), ms = datetime_part('MilliSecond', t),"
        " us = datetime_part('microsecond', t), ns = datetime_part('nanosecond', t), s = datepart('second', t),"
        " h = datepart('HOUR', t), mi = datetime_part('minute', t)",
        ["t", "q", "ms", "us", "ns", "s", "h", "mi"],
        [
            ["1969-12-31T23:59:59.2500000Z", 4, 250, 250000, 250000000, 59, 23, 59],
            ["2024-02-29T13:14:15.0000160Z", 1, 0, 16, 16000, 15, 13, 14],
            [None, None, None, None, None, None, None, None],
        ],
        fn("datetime_part"),
    ),
    # ================================================================ make_timespan
    Case(
        "make-timespan-doc-example",
        "print ['timespan'] = make_timespan(1, 12, 30, 55.123)",
        ["timespan"],
        [["1.12:30:55.1230000"]],
        fn("make_timespan"),
        types=["timespan"],
    ),
    # The page gives each part's range and null when the timespan cannot be made: a part out of its range is null.
    Case(
        "make-timespan-constants",
        "print a = make_timespan(2, 30), b = make_timespan(23, 59, 59.9999999), c = make_timespan(24, 0),"
        " d = make_timespan(0, 60), e = make_timespan(0, 0, 60), f = make_timespan(-3, 1, 2, 3),"
        " g = make_timespan(1, 2, int(null)), h = make_timespan(0, 0, -0.5)",
        ["a", "b", "c", "d", "e", "f", "g", "h"],
        [["02:30:00", "23:59:59.9999990", None, None, None, "-2.22:57:57", None, None]],
        fn("make_timespan"),
        types=["timespan"] * 8,
    ),
    Case(
        "make-timespan-columns",
        "datatable(d:long, h:int, m:long, s:real)[1, 12, 30, 55.123, -3, 1, 2, 3.0, 0, 24, 0, 0.0,"
        " 0, 0, 0, 60.0, 0, 0, 0, -0.5, 0, 23, 59, 59.9999999, 0, 1, long(null), 0.0, 99999999, 0, 0, 0.0]"
        " | extend a = make_timespan(d, h, m, s), b = make_timespan(h, m), c = make_timespan(h, m, s)",
        ["d", "h", "m", "s", "a", "b", "c"],
        [
            [1, 12, 30, 55.123, "1.12:30:55.1230000", "12:30:00", "12:30:55.1230000"],
            [-3, 1, 2, 3.0, "-2.22:57:57", "01:02:00", "01:02:03"],
            [0, 24, 0, 0.0, None, None, None],
            [0, 0, 0, 60.0, None, "00:00:00", None],
            [0, 0, 0, -0.5, None, "00:00:00", None],
            [0, 23, 59, 59.9999999, "23:59:59.9999990", "23:59:00", "23:59:59.9999990"],
            [0, 1, None, 0.0, None, None, None],
            [99999999, 0, 0, 0.0, None, "00:00:00", "00:00:00"],  # beyond the largest timespan
        ],
        fn("make_timespan"),
    ),
    # ================================================================ bin_at
    Case(
        "bin-at-doc-examples",
        "print a = bin_at(6.5, 2.5, 7), b = bin_at(time(1h), 1d, 12h),"
        " c = bin_at(datetime(2017-05-15 10:20:00.0), 1d, datetime(1970-01-01 12:00:00.0)),"
        " d = bin_at(datetime(2017-05-17 10:20:00.0), 7d, datetime(2017-06-04 00:00:00.0))",
        ["a", "b", "c", "d"],
        [[4.5, "-12:00:00", "2017-05-14T12:00:00.0000000Z", "2017-05-14T00:00:00.0000000Z"]],
        fn("bin_at"),
        types=["real", "timespan", "datetime", "datetime"],
    ),
    Case(
        "bin-at-doc-example-summarize",
        "datatable(Date:datetime, NumOfEvents:int)[datetime(2018-02-24T15:14), 3, datetime(2018-02-24T15:24), 4,"
        " datetime(2018-02-23T16:14), 4, datetime(2018-02-23T17:29), 4, datetime(2018-02-26T15:14), 5]"
        " | summarize TotalEvents = sum(NumOfEvents) by bin_at(Date, 1d, datetime(2018-02-24 15:14:00.0000000))",
        ["Date", "TotalEvents"],
        [
            ["2018-02-23T15:14:00.0000000Z", 8],
            ["2018-02-24T15:14:00.0000000Z", 7],
            ["2018-02-26T15:14:00.0000000Z", 5],
        ],
        fn("bin_at"),
    ),
    # As bin(): a zero, negative or null bin size gives null (the page is silent; bin-function says so).
    Case(
        "bin-at-constants",
        "print a = bin_at(7, 3, 2), b = bin_at(-7, 3, 2), c = bin_at(7, 0, 2), d = bin_at(7, 2.5, 1),"
        " e = bin_at(1, 1, 0.5), f = bin_at(datetime(2020-01-01), -1d, datetime(2020-01-01)),"
        " g = bin_at(long(null), 3, 2)",
        ["a", "b", "c", "d", "e", "f", "g"],
        [[5, -7, None, 6.0, 0.5, None, None]],
        fn("bin_at"),
        types=["long", "long", "long", "real", "real", "datetime", "long"],
    ),
    Case(
        "bin-at-columns",
        "datatable(t:datetime, s:timespan, w:timespan, x:long, y:real, z:long)"
        "[datetime(1969-12-31 23:00), -90m, 1h, -7, -7.5, 0, datetime(2020-01-01), 90m, 0s, 7, 7.5, -3,"
        " datetime(null), timespan(null), 2h, long(null), real(null), 3]"
        " | extend a = bin_at(t, w, datetime(2000-01-01 00:30)), b = bin_at(s, w, 15m), c = bin_at(x, 3, z),"
        " d = bin_at(y, 2, z), e = bin_at(x, z, 1)",
        ["t", "s", "w", "x", "y", "z", "a", "b", "c", "d", "e"],
        [
            [
                "1969-12-31T23:00:00.0000000Z",
                "-01:30:00",
                "01:00:00",
                -7,
                -7.5,
                0,
                "1969-12-31T22:30:00.0000000Z",
                "-01:45:00",
                -9,
                -8.0,
                None,
            ],
            ["2020-01-01T00:00:00.0000000Z", "01:30:00", "00:00:00", 7, 7.5, -3, None, None, 6, 7.0, None],
            [None, None, "02:00:00", None, None, 3, None, None, None, None, None],
        ],
        fn("bin_at"),
    ),
    # A bin size computed by the query: whole microseconds since 0001-01-01, exact (no rounding through a double).
    Case(
        "bin-computed-size-exact-microseconds",
        "datatable(d:datetime, w:timespan)[datetime(2024-01-03 05:06:07.123457), 1microsecond,"
        " datetime(2024-01-03 05:06:07.123457), 3microseconds]"
        " | extend b = bin(d, w), a = bin_at(d, w, datetime(2024-01-03 05:06:07.123456))",
        ["d", "w", "b", "a"],
        [
            [
                "2024-01-03T05:06:07.1234570Z",
                "00:00:00.0000010",
                "2024-01-03T05:06:07.1234570Z",
                "2024-01-03T05:06:07.1234570Z",
            ],
            [
                "2024-01-03T05:06:07.1234570Z",
                "00:00:00.0000030",
                "2024-01-03T05:06:07.1234550Z",
                "2024-01-03T05:06:07.1234560Z",
            ],
        ],
        fn("bin"),
    ),
    # ================================================================ time zones
    Case(
        "datetime-utc-to-local-doc-example",
        "print dt = datetime(2022-07-11 22:18:48.4678620)"
        " | extend pacific_dt = datetime_utc_to_local(dt, 'US/Pacific'),"
        " canberra_dt = datetime_utc_to_local(dt, 'Australia/Canberra') | extend diff = pacific_dt - canberra_dt",
        ["dt", "pacific_dt", "canberra_dt", "diff"],
        [
            [
                "2022-07-11T22:18:48.4678620Z",
                "2022-07-11T15:18:48.4678620Z",
                "2022-07-12T08:18:48.4678620Z",
                "-17:00:00",
            ]
        ],
        fn("datetime_utc_to_local"),
        types=["datetime", "datetime", "datetime", "timespan"],
    ),
    Case(
        "datetime-local-to-utc-doc-example",
        "datatable(local_dt: datetime, tz: string)[datetime(2020-02-02 20:02:20), 'US/Pacific',"
        " datetime(2020-02-02 20:02:20), 'America/Chicago', datetime(2020-02-02 20:02:20), 'Europe/Paris']"
        " | extend utc_dt = datetime_local_to_utc(local_dt, tz)",
        ["local_dt", "tz", "utc_dt"],
        [
            ["2020-02-02T20:02:20.0000000Z", "Europe/Paris", "2020-02-02T19:02:20.0000000Z"],
            ["2020-02-02T20:02:20.0000000Z", "America/Chicago", "2020-02-03T02:02:20.0000000Z"],
            ["2020-02-02T20:02:20.0000000Z", "US/Pacific", "2020-02-03T04:02:20.0000000Z"],
        ],
        fn("datetime_local_to_utc"),
    ),
    # The page's daylight-saving example: 02:00 local, skipped by the clocks, takes the offset after the change.
    Case(
        "datetime-local-to-utc-dst-doc-example",
        "range Local from datetime(2022-03-27 01:00:00.0000000) to datetime(2022-03-27 04:00:00.0000000) step 1h"
        " | extend UTC = datetime_local_to_utc(Local, 'Europe/Brussels')"
        " | extend BackToLocal = datetime_utc_to_local(UTC, 'Europe/Brussels') | extend diff = Local - BackToLocal",
        ["Local", "UTC", "BackToLocal", "diff"],
        [
            [
                "2022-03-27T02:00:00.0000000Z",
                "2022-03-27T00:00:00.0000000Z",
                "2022-03-27T01:00:00.0000000Z",
                "01:00:00",
            ],
            [
                "2022-03-27T01:00:00.0000000Z",
                "2022-03-27T00:00:00.0000000Z",
                "2022-03-27T01:00:00.0000000Z",
                "00:00:00",
            ],
            [
                "2022-03-27T03:00:00.0000000Z",
                "2022-03-27T01:00:00.0000000Z",
                "2022-03-27T03:00:00.0000000Z",
                "00:00:00",
            ],
            [
                "2022-03-27T04:00:00.0000000Z",
                "2022-03-27T02:00:00.0000000Z",
                "2022-03-27T04:00:00.0000000Z",
                "00:00:00",
            ],
        ],
        fn("datetime_local_to_utc"),
    ),
    # The pages are silent on a zone Kusto does not know (names match exactly, as listed) and on a local time the
    # clocks repeat: null for the first; for the second the later instant, in standard time, as .NET resolves it.
    Case(
        "datetime-time-zones-columns",
        "datatable(t: datetime, tz: string)[datetime(2022-10-30 02:30), 'Europe/Brussels',"
        " datetime(2022-10-30 01:30), 'Europe/Brussels', datetime(2024-03-10 02:30), 'America/New_York',"
        " datetime(2022-07-11 22:18:48.4678620), 'Asia/Kathmandu', datetime(2020-02-02 20:02:20), 'Nowhere/City',"
        " datetime(2020-02-02 20:02:20), '', datetime(2020-02-02), 'europe/paris', datetime(null), 'UTC',"
        " datetime(2020-02-02), 'UTC']"
        " | extend u = datetime_local_to_utc(t, tz), l = datetime_utc_to_local(t, tz)",
        ["t", "tz", "u", "l"],
        [
            [
                "2022-10-30T02:30:00.0000000Z",
                "Europe/Brussels",
                "2022-10-30T01:30:00.0000000Z",
                "2022-10-30T03:30:00.0000000Z",
            ],
            [
                "2022-10-30T01:30:00.0000000Z",
                "Europe/Brussels",
                "2022-10-29T23:30:00.0000000Z",
                "2022-10-30T02:30:00.0000000Z",
            ],
            [
                "2024-03-10T02:30:00.0000000Z",
                "America/New_York",
                "2024-03-10T06:30:00.0000000Z",
                "2024-03-09T21:30:00.0000000Z",
            ],
            [
                "2022-07-11T22:18:48.4678620Z",
                "Asia/Kathmandu",
                "2022-07-11T16:33:48.4678620Z",
                "2022-07-12T04:03:48.4678620Z",
            ],
            ["2020-02-02T20:02:20.0000000Z", "Nowhere/City", None, None],
            ["2020-02-02T20:02:20.0000000Z", "", None, None],
            ["2020-02-02T00:00:00.0000000Z", "europe/paris", None, None],
            [None, "UTC", None, None],
            ["2020-02-02T00:00:00.0000000Z", "UTC", "2020-02-02T00:00:00.0000000Z", "2020-02-02T00:00:00.0000000Z"],
        ],
        fn("datetime_local_to_utc"),
    ),
    Case(
        "datetime-time-zones-constant-zones",
        "datatable(t: datetime)[datetime(2022-10-30 02:30), datetime(null)]"
        " | extend a = datetime_utc_to_local(t, 'Europe/Kyiv'), b = datetime_local_to_utc(t, 'Asia/Kolkata'),"
        " c = datetime_utc_to_local(t, 'Mars/Olympus_Mons'), d = datetime_local_to_utc(t, string(null))",
        ["t", "a", "b", "c", "d"],
        [
            [
                "2022-10-30T02:30:00.0000000Z",
                "2022-10-30T04:30:00.0000000Z",
                "2022-10-29T21:00:00.0000000Z",
                None,
                None,
            ],
            [None, None, None, None, None],
        ],
        fn("datetime_utc_to_local"),
    ),
    # ================================================================ todecimal
    Case(
        "todecimal-doc-example",
        'print todecimal("123.45678") == decimal(123.45678)',
        ["print_0"],
        [[True]],
        fn("todecimal"),
        types=["bool"],
    ),
    # Read back through toreal: a decimal here is DECIMAL(18, 3), three fraction digits, as these values need.
    Case(
        "todecimal-columns",
        'datatable(s:string, r:real, d:dynamic, b:bool)["1.5", 2.25, dynamic("3.5"), true, "x", real(null),'
        ' dynamic(null), false, "", -0.125, dynamic(7), bool(null), " 2.5 ", 1e30, dynamic([1]), true]'
        " | project a = toreal(todecimal(s)), c = toreal(todecimal(r)), d = toreal(todecimal(d)),"
        " e = toreal(todecimal(b))",
        ["a", "c", "d", "e"],
        [
            [1.5, 2.25, 3.5, 1.0],
            [None, None, None, 0.0],
            [None, -0.125, 7.0, None],
            [2.5, None, None, 1.0],  # 1e30 is beyond the decimal range here: null, as a failed conversion
        ],
        fn("todecimal"),
    ),
]
