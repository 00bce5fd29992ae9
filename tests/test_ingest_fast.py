"""The fast path (DuckDB's read_json reading a JSON lines file itself) stores exactly what the
per-line path stores, and hands a file back to the per-line path at anything it does not take:
a key first seen after DuckDB's detection sample, a value that does not fit, invalid JSON, a record
of another table. The per-line path reads on from that record. Each case is ingested both ways and
the workspaces compared.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmmhunt.ingest import Ingester, IngestReport, fast, pipeline, records
from rmmhunt.store import WorkspaceStore, read_quarantine

DATA = Path(__file__).parent / "data" / "ingest"
STREAM = (DATA / "streaming-mixed.json").read_text("utf-8").splitlines()  # cert, network, network, info
SAMPLE = 50  # records the columns are detected from (fast.SAMPLE_RECORDS, made small here)
CERT = "AdvancedHunting-DeviceFileCertificateInfo"


def record(i: int, category: str = CERT, **properties: object) -> str:
    body = {
        "Timestamp": f"2026-11-20T08:{i // 600 % 60:02d}:{i // 10 % 60:02d}.{i % 10}000001Z",
        "DeviceName": f"ws-{i % 7}",
        "IsSigned": i % 3 == 0,
        "ReportId": 4294967296 + i,
        **properties,
    }
    return json.dumps({"time": "2026-11-20T08:15:00Z", "category": category, "properties": body})


def many(count: int, last: str) -> str:
    """`count` good records, then `last` (past the detection sample when count > SAMPLE)."""
    return "\n".join([*(record(i) for i in range(count)), last]) + "\n"


def good_lines(count: int, blank_every: int) -> list[str]:
    """`count` good records, with a blank line (empty, or whitespace) after every `blank_every`-th."""
    lines = []
    for i in range(count):
        lines.append(record(i))
        if i % blank_every == blank_every - 1:
            lines.append(" \t\r" if i % 2 else "")
    return lines


def refused_midway(good: int, blank_every: int) -> str:
    """Good records, one the fast path refuses, then more."""
    after = [record(good, Timestamp="yesterday"), record(good + 1), "", record(good + 2, NewColumn="after")]
    return "\n".join([*good_lines(good, blank_every), *after]) + "\n"


def quirks() -> str:
    """One table's records in every form the per-line path reads, all of which the fast path takes."""
    lines = [
        STREAM[0],
        record(1, IsSigned="True", ReportId="8589934593"),  # booleans and numbers as text
        record(2, Timestamp="2026-11-20T10:00:00.1234567+02:00"),  # an offset, 7 digits
        record(3, Extra={"b": 2, "a": [1, 2]}, Note=None),  # unknown keys, one nested
        record(4, Extra='{"a": 1}', Signer="Remote Utilities LLC"),
        "",
        record(5, CertificateExpirationTime="2027-01-01"),
    ]
    return "\n".join(lines) + "\n"


CASES: dict[str, tuple[Callable[[], str | bytes], str, bool]] = {
    # name: (file content, file name, whether the fast path keeps the file)
    "stream quirks": (quirks, "PT1H.json", True),
    "stream quirks, gzip": (lambda: gzip.compress(quirks().encode()), "PT1H.json.gz", True),
    "sentinel rows of two tables": (lambda: (DATA / "sentinel-export.json").read_text("utf-8"), "rows.json", False),
    "stream of four tables": (lambda: "\n".join(STREAM) + "\n", "PT1H.json", False),
    "new key after the sample": (lambda: many(SAMPLE + 100, record(0, NewColumn="late")), "PT1H.json", False),
    "bad datetime after the sample": (lambda: many(SAMPLE + 100, record(0, Timestamp="yesterday")), "PT1H.json", False),
    "invalid JSON after the sample": (lambda: many(SAMPLE + 100, record(0)[:60]), "PT1H.json", False),
    "other table after the sample": (
        lambda: many(SAMPLE + 100, record(0, "AdvancedHunting-DeviceInfo")),
        "PT1H.json",
        False,
    ),
    "no Timestamp": (lambda: many(10, record(0, Timestamp=None)), "PT1H.json", False),
    "refused midway, blank lines before": (lambda: refused_midway(5000, blank_every=7), "PT1H.json", False),
    "refused midway, gzip": (lambda: gzip.compress(refused_midway(5000, 11).encode()), "PT1H.json.gz", False),
}


def ingest(root: Path, source: Path, *, fast_path: bool) -> tuple[WorkspaceStore, IngestReport]:
    store = WorkspaceStore(root, create=True)
    return store, Ingester(store, fast_path=fast_path).run([source])


def contents(store: WorkspaceStore) -> dict[str, object]:
    """Every stored table (schema and rows, in a stable order) and every quarantined record."""
    found: dict[str, object] = {}
    for table in store.stored_tables():
        rows = pa.concat_tables(pq.read_table(f) for f in store.table_files(table)).to_pylist()
        found[table] = (store.table_columns(table), sorted(rows, key=repr))
    quarantined = read_quarantine(store.root).drop_columns(["source"]).to_pylist()
    found["quarantine"] = sorted(quarantined, key=repr)
    return found


@pytest.mark.parametrize("case", CASES)
def test_fast_path_stores_what_the_per_line_path_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    monkeypatch.setattr(fast, "SAMPLE_RECORDS", SAMPLE)
    content, name, kept = CASES[case]
    data = content()
    source = tmp_path / name
    source.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    per_line, per_line_report = ingest(tmp_path / "per-line", source, fast_path=False)
    if kept:  # the per-line path must not be needed
        monkeypatch.setattr(Ingester, "_read", lambda *a: pytest.fail("fell back to the per-line path"))
    fast_store, fast_report = ingest(tmp_path / "fast", source, fast_path=True)
    assert fast_report.tables == per_line_report.tables
    assert contents(fast_store) == contents(per_line)


def test_fast_path_values(tmp_path: Path) -> None:
    source = tmp_path / "PT1H.json"
    source.write_text(quirks(), "utf-8")
    store, report = ingest(tmp_path / "ws", source, fast_path=True)
    assert report.tables["DeviceFileCertificateInfo"].stored == 6
    [table] = [pq.read_table(f) for f in store.table_files("DeviceFileCertificateInfo")]
    by_report = {r["ReportId"]: r for r in table.to_pylist()}
    assert by_report[8589934593]["IsSigned"] is True
    # +02:00 is two hours before UTC; the 7th fractional digit is truncated
    assert by_report[4294967298]["Timestamp"].isoformat() == "2026-11-20T08:00:00.123456"
    assert json.loads(by_report[4294967299]["Extra"]) == {"b": 2, "a": [1, 2]}  # nested: kept as its text
    assert by_report[4294967300]["Extra"] == '{"a": 1}'
    assert list(store.table_columns("DeviceFileCertificateInfo"))[-2:] == ["Extra", "Note"]


READ_ON_TAILS = {  # what follows the records the fast path staged
    "a value that does not fit": [record(500, Timestamp="yesterday"), "", record(501)],
    "lines that are not JSON": ["not json", "{", record(501), "[1, 2", "", "x"],
}


@pytest.mark.parametrize("tail", READ_ON_TAILS)
@pytest.mark.parametrize(
    ("name", "compress"), [("PT1H.json", lambda b: b), ("PT1H.json.gz", gzip.compress)], ids=["plain", "gzip"]
)
def test_a_refusal_midway_keeps_what_came_before_and_reads_on_per_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tail: str, name: str, compress: Callable[[bytes], bytes]
) -> None:
    """Which batches DuckDB hands over before it stops at a refused record depends on its threads, so a
    stop is staged here: DuckDB reads only the good records, and stops after two batches of them. The
    per-line path converts only the lines after those, and numbers them as in the file."""
    good = good_lines(500, blank_every=7)
    source, prefix = tmp_path / name, tmp_path / "good.json"
    source.write_bytes(compress("\n".join([*good, *READ_ON_TAILS[tail]]).encode() + b"\n"))
    prefix.write_text("\n".join(good) + "\n", "utf-8")
    per_line, per_line_report = ingest(tmp_path / "per-line", source, fast_path=False)
    plan, batches, skips = fast.plan, fast.batches, []

    def plan_of_good(con: object, path: Path, *args: object, **options: object) -> fast.FastPlan | None:
        return plan(con, prefix, *args, **options)  # type: ignore[arg-type]

    def two_batches(*args: object) -> Iterator[pa.Table]:
        for number, rows in enumerate(batches(*args)):  # type: ignore[arg-type]
            if number == 2:
                raise fast.Refused("staged")
            yield rows

    def skip_records(chunks: Iterator[bytes], count: int) -> tuple[int, Iterator[bytes]]:
        skips.append(count)
        return records.skip_records(chunks, count)

    monkeypatch.setattr(pipeline, "FAST_BATCH_ROWS", 100)
    monkeypatch.setattr(fast, "plan", plan_of_good)
    monkeypatch.setattr(fast, "batches", two_batches)
    monkeypatch.setattr(pipeline, "skip_records", skip_records)
    fast_store, fast_report = ingest(tmp_path / "fast", source, fast_path=True)
    assert skips == [200]
    assert fast_report.tables == per_line_report.tables
    assert contents(fast_store) == contents(per_line)


TEXT = b'{"a": 1}\n\n \t\r\n{"a": 2}\r\n{"a": 3}\n{"a": 4}'


@pytest.mark.parametrize(
    ("count", "lines", "rest"),
    [
        (0, 0, TEXT),
        (1, 1, TEXT[9:]),
        (2, 4, b'{"a": 3}\n{"a": 4}'),  # the blank lines between are passed too
        (3, 5, b'{"a": 4}'),
        (4, 5, b""),  # the last line, without a line break
    ],
)
@pytest.mark.parametrize("chunk_size", [1, 3, 1 << 20])
def test_skip_records(count: int, lines: int, rest: bytes, chunk_size: int) -> None:
    chunks = (TEXT[i : i + chunk_size] for i in range(0, len(TEXT), chunk_size))
    passed, after = records.skip_records(chunks, count)
    assert (passed, b"".join(after)) == (lines, rest)
