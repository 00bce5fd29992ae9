"""Ingest of each export format: records land in their tables, typed as the catalog says.

Fixtures in tests/data/ingest are hand-made in the shapes Microsoft documents (streaming API
records, an Event Hubs message, a Sentinel data-export row, Advanced Hunting portal CSV and JSON,
a Graph runHuntingQuery response); the quirks of real streaming-API records are in
streaming-mixed.json: AdditionalFields as a JSON string and as an object, "RemoteIP": "-",
ReportId past 32 bits, 7-digit fractions of a second, a null MachineGroup, an extra key (Tenant).
"""

from __future__ import annotations

import gzip
import json
import zipfile
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmmhunt import Workspace
from rmmhunt.ingest import IngestError, IngestReport

DATA = Path(__file__).parent / "data" / "ingest"


def ingest(tmp_path: Path, *paths: Path | str, table: str | None = None) -> tuple[Workspace, IngestReport]:
    ws = Workspace(tmp_path / "ws", create=True)
    report = ws.ingest(table, list(paths))
    assert_counts_add_up(report)
    return ws, report


def assert_counts_add_up(report: IngestReport) -> None:
    for name, counts in report.tables.items():
        assert counts.read == counts.stored + counts.quarantined, name
    for result in report.files:
        for name, counts in result.tables.items():
            assert counts.read == counts.stored + counts.quarantined, (result.name, name)


def stored(report: IngestReport) -> dict[str, int]:
    return {name: c.stored for name, c in report.tables.items() if c.stored}


def rows(ws: Workspace, kql: str) -> list[dict[str, object]]:
    return ws.query(kql, now=datetime(2026, 11, 27)).to_pylist()


@pytest.mark.parametrize(
    ("files", "table", "expected"),
    [
        (
            ["streaming-mixed.json"],
            None,
            {"DeviceFileCertificateInfo": 1, "DeviceNetworkEvents": 2, "DeviceInfo": 1},
        ),
        (["eventhubs-message.json"], None, {"DeviceProcessEvents": 1, "DeviceFileCertificateInfo": 1}),
        (["sentinel-export.json"], None, {"DeviceFileCertificateInfo": 1, "DeviceInfo": 1}),
        (["portal-export.csv"], "DeviceFileCertificateInfo", {"DeviceFileCertificateInfo": 2}),
        (["portal-export.json"], "DeviceFileCertificateInfo", {"DeviceFileCertificateInfo": 2}),
        (["graph-hunting.json"], "DeviceFileCertificateInfo", {"DeviceFileCertificateInfo": 2}),
    ],
    ids=["streaming-api", "event-hubs-message", "sentinel-export", "portal-csv", "portal-json", "graph"],
)
def test_each_export_format_loads(
    tmp_path: Path, files: list[str], table: str | None, expected: dict[str, int]
) -> None:
    _, report = ingest(tmp_path, *(DATA / f for f in files), table=table)
    assert stored(report) == expected
    assert report.quarantined == 0 and not report.problems


@pytest.mark.parametrize("name", ["graph-hunting.json", "log-analytics-response.json"])
def test_a_response_saved_on_one_line_is_a_document(tmp_path: Path, name: str) -> None:
    """Scripts save API responses with json.dump: the whole response on one line, not one record per line."""
    one_line = tmp_path / f"one-line-{name}"
    one_line.write_text(json.dumps(json.loads((DATA / name).read_text("utf-8"))) + "\n", "utf-8")
    _, pretty = ingest(tmp_path / "pretty", DATA / name, table="DeviceFileCertificateInfo")
    _, compact = ingest(tmp_path / "compact", one_line, table="DeviceFileCertificateInfo")
    assert stored(compact) == stored(pretty) and sum(stored(compact).values()) >= 2
    assert compact.quarantined == pretty.quarantined


def test_streaming_api_quirks(tmp_path: Path) -> None:
    ws, _ = ingest(tmp_path, DATA / "streaming-mixed.json")
    [cert] = rows(ws, "DeviceFileCertificateInfo | project Timestamp, ReportId, IsSigned, MachineGroup, TenantId")
    assert cert == {
        "Timestamp": datetime(2026, 11, 20, 8, 14, 57, 330267),  # 7th fractional digit truncated
        "ReportId": 8589934601,
        "IsSigned": True,
        "MachineGroup": "",  # null: strings are never null
        "TenantId": "0f3c9a51-7d2e-4b18-a6c4-91e0d2b7c355",  # from the envelope
    }
    network = rows(
        ws,
        "DeviceNetworkEvents | sort by ReportId asc "
        "| project RemoteIP, RemotePort, LocalPort, InitiatingProcessId, ReportId, AdditionalFields, MachineGroup",
    )
    assert [r["RemoteIP"] for r in network] == ["-", "10.20.0.53"]
    assert [r["ReportId"] for r in network] == [12884901888, 12884901889]  # a number, and a number as text
    assert [r["InitiatingProcessId"] for r in network] == [4312, 0]
    assert network[1]["LocalPort"] is None
    # AdditionalFields: a JSON string in one record, a nested object in the next; both kept as JSON text.
    assert json.loads(network[0]["AdditionalFields"]) == {"direction": "Out", "uid": "C3xk9"}
    assert json.loads(network[1]["AdditionalFields"])["answers"] == ["198.51.100.7"]
    assert [r["MachineGroup"] for r in network] == ["Finance", ""]
    [info] = rows(ws, "DeviceInfo | project OSBuild, IsAzureADJoined, PublicIP, LoggedOnUsers, SensorHealthState")
    assert info["OSBuild"] == 26100 and info["IsAzureADJoined"] is True and info["PublicIP"] == "-"
    assert json.loads(info["LoggedOnUsers"]) == [{"UserName": "jdoe", "DomainName": "CONTOSO"}]


def test_unknown_columns_are_kept_and_missing_ones_are_null(tmp_path: Path) -> None:
    ws, _ = ingest(tmp_path, DATA / "sentinel-export.json")
    [row] = rows(
        ws, "DeviceFileCertificateInfo | project Timestamp, TimeGenerated, Type, _ResourceId, IsTrusted, Issuer"
    )
    assert row["Timestamp"] == datetime(2026, 11, 20, 10, 0, 1, 111000)
    assert row["TimeGenerated"] == datetime(2026, 11, 20, 10, 0, 5, 555000)  # a known Sentinel column: datetime
    assert row["Type"] == "DeviceFileCertificateInfo" and row["_ResourceId"].endswith("/workspaces/sentinel")
    assert row["IsTrusted"] is None and row["Issuer"] == ""
    schema = ws.store.table_columns("DeviceFileCertificateInfo") if ws.store else {}
    assert list(schema)[-5:] == ["TenantId", "TimeGenerated", "Type", "_ResourceId", "SourceSystem"]


def test_portal_csv_values(tmp_path: Path) -> None:
    ws, _ = ingest(tmp_path, DATA / "portal-export.csv", table="DeviceFileCertificateInfo")
    assert rows(
        ws, "DeviceFileCertificateInfo | sort by ReportId asc | project Timestamp, IsSigned, IsTrusted, Issuer"
    ) == [
        {
            "Timestamp": datetime(2026, 11, 20, 13, 5, 9),
            "IsSigned": True,
            "IsTrusted": False,
            "Issuer": "DigiCert, Inc.",
        },
        {
            "Timestamp": datetime(2026, 11, 20, 9, 15),
            "IsSigned": False,
            "IsTrusted": None,
            "Issuer": 'Issuer with "quotes"\r\nand a second line',
        },
    ]


def test_graph_schema_types_unknown_columns(tmp_path: Path) -> None:
    ws, _ = ingest(tmp_path, DATA / "graph-hunting.json", table="DeviceFileCertificateInfo")
    result = ws.query("DeviceFileCertificateInfo | sort by ReportId asc | project SignatureCount, Details, Timestamp")
    assert result.schema.field("SignatureCount").type == pa.int64()
    assert [json.loads(d) if d else d for d in result.column("Details").to_pylist()] == [
        {"chain": ["leaf", "root"]},
        None,
    ]
    assert result.column("Timestamp").to_pylist()[0] == datetime(2026, 11, 20, 14, 0, 0, 123456)


@pytest.mark.parametrize("wrapping", ["gz", "zip", "zip-of-gz"])
def test_compressed_and_archived(tmp_path: Path, wrapping: str) -> None:
    source = DATA / "streaming-mixed.json"
    if wrapping == "gz":
        target = tmp_path / "PT1H.json.gz"
        target.write_bytes(gzip.compress(source.read_bytes()))
    else:
        target = tmp_path / "export.zip"
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            if wrapping == "zip":
                archive.write(source, "y=2026/m=11/d=20/PT1H.json")
            else:
                archive.writestr("PT1H.json.gz", gzip.compress(source.read_bytes()))
            archive.writestr("README.txt", "not telemetry")
            archive.write(DATA / "eventhubs-message.json", "message.json")
    _, report = ingest(tmp_path, target)
    expected = {"DeviceFileCertificateInfo": 1, "DeviceNetworkEvents": 2, "DeviceInfo": 1}
    if wrapping != "gz":
        expected = {**expected, "DeviceFileCertificateInfo": 2, "DeviceProcessEvents": 1}
        assert any("README.txt: skipped" in note for f in report.files for note in f.notes)
    assert stored(report) == expected


def test_directory_tree_of_storage_blobs(tmp_path: Path) -> None:
    """Storage-account layout: insights-logs-advancedhunting-<table>/tenantId=.../y=/m=/d=/h=/m=00/PT1H.json."""
    lines = (DATA / "streaming-mixed.json").read_text("utf-8").splitlines()
    root = tmp_path / "export"
    for table, picked in [("devicefilecertificateinfo", lines[:1]), ("devicenetworkevents", lines[1:3])]:
        hour = root / f"insights-logs-advancedhunting-{table}" / "tenantId=0f3c" / "y=2026/m=11/d=20/h=08/m=00"
        hour.mkdir(parents=True)
        (hour / "PT1H.json").write_text("\n".join(picked) + "\n", "utf-8")
    _, report = ingest(tmp_path, root)
    assert stored(report) == {"DeviceFileCertificateInfo": 1, "DeviceNetworkEvents": 2}
    assert len(report.files) == 2


def test_event_hubs_messages_one_per_line(tmp_path: Path) -> None:
    message = json.loads((DATA / "eventhubs-message.json").read_text("utf-8"))
    source = tmp_path / "messages.json"
    source.write_text(json.dumps(message) + "\n" + json.dumps({"records": message["records"][:1]}) + "\n", "utf-8")
    ws, report = ingest(tmp_path, source)
    assert stored(report) == {"DeviceProcessEvents": 2, "DeviceFileCertificateInfo": 1}
    assert (
        rows(ws, "DeviceProcessEvents | project FileName, ProcessId")
        == [{"FileName": "AnyDesk.exe", "ProcessId": 9120}] * 2
    )


# ---------------------------------------------------------------- plain files of one table (--table)

CSV = """\
Timestamp,DeviceId,DeviceName,SHA1,IsSigned,Signer,ReportId,ExtraColumn
2024-03-01T10:00:00.1234567Z,d1,host-1,aa,True,Remote Utilities LLC,17179869184,x
2024-03-01 23:59:59,d2,host-2,bb,false,Microsoft Corporation,2,
2024-02-29T00:00:00Z,d1,host-1,cc,1,,3,y
"""


def test_plain_csv_values_are_coerced_to_catalog_types(tmp_path: Path) -> None:
    source = tmp_path / "certs.csv"
    source.write_text(CSV, "utf-8")
    ws, _ = ingest(tmp_path, source, table="DeviceFileCertificateInfo")
    query = "DeviceFileCertificateInfo | sort by ReportId asc"
    result = rows(ws, f"{query} | project Timestamp, IsSigned, Signer, ReportId, ExtraColumn, IsTrusted")
    assert result == [
        {"Timestamp": datetime(2024, 3, 1, 23, 59, 59), "IsSigned": False, "Signer": "Microsoft Corporation",
         "ReportId": 2, "ExtraColumn": "", "IsTrusted": None},
        {"Timestamp": datetime(2024, 2, 29), "IsSigned": True, "Signer": "", "ReportId": 3, "ExtraColumn": "y",
         "IsTrusted": None},
        {"Timestamp": datetime(2024, 3, 1, 10, 0, 0, 123456), "IsSigned": True, "Signer": "Remote Utilities LLC",
         "ReportId": 17179869184, "ExtraColumn": "x", "IsTrusted": None},
    ]  # fmt: skip
    assert ws.path is not None
    days = sorted(p.parent.name for p in (ws.path / "tables" / "DeviceFileCertificateInfo").glob("*/*.parquet"))
    assert days == ["day=2024-02-29", "day=2024-03-01"]


def test_plain_json_lines_and_parquet(tmp_path: Path) -> None:
    lines = tmp_path / "certs.jsonl"
    lines.write_text(
        json.dumps({"Timestamp": "2024-03-01T11:00:00+01:00", "DeviceName": "h", "ReportId": "5", "Nested": {"a": [1]}})
        + "\n",
        "utf-8",
    )
    parquet = tmp_path / "certs.parquet"
    pq.write_table(pa.table({"Timestamp": [datetime(2024, 3, 1, 8)], "DeviceName": ["p"], "ReportId": [7]}), parquet)
    ws, report = ingest(tmp_path, lines, parquet, table="DeviceFileCertificateInfo")
    assert stored(report) == {"DeviceFileCertificateInfo": 2}
    assert rows(
        ws, "DeviceFileCertificateInfo | sort by ReportId asc | project Timestamp, DeviceName, ReportId, Nested"
    ) == [
        {"Timestamp": datetime(2024, 3, 1, 10), "DeviceName": "h", "ReportId": 5, "Nested": '{"a":[1]}'},
        {"Timestamp": datetime(2024, 3, 1, 8), "DeviceName": "p", "ReportId": 7, "Nested": ""},
    ]


def test_unknown_table_and_missing_table(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    with pytest.raises(IngestError, match="unknown table 'NoSuchTable'"):
        ws.ingest("NoSuchTable", [DATA / "portal-export.csv"])
    report = ws.ingest(None, [DATA / "portal-export.csv"])  # a portal export names no table
    assert report.tables[""].quarantined == 2
    assert {r["reason"] for r in ws.quarantine().to_pylist()} == {"the record names no table (no Type); pass --table"}


def test_datetime_forms(tmp_path: Path) -> None:
    """ISO 8601 with and without Z, offsets, 7 digits; the portal's M/d/yyyy h:mm:ss tt (UTC)."""
    forms = {
        "2026-11-20T08:14:57.3302671Z": datetime(2026, 11, 20, 8, 14, 57, 330267),
        "2026-11-20T08:14:57.3302671": datetime(2026, 11, 20, 8, 14, 57, 330267),
        "2026-11-20T10:14:57+02:00": datetime(2026, 11, 20, 8, 14, 57),
        "2026-11-20 08:14:57": datetime(2026, 11, 20, 8, 14, 57),
        "11/20/2026 8:14:57 AM": datetime(2026, 11, 20, 8, 14, 57),
        "11/20/2026 12:14:57 PM": datetime(2026, 11, 20, 12, 14, 57),
        "11/20/2026 8:14:57.123 PM": datetime(2026, 11, 20, 20, 14, 57, 123000),
    }
    source = tmp_path / "times.jsonl"
    source.write_text("".join(json.dumps({"Timestamp": t, "ReportId": i}) + "\n" for i, t in enumerate(forms)), "utf-8")
    ws, report = ingest(tmp_path, source, table="DeviceFileCertificateInfo")
    assert report.quarantined == 0
    got = rows(ws, "DeviceFileCertificateInfo | sort by ReportId asc | project Timestamp")
    assert [r["Timestamp"] for r in got] == list(forms.values())


def test_boolean_and_number_forms(tmp_path: Path) -> None:
    values = [(True, "1"), ("True", "2"), (1, 3), ("false", "4.0"), (0, " 5 "), ("FALSE", 6)]
    source = tmp_path / "forms.jsonl"
    source.write_text(
        "".join(json.dumps({"Timestamp": "2026-11-20", "IsSigned": b, "ReportId": n}) + "\n" for b, n in values),
        "utf-8",
    )
    ws, _ = ingest(tmp_path, source, table="DeviceFileCertificateInfo")
    got = rows(ws, "DeviceFileCertificateInfo | sort by ReportId asc | project IsSigned, ReportId")
    assert got == [{"IsSigned": b, "ReportId": n} for b, n in zip([True] * 3 + [False] * 3, range(1, 7), strict=True)]


def test_azure_portal_csv_utc_headers(tmp_path: Path) -> None:
    source = tmp_path / "query_data.csv"
    header = "TimeGenerated [UTC],Type,DeviceName,Timestamp [UTC]\n"
    source.write_text(header + '"11/20/2026, 10:00:05.555 AM",DeviceInfo,h,2026-11-20T10:00:01Z\n', "utf-8")
    ws, report = ingest(tmp_path, source)
    assert stored(report) == {"DeviceInfo": 1}
    assert rows(ws, "DeviceInfo | project DeviceName, Timestamp, TimeGenerated") == [
        {"DeviceName": "h", "Timestamp": datetime(2026, 11, 20, 10, 0, 1),
         "TimeGenerated": datetime(2026, 11, 20, 10, 0, 5, 555000)}
    ]  # fmt: skip


def test_quarantine_listing_api(tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_text('{"Timestamp": "2026-11-20", "ReportId": "abc"}\n', "utf-8")
    ws, _ = ingest(tmp_path, source, table="DeviceFileCertificateInfo")
    [entry] = ws.quarantine().to_pylist()
    assert entry == {
        "source": str(source),
        "line": 1,
        "record": None,
        "table": "DeviceFileCertificateInfo",
        "reason": "column ReportId: cannot read 'abc' as long",
        "raw": '{"Timestamp": "2026-11-20", "ReportId": "abc"}',
    }


def test_quarantined_raw_keeps_backslashes(tmp_path: Path) -> None:
    source = tmp_path / "no-type.jsonl"
    record = '{"Timestamp": "2026-11-20", "ProcessCommandLine": "cmd /c \\"C:\\\\Temp\\\\x.exe\\""}'
    source.write_text(record + "\n", "utf-8")
    ws, report = ingest(tmp_path, source)
    assert not report.problems
    assert [q["raw"] for q in ws.quarantine().to_pylist()] == [record]


def test_report_is_per_file(tmp_path: Path) -> None:
    _, report = ingest(tmp_path, DATA / "sentinel-export.json", DATA / "eventhubs-message.json")
    assert [(f.name.rsplit("/", 1)[-1], f.status) for f in report.files] == [
        ("sentinel-export.json", "ingested"),
        ("eventhubs-message.json", "ingested"),
    ]
