"""`rmmhunt lint`: the public jischell rules' real bugs found at file:line:column, and the checks one by one."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.rules import RuleError, builtin_rules_dir
from rmmhunt.rules.lint import LintError, LintReport, lint_paths

from .conftest import DATA

JISCHELL = DATA / "jischell"


@pytest.fixture(scope="module")
def corpus() -> LintReport:
    return lint_paths([JISCHELL])


def problems_in(report: LintReport, relative: str) -> list[str]:
    path = JISCHELL / relative
    return [str(p) for f in report.files if f.path == path for p in f.problems]


# The bugs issue 5 lists, each where a reader would put the cursor to fix it:
# (file under tests/data/jischell, line, column, words the message must contain).
LISTED_BUGS = [
    # `summarize ... by DeviceId, DeviceName, AccountUpn` on DeviceNetworkEvents, which has no AccountUpn
    ("RMM/Action1/rmm_Action1_netconn.yaml", 23, 7, "column or name 'AccountUpn'"),
    ("RMM/RustDesk/rmm_RustDesk_netconn.yaml", 22, 7, "column or name 'AccountUpn'"),
    # DWService: `| Sha1 in (rmmInitialFileSet)`, no `where`
    ("RMM/DWService/rmm_DWService_createproc.yaml", 25, 5, "unknown tabular operator"),
    # DWService: `Sha1` for the column SHA1
    ("RMM/DWService/rmm_DWService_netconn.yaml", 21, 14, "'Sha1'; did you mean 'SHA1'?"),
    # Level: `FolderPath has_all has_any (...)`
    ("RMM/Level/rmm_Level_createproc.yaml", 19, 30, "expected '(' but found 'has_any'"),
    # lists that end in a comma
    ("RMM/MSP360_CloudBerry/rmm_MSP360_CloudBerry_netconn.yaml", 23, 36, "trailing comma"),
    ("RMM/ZohoAssist/rmm_ZohoAssist_netconn.yaml", 36, 26, "trailing comma"),
    # `dataTypes` at the column of the list's `-`, outside the connector entry
    ("RMM/AnyDesk/rmm_AnyDesk_filesig.yaml", 8, 5, "requiredDataConnectors[].dataTypes; indent it to column 7"),
    # CRLF, reported once per file at the first line ending
    ("RMM/AnyDesk/rmm_AnyDesk_filesig.yaml", 1, 41, "CRLF line endings (20 of 20 lines)"),
    # the same queries in the Markdown files, placed at their line in the code block
    ("RMM/DWService/RMM_AHQ_DWService.md", 17, 3, "unknown tabular operator"),
    ("RMM/Action1/RMM_AHQ_Action1.md", 49, 5, "column or name 'AccountUpn'"),
]


@pytest.mark.parametrize(("relative", "line", "column", "words"), LISTED_BUGS, ids=[b[0] for b in LISTED_BUGS])
def test_listed_bug_found_at_its_place(corpus: LintReport, relative: str, line: int, column: int, words: str) -> None:
    prefix = f"{JISCHELL / relative}:{line}:{column}: "
    found = [p for p in problems_in(corpus, relative) if p.startswith(prefix)]
    assert any(words in p for p in found), problems_in(corpus, relative)


def test_every_public_yaml_rule_has_crlf_and_misindented_datatypes(corpus: LintReport) -> None:
    rules = [f for f in corpus.files if f.path.suffix == ".yaml"]
    assert len(rules) == 168
    for report in rules:
        checks = {(p.check, p.line) for p in report.problems}
        assert ("crlf", 1) in checks and ("indent", 8) in checks, report.path


def test_network_queries_grouping_by_accountupn_are_reported(corpus: LintReport) -> None:
    """Every network query whose first error is not elsewhere reports the AccountUpn column."""
    network = [f for f in corpus.files if f.path.name.endswith("_netconn.yaml")]
    assert len(network) == 60  # 59 tools and the all-tools query
    reported = 0
    for report in network:
        query_problems = [p for p in report.problems if p.check == "kql"]
        assert query_problems, report.path  # none of them is clean
        if "AccountUpn" in query_problems[0].message:
            reported += 1
    assert reported >= 20


def test_markdown_code_blocks_are_linted_and_other_languages_skipped(tmp_path: Path) -> None:
    path = tmp_path / "hunts.md"
    path.write_text(
        "# Hunts\n\n```kql\nDeviceInfo\n| take 1\n```\n\n"
        "```python\nprint('not KQL')\n```\n\n"
        "  ```\n  DeviceInfo\n  | where Nope == 1\n  ```\n",
        "utf-8",
    )
    [report] = lint_paths([path]).files
    assert report.queries == 2
    assert [str(p) for p in report.problems] == [
        f"{path}:14:11: unknown name: column or name 'Nope' [kql]",
    ]


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
entityMappings:
  - entityType: Host
    fieldMappings:
      - identifier: FullName
        columnName: DeviceName
"""
SCHEDULED = (
    "kind: Scheduled\nseverity: Medium\nqueryFrequency: 1h\nqueryPeriod: 1d\ntriggerOperator: gt\ntriggerThreshold: 0\n"
)


def lint_text(tmp_path: Path, text: str, name: str = "r.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return [str(p).removeprefix(f"{path}:") for p in lint_paths([path]).problems]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HUNTING, []),
        (HUNTING.replace("\n", "\r\n"), ["1:41: CRLF line endings (17 of 17 lines); use LF [crlf]"]),
        (
            HUNTING.replace("    dataTypes:", "\tdataTypes:"),
            ["6:1: tab in indentation; YAML indents with spaces [tab]"],
        ),
        (
            HUNTING.replace(
                "  - connectorId: MicrosoftThreatProtection\n    dataTypes:", "  - connectorId: M\n  dataTypes:"
            ),
            [
                "6:3: 'dataTypes' is at requiredDataConnectors.dataTypes, but the Sentinel rule schema puts it at "
                "requiredDataConnectors[].dataTypes; indent it to column 5, under the entry's first key [indent]"
            ],
        ),
        (
            HUNTING + "dataTypes:\n  - DeviceInfo\n",
            [
                "18:1: 'dataTypes' is at dataTypes, but the Sentinel rule schema puts it at "
                "requiredDataConnectors[].dataTypes; indent it to column 5, under the entry's first key [indent]"
            ],
        ),
        (
            HUNTING.replace("| where Signer has", "| where Signr has"),
            ["12:11: unknown name: column or name 'Signr'; did you mean 'Signer'? [kql]"],
        ),
        (
            HUNTING.replace(
                "query: |\n  DeviceFileCertificateInfo\n  | where Signer",
                'query: "DeviceFileCertificateInfo\n  | where Signr',
            ).replace("has 'AnyDesk'\n", "has 'AnyDesk'\"\n"),
            [
                "10:8: unknown name: column or name 'Signr'; did you mean 'Signer'? "
                "(at line 1, column 35 of the folded query) [kql]"
            ],
        ),
        (
            HUNTING.replace("has 'AnyDesk'", "in ('AnyDesk', 'TeamViewer',)"),
            ["12:45: syntax error: trailing comma: expected another value before ')' [kql]"],
        ),
        (
            HUNTING.replace("columnName: DeviceName", "columnName: Computer"),
            ["17:21: entity mapping column 'Computer' is not in the query's output [entity]"],
        ),
        (
            HUNTING.replace("entityType: Host", "entityType: Hostname"),
            ["14:17: unknown entityType 'Hostname'; did you mean 'Host'? [schema]"],
        ),
        (
            HUNTING.replace("      - DeviceFileCertificateInfo", "      - DeviceProcessEvents"),
            [
                "4:1: the query reads DeviceFileCertificateInfo, which requiredDataConnectors[].dataTypes "
                "does not list [connector]"
            ],
        ),
        (
            HUNTING.replace("id: 11111111-1111-1111-1111-111111111111", "id: rmm-001"),
            ["1:5: id 'rmm-001' is not a GUID, which Sentinel requires [schema]"],
        ),
        (
            HUNTING.replace("tactics: CommandAndControl", "tactics: [CommandControl]"),
            ["8:11: unknown tactic 'CommandControl'; did you mean 'CommandAndControl'? [schema]"],
        ),
        (
            HUNTING.replace("relevantTechniques: T1219", "relevantTechniques: [T1219, T12]"),
            ["9:29: 'T12' is not a technique id like T1219 or T1219.001 [schema]"],
        ),
        (
            HUNTING.replace("name: Hunting shape\n", ""),
            ["1:1: missing key 'name', which Sentinel requires [schema]"],
        ),
        (
            HUNTING + "name: again\n",
            ["18:1: key 'name' repeats line 2; YAML keeps only the last [yaml]"],
        ),
        (
            HUNTING + SCHEDULED.replace("severity: Medium", "severity: Urgent").replace("1h", "hourly"),
            [
                "19:1: severity must be one of Informational, Low, Medium, High, not 'Urgent' [schema]",
                "20:1: queryFrequency must be a period like 5m, 1h or 1d, not 'hourly' [schema]",
            ],
        ),
        (
            HUNTING
            + SCHEDULED.replace("queryPeriod: 1d", "queryPeriod: P15D")
            .replace("triggerOperator: gt", "triggerOperator: GreaterThan")
            .replace("triggerThreshold: 0", "triggerThreshold: 10001"),
            [
                "21:1: queryPeriod P15D is outside Sentinel's range of 5 minutes to 14 days [schema]",
                "23:1: triggerThreshold must be an integer from 0 to 10000 [schema]",
            ],
        ),
    ],
    ids=[
        "clean",
        "crlf",
        "tab",
        "indent",
        "indent-top",
        "kql",
        "kql-folded",
        "trailing-comma",
        "entity",
        "entity-type",
        "connector",
        "guid",
        "tactic",
        "technique",
        "missing-name",
        "repeated-key",
        "scheduled",
        "scheduled-ranges",
    ],
)
def test_rule_checks(tmp_path: Path, text: str, expected: list[str]) -> None:
    assert lint_text(tmp_path, text) == expected


def test_broken_yaml_is_placed_and_its_key_not_reported_missing(tmp_path: Path) -> None:
    [problem] = lint_text(tmp_path, HUNTING.replace("query: |\n", "query: [\n"))
    # the wording is the YAML library's (libyaml's or PyYAML's); the place is where the flow list breaks
    assert problem.startswith("13:15: not valid YAML: ") and problem.endswith(" [yaml]")


def test_query_is_still_checked_when_the_yaml_is_broken(tmp_path: Path) -> None:
    text = HUNTING.replace("    dataTypes:", "  dataTypes:").replace("| where Signer has", "| where Signr has")
    problems = lint_text(tmp_path, text)
    assert [p.split(":")[0] for p in problems] == ["6", "12"]
    assert "did you mean 'Signer'?" in problems[1]


def test_query_errors_are_placed_where_hunt_places_them(tmp_path: Path) -> None:
    text = HUNTING.replace("| where Signer has", "| where Signr has")
    path = tmp_path / "r.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(RuleError) as caught:
        Workspace(None).hunt(path, datetime(2026, 1, 1))
    [problem] = lint_paths([path]).problems
    assert str(caught.value).startswith(f"{problem.path}:{problem.line}:{problem.column}: ")


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(HUNTING, "utf-8")
    (tmp_path / "b.yaml").write_text(HUNTING, "utf-8")
    [problem] = lint_paths([tmp_path]).problems
    assert (problem.path.name, problem.line, problem.check) == ("b.yaml", 1, "duplicate-id")
    assert f"also used by {tmp_path / 'a.yaml'}" in problem.message


def test_seed_rule_lints_clean() -> None:
    report = lint_paths([builtin_rules_dir() / "seed"])
    assert report.problems == [] and report.files[0].queries == 1


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LintError, match="no such file or directory"):
        lint_paths([tmp_path / "nope"])


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    command = [sys.executable, "-m", "rmmhunt.cli", "lint", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)


def test_cli_exit_codes_and_summary(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(HUNTING, "utf-8")
    clean = run_cli(str(good))
    assert clean.returncode == 0 and clean.stdout == ""
    assert "0 problems in 0 of 1 file (1 query; 1 clean)" in clean.stderr
    bad = run_cli(str(JISCHELL / "RMM" / "Level" / "rmm_Level_createproc.yaml"))
    assert bad.returncode == 1
    assert f"{JISCHELL}/RMM/Level/rmm_Level_createproc.yaml:19:30: syntax error" in bad.stdout
    assert "3 problems in 1 of 1 file" in bad.stderr
    missing = run_cli(str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or directory" in missing.stderr
    assert "Traceback" not in bad.stderr + missing.stderr
