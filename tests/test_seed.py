"""The founding hunt: the seed query and the seed rule YAML give exactly the rows of a
hand-written DuckDB query over the same Parquet files, edge cases included."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from rmmhunt import Workspace
from rmmhunt.demo.certificates import PLANTED
from rmmhunt.demo.planted import seed_hunt_devices
from rmmhunt.output import rows
from rmmhunt.rules import builtin_rules_dir, load_rules

from .conftest import DATA

SEED_RULE_ID = "ae49b070-4477-4660-a0a6-2377b08b76b4"

# `has` is whole-term and case-insensitive; between is inclusive at both ends
# (https://learn.microsoft.com/en-us/kusto/query/has-operator,
#  https://learn.microsoft.com/en-us/kusto/query/between-operator).
HAND_WRITTEN = """
SELECT DeviceId, DeviceName, min(Timestamp) AS FirstSeen, max(Timestamp) AS LastSeen,
       list_sort(list(DISTINCT ReportId)) AS Report, count(*) AS Count
FROM read_parquet($files)
WHERE Timestamp BETWEEN $now::TIMESTAMP - INTERVAL 5 DAY AND $now::TIMESTAMP
  AND regexp_matches(Signer, '(?i)(^|[^0-9a-z])remote utilities([^0-9a-z]|$)')
GROUP BY ALL
"""


def seed_query_text() -> str:
    """The KQL block of the seed file, as written (between 'KQL Query' and the rule YAML)."""
    text = (DATA / "seed" / "000_a2c490a2ed8eb055.txt").read_text("utf-8")
    return text.split("KQL Query", 1)[1].split("\nid: ", 1)[0]


def hand_written_rows(path: Path, now: datetime) -> list[tuple]:
    files = [str(p) for p in sorted((path / "tables" / "DeviceFileCertificateInfo").glob("*/*.parquet"))]
    result = duckdb.sql(HAND_WRITTEN, params={"files": files, "now": now}).fetchall()
    return sorted(result)


def normalised(table) -> list[tuple]:
    names = table.column_names
    out = []
    for row in table.to_pylist():
        row["Report"] = sorted(row["Report"])
        out.append(tuple(row[n] for n in names))
    return sorted(out)


def test_seed_query_matches_hand_written_sql(demo_ws: Workspace, demo_path: Path, now: datetime) -> None:
    result = demo_ws.query(seed_query_text(), now=now)
    assert result.column_names == ["DeviceId", "DeviceName", "FirstSeen", "LastSeen", "Report", "Count"]
    expected = hand_written_rows(demo_path, now)
    assert normalised(result) == expected
    assert {(r[0], r[1]) for r in expected} == seed_hunt_devices()


def test_seed_rule_yaml_matches_seed_query(demo_ws: Workspace, now: datetime) -> None:
    [result] = [r for r in demo_ws.hunt(builtin_rules_dir(), now) if r.rule.rule.id == SEED_RULE_ID]
    assert normalised(result.table) == normalised(demo_ws.query(seed_query_text(), now=now))


@pytest.mark.parametrize("planted", PLANTED, ids=lambda p: f"{p.signer}@{p.age}")
def test_each_planted_record_is_found_or_not(demo_ws: Workspace, now: datetime, planted) -> None:
    result = demo_ws.query(seed_query_text(), now=now)
    reported = {report for row in result.to_pylist() for report in row["Report"]}
    assert (planted.report_id in reported) == planted.expected


def test_seed_output_types_and_json_values(demo_ws: Workspace, now: datetime) -> None:
    result = demo_ws.query(seed_query_text(), now=now)
    types = [f.metadata[b"kql_type"].decode() for f in result.schema]
    assert types == ["string", "string", "datetime", "datetime", "dynamic", "long"]
    first = rows(result)[0]
    assert first[2].endswith("Z") and "T" in first[2]
    assert isinstance(first[4], list)


def test_seed_rule_metadata_loads_from_package() -> None:
    [seed] = [r for r in load_rules(builtin_rules_dir()) if r.rule.id == SEED_RULE_ID]
    assert seed.rule.tactics == ["CommandAndControl"]
    assert seed.rule.relevantTechniques == ["T1219"]
    assert seed.rule.requiredDataConnectors[0].dataTypes == ["DeviceFileCertificateInfo"]
    assert seed.rule.query.strip() == seed_query_text().strip()
