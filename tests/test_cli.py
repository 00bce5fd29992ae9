"""The `rmmhunt` command end to end: output formats, stdin, errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rmmhunt.demo.planted import seed_hunt_devices
from rmmhunt.demo.scenarios import SCENARIOS

RMMHUNT = [sys.executable, "-m", "rmmhunt.cli"]
NOW = "2026-11-27T12:00:00Z"


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*RMMHUNT, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )


def test_query_json_shape() -> None:
    result = run(
        "query", "--now", NOW, "--format", "json", "print n=1, t=now(-1d), d=dynamic({'a':[1,2]}), s='x', span=90m"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "columns": ["n", "t", "d", "s", "span"],
        "types": ["long", "datetime", "dynamic", "string", "timespan"],
        "rows": [[1, "2026-11-26T12:00:00.0000000Z", {"a": [1, 2]}, "x", "01:30:00"]],
    }


def test_query_csv_and_stdin() -> None:
    result = run(
        "query", "--format", "csv", "-", stdin="datatable(a:string, b:long)['x', 1, 'y,z', 2]\n| sort by b asc"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == 'a,b\nx,1\n"y,z",2\n'


def test_query_table_output() -> None:
    result = run("query", "print greeting='hello'")
    assert result.returncode == 0
    assert "greeting" in result.stdout and "hello" in result.stdout and "1 row" in result.stdout


def test_sql_shows_quoted_identifiers_and_literals() -> None:
    result = run("sql", "--now", NOW, 'DeviceFileCertificateInfo | where Signer == "it\'s" | take 1')
    assert result.returncode == 0
    assert '"DeviceFileCertificateInfo"' in result.stdout and "'it''s'" in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["query", "DeviceFileCertificateInfo\n| where Signr has 'x'"],
            ["query:2:9: unknown name: column or name 'Signr'; did you mean 'Signer'?", "        ^^^^^"],
        ),
        (["query", "print 'unterminated"], ["query:1:7: syntax error: unterminated string literal"]),
        (["query", "DeviceInfo | evaluate autocluster()"], ["not supported: evaluate"]),
        (["query", "--now", "yesterday", "print 1"], ["not an ISO 8601 time"]),
        (["hunt", "--data", "/nonexistent/ws"], ["/nonexistent/ws: not an rmmhunt workspace"]),
    ],
    ids=["unknown-column", "syntax", "unsupported", "bad-now", "no-workspace"],
)
def test_errors_exit_nonzero_without_traceback(args: list[str], expected: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    for fragment in expected:
        assert fragment in result.stderr


def test_ingest_then_hunt_json(tmp_path: Path) -> None:
    source = tmp_path / "certs.csv"
    source.write_text(
        "Timestamp,DeviceId,DeviceName,Signer,ReportId\n"
        "2026-11-26T10:00:00Z,d1,host-1,Remote Utilities LLC,11\n"
        "2026-11-26T11:00:00Z,d1,host-1,Remote Utilities LLC,12\n"
        "2026-11-26T11:00:00Z,d2,host-2,Microsoft Corporation,13\n",
        "utf-8",
    )
    ws = tmp_path / "ws"
    ingested = run("ingest", "--into", str(ws), "--table", "DeviceFileCertificateInfo", str(source))
    assert ingested.returncode == 0, ingested.stderr
    assert "3 rows" in ingested.stderr
    hunted = run("hunt", "--data", str(ws), "--now", NOW, "--format", "json")
    assert hunted.returncode == 0, hunted.stderr
    [seed] = [r for r in json.loads(hunted.stdout) if r["rule"]["id"] == "ae49b070-4477-4660-a0a6-2377b08b76b4"]
    assert seed["rule"]["name"].endswith("RemoteUtilities - File Signature")
    [row] = seed["rows"]
    row[4].sort()  # make_set has no defined order
    assert row == ["d1", "host-1", "2026-11-26T10:00:00.0000000Z", "2026-11-26T11:00:00.0000000Z", [11, 12], 2]


def test_demo_runs_the_pack_with_the_seed_exclusions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ("--dir", str(tmp_path / "demo"), "--out", str(out), "--devices", "200", "--days", "6", "--now", NOW)
    result = run("demo", *args)
    assert result.returncode == 0, result.stderr
    text = (out / "alerts.jsonl").read_text("utf-8")
    alerts = [json.loads(line) for line in text.splitlines()]
    seed = [a for a in alerts if a["rule"]["id"] == "ae49b070-4477-4660-a0a6-2377b08b76b4"]
    # the seed's device groups, the five scenario devices among them (their near misses stay alerts)
    assert {a["row"]["DeviceName"] for a in seed if not a["suppressed"]} == {n for _, n in seed_hunt_devices()}
    assert sorted(a["exclusion"] for a in seed if a["suppressed"]) == sorted(s.exclusion_id for s in SCENARIOS)
    assert "XRemote" not in text
    raised = sum(not a["suppressed"] for a in alerts)
    assert f"304 rules run: {raised} alerts" in " ".join(result.stdout.split())
    assert (out / "report.html").is_file() and (out / "alerts.csv").is_file()
