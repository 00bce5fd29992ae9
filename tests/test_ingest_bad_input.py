"""Bad input: each case ends with a clear message, the rest of the input loaded, and the counts adding up.

Every case is ingested together with a good file (sentinel-export.json: one DeviceFileCertificateInfo
and one DeviceInfo record), which must load whatever happens to the bad one.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.ingest import IngestReport

DATA = Path(__file__).parent / "data" / "ingest"
GOOD = DATA / "sentinel-export.json"
GOOD_ROWS = {"DeviceFileCertificateInfo": 1, "DeviceInfo": 1}
STREAM = (DATA / "streaming-mixed.json").read_text("utf-8").splitlines()  # cert, network, network, info


def record(category: str = "AdvancedHunting-DeviceFileCertificateInfo", **properties: object) -> str:
    body = {"Timestamp": "2026-11-20T08:14:57.3302671Z", "DeviceName": "h", "ReportId": 1, **properties}
    return json.dumps({"time": "2026-11-20T08:15:00Z", "category": category, "properties": body})


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def truncated_line(tmp: Path) -> list[Path]:
    return [write(tmp / "PT1H.json", "\n".join([STREAM[0], STREAM[1][:180], STREAM[2]]) + "\n")]


def gzip_cut(tmp: Path) -> list[Path]:
    lines = [record(ReportId=i, Signer=f"signer {i % 7}") for i in range(400)]
    packed = gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)
    return [write(tmp / "PT1H.json.gz", packed[: len(packed) // 2])]


def bad_array_element(tmp: Path) -> list[Path]:
    good = json.loads(record(ReportId=5))
    return [
        write(
            tmp / "message.json",
            json.dumps(
                {"records": [good, 42, {**good, "properties": {**good["properties"], "ReportId": 6}}]}, indent=2
            ),
        )
    ]


def unknown_category(tmp: Path) -> list[Path]:
    lines = [record(), record("AdvancedHunting-ExampleFutureTable", Column="m1"), record("SignInLogs")]
    return [write(tmp / "PT1H.json", "\n".join(lines) + "\n")]


def datetime_yesterday(tmp: Path) -> list[Path]:
    return [write(tmp / "PT1H.json", record(Timestamp="yesterday") + "\n" + record(ReportId=2) + "\n")]


def ten_megabyte_line(tmp: Path) -> list[Path]:
    huge = "A" * (10 << 20)
    lines = [record(ReportId=1, Signer=huge), "x" * (10 << 20), record(ReportId=3)]
    return [write(tmp / "PT1H.json", "\n".join(lines) + "\n")]


def ragged_csv(tmp: Path) -> list[Path]:
    rows = [
        "Timestamp,DeviceName,ReportId",
        "2026-11-20T08:00:00Z,a,1",
        "2026-11-20T08:00:01Z,b,2,surplus",
        "2026-11-20T08:00:02Z,c,3",
    ]
    text = "\n".join(rows) + "\n"
    return [write(tmp / "export.csv", text)]


def empty_file(tmp: Path) -> list[Path]:
    return [write(tmp / "PT1H.json", b"")]


def binary_file(tmp: Path) -> list[Path]:
    return [write(tmp / "PT1H.json", bytes(range(256)) * 64)]


def symlink_loop(tmp: Path) -> list[Path]:
    root = tmp / "export"
    (root / "y=2026").mkdir(parents=True)
    (root / "y=2026" / "again").symlink_to(root, target_is_directory=True)
    write(root / "y=2026" / "PT1H.json", STREAM[0] + "\n")
    return [root]


def unreadable_proc(tmp: Path) -> list[Path]:
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc/self/mem is Linux's")
    # Reading /proc/self/mem at offset 0 fails with EIO for every user, root included.
    (tmp / "export").mkdir()
    (tmp / "export" / "PT1H.json").symlink_to("/proc/self/mem")
    return [tmp / "export"]


def unreadable_fifo(tmp: Path) -> list[Path]:
    os.mkfifo(tmp / "PT1H.json")
    return [tmp / "PT1H.json"]


def unreadable_parent_is_a_file(tmp: Path) -> list[Path]:
    write(tmp / "notes.txt", "a file, not a directory")
    return [tmp / "notes.txt" / "PT1H.json"]


def quarantined(report: IngestReport) -> dict[str, int]:
    return {t: c.quarantined for t, c in report.tables.items() if c.quarantined}


def stored(report: IngestReport) -> dict[str, int]:
    return {t: c.stored for t, c in report.tables.items() if c.stored}


CASES: list[tuple[str, Callable[[Path], list[Path]], str | None, dict[str, int], dict[str, int], str]] = [
    # id, builder, --table, stored beyond the good file, quarantined, message (problem, note or reason)
    ("truncated-json-line", truncated_line, None, {"DeviceFileCertificateInfo": 1, "DeviceNetworkEvents": 1}, {"": 1},
     "not valid JSON: Unterminated string"),
    ("records-array-bad-element", bad_array_element, None, {"DeviceFileCertificateInfo": 2}, {"": 1},
     "not a JSON object"),
    ("unknown-category", unknown_category, None, {"DeviceFileCertificateInfo": 1}, {"ExampleFutureTable": 1, "": 1},
     "unknown category 'SignInLogs'; expected AdvancedHunting-<Table>"),
    ("datetime-yesterday", datetime_yesterday, None, {"DeviceFileCertificateInfo": 1},
     {"DeviceFileCertificateInfo": 1}, "column Timestamp: cannot read 'yesterday' as datetime"),
    ("ten-megabyte-line", ten_megabyte_line, None, {"DeviceFileCertificateInfo": 2}, {"": 1}, "not valid JSON"),
    ("ragged-csv-row", ragged_csv, "DeviceFileCertificateInfo", {"DeviceFileCertificateInfo": 2},
     {"DeviceFileCertificateInfo": 0, "": 1}, "4 fields where the header has 3"),
    ("empty-file", empty_file, None, {}, {}, "no records"),
    ("binary-file", binary_file, None, {}, {}, "binary data, not JSON or CSV text"),
    ("symlink-loop", symlink_loop, None, {"DeviceFileCertificateInfo": 1}, {},
     "skipped: a symbolic link back to a directory that contains it"),
    ("unreadable-proc-mem", unreadable_proc, None, {}, {}, "cannot read: Input/output error"),
    ("unreadable-fifo", unreadable_fifo, None, {}, {}, "not a regular file"),
    ("unreadable-parent-is-a-file", unreadable_parent_is_a_file, None, {}, {}, "cannot read: Not a directory"),
]  # fmt: skip


@pytest.mark.parametrize(("build", "table", "more_stored", "more_quarantined", "message"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])  # fmt: skip
def test_bad_input(
    tmp_path: Path,
    build: Callable[[Path], list[Path]],
    table: str | None,
    more_stored: dict[str, int],
    more_quarantined: dict[str, int],
    message: str,
) -> None:
    paths = build(tmp_path)
    ws = Workspace(tmp_path / "ws", create=True)
    report = ws.ingest(table, [*paths, GOOD])
    for name, counts in report.tables.items():
        assert counts.read == counts.stored + counts.quarantined, name
    expected = dict(GOOD_ROWS)
    for name, n in more_stored.items():
        expected[name] = expected.get(name, 0) + n
    assert stored(report) == expected
    assert quarantined(report) == {t: n for t, n in more_quarantined.items() if n}
    said = [str(p) for p in report.problems] + [n for f in report.files for n in f.notes]
    said += [r["reason"] for r in ws.quarantine().to_pylist()]
    assert any(message in s for s in said), said
    for name, n in expected.items():  # and what was stored is there to query
        assert ws.query(f"{name} | count").to_pylist() == [{"Count": n}]


def test_gzip_cut_mid_stream_keeps_what_came_before(tmp_path: Path) -> None:
    [path] = gzip_cut(tmp_path)
    ws = Workspace(tmp_path / "ws", create=True)
    report = ws.ingest(None, [path, GOOD])
    counts = report.tables["DeviceFileCertificateInfo"]
    partial = report.tables.get("")
    assert counts.stored > 100  # the records before the cut
    assert counts.read == counts.stored + counts.quarantined
    assert partial is None or partial.read == partial.quarantined == 1
    notes = [n for f in report.files for n in f.notes]
    assert any("the gzip stream is cut short" in n for n in notes), notes
    reasons = {r["reason"] for r in ws.quarantine().to_pylist()}
    assert reasons <= {"incomplete: the file is cut off inside this record"}


def test_errors_name_file_and_line_in_quarantine(tmp_path: Path) -> None:
    [path] = truncated_line(tmp_path)
    ws = Workspace(tmp_path / "ws", create=True)
    ws.ingest(None, [path])
    [entry] = ws.quarantine().to_pylist()
    assert (entry["source"], entry["line"], entry["table"]) == (str(path), 2, "")
    assert entry["raw"] == STREAM[1][:180]
