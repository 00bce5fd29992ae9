"""How well the built-in rules find the demo's planted RMM activity: per tool and kind, recall (planted
(tool, device) pairs the rules report) and precision (reported pairs that were planted, rather than a
look-alike, another tool's plant or the benign background)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table

from rmmhunt.api import HuntResult, Workspace
from rmmhunt.demo.catalogue import KIND_TABLES, Kind, tool_indicators
from rmmhunt.demo.lookalikes import LOOK_ALIKES, LookAlike
from rmmhunt.demo.planted import Fact, planted_facts
from rmmhunt.errors import RmmhuntError
from rmmhunt.rules import LoadedRule, builtin_rules_dir, load_rules

TABLE_KINDS = {table: kind for kind, table in KIND_TABLES.items()}


@dataclass(frozen=True, slots=True)
class Target:
    """What a rule detects: a catalogue tool (slug) and a kind."""

    tool: str
    kind: Kind


def rule_target(item: LoadedRule) -> Target:
    """The tool from `metadata.source.sourceId` (the catalogue file the pack generator wrote the rule from),
    else from the file name `<tool>_<kind>.yaml` (the seed's); the kind from the one table it reads."""
    metadata = (item.rule.model_extra or {}).get("metadata") or {}
    source = (metadata.get("source") or {}) if isinstance(metadata, dict) else {}
    tables = [table for connector in item.rule.requiredDataConnectors for table in connector.dataTypes]
    kind = TABLE_KINDS.get(tables[0]) if len(tables) == 1 else None
    if kind is None:
        raise RmmhuntError(f"{item.path}: rule {item.rule.id}: expected one data type of {', '.join(TABLE_KINDS)}")
    source_id = source.get("sourceId") if isinstance(source, dict) else None
    tool = Path(source_id).stem if isinstance(source_id, str) else item.path.stem.removesuffix(f"_{kind.value}")
    return Target(tool, kind)


@dataclass(frozen=True, slots=True)
class Alert:
    """A rule reported `tool`'s activity of `kind` on a device."""

    tool: str
    kind: Kind
    device_id: str
    device_name: str


def alerts_of(results: list[HuntResult]) -> set[Alert]:
    alerts = set()
    for result in results:
        if not result.table.num_rows:
            continue
        if not {"DeviceId", "DeviceName"} <= set(result.table.column_names):
            rule = result.rule
            raise RmmhuntError(f"{rule.path}: rule {rule.rule.id}: its result has no DeviceId and DeviceName columns")
        target = rule_target(result.rule)
        ids, names = result.table.column("DeviceId").to_pylist(), result.table.column("DeviceName").to_pylist()
        devices = zip(ids, names, strict=True)
        alerts.update(Alert(target.tool, target.kind, device_id, name) for device_id, name in devices)
    return alerts


@dataclass(frozen=True, slots=True)
class Score:
    tool: str | None  # None: all tools
    kind: Kind | None  # None: all kinds
    planted: int  # devices with the tool's activity of this kind
    found: int  # of those, devices the rules reported
    alerts: int  # devices the rules reported

    @property
    def recall(self) -> float | None:
        return self.found / self.planted if self.planted else None

    @property
    def precision(self) -> float | None:
        return self.found / self.alerts if self.alerts else None


@dataclass(frozen=True, slots=True)
class FalseAlert:
    alert: Alert
    look_alike: LookAlike | None  # the look-alike on the device, if any

    def cause(self, facts: list[Fact]) -> str:
        if self.look_alike is not None:
            return f"look-alike of {self.look_alike.resembles}: {self.look_alike.why}"
        planted_here = sorted({f"{f.tool} {f.kind}" for f in facts if f.device_id == self.alert.device_id})
        return f"device planted with {', '.join(planted_here)}" if planted_here else "benign background"


@dataclass(frozen=True, slots=True)
class Evaluation:
    scores: list[Score]
    facts: list[Fact]
    missed: list[Fact]
    false_alerts: list[FalseAlert]

    @property
    def passed(self) -> bool:
        return not self.missed and not self.false_alerts

    def totals(self) -> Score:
        return Score(
            None,
            None,
            sum(s.planted for s in self.scores),
            sum(s.found for s in self.scores),
            sum(s.alerts for s in self.scores),
        )


def score(results: list[HuntResult], facts: list[Fact]) -> Evaluation:
    """Score rule results against the planted facts, counting distinct devices per tool and kind."""
    alerts = alerts_of(results)
    planted: dict[Target, set[str]] = {}
    for fact in facts:
        planted.setdefault(Target(fact.tool, fact.kind), set()).add(fact.device_id)
    reported: dict[Target, set[str]] = {}
    for alert in alerts:
        reported.setdefault(Target(alert.tool, alert.kind), set()).add(alert.device_id)
    targets = sorted(planted.keys() | reported.keys(), key=lambda t: (t.tool, list(Kind).index(t.kind)))
    scores = [
        Score(
            t.tool,
            t.kind,
            len(planted.get(t, set())),
            len(planted.get(t, set()) & reported.get(t, set())),
            len(reported.get(t, set())),
        )
        for t in targets
    ]
    missed = [f for f in facts if f.device_id not in reported.get(Target(f.tool, f.kind), set())]
    false_alerts = [
        FalseAlert(a, next((look for look in LOOK_ALIKES if look.device_id == a.device_id), None))
        for a in sorted(alerts, key=lambda a: (a.tool, a.kind, a.device_name))
        if a.device_id not in planted.get(Target(a.tool, a.kind), set())
    ]
    return Evaluation(scores, facts, missed, false_alerts)


def evaluate_demo(workspace: Workspace, now: datetime, rules: str | Path | None = None) -> Evaluation:
    """Run the rules (default: the built-in seed and RMM pack) on a demo workspace built for `now`."""
    return score(workspace.hunt(load_rules(rules or builtin_rules_dir()), now), planted_facts())


def _percent(value: float | None) -> str:
    if value is None:
        return "[dim]-[/dim]"
    text = f"{value:.0%}"
    return text if value == 1 else f"[red]{text}[/red]"


def print_evaluation(evaluation: Evaluation, console: Console) -> None:
    table = Table(title="Planted RMM activity found by the built-in rules (devices per tool and kind)")
    for header in ("Tool", "Kind", "Planted", "Found", "Recall", "Alerts", "Precision"):
        table.add_column(header, justify="left" if header in ("Tool", "Kind") else "right")
    for s in evaluation.scores:
        tool = tool_indicators(s.tool).name.split(" (")[0] if s.tool else "all"
        counts = (str(s.planted), str(s.found), _percent(s.recall), str(s.alerts), _percent(s.precision))
        table.add_row(tool, s.kind or "all", *counts)
    console.print(table)
    for fact in evaluation.missed:
        console.print(f"[red]missed:[/red] {fact.tool} {fact.kind} on {fact.device_name} ({fact.origin})")
    for false in evaluation.false_alerts:
        alert, cause = false.alert, false.cause(evaluation.facts)
        console.print(f"[red]false alert:[/red] {alert.tool} {alert.kind} on {alert.device_name} ({cause})")
    total = evaluation.totals()
    tools = len({s.tool for s in evaluation.scores if s.planted})
    console.print(
        f"[bold]{tools} tools planted on {total.planted} (tool, kind, device) facts: recall "
        f"{_percent(total.recall)}, precision {_percent(total.precision)}; {len(LOOK_ALIKES)} look-alikes, "
        f"{len({f.look_alike for f in evaluation.false_alerts if f.look_alike})} raised an alert.[/bold]"
    )
