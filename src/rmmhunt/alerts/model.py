"""Alerts as plain data: the runner makes them, the writers and the HTML report read them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Row = dict[str, Any]  # a result row with JSON-ready values (datetimes as ISO 8601 text with Z)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: str
    name: str
    severity: str | None
    tactics: tuple[str, ...]
    techniques: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert, or one match an exclusion suppressed (`suppressed`, `exclusion` its id).

    `row` is the result row the alert is about; a SingleAlert alert carries every row of its run in `rows`
    (and its first row in `row`), an AlertPerResult or hunting alert has `rows` None.
    """

    rule: RuleInfo
    title: str
    description: str
    severity: str | None
    entities: list[dict[str, Any]]
    custom_details: dict[str, Any]
    row: Row
    window: tuple[datetime, datetime]
    rows: list[Row] | None = None
    suppressed: bool = False
    exclusion: str | None = None

    @property
    def devices(self) -> list[str]:
        """Host names of the alert's Host entities (or DeviceName of its row when it maps none)."""
        names = [
            str(e.get("HostName") or e.get("FullName") or e.get("NetBiosName"))
            for e in self.entities
            if e.get("type") == "Host" and (e.get("HostName") or e.get("FullName") or e.get("NetBiosName"))
        ]
        if not names and self.row.get("DeviceName"):
            names = [str(self.row["DeviceName"])]
        return list(dict.fromkeys(names))


@dataclass(frozen=True, slots=True)
class ExclusionNote:
    """What a report says about an exclusion: who sanctioned what, and where it is written."""

    id: str
    owner: str
    reason: str
    expires: date | None
    place: str


@dataclass(frozen=True, slots=True)
class AlertRun:
    """Everything one `run` produced, for the writers and the report."""

    now: datetime
    rules: list[RuleInfo]
    alerts: list[Alert]
    exclusions: dict[str, ExclusionNote] = field(default_factory=dict)  # id -> note, every exclusion loaded
    expired: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)

    @property
    def raised(self) -> list[Alert]:
        return [a for a in self.alerts if not a.suppressed]

    @property
    def suppressed(self) -> list[Alert]:
        return [a for a in self.alerts if a.suppressed]


@dataclass(frozen=True, slots=True)
class RuleSummary:
    rule: RuleInfo
    alerts: int
    devices: int
    suppressed: int


def rule_summaries(run: AlertRun) -> list[RuleSummary]:
    """The rules that raised or suppressed something, most alerts first."""
    raised: dict[str, list[Alert]] = {}
    suppressed: dict[str, int] = {}
    for alert in run.alerts:
        if alert.suppressed:
            suppressed[alert.rule.id] = suppressed.get(alert.rule.id, 0) + 1
        else:
            raised.setdefault(alert.rule.id, []).append(alert)
    summaries = []
    for rule in run.rules:
        alerts, hidden = raised.get(rule.id, []), suppressed.get(rule.id, 0)
        if alerts or hidden:
            devices = {d for a in alerts for d in a.devices}
            summaries.append(RuleSummary(rule, len(alerts), len(devices), hidden))
    return sorted(summaries, key=lambda s: (-s.alerts, -s.suppressed, s.rule.name.lower()))
