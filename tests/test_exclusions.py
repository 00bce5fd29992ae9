"""Audited exclusions: the seed's five false-positive scenarios, expiry, unused entries, hostile values,
bad files, and the rule's SQL left alone when no exclusion applies."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from sqlglot import exp

from rmmhunt import Workspace
from rmmhunt.demo.scenarios import SCENARIOS, Scenario, plant_seed_scenarios, seed_exclusions_path
from rmmhunt.rules import Rule, builtin_rules_dir, load_rules
from rmmhunt.store import WorkspaceStore
from rmmhunt.tuning import ExclusionError, ExclusionSet, RuleOutcome, load_exclusions, run_rule

from .conftest import DATA, NOW

SEED_RULE_ID = "ae49b070-4477-4660-a0a6-2377b08b76b4"
WINDOW = (NOW - timedelta(days=5), NOW)
EXCLUSIONS = DATA / "exclusions"


@pytest.fixture(scope="module")
def seed_rule() -> Rule:
    [item] = [r for r in load_rules(builtin_rules_dir()) if r.rule.id == SEED_RULE_ID]
    return item.rule


@pytest.fixture(scope="module")
def scenario_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("scenarios") / "ws"
    store = WorkspaceStore(path, create=True)
    for name, table in plant_seed_scenarios(NOW).items():
        store.write(name, table)
    return path


@pytest.fixture(scope="module")
def scenario_ws(scenario_path: Path) -> Workspace:
    return Workspace(scenario_path)


@pytest.fixture(scope="module")
def seed_outcome(scenario_ws: Workspace, seed_rule: Rule) -> RuleOutcome:
    return run_rule(scenario_ws, seed_rule, NOW, WINDOW, load_exclusions(seed_exclusions_path()))


def reports_by_device(table: pa.Table) -> dict[str, list[int]]:
    return {row["DeviceName"]: sorted(row["Report"]) for row in table.to_pylist()}


def suppressed_by(outcome: RuleOutcome) -> dict[str, dict[str, list[int]]]:
    return {s.exclusion_id: reports_by_device(s.table) for s in outcome.suppressed}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.exclusion_id)
def test_scenario_suppresses_its_sanctioned_use_and_keeps_the_near_miss(
    seed_outcome: RuleOutcome, scenario: Scenario
) -> None:
    assert suppressed_by(seed_outcome)[scenario.exclusion_id] == {scenario.device_name: [scenario.sanctioned.report_id]}
    assert reports_by_device(seed_outcome.kept)[scenario.device_name] == [scenario.near_miss.report_id]


def test_every_match_is_kept_or_suppressed_once(seed_outcome: RuleOutcome, scenario_ws: Workspace, seed_rule: Rule):
    unfiltered = reports_by_device(scenario_ws.query(seed_rule.query, NOW))
    accounted: dict[str, list[int]] = {}
    for table in [seed_outcome.kept, *(s.table for s in seed_outcome.suppressed)]:
        for device, reports in reports_by_device(table).items():
            accounted[device] = sorted(accounted.get(device, []) + reports)
    assert accounted == unfiltered
    assert seed_outcome.matched_exclusions == {s.exclusion_id for s in SCENARIOS}


def test_expired_exclusion_stops_applying(scenario_ws: Workspace, seed_rule: Rule) -> None:
    exclusions = load_exclusions(EXCLUSIONS / "expired.yaml")
    assert [e.id for e in exclusions.expired(NOW)] == ["EXC-OLD"]
    assert [e.id for e in exclusions.active(datetime(2025, 12, 31, 23, 59))] == ["EXC-OLD"]  # the last day counts
    outcome = run_rule(scenario_ws, seed_rule, NOW, WINDOW, exclusions)
    assert outcome.suppressed == [] and outcome.matched_exclusions == frozenset()
    assert reports_by_device(outcome.kept)["srv-app-01.contoso.local"] == [910001, 910002]


def test_exclusion_matching_nothing_is_unused(scenario_ws: Workspace, seed_rule: Rule) -> None:
    exclusions = load_exclusions(EXCLUSIONS / "unused.yaml")
    outcome = run_rule(scenario_ws, seed_rule, NOW, WINDOW, exclusions)
    unused = {e.id for e in exclusions.active(NOW)} - outcome.matched_exclusions
    assert unused == {"EXC-NOTHING", "EXC-OTHER-RULE"}
    assert outcome.kept.num_rows == len(SCENARIOS)


def test_a_row_is_credited_to_the_first_exclusion_in_the_file(scenario_ws: Workspace, seed_rule: Rule) -> None:
    outcome = run_rule(scenario_ws, seed_rule, NOW, WINDOW, load_exclusions(EXCLUSIONS / "first_match.yaml"))
    # rutserv.exe wrote both the .log and the .exe on the server: the first exclusion takes both.
    assert suppressed_by(outcome) == {"EXC-SERVERS": {"srv-app-01.contoso.local": [910001, 910002]}}


def test_hostile_values_stay_literals(scenario_ws: Workspace, seed_rule: Rule) -> None:
    exclusions = load_exclusions(EXCLUSIONS / "hostile.yaml")
    outcome = run_rule(scenario_ws, seed_rule, NOW, WINDOW, exclusions)
    assert outcome.suppressed == []
    assert outcome.kept.num_rows == len(SCENARIOS)
    assert scenario_ws.query("DeviceFileEvents | count", NOW).column(0).to_pylist() == [2 * len(SCENARIOS)]


def test_base_filter_is_combined_with_the_exclusions(scenario_ws: Workspace, seed_rule: Rule) -> None:
    def last_day(name: str, columns: dict) -> exp.Expression:
        return exp.GTE(
            this=exp.column("Timestamp", quoted=True),
            expression=exp.cast(exp.Literal.string((NOW - timedelta(days=1)).isoformat(sep=" ")), "TIMESTAMP"),
        )

    outcome = run_rule(scenario_ws, seed_rule, NOW, WINDOW, load_exclusions(seed_exclusions_path()), last_day)
    # Only the first two scenarios happened in the last day.
    assert set(suppressed_by(outcome)) == {"EXC-001", "EXC-002"}
    assert set(reports_by_device(outcome.kept)) == {"srv-app-01.contoso.local", "srv-mon-01.contoso.local"}


class RecordingWorkspace(Workspace):
    def __init__(self, path: Path):
        super().__init__(path)
        self.filters: list[object] = []

    def query(self, kql, now=None, table_filter=None):  # type: ignore[no-untyped-def]
        self.filters.append(table_filter)
        return super().query(kql, now, table_filter)


@pytest.mark.parametrize(
    "exclusions",
    [ExclusionSet.empty(), load_exclusions(EXCLUSIONS / "expired.yaml"), load_exclusions(EXCLUSIONS / "unused.yaml")],
    ids=["none", "expired", "matching-nothing"],
)
def test_rule_runs_unchanged_when_no_exclusion_removes_rows(
    scenario_path: Path, seed_rule: Rule, exclusions: ExclusionSet
) -> None:
    ws = RecordingWorkspace(scenario_path)
    outcome = run_rule(ws, seed_rule, NOW, WINDOW, exclusions)
    assert ws.filters == [None]  # one run, with no condition added to the rule's table
    assert reports_by_device(outcome.kept) == reports_by_device(Workspace(scenario_path).query(seed_rule.query, NOW))


def test_conditions_on_other_tables_are_looked_up_once_not_per_row(scenario_path: Path, seed_rule: Rule) -> None:
    ws = RecordingWorkspace(scenario_path)
    run_rule(ws, seed_rule, NOW, WINDOW, load_exclusions(seed_exclusions_path()))
    assert ws.store is not None
    columns = ws.store.table_columns("DeviceFileCertificateInfo")
    conditions = [f("DeviceFileCertificateInfo", columns) for f in ws.filters]  # type: ignore[operator]
    assert len(conditions) == 1 + len(SCENARIOS)  # the kept run, then one run per suppressing exclusion
    # events, device groups and tasks are resolved to literal keys: no subquery for each certificate row
    assert not any(c.find(exp.Exists, exp.Select) for c in conditions)


@pytest.mark.parametrize(
    ("pattern", "applies"),
    [
        ("ae49b070-*", True),
        ("AE49B070-4477-4660-A0A6-2377B08B76B4", True),
        ("Remote Management*RemoteUtilities*", True),
        ("*AnyDesk*", False),
        ("ae49b070", False),  # a glob matches the whole id
    ],
)
def test_rules_are_chosen_by_id_or_name_glob(seed_rule: Rule, pattern: str, applies: bool) -> None:
    [exclusion] = load_exclusions(EXCLUSIONS / "expired.yaml").exclusions
    assert exclusion.model_copy(update={"rules": [pattern]}).applies_to(seed_rule) is applies


ENTRY = """\
exclusions:
  - id: EXC-1
    reason: sanctioned
    owner: it@contoso.com
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (ENTRY + "    when:\n      colour: [red]\n", ":6: exclusion EXC-1: unknown condition 'when.colour'"),
        (ENTRY + "    when:\n      file_name: ['']\n", ":6: exclusion EXC-1: when.file_name: an empty glob"),
        (ENTRY + "    when:\n      folder_path: ['C:\\**\\***']\n", "'***' is ambiguous"),
        (ENTRY + "    when:\n      folder_path: ['C:/Temp/*']\n", ":6: exclusion EXC-1: when.folder_path: 'C:/Temp/*'"),
        (ENTRY + "    when:\n      origin_ip: [10.0.0.0/33]\n", ":6: exclusion EXC-1: when.origin_ip: '10.0.0.0/33'"),
        (ENTRY + "    when:\n      origin_ip: [fd00::/8]\n", "is not an IPv4 address or CIDR range"),
        (ENTRY + "    when:\n      sha1: [abc]\n", ":6: exclusion EXC-1: when.sha1: 'abc' is not a SHA1"),
        (ENTRY + "    when:\n      extension: [log]\n", "'log' is not a file extension such as '.log'"),
        (ENTRY + "    when:\n      device: []\n", ":6: exclusion EXC-1: when.device: an empty list"),
        (
            ENTRY + "    expires: 2027-13-01\n    when: {device: [x]}\n",
            ":5: exclusion EXC-1: expires: input should be a valid date",
        ),
        (ENTRY + "    when: {}\n", ":2: exclusion EXC-1: 'when' needs at least one condition"),
        (ENTRY, ":2: exclusion EXC-1: 'when' is required"),
        (
            "exclusions:\n  - id: EXC-2\n    owner: a\n    when: {device: [x]}\n",
            ":2: exclusion EXC-2: 'reason' is required",
        ),
        (
            "exclusions:\n  - id: EXC-2\n    reason: a\n    when: {device: [x]}\n",
            ":2: exclusion EXC-2: 'owner' is required",
        ),
        (
            ENTRY + "    when: {device: [x]}\n" + ENTRY.split("\n", 1)[1] + "    when: {device: [y]}\n",
            ":6: exclusion EXC-1: duplicate id (first used on line 2)",
        ),
        (ENTRY + "    when: {device: [x]}\n    note: hi\n", ":6: exclusion EXC-1: unknown key 'note'"),
        ("exclusions:\n  - just a string\n", ":2: exclusion #1: an entry is a mapping"),
        ("- id: EXC-1\n", ":1: an exclusions file is a mapping with one key"),
        ("exclusions: [\n", ":2: not valid YAML"),
    ],
    ids=lambda v: v if len(v) < 40 and "\n" not in v else None,
)
def test_bad_exclusion_files_name_file_line_and_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "exclusions.yaml"
    path.write_text(text)
    with pytest.raises(ExclusionError) as error:
        load_exclusions(path)
    assert f"{path}" in str(error.value)
    assert message in str(error.value)


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ExclusionError, match="cannot read"):
        load_exclusions(tmp_path / "absent.yaml")


def test_exclusion_places_name_their_line() -> None:
    exclusions = load_exclusions(seed_exclusions_path())
    assert exclusions.place("EXC-003") == f"{seed_exclusions_path()}:23"


@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
def test_scenarios_give_the_same_outcome_on_spark(scenario_path: Path, scenario_ws: Workspace, seed_rule: Rule):
    pytest.importorskip("pyspark", reason="the spark extra is not installed")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("no Java runtime")
    from .test_spark import TEST_CONF, start_session  # after the skips: it needs PySpark and Java

    start_session("local[2]", TEST_CONF)  # the test run's one Spark application, whichever test starts it
    # The scheduled task (nested EXISTS, JSON) and the UNC glob with CIDR: the SQL most likely to differ.
    seed = load_exclusions(seed_exclusions_path())
    exclusions = ExclusionSet(tuple(e for e in seed if e.id in ("EXC-002", "EXC-004")))
    on_spark = run_rule(Workspace(scenario_path, engine="spark"), seed_rule, NOW, WINDOW, exclusions)
    on_duckdb = run_rule(scenario_ws, seed_rule, NOW, WINDOW, exclusions)
    assert reports_by_device(on_spark.kept) == reports_by_device(on_duckdb.kept)
    assert suppressed_by(on_spark) == suppressed_by(on_duckdb)
    assert set(suppressed_by(on_spark)) == {"EXC-002", "EXC-004"}
