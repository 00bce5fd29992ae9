"""The demo workspace plants RMM activity for 20+ tools among benign look-alikes; the built-in rules find
every planted tool on every planted device, and raise nothing anywhere else."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from rich.console import Console
from typer.testing import CliRunner

from rmmhunt import Workspace
from rmmhunt.api import HuntResult
from rmmhunt.cli import app
from rmmhunt.demo.catalogue import Kind, tool_indicators
from rmmhunt.demo.evaluate import Evaluation, alerts_of, print_evaluation, rule_target, score
from rmmhunt.demo.lookalikes import LOOK_ALIKES, LookAlike
from rmmhunt.demo.planted import PLANTS, Plant, plant_kinds, planted_facts
from rmmhunt.demo.workspace import build_demo_workspace
from rmmhunt.errors import RmmhuntError
from rmmhunt.rules import builtin_rules_dir

PLANTED_TOOLS = sorted({fact.tool for fact in planted_facts()})


@pytest.fixture(scope="module")
def results(demo_ws: Workspace, now: datetime) -> list[HuntResult]:
    return demo_ws.hunt(builtin_rules_dir(), now)


@pytest.fixture(scope="module")
def evaluation(results: list[HuntResult]) -> Evaluation:
    return score(results, planted_facts())


def test_at_least_twenty_tools_each_with_every_kind_the_pack_detects() -> None:
    assert len({plant.tool for plant in PLANTS}) >= 20
    for tool in {plant.tool for plant in PLANTS}:
        planted = {kind for plant in PLANTS if plant.tool == tool for kind in plant_kinds(plant)}
        assert planted == set(tool_indicators(tool).kinds), tool


@pytest.mark.parametrize("tool", PLANTED_TOOLS)
def test_every_planted_tool_is_found_on_every_planted_device(evaluation: Evaluation, tool: str) -> None:
    assert [f for f in evaluation.missed if f.tool == tool] == []
    scores = [s for s in evaluation.scores if s.tool == tool]
    assert scores and all(s.recall == 1 and s.precision == 1 for s in scores), scores


@pytest.mark.parametrize("look_alike", LOOK_ALIKES, ids=lambda look: look.device.split(".")[0])
def test_look_alikes_raise_nothing(results: list[HuntResult], look_alike: LookAlike) -> None:
    assert [a for a in alerts_of(results) if a.device_id == look_alike.device_id] == []


def test_no_alert_outside_the_planted_facts(evaluation: Evaluation) -> None:
    assert evaluation.false_alerts == []
    assert evaluation.passed


def test_a_missed_fact_and_a_false_alert_fail_the_evaluation(results: list[HuntResult]) -> None:
    facts = planted_facts()
    anydesk = next(f for f in facts if f.tool == "anydesk" and f.kind is Kind.NETWORK)
    unplanted = replace(anydesk, device_id="0" * 40, device_name="ws-nowhere.contoso.local")
    without_anydesk = [f for f in facts if f != anydesk]
    evaluation = score(results, [*without_anydesk, unplanted])
    assert evaluation.missed == [unplanted]
    assert [(a.alert.tool, a.alert.device_name) for a in evaluation.false_alerts] == [("anydesk", anydesk.device_name)]
    cause = "device planted with anydesk file_signature, anydesk process, connectwise network"
    assert evaluation.false_alerts[0].cause(evaluation.facts) == cause
    console = Console(record=True, width=200)
    print_evaluation(evaluation, console)
    text = console.export_text()
    assert "missed: anydesk network on ws-nowhere.contoso.local" in text
    assert "false alert: anydesk network on ws-fin-0131.contoso.local" in text
    assert not evaluation.passed


def test_every_built_in_rule_maps_to_a_catalogue_tool_and_kind(results: list[HuntResult]) -> None:
    targets = {r.rule.path.stem: rule_target(r.rule) for r in results}
    assert all(f"{t.tool}_{t.kind}" == stem for stem, t in targets.items())
    assert {t.tool for t in targets.values()} >= set(PLANTED_TOOLS)


def test_unknown_tool_names_the_catalogue_file() -> None:
    with pytest.raises(RmmhuntError, match=r"catalogue[/\\]tools[/\\]no_such_tool\.yaml"):
        tool_indicators("no_such_tool")


def test_a_plant_of_a_kind_the_catalogue_lacks_names_the_plant() -> None:
    with pytest.raises(RmmhuntError, match="plant rustdesk on ws-x: the catalogue has no file_signature indicator"):
        plant_kinds(Plant("rustdesk", "ws-x", (Kind.FILE_SIGNATURE,)))


def _contents(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, in a fixed order (file names are random)."""
    return {
        table.name: duckdb.execute(
            "SELECT * FROM read_parquet($files) ORDER BY ALL", {"files": [str(f) for f in table.glob("*/*.parquet")]}
        ).fetchall()
        for table in sorted((path / "tables").iterdir())
    }


def test_the_demo_is_the_same_for_the_same_now(tmp_path: Path, now: datetime) -> None:
    first = build_demo_workspace(tmp_path / "a", now, devices=20, days=2)
    second = build_demo_workspace(tmp_path / "b", now, devices=20, days=2)
    assert first == second
    assert _contents(tmp_path / "a") == _contents(tmp_path / "b")


def test_cli_demo_evaluate_shows_full_recall_and_precision(tmp_path: Path) -> None:
    args = ["demo", "--evaluate", "--devices", "20", "--days", "2", "--now", "2026-11-27T12:00:00Z"]
    result = CliRunner().invoke(app, [*args, "--dir", str(tmp_path / "ws")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"{len(PLANTED_TOOLS)} tools planted" in result.output
    assert "recall 100%, precision 100%" in result.output
    assert f"{len(LOOK_ALIKES)} look-alikes, 0 raised an alert" in result.output
    for tool in PLANTED_TOOLS:
        assert tool_indicators(tool).name.split(" (")[0] in result.output
