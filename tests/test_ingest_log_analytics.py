"""Log Analytics query API responses: `{"tables": [{"name", "columns", "rows"}], "error"}`.

log-analytics-response.json is a union of Sentinel rows (Type DeviceProcessEvents and
DeviceNetworkEvents mixed; TimeGenerated with 7 fractional digits; AdditionalFields, a dynamic
column, as a nested object and as JSON text; RiskScore, a column the catalog lacks, typed real by
`columns`). log-analytics-partial.json has two tables, a ragged row, a table without Type and a
partial `error`.
"""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

from rmmhunt.ingest.records import JsonDocument, is_json_lines
from tests.test_ingest import DATA, ingest, rows, stored

RESPONSE = DATA / "log-analytics-response.json"
PARTIAL = DATA / "log-analytics-partial.json"
RAGGED = (14, 1, "", "a row of 4 values where table 1 of the response has 5 columns")
NO_TYPE = "the record names no table (no Type); pass --table"


def as_written(tmp_path: Path, form: str) -> Path:
    """The response as the fixture has it, on one line as the API sends it, or gzipped."""
    if form == "pretty":
        return RESPONSE
    target = tmp_path / ("response.json.gz" if form == "gzip" else "response.json")
    compact = json.dumps(json.loads(RESPONSE.read_text("utf-8"))).encode()
    target.write_bytes(gzip.compress(RESPONSE.read_bytes()) if form == "gzip" else compact)
    return target


@pytest.mark.parametrize("form", ["pretty", "one-line", "gzip"])
def test_response_rows_load_into_their_type_tables(tmp_path: Path, form: str) -> None:
    _, report = ingest(tmp_path, as_written(tmp_path, form))
    assert stored(report) == {"DeviceNetworkEvents": 2, "DeviceProcessEvents": 2}
    assert report.quarantined == 0 and not report.problems
    assert [f.notes for f in report.files] == [[]]


def test_response_values_are_typed_by_catalog_and_columns(tmp_path: Path) -> None:
    ws, _ = ingest(tmp_path, RESPONSE)
    network = rows(
        ws,
        "DeviceNetworkEvents | sort by ReportId asc "
        "| project TimeGenerated, Timestamp, RemotePort, AdditionalFields, RiskScore, Type, TenantId",
    )
    assert [r["TimeGenerated"] for r in network] == [
        datetime(2026, 11, 20, 9, 1, 5),  # .0000001: the 7th digit truncated
        datetime(2026, 11, 20, 9, 2, 5, 999999),
    ]
    assert [r["Timestamp"] for r in network] == [datetime(2026, 11, 20, 9, 1, 0, 500000), datetime(2026, 11, 20, 9, 2)]
    assert [r["RemotePort"] for r in network] == [443, 6568]
    # dynamic: a nested value in one row, JSON text in the next; both kept as JSON text
    assert [json.loads(r["AdditionalFields"]) for r in network] == [
        {"direction": "Out", "ports": [443, 6568]},
        {"direction": "In", "uid": "C3xk9"},
    ]
    assert [r["RiskScore"] for r in network] == [2.25, None]  # not in the catalog: `real` from the columns
    assert {r["Type"] for r in network} == {"DeviceNetworkEvents"}
    assert {r["TenantId"] for r in network} == {"0f3c9a51-7d2e-4b18-a6c4-91e0d2b7c355"}
    process = rows(ws, "DeviceProcessEvents | sort by ReportId asc | project ReportId, FileName, RiskScore")
    assert process == [
        {"ReportId": 12884901888, "FileName": "AnyDesk.exe", "RiskScore": 0.5},
        {"ReportId": 12884901891, "FileName": "ScreenConnect.ClientService.exe", "RiskScore": 7.0},
    ]


SENTINEL_COLUMNS = ["TenantId", "TimeGenerated", "RiskScore", "Type", "_ResourceId"]


@pytest.mark.parametrize(
    ("table", "gained"),
    [
        # RemoteIP and RemotePort (network), FileName and ProcessCommandLine (process): the other table's, empty here
        ("DeviceProcessEvents", SENTINEL_COLUMNS),
        ("DeviceNetworkEvents", SENTINEL_COLUMNS),
    ],
)
def test_a_union_gives_each_table_only_the_columns_its_rows_hold(tmp_path: Path, table: str, gained: list[str]) -> None:
    ws, _ = ingest(tmp_path, RESPONSE)
    catalog = ws.store.catalog.table_columns(table)
    assert [c for c in ws.store.table_columns(table) if c not in catalog] == gained


@pytest.mark.parametrize(
    ("table", "expected", "quarantined"),
    [
        (None, {"DeviceProcessEvents": 2}, [RAGGED, (28, 3, "", NO_TYPE), (29, 4, "", NO_TYPE)]),
        ("DeviceNetworkEvents", {"DeviceProcessEvents": 2, "DeviceNetworkEvents": 2}, [RAGGED]),
    ],
    ids=["no-table", "table"],
)
def test_several_tables_ragged_row_and_partial_error(
    tmp_path: Path, table: str | None, expected: dict[str, int], quarantined: list[tuple[object, ...]]
) -> None:
    ws, report = ingest(tmp_path, PARTIAL, table=table)
    assert stored(report) == expected
    got = [(q["line"], q["record"], q["table"], q["reason"]) for q in ws.quarantine().to_pylist()]
    assert sorted(got) == quarantined
    assert rows(ws, "DeviceProcessEvents | sort by ReportId asc | project ReportId") == [
        {"ReportId": 1},
        {"ReportId": 3},
    ]  # the ragged row's neighbours
    [notes] = [f.notes for f in report.files]
    assert notes == [
        f"{PARTIAL}: the response reports a partial error (its rows may be incomplete): "
        "PartialError: There were some errors when processing your query.; "
        "EngineError: Something went wrong processing your query on the server.; "
        "-2133196797: Query result set has exceeded the internal data size limit 64000000 "
        "(E_QUERY_RESULT_SET_TOO_LARGE)."
    ]


def scanned(text: bytes, chunk_size: int) -> list[tuple[int, int, str, int | None]]:
    """(line, record, text, table number) of each record the scanner finds, fed `chunk_size` bytes at a time."""
    document = JsonDocument(batch_bytes=1 << 20, max_record_bytes=1 << 20)
    chunks = (text[i : i + chunk_size] for i in range(0, len(text), chunk_size))
    found = []
    for batch in document.batches(chunks):
        table = batch.log_table.number if batch.log_table else None
        for line, record, record_text in zip(*batch.data.to_pydict().values(), strict=True):
            found.append((line, record, record_text.strip(), table))
    return found


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1 << 20])
def test_scanner_finds_rows_whatever_the_chunks(chunk_size: int) -> None:
    text = PARTIAL.read_bytes()
    found = scanned(text, chunk_size)
    assert [(line, record, table) for line, record, _, table in found] == [
        (13, 0, 1), (14, 1, 1), (15, 2, 1), (28, 3, 2), (29, 4, 2)
    ]  # fmt: skip
    lines = text.decode().splitlines()
    assert [t for _, _, t, _ in found] == [lines[n - 1].strip().rstrip(",") for n, *_ in found]


def test_one_line_response_is_a_document() -> None:
    compact = json.dumps(json.loads(RESPONSE.read_text("utf-8"))).encode()
    assert not is_json_lines(compact + b"\n") and not is_json_lines(compact)
    assert len(scanned(compact, 4096)) == 4 and np.all([t == 1 for *_, t in scanned(compact, 4096)])


COLUMNS = '[{"name": "Timestamp", "type": "datetime"}, {"name": "ReportId", "type": "long"}, {"name": "Type"}]'
ROW = '["2026-11-20T08:00:00Z", 1, "DeviceProcessEvents"]'


@pytest.mark.parametrize(
    ("document", "quarantined", "problem"),
    [
        (f'{{"tables": [{{"columns": {COLUMNS}, "rows": [{ROW}, {{"a": 1}}, {ROW}]}}]}}',
         [(1, "a row of table 1 of the response that is not a JSON array")], None),
        (f'{{"tables": [{{"columns": {COLUMNS}, "rows": [{ROW}, [1, x], {ROW}]}}]}}', [(1, "not valid JSON")], None),
        (f'{{"tables": [{{"columns": {COLUMNS}, "rows": [{ROW}, ["yesterday", 2, "DeviceProcessEvents"], {ROW}]}}]}}',
         [(1, "column Timestamp: cannot read 'yesterday' as datetime")], None),
        (f'{{"tables": [{{"rows": [{ROW}], "columns": {COLUMNS}}}]}}', [],
         "line 1: table 1 of the response has rows before columns"),
        ('{"tables": [{"columns": ["Timestamp"], "rows": []}]}', [],
         "line 1: the columns of table 1 of the response are not a list of {name, type} objects"),
    ],
    ids=["row-not-array", "row-not-json", "bad-value", "rows-before-columns", "columns-not-objects"],
)  # fmt: skip
def test_bad_responses(tmp_path: Path, document: str, quarantined: list[tuple[int, str]], problem: str | None) -> None:
    source = tmp_path / "response.json"
    source.write_text(document, "utf-8")
    ws, report = ingest(tmp_path, source)
    assert [(q["record"], q["reason"]) for q in ws.quarantine().to_pylist()] == quarantined
    assert [p.message for p in report.problems] == ([problem] if problem else [])
    if problem is None:
        assert stored(report) == {"DeviceProcessEvents": 2}


FAILED_QUERY = {
    "error": {
        "message": "The request had some invalid properties",
        "code": "BadArgumentError",
        "innererror": {
            "code": "SyntaxError",
            "message": "A recognition error occurred in the query.",
            "innererror": {"code": "SYN0002", "message": "Query could not be parsed at 'DeviceProcessEvnts'"},
        },
    }
}


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("pretty.json", json.dumps(FAILED_QUERY, indent=2).encode()),
        ("one-line.json", json.dumps(FAILED_QUERY).encode() + b"\n"),
        ("gzip.json.gz", gzip.compress(json.dumps(FAILED_QUERY).encode())),
    ],
)
@pytest.mark.parametrize("table", [None, "DeviceProcessEvents"])
def test_a_failed_query_is_a_file_error_not_a_record(tmp_path: Path, name: str, text: bytes, table: str | None) -> None:
    source = tmp_path / name
    source.write_bytes(text)
    ws, report = ingest(tmp_path, source, table=table)
    assert [str(p) for p in report.errors] == [
        f"{source}: the response holds no rows, only the error of a query that failed: "
        "BadArgumentError: The request had some invalid properties; "
        "SyntaxError: A recognition error occurred in the query.; "
        "SYN0002: Query could not be parsed at 'DeviceProcessEvnts'"
    ]
    assert report.files == [] and report.quarantined == 0 and ws.quarantine().num_rows == 0
    assert not (ws.path / "manifest").exists() or not any((ws.path / "manifest").iterdir())  # read again next time
