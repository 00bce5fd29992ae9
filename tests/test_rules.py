"""Loading Sentinel rule YAML: both shapes, scalar-or-list fields, and errors naming file, line and key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.rules import RuleError, load_rules

HUNTING = """\
id: 11111111-1111-1111-1111-111111111111
name: Hunting shape
description: a hunting query
requiredDataConnectors:
  - connectorId: MicrosoftThreatProtection
    dataTypes:
      - DeviceFileCertificateInfo
tactics: CommandAndControl
relevantTechniques: T1219
query: |
  DeviceFileCertificateInfo
  | where Signer has 'AnyDesk'
customKey: kept
"""

SCHEDULED = """\
id: 22222222-2222-2222-2222-222222222222
name: Scheduled shape
kind: Scheduled
severity: Medium
queryFrequency: 1h
queryPeriod: 1d
triggerOperator: gt
triggerThreshold: 0
tactics:
  - CommandAndControl
relevantTechniques:
  - T1219
entityMappings:
  - entityType: Host
    fieldMappings:
      - identifier: HostName
        columnName: DeviceName
query: DeviceNetworkEvents | where RemoteUrl endswith 'anydesk.com'
version: 1.0.0
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def test_hunting_rule_with_scalar_tactics(tmp_path: Path) -> None:
    [loaded] = load_rules(write(tmp_path, "h.yaml", HUNTING))
    rule = loaded.rule
    assert rule.tactics == ["CommandAndControl"]
    assert rule.relevantTechniques == ["T1219"]
    assert not rule.is_scheduled
    assert rule.model_extra == {"customKey": "kept"}
    assert loaded.query_line == 11 and loaded.query_indent == 2


def test_scheduled_rule_shape(tmp_path: Path) -> None:
    [loaded] = load_rules(write(tmp_path, "s.yml", SCHEDULED))
    rule = loaded.rule
    assert rule.is_scheduled
    assert (rule.queryFrequency, rule.queryPeriod, rule.triggerOperator, rule.triggerThreshold) == ("1h", "1d", "gt", 0)
    assert rule.entityMappings[0]["entityType"] == "Host"


def test_directory_loads_every_rule_sorted(tmp_path: Path) -> None:
    write(tmp_path, "b.yaml", SCHEDULED)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.yaml", HUNTING)
    write(tmp_path, "notes.txt", "not a rule")
    assert [r.rule.name for r in load_rules(tmp_path)] == ["Scheduled shape", "Hunting shape"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            HUNTING.replace("query: |\n  DeviceFileCertificateInfo\n  | where Signer has 'AnyDesk'\n", ""),
            "r.yaml:1: key 'query' is required",
        ),
        (HUNTING.replace("id: 11111111-1111-1111-1111-111111111111\n", ""), "r.yaml:1: key 'id' is required"),
        ("id: x\nquery: [unclosed\n", "r.yaml:3:1: not valid YAML"),
        ("- just\n- a list\n", "r.yaml:1: a rule must be a YAML mapping"),
        (
            HUNTING.replace(
                "requiredDataConnectors:\n  - connectorId: MicrosoftThreatProtection",
                "requiredDataConnectors:\n  - dataTypes: []",
            ),
            "r.yaml:4: key 'requiredDataConnectors.0.connectorId' is required",
        ),
        (HUNTING + "triggerThreshold: lots\n", "r.yaml:14: key 'triggerThreshold'"),
    ],
    ids=["missing-query", "missing-id", "not-yaml", "not-a-mapping", "nested-missing", "wrong-type"],
)
def test_bad_rule_files_name_file_line_and_key(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "r.yaml", text)
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    assert str(caught.value).startswith(str(tmp_path / "r.yaml:"))
    assert message in str(caught.value)


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", HUNTING)
    write(tmp_path, "b.yaml", HUNTING)
    with pytest.raises(RuleError, match="also used by"):
        load_rules(tmp_path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no such rule file"):
        load_rules(tmp_path / "nope.yaml")


def test_query_error_is_placed_in_the_yaml_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", HUNTING.replace("| where Signer has", "| where Signr has"))
    with pytest.raises(RuleError) as caught:
        Workspace(None).hunt(path, datetime(2026, 1, 1))
    message = str(caught.value)
    # line 12 of the file, column 11 (2 of YAML indent + column 9 in the query)
    assert message.startswith(f"{path}:12:11: rule 11111111-1111-1111-1111-111111111111 (Hunting shape)")
    assert "did you mean 'Signer'?" in message
