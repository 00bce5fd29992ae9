"""An append blob (`PT1H.json`, written to all hour long) ingested, grown, and ingested again: the
second run reads only the appended lines, numbered as lines of the whole file; a file whose earlier
bytes changed is a new file, read whole."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rmmhunt.ingest import Ingester, IngestReport
from rmmhunt.store import Manifest, WorkspaceStore, read_quarantine

TABLE = "DeviceFileCertificateInfo"


def record(i: int, timestamp: str | None = None) -> str:
    properties = {"Timestamp": timestamp or f"2026-11-20T08:00:{i:02d}Z", "DeviceName": f"ws-{i}", "ReportId": i}
    return json.dumps({"category": f"AdvancedHunting-{TABLE}", "properties": properties}) + "\n"


def ingest(store: WorkspaceStore, path: Path, **options: bool) -> IngestReport:
    return Ingester(store, **options).run([path])


def report_ids(store: WorkspaceStore) -> list[int]:
    return sorted(i for f in store.table_files(TABLE) for i in pq.read_table(f).column("ReportId").to_pylist())


def grow(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def rewrite_first_line(path: Path, text: str) -> None:
    path.write_text(record(9) + path.read_text("utf-8").split("\n", 1)[1] + text, "utf-8")


@pytest.mark.parametrize("fast_path", [True, False])
@pytest.mark.parametrize(
    ("change", "second_read", "ids"),
    [
        # appended to: only the new lines are read
        (grow, 2, [0, 1, 2, 3, 4]),
        # an earlier line changed (same length): a new file, read whole
        (rewrite_first_line, 5, [0, 1, 1, 2, 2, 3, 4, 9]),
    ],
)
def test_a_grown_blob_is_read_on_from_where_it_was(
    tmp_path: Path, fast_path: bool, change: object, second_read: int, ids: list[int]
) -> None:
    store = WorkspaceStore(tmp_path / "ws", create=True)
    blob = tmp_path / "PT1H.json"
    blob.write_text("".join(record(i) for i in range(3)), "utf-8")
    first = ingest(store, blob, fast_path=fast_path)
    assert first.tables[TABLE].stored == 3
    change(blob, record(3) + record(4))  # type: ignore[operator]
    second = ingest(store, blob, fast_path=fast_path)
    counts = second.tables[TABLE]
    assert (counts.read, counts.stored, counts.quarantined) == (second_read, second_read, 0)
    assert report_ids(store) == ids
    assert ingest(store, blob, fast_path=fast_path).files[0].status == "unchanged"


def test_appended_lines_are_numbered_in_the_whole_file(tmp_path: Path) -> None:
    store = WorkspaceStore(tmp_path / "ws", create=True)
    blob = tmp_path / "PT1H.json"
    blob.write_text(record(0) + "\n" + record(1), "utf-8")  # a blank line: 3 lines
    ingest(store, blob)
    size = blob.stat().st_size
    grow(blob, record(2) + record(3, timestamp="yesterday") + record(4))
    second = ingest(store, blob)
    assert second.tables[TABLE] == type(second.tables[TABLE])(read=3, stored=2, quarantined=1)
    [bad] = read_quarantine(store.root).to_pylist()
    assert bad["line"] == 5 and "yesterday" in bad["reason"]
    # the manifest says where the second read began, and the first read is still known by content
    entries = sorted(Manifest(store.root).by_hash.values(), key=lambda e: e.start)
    assert [e.start for e in entries] == [0, size]
    assert entries[1].complete_bytes == blob.stat().st_size and entries[1].complete_lines == 6
    assert report_ids(store) == [0, 1, 2, 4]


def test_force_reads_a_grown_blob_whole(tmp_path: Path) -> None:
    store = WorkspaceStore(tmp_path / "ws", create=True)
    blob = tmp_path / "PT1H.json"
    blob.write_text(record(0), "utf-8")
    ingest(store, blob)
    grow(blob, record(1))
    assert ingest(store, blob, force=True).tables[TABLE].stored == 2
    assert report_ids(store) == [0, 0, 1]
