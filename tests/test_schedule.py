"""Scheduled-rule semantics as Sentinel documents them
(https://learn.microsoft.com/en-us/azure/sentinel/scheduled-rules-overview): durations, run times, the query
period every table is read in, trigger operators, event grouping and the 150-alert cap."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.rules import RuleError, load_rules
from rmmhunt.rules.schedule import (
    ALERTS_PER_RUN,
    Grouping,
    Schedule,
    alert_groups,
    parse_duration,
    period_filter,
    schedule_of,
    steps,
)

T0 = datetime(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("14d", timedelta(days=14)),
        ("90s", timedelta(seconds=90)),
        ("PT5M", timedelta(minutes=5)),
        ("PT1H", timedelta(hours=1)),
        ("P1D", timedelta(days=1)),
        ("P1DT12H", timedelta(days=1, hours=12)),
        ("P2W", timedelta(days=14)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("pt10m", timedelta(minutes=10)),
        (" 1d ", timedelta(days=1)),
    ],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "P", "PT", "1 day", "hourly", "5", "-5m", "P1H", "1w", "PT5M3D"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("start", "end", "every", "expected"),
    [
        (T0, T0 + timedelta(days=2), timedelta(days=1), [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]),
        (T0, T0 + timedelta(hours=2, minutes=59), timedelta(hours=1), [T0 + timedelta(hours=h) for h in range(3)]),
        (T0, T0, timedelta(hours=1), [T0]),
        (T0, T0 - timedelta(hours=1), timedelta(hours=1), []),
        (T0, T0 + timedelta(days=14), timedelta(days=14), [T0, T0 + timedelta(days=14)]),
    ],
)
def test_run_times(start: datetime, end: datetime, every: timedelta, expected: list[datetime]) -> None:
    assert steps(start, end, every) == expected


@pytest.mark.parametrize(
    ("operator", "threshold", "results", "fires"),
    [
        ("gt", 0, 0, False),
        ("gt", 0, 1, True),
        ("GreaterThan", 5, 6, True),
        ("GreaterThan", 5, 5, False),
        ("lt", 3, 2, True),
        ("LessThan", 3, 3, False),
        ("eq", 2, 2, True),
        ("Equal", 2, 3, False),
        ("ne", 0, 0, False),
        ("NotEqual", 0, 4, True),
    ],
)
def test_trigger_operators(operator: str, threshold: int, results: int, fires: bool) -> None:
    schedule = Schedule(timedelta(hours=1), timedelta(hours=1), operator, threshold, Grouping.SINGLE_ALERT)
    assert schedule.fires(results) is fires


@pytest.mark.parametrize(
    ("grouping", "results", "expected"),
    [
        (Grouping.SINGLE_ALERT, 0, []),
        (Grouping.SINGLE_ALERT, 3, [[0, 1, 2]]),
        (Grouping.ALERT_PER_RESULT, 0, []),
        (Grouping.ALERT_PER_RESULT, 3, [[0], [1], [2]]),
        (Grouping.ALERT_PER_RESULT, 150, [[i] for i in range(150)]),
        # more than 150 results: 149 alerts of one result, and a 150th that summarizes them all
        (Grouping.ALERT_PER_RESULT, 151, [[i] for i in range(149)] + [list(range(151))]),
        (Grouping.ALERT_PER_RESULT, 400, [[i] for i in range(149)] + [list(range(400))]),
    ],
)
def test_alert_groups(grouping: Grouping, results: int, expected: list[list[int]]) -> None:
    groups = alert_groups(grouping, results)
    assert groups == expected
    assert len(groups) <= ALERTS_PER_RUN


SCHEDULED = """\
id: 11111111-2222-3333-4444-555555555555
name: Scheduled test rule
kind: Scheduled
severity: Medium
query: |
  DeviceInfo | project DeviceName
queryFrequency: {frequency}
queryPeriod: {period}
triggerOperator: {operator}
triggerThreshold: {threshold}
eventGroupingSettings:
  aggregationKind: {grouping}
"""


def write_rule(tmp_path: Path, **keys: object) -> Path:
    values = {"frequency": "1h", "period": "2h", "operator": "gt", "threshold": 0, "grouping": "SingleAlert"} | keys
    path = tmp_path / "rule.yaml"
    path.write_text(SCHEDULED.format(**values), "utf-8")
    return path


def test_schedule_of_a_rule(tmp_path: Path) -> None:
    [loaded] = load_rules(write_rule(tmp_path, frequency="PT30M", period="P1D", grouping="AlertPerResult"))
    schedule = schedule_of(loaded)
    assert schedule == Schedule(timedelta(minutes=30), timedelta(days=1), "gt", 0, Grouping.ALERT_PER_RESULT)
    assert schedule.window(T0) == (T0 - timedelta(days=1), T0)
    assert schedule.run_times(T0, T0 + timedelta(hours=1)) == [T0, T0 + timedelta(minutes=30), T0 + timedelta(hours=1)]


def test_hunting_query_has_no_schedule(tmp_path: Path) -> None:
    path = tmp_path / "hunt.yaml"
    path.write_text("id: h1\nquery: DeviceInfo\n", "utf-8")
    assert schedule_of(load_rules(path)[0]) is None


@pytest.mark.parametrize(
    ("keys", "line", "message"),
    [
        ({"frequency": "4m"}, 7, "queryFrequency 4m is outside Sentinel's range of 5 minutes to 14 days"),
        ({"period": "15d"}, 8, "queryPeriod 15d is outside Sentinel's range"),
        ({"period": "hourly"}, 8, "queryPeriod: 'hourly' is not a duration"),
        ({"frequency": "1d", "period": "1h"}, 7, "queryFrequency 1d is longer than queryPeriod 1h"),
        ({"operator": "gte"}, 9, "unknown triggerOperator 'gte'"),
        ({"threshold": 10001}, 10, "triggerThreshold must be an integer from 0 to 10000"),
        ({"grouping": "PerDevice"}, 12, "aggregationKind 'PerDevice' is not SingleAlert or AlertPerResult"),
    ],
)
def test_schedule_errors_name_the_line(tmp_path: Path, keys: dict[str, object], line: int, message: str) -> None:
    path = write_rule(tmp_path, **keys)
    with pytest.raises(RuleError, match=message) as caught:
        schedule_of(load_rules(path)[0])
    assert str(caught.value).startswith(f"{path}:{line}: rule 11111111-2222-3333-4444-555555555555")


def test_period_filter_reads_each_table_in_the_period(empty_ws: Workspace) -> None:
    """(start, end]: an event exactly at the start belongs to the previous run, one at the end to this one."""
    start, end = T0, T0 + timedelta(hours=1)
    compiled = empty_ws.compile(
        "union DeviceInfo, DeviceNetworkEvents | count", end, table_filter=period_filter(start, end)
    )
    sql = compiled.sql("duckdb")
    assert sql.count("\"Timestamp\" > CAST('2026-11-20 00:00:00.000000' AS TIMESTAMP)") == 2
    assert sql.count("\"Timestamp\" <= CAST('2026-11-20 01:00:00.000000' AS TIMESTAMP)") == 2
