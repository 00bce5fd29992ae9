"""Plain-file ingest: Parquet, CSV and JSON lines of one table, coerced to the catalog, day-partitioned."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmmhunt import Workspace
from rmmhunt.ingest import IngestError

NOW = datetime(2024, 3, 2, 0, 0, 0)

CSV = """\
Timestamp,DeviceId,DeviceName,SHA1,IsSigned,Signer,ReportId,ExtraColumn
2024-03-01T10:00:00.1234567Z,d1,host-1,aa,True,Remote Utilities LLC,17179869184,x
2024-03-01 23:59:59,d2,host-2,bb,false,Microsoft Corporation,2,
2024-02-29T00:00:00Z,d1,host-1,cc,1,,3,y
"""


def ingest(tmp_path: Path, name: str, text: str) -> Workspace:
    source = tmp_path / name
    source.write_text(text, "utf-8")
    ws = Workspace(tmp_path / "ws", create=True)
    ws.ingest("DeviceFileCertificateInfo", [source])
    return ws


def test_csv_values_are_coerced_to_catalog_types(tmp_path: Path) -> None:
    ws = ingest(tmp_path, "certs.csv", CSV)
    result = ws.query(
        "DeviceFileCertificateInfo | sort by ReportId asc | project Timestamp, IsSigned, Signer, "
        "ReportId, ExtraColumn, IsTrusted",
        now=NOW,
    )
    assert result.to_pylist() == [
        {
            "Timestamp": datetime(2024, 3, 1, 23, 59, 59),
            "IsSigned": False,
            "Signer": "Microsoft Corporation",
            "ReportId": 2,
            "ExtraColumn": "",
            "IsTrusted": None,
        },
        {
            "Timestamp": datetime(2024, 2, 29),
            "IsSigned": True,
            "Signer": "",
            "ReportId": 3,
            "ExtraColumn": "y",
            "IsTrusted": None,
        },
        {
            "Timestamp": datetime(2024, 3, 1, 10, 0, 0, 123456),
            "IsSigned": True,
            "Signer": "Remote Utilities LLC",
            "ReportId": 17179869184,
            "ExtraColumn": "x",
            "IsTrusted": None,
        },
    ]


def test_files_are_partitioned_by_day(tmp_path: Path) -> None:
    ws = ingest(tmp_path, "certs.csv", CSV)
    assert ws.path is not None
    days = sorted(p.parent.name for p in (ws.path / "tables" / "DeviceFileCertificateInfo").glob("*/*.parquet"))
    assert days == ["day=2024-02-29", "day=2024-03-01"]


def test_json_lines_with_nested_values(tmp_path: Path) -> None:
    records = [
        {
            "Timestamp": "2024-03-01T10:00:00Z",
            "DeviceId": "d1",
            "DeviceName": "h",
            "ReportId": "5",
            "IsSigned": True,
            "Signer": "AnyDesk Software GmbH",
            "Nested": {"a": [1, 2]},
        },
        {"Timestamp": "2024-03-01T11:00:00+01:00", "DeviceId": "d2", "DeviceName": "h2", "ReportId": 6},
    ]
    ws = ingest(tmp_path, "certs.jsonl", "\n".join(json.dumps(r) for r in records) + "\n")
    result = ws.query("DeviceFileCertificateInfo | sort by ReportId asc | project Timestamp, ReportId, Signer", now=NOW)
    assert result.to_pylist() == [
        {"Timestamp": datetime(2024, 3, 1, 10), "ReportId": 5, "Signer": "AnyDesk Software GmbH"},
        {"Timestamp": datetime(2024, 3, 1, 10), "ReportId": 6, "Signer": ""},
    ]


def test_parquet_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "certs.parquet"
    pq.write_table(pa.table({"Timestamp": [datetime(2024, 3, 1, 8)], "DeviceName": ["h"], "ReportId": [7]}), source)
    ws = Workspace(tmp_path / "ws", create=True)
    report = ws.ingest("DeviceFileCertificateInfo", [source])
    assert report.rows == 1
    assert ws.query("DeviceFileCertificateInfo | project DeviceName, ReportId").to_pylist() == [
        {"DeviceName": "h", "ReportId": 7}
    ]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "bad.csv",
            "Timestamp,ReportId\n2024-03-01,1\n2024-03-01,abc\n",
            "bad.csv:3: column ReportId: cannot read 'abc' as long",
        ),
        ("bad.csv", "Timestamp,ReportId\nyesterday,1\n", "bad.csv:2: column Timestamp: cannot read 'yesterday'"),
        (
            "bad.jsonl",
            '{"Timestamp": "2024-03-01", "ReportId": 1}\n{"Timestamp": "2024-03-01", "ReportId"\n',
            "bad.jsonl: cannot read",
        ),
        ("data.txt", "whatever", "data.txt: unknown file type"),
    ],
    ids=["bad-long", "bad-datetime", "truncated-json", "unknown-extension"],
)
def test_bad_files_name_the_file_and_line(tmp_path: Path, name: str, text: str, message: str) -> None:
    source = tmp_path / name
    source.write_text(text, "utf-8")
    ws = Workspace(tmp_path / "ws", create=True)
    with pytest.raises(IngestError) as caught:
        ws.ingest("DeviceFileCertificateInfo", [source])
    assert message in str(caught.value)
    assert ws.query("DeviceFileCertificateInfo | count").to_pylist() == [{"Count": 0}]


def test_missing_file_and_unknown_table(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    with pytest.raises(IngestError, match="no such file"):
        ws.ingest("DeviceFileCertificateInfo", [tmp_path / "absent.csv"])
    with pytest.raises(IngestError, match="unknown table 'NoSuchTable'"):
        ws.ingest("NoSuchTable", [tmp_path / "absent.csv"])
