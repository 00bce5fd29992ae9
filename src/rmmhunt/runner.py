"""Running rules as Sentinel would: `run` at one instant (alerts, suppressed matches, exclusion notes) and
`backtest` over a history (each rule at each of its scheduled runs).

A scheduled rule's run at t has now() == t and reads every table in (t - queryPeriod, t]; it fires when its
result count meets the trigger, and makes alerts by its event grouping (see `rules.schedule`). A hunting query
(no kind) has its own time logic: it runs at t as written, each result row is one alert; it reads the 30 days
Advanced Hunting keeps up to t (nothing after t existed yet when replaying a history), which is the alert's
window. Exclusions remove matches before the trigger counts them; every match they remove is still reported,
as a suppressed alert naming the exclusion.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pyarrow as pa

from rmmhunt.alerts import Alert, AlertRun, ExclusionNote, RuleInfo, make_alerts, rule_info
from rmmhunt.api import Workspace, rule_error_message
from rmmhunt.compiler import CompiledQuery
from rmmhunt.engines.duckdb_engine import KQL_TYPE_KEY
from rmmhunt.engines.shared_scans import sharing
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.errors import KqlError
from rmmhunt.kql.types import KqlType
from rmmhunt.rules.loader import RuleError
from rmmhunt.rules.model import LoadedRule
from rmmhunt.rules.schedule import (
    HUNTING_RETENTION,
    Grouping,
    Schedule,
    alert_groups,
    period_filter,
    schedule_of,
    steps,
)
from rmmhunt.tuning import ExclusionSet, RuleOutcome, run_rule

ARROW_TYPES = {
    KqlType.STRING: pa.string(),
    KqlType.LONG: pa.int64(),
    KqlType.BOOL: pa.bool_(),
    KqlType.DATETIME: pa.timestamp("us"),
}


@dataclass(frozen=True, slots=True)
class ScheduledRule:
    loaded: LoadedRule
    schedule: Schedule | None  # None: a hunting query

    @property
    def info(self) -> RuleInfo:
        return rule_info(self.loaded.rule)

    def window(self, at: datetime) -> tuple[datetime, datetime]:
        return self.schedule.window(at) if self.schedule else (at - HUNTING_RETENTION, at)

    def run_times(self, start: datetime, end: datetime, every: timedelta) -> list[datetime]:
        """Its runs over a history: queryFrequency for a scheduled rule, `every` for a hunting query."""
        return self.schedule.run_times(start, end) if self.schedule else steps(start, end, every)


@dataclass(frozen=True, slots=True)
class RunStat:
    """One run of one rule: results the trigger counted (after exclusions), alerts made, matches suppressed."""

    rule: RuleInfo
    at: datetime
    results: int
    fired: bool
    alerts: int
    suppressed: int


@dataclass(frozen=True, slots=True)
class RuleRun:
    stat: RunStat
    alerts: list[Alert]
    outcome: RuleOutcome


@dataclass(frozen=True, slots=True)
class RuleTotals:
    rule: RuleInfo
    runs: int
    fired: int
    alerts: int
    suppressed: int


@dataclass
class Backtest:
    start: datetime
    end: datetime
    rules: list[RuleInfo]
    runs: list[RunStat] = field(default_factory=list)
    exclusions: dict[str, ExclusionNote] = field(default_factory=dict)
    expired: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)

    def totals_table(self) -> pa.Table:
        totals = self.totals()
        return _typed_table(
            {
                "RuleId": (KqlType.STRING, [t.rule.id for t in totals]),
                "Rule": (KqlType.STRING, [t.rule.name for t in totals]),
                "Runs": (KqlType.LONG, [t.runs for t in totals]),
                "Fired": (KqlType.LONG, [t.fired for t in totals]),
                "Alerts": (KqlType.LONG, [t.alerts for t in totals]),
                "Suppressed": (KqlType.LONG, [t.suppressed for t in totals]),
            }
        )

    def runs_table(self) -> pa.Table:
        return _typed_table(
            {
                "RuleId": (KqlType.STRING, [s.rule.id for s in self.runs]),
                "Rule": (KqlType.STRING, [s.rule.name for s in self.runs]),
                "RunAt": (KqlType.DATETIME, [s.at for s in self.runs]),
                "Results": (KqlType.LONG, [s.results for s in self.runs]),
                "Fired": (KqlType.BOOL, [s.fired for s in self.runs]),
                "Alerts": (KqlType.LONG, [s.alerts for s in self.runs]),
                "Suppressed": (KqlType.LONG, [s.suppressed for s in self.runs]),
            }
        )

    def totals(self) -> list[RuleTotals]:
        """Per rule, in rule order."""
        by_rule: dict[str, list[RunStat]] = {r.id: [] for r in self.rules}
        for stat in self.runs:
            by_rule[stat.rule.id].append(stat)
        return [
            RuleTotals(
                rule,
                len(stats := by_rule[rule.id]),
                sum(s.fired for s in stats),
                sum(s.alerts for s in stats),
                sum(s.suppressed for s in stats),
            )
            for rule in self.rules
        ]


def _typed_table(columns: dict[str, tuple[KqlType, list[object]]]) -> pa.Table:
    """A table the output module prints in every format (columns carry their KQL type)."""
    arrays = [pa.array(values, ARROW_TYPES[kql_type]) for kql_type, values in columns.values()]
    fields = [
        pa.field(name, array.type, metadata={KQL_TYPE_KEY: kql_type.value})
        for (name, (kql_type, _)), array in zip(columns.items(), arrays, strict=True)
    ]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def scheduled_rules(rules: Iterable[LoadedRule]) -> list[ScheduledRule]:
    """Each rule with its schedule, every rule checked before any runs (errors name file:line)."""
    return [ScheduledRule(loaded, schedule_of(loaded)) for loaded in rules]


def _alerts(
    item: ScheduledRule, table: pa.Table, window: tuple[datetime, datetime], *, trigger: bool, exclusion: str | None
) -> list[Alert]:
    schedule = item.schedule
    if schedule is None:
        groups, summary = [[i] for i in range(table.num_rows)], False
    else:
        fires = schedule.fires(table.num_rows) if trigger else table.num_rows > 0
        groups = alert_groups(schedule.grouping, table.num_rows) if fires else []
        if fires and not groups:
            groups = [[]]  # a trigger such as "lt 1" fires on no results: one alert with no rows
        summary = schedule.grouping is Grouping.SINGLE_ALERT
    return make_alerts(item.loaded, table, groups, window, summary=summary, exclusion=exclusion)


def compile_run(workspace: Workspace, item: ScheduledRule, at: datetime) -> CompiledQuery:
    """The rule's query as its run at `at` reads: every table restricted to the run's window."""
    return workspace.compile_rule(item.loaded, at, period_filter(*item.window(at)))


def run_rule_at(
    workspace: Workspace,
    item: ScheduledRule,
    at: datetime,
    exclusions: ExclusionSet,
    compiled: CompiledQuery,
) -> RuleRun:
    """One run of one rule at `at`: its alerts, then one suppressed alert group per exclusion that removed matches.

    `compiled`: the rule's query compiled for this run (`compile_run`)."""
    window = item.window(at)
    try:
        outcome = run_rule(workspace, item.loaded.rule, at, window, exclusions, period_filter(*window), compiled)
    except KqlError as error:
        raise RuleError(rule_error_message(item.loaded, error)) from None
    alerts = _alerts(item, outcome.kept, window, trigger=True, exclusion=None)
    # suppressed matches are listed whatever the trigger says: nothing an exclusion hides goes unreported
    suppressed = [
        alert
        for s in outcome.suppressed
        for alert in _alerts(item, s.table, window, trigger=False, exclusion=s.exclusion_id)
    ]
    suppressed_rows = sum(s.table.num_rows for s in outcome.suppressed)
    stat = RunStat(item.info, at, outcome.kept.num_rows, bool(alerts), len(alerts), suppressed_rows)
    return RuleRun(stat, alerts + suppressed, outcome)


def _notes(exclusions: ExclusionSet) -> dict[str, ExclusionNote]:
    return {e.id: ExclusionNote(e.id, e.owner, e.reason, e.expires, exclusions.place(e.id)) for e in exclusions}


def _unused(exclusions: ExclusionSet, expired: list[str], matched: set[str]) -> list[str]:
    return [e.id for e in exclusions if e.id not in matched and e.id not in expired]


def run_together(
    workspace: Workspace, items: list[ScheduledRule], at: datetime, exclusions: ExclusionSet
) -> list[RuleRun]:
    """Each rule's run at `at`, the rules that filter one table sharing one scan of it."""
    compiled = [compile_run(workspace, item, at) for item in items]
    with sharing(workspace.engine, [query.tree for query in compiled]):
        return [
            run_rule_at(workspace, item, at, exclusions, query) for item, query in zip(items, compiled, strict=True)
        ]


def run(
    workspace: Workspace, rules: Iterable[LoadedRule], now: datetime, exclusions: ExclusionSet | None = None
) -> AlertRun:
    """Every rule once at `now`: the alerts it raises and the matches exclusions suppressed."""
    exclusions = exclusions or ExclusionSet.empty()
    items = scheduled_rules(rules)
    runs = run_together(workspace, items, now, exclusions)
    alerts = [alert for result in runs for alert in result.alerts]
    matched = {exclusion for result in runs for exclusion in result.outcome.matched_exclusions}
    expired = [e.id for e in exclusions.expired(now)]
    return AlertRun(
        now, [i.info for i in items], alerts, _notes(exclusions), expired, _unused(exclusions, expired, matched)
    )


def backtest(
    workspace: Workspace,
    rules: Iterable[LoadedRule],
    start: datetime,
    end: datetime,
    *,
    every: timedelta = timedelta(days=1),
    exclusions: ExclusionSet | None = None,
) -> Backtest:
    """Each rule as if enabled at `start`: every run up to `end` (hunting queries once per `every`)."""
    if start > end:
        raise RmmhuntError(f"the backtest starts ({start.isoformat()}) after it ends ({end.isoformat()})")
    exclusions = exclusions or ExclusionSet.empty()
    items = scheduled_rules(rules)
    result = Backtest(start, end, [i.info for i in items], exclusions=_notes(exclusions))
    # Time by time, so that the rules running at one instant share their scans; then rule by rule, as reported.
    due: dict[datetime, list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        for at in item.run_times(start, end, every):
            due[at].append(index)
    stats: dict[tuple[int, datetime], RunStat] = {}
    matched: set[str] = set()
    for at in sorted(due):
        runs = run_together(workspace, [items[i] for i in due[at]], at, exclusions)
        for index, rule_run in zip(due[at], runs, strict=True):
            stats[index, at] = rule_run.stat
            matched |= rule_run.outcome.matched_exclusions
    result.runs = [stats[key] for key in sorted(stats)]
    result.expired = [e.id for e in exclusions.expired(end)]
    result.unused = _unused(exclusions, result.expired, matched)
    return result


def hunt(
    workspace: Workspace, rules: Iterable[LoadedRule], now: datetime, exclusions: ExclusionSet
) -> list[tuple[LoadedRule, RuleOutcome]]:
    """`hunt` with exclusions: each rule's kept rows and, per exclusion, the rows it suppressed."""
    loaded_rules = list(rules)
    compiled = [workspace.compile_rule(loaded, now) for loaded in loaded_rules]
    outcomes = []
    with sharing(workspace.engine, [query.tree for query in compiled]):
        for loaded, query in zip(loaded_rules, compiled, strict=True):
            window = (now - HUNTING_RETENTION, now)
            try:
                outcome = run_rule(workspace, loaded.rule, now, window, exclusions, compiled=query)
            except KqlError as error:
                raise RuleError(rule_error_message(loaded, error)) from None
            outcomes.append((loaded, outcome))
    return outcomes
