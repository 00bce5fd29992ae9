"""Alerts end to end: `run` and `backtest` on a small generated workspace, Sentinel's alert enrichment, and the
commands' errors. Expectations are computed from the generated events in Python, not by the engine."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from rmmhunt import Workspace
from rmmhunt.alerts import write_run
from rmmhunt.rules import RuleError, load_rules
from rmmhunt.runner import backtest, run
from rmmhunt.store import WorkspaceStore
from rmmhunt.tuning import load_exclusions

T0 = datetime(2026, 11, 1)
HOURS = 48
DEVICES = ("host-a", "host-b", "host-c")
NOW = T0 + timedelta(hours=HOURS)
RUN_AT = T0 + timedelta(hours=37)  # its last hour holds a relay connection of every device (hour 36 is 0 mod 2, 3, 4)
RMM_URL, OTHER_URL = "relay.example-rmm.com", "intranet.contoso.com"

SINGLE, PER_RESULT, HUNTING = "aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002", "hunt-1"
RULES = {
    "single.yaml": f"""\
id: {SINGLE}
name: RMM relay, one alert per run
kind: Scheduled
severity: Medium
tactics: [CommandAndControl]
relevantTechniques: [T1219]
query: |
  DeviceNetworkEvents
  | where RemoteUrl has "example-rmm.com"
  | project Timestamp, DeviceName, AccountName = InitiatingProcessAccountName,
      AccountDomain = InitiatingProcessAccountDomain, RemoteUrl, Level = "high"
queryFrequency: 1h
queryPeriod: PT1H
triggerOperator: gt
triggerThreshold: 0
eventGroupingSettings:
  aggregationKind: SingleAlert
entityMappings:
  - entityType: Host
    fieldMappings:
      - identifier: HostName
        columnName: DeviceName
  - entityType: Account
    fieldMappings:
      - identifier: Name
        columnName: AccountName
      - identifier: NTDomain
        columnName: AccountDomain
  - entityType: URL
    fieldMappings:
      - identifier: Url
        columnName: RemoteUrl
customDetails:
  Relay: RemoteUrl
alertDetailsOverride:
  alertDisplayNameFormat: RMM relay from {{{{DeviceName}}}}
  alertSeverityColumnName: Level
""",
    "per_result.yaml": f"""\
id: {PER_RESULT}
name: RMM relay, one alert per connection
kind: Scheduled
severity: Low
query: |
  DeviceNetworkEvents | where RemoteUrl has "example-rmm.com" | project Timestamp, DeviceName
queryFrequency: 2h
queryPeriod: 3h
triggerOperator: GreaterThan
triggerThreshold: 1
eventGroupingSettings:
  aggregationKind: AlertPerResult
entityMappings:
  - entityType: Host
    fieldMappings:
      - identifier: HostName
        columnName: DeviceName
""",
    "hunting.yaml": f"""\
id: {HUNTING}
name: RMM relay hunt
query: |
  DeviceNetworkEvents
  | where Timestamp > ago(1d) and RemoteUrl has "example-rmm.com"
  | summarize FirstSeen = min(Timestamp), LastSeen = max(Timestamp), Count = count() by DeviceName
""",
}
EXCLUSIONS = f"""\
exclusions:
  - id: EXC-HOST-C
    reason: host-c is the IT jump host that runs the sanctioned RMM agent
    owner: it-ops@example.com
    rules: ["{SINGLE}", "{PER_RESULT}", "{HUNTING}"]
    when:
      device: [host-c]
  - id: EXC-NEVER
    reason: a device that does not exist
    owner: nobody@example.com
    when:
      device: [no-such-host]
  - id: EXC-OLD
    reason: expired before the run
    owner: nobody@example.com
    expires: 2026-10-01
    when:
      device: [host-a]
"""


def events() -> list[dict]:
    """Each device connects to the relay on its own rhythm, at half past the hour; everyone browses the intranet."""
    rows = []
    for hour in range(HOURS):
        at = T0 + timedelta(hours=hour, minutes=30)
        for index, device in enumerate(DEVICES):
            if hour % (index + 2) == 0:
                rows.append({"Timestamp": at, "DeviceName": device, "RemoteUrl": RMM_URL})
            rows.append({"Timestamp": at + timedelta(minutes=5), "DeviceName": device, "RemoteUrl": OTHER_URL})
    for row in rows:
        row |= {
            "InitiatingProcessAccountName": f"user-{row['DeviceName']}",
            "InitiatingProcessAccountDomain": "CONTOSO",
        }
    return rows


def relay_events(start: datetime, end: datetime, *, devices: tuple[str, ...] = DEVICES) -> list[dict]:
    return [
        e
        for e in events()
        if e["RemoteUrl"] == RMM_URL and start < e["Timestamp"] <= end and e["DeviceName"] in devices
    ]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Workspace, Path, Path]:
    root = tmp_path_factory.mktemp("alerts")
    store = WorkspaceStore(root / "ws", create=True)
    store.write("DeviceNetworkEvents", pa.Table.from_pylist(events()))
    rules = root / "rules"
    rules.mkdir()
    for name, text in RULES.items():
        (rules / name).write_text(text, "utf-8")
    exclusions = root / "exclusions.yaml"
    exclusions.write_text(EXCLUSIONS, "utf-8")
    return Workspace(root / "ws"), rules, exclusions


def test_run_writes_alerts_with_sentinel_fields(setup: tuple[Workspace, Path, Path], tmp_path: Path) -> None:
    workspace, rules, exclusions = setup
    result = run(workspace, load_rules(rules), RUN_AT, load_exclusions(exclusions))
    write_run(result, tmp_path)
    alerts = [json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text("utf-8").splitlines()]
    by_rule = {rule: [a for a in alerts if a["rule"]["id"] == rule] for rule in (SINGLE, PER_RESULT, HUNTING)}

    # SingleAlert over the last hour (36:00, 37:00]: one alert with every kept row; host-c's rows are suppressed
    last_hour = relay_events(RUN_AT - timedelta(hours=1), RUN_AT)
    kept = [e for e in last_hour if e["DeviceName"] != "host-c"]
    [single, *suppressed] = by_rule[SINGLE]
    assert single["rule"] == {
        "id": SINGLE,
        "name": "RMM relay, one alert per run",
        "severity": "Medium",
        "tactics": ["CommandAndControl"],
        "techniques": ["T1219"],
    }
    assert single["window"] == {"start": "2026-11-02T12:00:00.0000000Z", "end": "2026-11-02T13:00:00.0000000Z"}
    assert (single["suppressed"], single["exclusion"]) == (False, None)
    assert sorted(r["DeviceName"] for r in single["rows"]) == sorted(e["DeviceName"] for e in kept)
    assert single["row"] == single["rows"][0]
    assert single["title"] == f"RMM relay from {single['row']['DeviceName']}" and single["severity"] == "High"
    assert {"type": "Host", "HostName": "host-a"} in single["entities"]
    assert {"type": "Account", "Name": "user-host-a", "NTDomain": "CONTOSO"} in single["entities"]
    assert {"type": "URL", "Url": RMM_URL} in single["entities"]
    assert single["custom_details"] == {"Relay": [RMM_URL]}
    assert [(a["suppressed"], a["exclusion"], len(a["rows"])) for a in suppressed] == [
        (True, "EXC-HOST-C", len(last_hour) - len(kept))
    ]

    # AlertPerResult over (34:00, 37:00]: one alert per kept row, no `rows`
    period = [e for e in relay_events(RUN_AT - timedelta(hours=3), RUN_AT) if e["DeviceName"] != "host-c"]
    raised = [a for a in by_rule[PER_RESULT] if not a["suppressed"]]
    assert len(raised) == len(period) and all("rows" not in a for a in raised)
    assert sorted(a["row"]["DeviceName"] for a in raised) == sorted(e["DeviceName"] for e in period)

    # the hunting query: one alert per device row, windowed by Advanced Hunting's 30 days
    hunted = {a["row"]["DeviceName"]: a for a in by_rule[HUNTING]}
    assert set(hunted) == set(DEVICES)
    assert hunted["host-c"]["exclusion"] == "EXC-HOST-C" and not hunted["host-a"]["suppressed"]
    assert hunted["host-a"]["row"]["Count"] == len(
        relay_events(RUN_AT - timedelta(days=1), RUN_AT, devices=("host-a",))
    )
    assert hunted["host-a"]["window"]["start"] == "2026-10-03T13:00:00.0000000Z"

    assert (result.expired, result.unused) == (["EXC-OLD"], ["EXC-NEVER"])
    csv_lines = (tmp_path / "alerts.csv").read_text("utf-8").splitlines()
    assert len(csv_lines) == len(alerts) + 1 and csv_lines[0].startswith("rule_id,rule_name,severity")


def test_backtest_fires_as_the_events_say(setup: tuple[Workspace, Path, Path]) -> None:
    workspace, rules, exclusions = setup
    result = backtest(
        workspace, load_rules(rules), T0, NOW, every=timedelta(days=1), exclusions=load_exclusions(exclusions)
    )
    kept_devices = ("host-a", "host-b")
    expected = []
    for rule, frequency, period in ((SINGLE, 1, 1), (PER_RESULT, 2, 3)):
        for step in range(0, HOURS + 1, frequency):
            at = T0 + timedelta(hours=step)
            kept = len(relay_events(at - timedelta(hours=period), at, devices=kept_devices))
            suppressed = len(relay_events(at - timedelta(hours=period), at, devices=("host-c",)))
            # SingleAlert fires one alert when results > 0; AlertPerResult one per result when results > 1
            alerts = min(kept, 1) if rule == SINGLE else (kept if kept > 1 else 0)
            expected.append((rule, at, kept, alerts > 0, alerts, suppressed))
    for day in range(3):
        at = T0 + timedelta(days=day)
        kept = len({e["DeviceName"] for e in relay_events(at - timedelta(days=1), at, devices=kept_devices)})
        suppressed = 1 if relay_events(at - timedelta(days=1), at, devices=("host-c",)) else 0
        expected.append((HUNTING, at, kept, kept > 0, kept, suppressed))
    got = [(s.rule.id, s.at, s.results, s.fired, s.alerts, s.suppressed) for s in result.runs]
    assert sorted(got) == sorted(expected)
    totals = {t.rule.id: (t.runs, t.fired) for t in result.totals()}
    assert totals[SINGLE] == (HOURS + 1, sum(1 for e in expected if e[0] == SINGLE and e[3]))
    assert result.totals_table().column_names == ["RuleId", "Rule", "Runs", "Fired", "Alerts", "Suppressed"]


def test_alert_per_result_cap(tmp_path: Path) -> None:
    """More than 150 results: 149 alerts of one row and a 150th with them all."""
    rule = tmp_path / "many.yaml"
    rule.write_text(
        "id: many\nkind: Scheduled\nseverity: Low\nquery: range i from 1 to 200 step 1\n"
        "queryFrequency: 1h\nqueryPeriod: 1h\ntriggerOperator: gt\ntriggerThreshold: 0\n"
        "eventGroupingSettings:\n  aggregationKind: AlertPerResult\n",
        "utf-8",
    )
    alerts = run(Workspace(None), load_rules(rule), NOW).alerts
    assert len(alerts) == 150
    assert [a.row["i"] for a in alerts[:149]] == list(range(1, 150)) and all(a.rows is None for a in alerts[:149])
    assert alerts[149].rows is not None and len(alerts[149].rows) == 200


def test_entity_mapping_on_a_missing_column_names_the_line(tmp_path: Path) -> None:
    text = RULES["per_result.yaml"].replace("columnName: DeviceName", "columnName: Computer")
    path = tmp_path / "bad.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RuleError) as caught:
        run(Workspace(None), load_rules(path), NOW)
    line = text.splitlines().index("        columnName: Computer") + 1
    assert str(caught.value).startswith(f"{path}:{line}: rule {PER_RESULT}")
    assert "names column 'Computer', which the query does not output" in str(caught.value)


RMMHUNT = [sys.executable, "-m", "rmmhunt.cli"]


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RMMHUNT, *args], capture_output=True, text=True, timeout=120, env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    )


def test_run_command_writes_the_three_files(setup: tuple[Workspace, Path, Path], tmp_path: Path) -> None:
    workspace, rules, exclusions = setup
    out = tmp_path / "out"
    now = "2026-11-02T13:00:00Z"
    result = cli(
        "run",
        "--data",
        str(workspace.path),
        "--rules",
        str(rules),
        "--exclusions",
        str(exclusions),
        "--now",
        now,
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["alerts.csv", "alerts.jsonl", "report.html"]
    assert "3 rules run" in result.stdout and "unused exclusion EXC-NEVER" in result.stdout
    assert "expired exclusion EXC-OLD" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--from", "2026-11-03T00:00:00Z", "--to", "2026-11-01T00:00:00Z"],
            "starts (2026-11-03T00:00:00) after it ends",
        ),
        (["--from", "2026-11-01", "--to", "2026-11-02", "--every", "daily"], "'daily' is not a duration"),
    ],
)
def test_backtest_errors(setup: tuple[Workspace, Path, Path], args: list[str], message: str) -> None:
    workspace, rules, _ = setup
    result = cli("backtest", "--data", str(workspace.path), "--rules", str(rules), *args)
    assert result.returncode == 2 and message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def test_unknown_trigger_operator_and_unwritable_out(setup: tuple[Workspace, Path, Path], tmp_path: Path) -> None:
    workspace, _, _ = setup
    rule = tmp_path / "rule.yaml"
    rule.write_text(RULES["per_result.yaml"].replace("GreaterThan", "AtLeast"), "utf-8")
    result = cli(
        "backtest", "--data", str(workspace.path), "--rules", str(rule), "--from", "2026-11-01", "--to", "2026-11-02"
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{rule}:9: rule {PER_RESULT}: unknown triggerOperator 'AtLeast'" in result.stderr
    blocker = tmp_path / "a-file"
    blocker.write_text("", "utf-8")
    good = tmp_path / "good.yaml"
    good.write_text(RULES["hunting.yaml"], "utf-8")
    result = cli("run", "--data", str(workspace.path), "--rules", str(good), "--out", str(blocker / "out"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{blocker / 'out'}: cannot create the output directory" in result.stderr


def test_hunt_with_exclusions_lists_what_each_one_suppressed(setup: tuple[Workspace, Path, Path]) -> None:
    workspace, rules, exclusions = setup
    args = ["--data", str(workspace.path), "--rules", str(rules / "hunting.yaml"), "--now", "2026-11-02T13:00:00Z"]
    result = cli("hunt", *args, "--exclusions", str(exclusions), "--format", "json")
    assert result.returncode == 0, result.stderr
    [hunted] = json.loads(result.stdout)
    assert sorted(row[0] for row in hunted["rows"]) == ["host-a", "host-b"]
    [suppressed] = hunted["suppressed"]
    assert suppressed["exclusion"] == "EXC-HOST-C" and [row[0] for row in suppressed["rows"]] == ["host-c"]
