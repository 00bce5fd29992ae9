"""Sentinel's scheduled analytics rule semantics: when a rule runs, what it reads, when it fires, how many alerts.

From https://learn.microsoft.com/en-us/azure/sentinel/scheduled-rules-overview:
- "Run query every" (queryFrequency) and "Lookup data from the last" (queryPeriod) each range from 5 minutes
  to 14 days, and the interval may not be longer than the lookback period.
- A rule enabled "automatically" runs for the first time when it is enabled, then every queryFrequency.
- The threshold applies to the number of results of each run separately (triggerOperator, triggerThreshold).
- Event grouping: SingleAlert (the default) makes one alert per run with all the results; AlertPerResult one
  alert per result, but a run makes at most 150 alerts: with more than 150 results the first 149 each make an
  alert and the 150th summarizes the entire set, as SingleAlert would have.
Template keys and their value ranges (triggerThreshold 0-10000, gt/lt/eq[/ne]) follow
https://learn.microsoft.com/en-us/azure/sentinel/sentinel-analytic-rules-creation.

Sentinel also delays each run by five minutes to wait for late ingestion; a replay of stored telemetry has all
its rows, so a run at t reads exactly (t - queryPeriod, t].
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import yaml
from sqlglot import exp

from rmmhunt.compiler import TableFilter
from rmmhunt.compiler.literals import literal
from rmmhunt.kql.types import KqlType
from rmmhunt.rules.loader import RuleError
from rmmhunt.rules.model import LoadedRule
from rmmhunt.rules.yamlnodes import node_at

SHORTEST = timedelta(minutes=5)
LONGEST = timedelta(days=14)
THRESHOLD_RANGE = range(0, 10_001)
ALERTS_PER_RUN = 150
# NRT rules run every minute over the minute before (https://learn.microsoft.com/en-us/azure/sentinel/near-real-time-rules)
NRT_EVERY = timedelta(minutes=1)
# Advanced hunting examines the past 30 days of event data (https://learn.microsoft.com/defender-xdr/api-advanced-hunting):
# the window of an alert from a hunting query, which has no queryPeriod of its own.
HUNTING_RETENTION = timedelta(days=30)
# Defender tables keep event time in Timestamp; Sentinel's own tables in TimeGenerated.
TIME_COLUMNS = ("Timestamp", "TimeGenerated")

_SHORTHAND = re.compile(r"(\d+)\s*(s|m|h|d)", re.IGNORECASE)
_ISO = re.compile(
    r"P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?",
    re.IGNORECASE,
)
_SHORTHAND_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration (PT5M, PT1H, P1D, P1DT12H) or the templates' KQL shorthand (5m, 1h, 14d)."""
    value = str(text).strip()
    if match := _SHORTHAND.fullmatch(value):
        return timedelta(**{_SHORTHAND_UNITS[match[2].lower()]: int(match[1])})
    if match := _ISO.fullmatch(value):
        parts = {unit: float(amount) for unit, amount in match.groupdict().items() if amount is not None}
        return timedelta(**parts)
    raise ValueError(f"{value!r} is not a duration such as 5m, 1h, 14d or PT5M, PT1H, P1D")


class Grouping(StrEnum):
    SINGLE_ALERT = "SingleAlert"
    ALERT_PER_RESULT = "AlertPerResult"


# Template spellings (gt/lt/eq/ne) and the API's (GreaterThan, ...), compared case-insensitively.
TRIGGER_OPERATORS: dict[str, Callable[[int, int], bool]] = {
    "gt": operator.gt,
    "greaterthan": operator.gt,
    "lt": operator.lt,
    "lessthan": operator.lt,
    "eq": operator.eq,
    "equal": operator.eq,
    "ne": operator.ne,
    "notequal": operator.ne,
}


@dataclass(frozen=True, slots=True)
class Schedule:
    frequency: timedelta
    period: timedelta
    trigger_operator: str
    threshold: int
    grouping: Grouping

    def fires(self, results: int) -> bool:
        return TRIGGER_OPERATORS[self.trigger_operator.lower()](results, self.threshold)

    def window(self, at: datetime) -> tuple[datetime, datetime]:
        """What a run at `at` reads: (at - queryPeriod, at]."""
        return at - self.period, at

    def run_times(self, start: datetime, end: datetime) -> list[datetime]:
        """The runs of a rule enabled at `start`, up to `end`: the first at once, then every queryFrequency."""
        return steps(start, end, self.frequency)


def steps(start: datetime, end: datetime, every: timedelta) -> list[datetime]:
    """start, start + every, ... up to and including end."""
    if every <= timedelta(0):
        raise ValueError("the step must be a positive duration")
    count = int((end - start) / every) + 1 if end >= start else 0
    return [start + every * i for i in range(count)]


def alert_groups(grouping: Grouping, results: int) -> list[list[int]]:
    """The result rows (by index) of each alert a triggered run makes."""
    everything = list(range(results))
    if grouping is Grouping.SINGLE_ALERT or not results:
        return [everything] if results else []
    if results <= ALERTS_PER_RUN:
        return [[i] for i in everything]
    return [[i] for i in everything[: ALERTS_PER_RUN - 1]] + [everything]


def rule_place(loaded: LoadedRule, *path: str | int) -> str:
    """`file:line` of a key inside the rule's YAML (path of keys and list indexes); the file alone if not found."""
    try:
        root = yaml.compose(loaded.path.read_text("utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return str(loaded.path)
    node = node_at(root, *path) if root is not None else None
    return f"{loaded.path}:{node.start_mark.line + 1}" if node is not None else str(loaded.path)


def _error(loaded: LoadedRule, path: tuple[str, ...], message: str) -> RuleError:
    """A rule problem placed at its key (the YAML is read again only then: problems are rare)."""
    return RuleError(f"{rule_place(loaded, *path)}: rule {loaded.rule.id}: {message}")


def _duration(loaded: LoadedRule, key: str) -> timedelta:
    value = getattr(loaded.rule, key)
    if value is None:
        raise _error(loaded, (key,), f"a scheduled rule needs {key}")
    try:
        duration = parse_duration(value)
    except ValueError as error:
        raise _error(loaded, (key,), f"{key}: {error}") from None
    if not SHORTEST <= duration <= LONGEST:
        raise _error(loaded, (key,), f"{key} {value} is outside Sentinel's range of 5 minutes to 14 days")
    return duration


def _grouping(loaded: LoadedRule) -> Grouping:
    kind = loaded.rule.eventGroupingSettings.aggregationKind
    try:
        return Grouping(kind)
    except ValueError:
        known = " or ".join(g.value for g in Grouping)
        raise _error(
            loaded, ("eventGroupingSettings", "aggregationKind"), f"aggregationKind {kind!r} is not {known}"
        ) from None


def schedule_of(loaded: LoadedRule) -> Schedule | None:
    """The rule's schedule; None for a hunting query (no kind). Every problem names the rule's file:line."""
    rule = loaded.rule
    if not rule.is_scheduled:
        return None
    grouping = _grouping(loaded)
    if str(rule.kind).lower() == "nrt":
        return Schedule(NRT_EVERY, NRT_EVERY, "gt", 0, grouping)
    frequency, period = _duration(loaded, "queryFrequency"), _duration(loaded, "queryPeriod")
    if frequency > period:
        raise _error(
            loaded,
            ("queryFrequency",),
            f"queryFrequency {rule.queryFrequency} is longer than queryPeriod {rule.queryPeriod}, which would leave "
            "gaps between runs (Sentinel refuses it)",
        )
    trigger = rule.triggerOperator
    if trigger is None or trigger.lower() not in TRIGGER_OPERATORS:
        raise _error(
            loaded,
            ("triggerOperator",),
            f"unknown triggerOperator {trigger!r} (gt, lt, eq, ne or GreaterThan, LessThan, Equal, NotEqual)",
        )
    if rule.triggerThreshold is None or rule.triggerThreshold not in THRESHOLD_RANGE:
        raise _error(
            loaded,
            ("triggerThreshold",),
            f"triggerThreshold must be an integer from 0 to 10000, not {rule.triggerThreshold!r}",
        )
    return Schedule(frequency, period, trigger, rule.triggerThreshold, grouping)


def _timestamp(at: datetime) -> exp.Expression:
    return literal(at, KqlType.DATETIME).sql


def period_filter(start: datetime, end: datetime) -> TableFilter:
    """Every table restricted to rows whose event time is in (start, end]; tables with no time column are whole."""

    def table_filter(_table: str, columns: dict[str, KqlType]) -> exp.Expression | None:
        name = next((c for c in TIME_COLUMNS if columns.get(c) is KqlType.DATETIME), None)
        if name is None:
            return None
        column = exp.column(name, quoted=True)
        return exp.and_(
            exp.GT(this=column, expression=_timestamp(start)),
            exp.LTE(this=column.copy(), expression=_timestamp(end)),
        )

    return table_filter
