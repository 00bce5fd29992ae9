"""Ingest: files and directories in, every record stored or quarantined, each file once, atomically.

Per source file: skip it if the manifest has it (same path, size and mtime; or, once read, the same
SHA-256); otherwise read it in batches on a background thread (read, decompress, hash, split into
records) while this thread converts each batch in DuckDB and stages the rows per table and day and
the quarantined records; at the end, stage the manifest entry and commit the file's transaction.

JSON lines go first to the fast path (fast.py: DuckDB reads the file itself); where it stops at a
record it does not take, the records before stay staged and the per-line path reads on from there.
"""

from __future__ import annotations

import json
import queue
import tempfile
import threading
import zipfile
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeVar

import duckdb
import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler.relation import col
from rmmhunt.ingest import fast
from rmmhunt.ingest.convert import ColumnsConverter, Converted, JsonConverter, fn, kql_type_of_name, lit
from rmmhunt.ingest.log_analytics import RowsConverter, error_note, failure_message
from rmmhunt.ingest.records import (
    JSON_TEXT,
    LINE,
    RECORD,
    REJECT_SCHEMA,
    Batch,
    JsonDocument,
    JsonLines,
    LogTable,
    csv_batches,
    is_json_lines,
    parquet_batches,
    prepend,
    skip_records,
)
from rmmhunt.ingest.sources import (
    IngestError,
    Member,
    Problem,
    RawFile,
    Source,
    Truncated,
    find_sources,
    gunzip,
    hash_file,
    hash_prefix,
    zip_members,
)
from rmmhunt.store import (
    Manifest,
    ManifestEntry,
    QuarantineWriter,
    TableCounts,
    TableWriter,
    Transaction,
    WorkspaceStore,
)

BATCH_BYTES = 32 << 20
MAX_RECORD_BYTES = 64 << 20
CSV_BATCH_ROWS = 50_000
PARQUET_BATCH_ROWS = 250_000
FAST_BATCH_ROWS = 100_000


class Progress(Protocol):
    def start(self, total_bytes: int) -> None: ...
    def file(self, name: str) -> None: ...
    def advance(self, nbytes: int = 0, records: int = 0, quarantined: int = 0) -> None: ...


class _NoProgress:
    def start(self, total_bytes: int) -> None:
        pass

    def file(self, name: str) -> None:
        pass

    def advance(self, nbytes: int = 0, records: int = 0, quarantined: int = 0) -> None:
        pass


@dataclass
class FileResult:
    name: str
    status: str  # ingested, unchanged (already ingested), duplicate (same content as another), empty
    tables: dict[str, TableCounts] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # files not read (errors) or skipped (notes)

    @property
    def tables(self) -> dict[str, TableCounts]:
        """Records read, stored and quarantined per table over the files ingested in this run."""
        totals: dict[str, Counter[str]] = {}
        for result in self.files:
            for table, counts in result.tables.items():
                total = totals.setdefault(table, Counter())
                total.update(read=counts.read, stored=counts.stored, quarantined=counts.quarantined)
        return {t: TableCounts(c["read"], c["stored"], c["quarantined"]) for t, c in sorted(totals.items())}

    @property
    def rows(self) -> int:
        return sum(c.stored for c in self.tables.values())

    @property
    def quarantined(self) -> int:
        return sum(c.quarantined for c in self.tables.values())

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.error]


Item = TypeVar("Item")


def _background(items: Iterator[Item], depth: int = 2) -> Iterator[Item]:
    """Run an iterator on another thread, `depth` items ahead; its exceptions come out here."""
    channel: queue.Queue[tuple[str, object]] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        channel.put(("item", item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            channel.put(("end", None))
        except BaseException as error:  # handed over to the consumer
            channel.put(("error", error))

    thread = threading.Thread(target=produce, name="rmmhunt-ingest-reader", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = channel.get()
            if kind == "end":
                return
            if kind == "error":
                raise value  # type: ignore[misc]
            yield value  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()


class _Counts:
    def __init__(self) -> None:
        self.read: Counter[str] = Counter()
        self.stored: Counter[str] = Counter()
        self.quarantined: Counter[str] = Counter()

    def tables(self) -> dict[str, TableCounts]:
        names = sorted(set(self.read) | set(self.stored) | set(self.quarantined))
        return {t: TableCounts(self.read[t], self.stored[t], self.quarantined[t]) for t in names}


class Ingester:
    def __init__(
        self,
        store: WorkspaceStore,
        *,
        table: str | None = None,
        force: bool = False,
        progress: Progress | None = None,
        batch_bytes: int = BATCH_BYTES,
        max_record_bytes: int = MAX_RECORD_BYTES,
        fast_path: bool = True,
    ):
        if table is not None and store.table_columns(table) is None:
            raise IngestError(f"unknown table {table!r}: not in the Defender schema catalog")
        self.store = store
        self.table = table
        self.force = force
        self.progress = progress or _NoProgress()
        self.batch_bytes = batch_bytes
        self.max_record_bytes = max_record_bytes
        self.fast_path = fast_path  # False: every file per line (tests compare the two)

    def run(self, paths: list[Path]) -> IngestReport:
        report = IngestReport()
        sources: list[Source] = []
        for found in find_sources(paths):
            if isinstance(found, Problem):
                report.problems.append(found)
            else:
                sources.append(found)
        self.progress.start(sum(s.stat.st_size for s in sources))
        with self.store.writing():
            manifest = Manifest(self.store.root)
            con = duckdb.connect()
            con.execute("SET TimeZone = 'UTC'")
            con.execute("SET enable_progress_bar = false")
            try:
                for source in sources:
                    self.progress.file(source.name)
                    known = manifest.known_unchanged(source.path, source.stat)
                    if known is not None and not self.force:
                        report.files.append(FileResult(source.name, "unchanged"))
                        self.progress.advance(source.stat.st_size)
                        continue
                    result = self._ingest(con, manifest, source)
                    if isinstance(result, Problem):
                        report.problems.append(result)
                    else:
                        report.files.append(result)
            finally:
                con.close()
        return report

    # ------------------------------------------------------------ one file

    def _ingest(self, con: duckdb.DuckDBPyConnection, manifest: Manifest, source: Source) -> FileResult | Problem:
        try:
            resume = self._resume_point(manifest, source)
        except OSError as error:
            return Problem(source.name, f"cannot read: {error.strerror or error}", error=True)
        transaction = self.store.transaction()
        try:
            return self._ingest_in(con, manifest, source, transaction, resume)
        except (IngestError, OSError, zipfile.BadZipFile, duckdb.Error) as error:
            transaction.abort()
            if isinstance(error, duckdb.Error):
                message = f"cannot convert: {str(error).strip().splitlines()[0]}"
            elif isinstance(error, OSError):
                message = f"cannot read: {error.strerror or error}"
            else:
                message = str(error)
            return Problem(source.name, message, error=True)
        except BaseException:
            transaction.abort()
            raise

    def _stage_fast(
        self, con: duckdb.DuckDBPyConnection, source: Source, tables: TableWriter, counts: _Counts
    ) -> RawFile | None:
        """Stage a JSON lines file read by DuckDB itself (see fast.py), hashing it meanwhile on another
        thread; None if the fast path does not take it, or stopped at a record it refuses: then the
        records before that one are staged and counted in `counts.read`, in the order of the file."""
        plan = fast.plan(
            con, source.path, self.store.table_columns, default_table=self.table, max_record_bytes=self.max_record_bytes
        )
        if plan is None:
            return None
        with ThreadPoolExecutor(1, thread_name_prefix="rmmhunt-ingest-hash") as pool:
            hashed = pool.submit(hash_file, source.path, lambda n: None)
            try:
                # DuckDB reads ahead on its own thread while this one writes Parquet (both without the GIL).
                for rows in _background(fast.batches(con, plan, FAST_BATCH_ROWS)):
                    tables.write(plan.table, rows, plan.new_types)
                    counts.read[plan.table] += rows.num_rows
            except fast.Refused:
                return None
            self.progress.advance(source.stat.st_size, records=sum(counts.read.values()))
            return hashed.result()

    def _resume_point(self, manifest: Manifest, source: Source) -> RawFile | None:
        """Where to read on from, for a JSON lines file ingested before from this path that has grown
        since with the bytes of its complete lines unchanged (an append blob); else None."""
        entry = manifest.by_source.get(str(source.path))
        if (
            self.force
            or entry is None
            or source.kind != "json"
            or source.compressed
            or not entry.complete_bytes
            or source.stat.st_size <= entry.size
        ):
            return None
        sha256 = hash_prefix(source.path, entry.complete_bytes, lambda n: self.progress.advance(n))
        if sha256.hexdigest() != entry.complete_sha256:
            return None  # rewritten, not appended to: a new file
        return RawFile(
            source.path,
            lambda n: self.progress.advance(n),
            start=entry.complete_bytes,
            sha256=sha256,
            lines_before=entry.complete_lines,
        )

    def _ingest_in(
        self,
        con: duckdb.DuckDBPyConnection,
        manifest: Manifest,
        source: Source,
        transaction: Transaction,
        resume: RawFile | None = None,
    ) -> FileResult:
        counts = _Counts()
        notes: list[str] = []
        tables = TableWriter(self.store, transaction)
        quarantine = QuarantineWriter(transaction, source.path.name)
        if source.kind == "zip":
            raw = hash_file(source.path, lambda n: self.progress.advance(n))
            with zipfile.ZipFile(source.path) as archive:
                for member in zip_members(archive, source.name):
                    if isinstance(member, Problem):
                        notes.append(str(member))
                        continue
                    self._read(con, member.name, member.kind, _member_chunks(member), tables, quarantine, counts, notes)
        elif source.kind == "parquet":
            raw = hash_file(source.path, lambda n: self.progress.advance(n))
            self._read_parquet(con, source.name, source.path, tables, quarantine, counts, notes)
        else:
            if resume is None and self.fast_path and source.kind == "json":
                hashed = self._stage_fast(con, source, tables, counts)
                if hashed is not None:
                    counts.stored.update(tables.close())
                    return self._finish(manifest, source, transaction, hashed, counts, notes)
            done = sum(counts.read.values())  # records the fast path staged before one it refused
            raw = resume or RawFile(source.path, lambda n: self.progress.advance(n))
            chunks = gunzip(raw.chunks()) if source.compressed else raw.chunks()
            lines_before = raw.complete_lines
            if done:  # read on per line from the refused record: the lines before are read, not converted, again
                self.progress.advance(records=done)
                lines_before, chunks = skip_records(chunks, done)
            self._read(
                con, source.name, source.kind, chunks, tables, quarantine, counts, notes, lines_before, read_on=done > 0
            )
        counts.stored.update(tables.close())
        quarantine.close()
        return self._finish(manifest, source, transaction, raw, counts, notes)

    def _finish(
        self,
        manifest: Manifest,
        source: Source,
        transaction: Transaction,
        raw: RawFile,
        counts: _Counts,
        notes: list[str],
    ) -> FileResult:
        """Commit the file's staged rows with its manifest entry, unless it held nothing or nothing new."""
        if sum(counts.read.values()) == 0:
            transaction.abort()
            return FileResult(source.name, "empty", notes=notes or ["no records"])
        sha256 = raw.sha256.hexdigest()
        earlier = manifest.by_hash.get(sha256)
        if earlier is not None and not self.force:
            transaction.abort()
            return FileResult(source.name, "duplicate", notes=[f"same content as {earlier.source}, already ingested"])
        entry = ManifestEntry(
            sha256=sha256,
            source=str(source.path),
            size=source.stat.st_size,
            mtime_ns=source.stat.st_mtime_ns,
            ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
            tables=counts.tables(),
            start=raw.start,
            # A gzip stream or an archive is never appended to in place: not resumable.
            complete_bytes=raw.complete_bytes if source.kind == "json" and not source.compressed else 0,
            complete_sha256=raw.complete_sha256.hexdigest(),
            complete_lines=raw.complete_lines,
        )
        manifest.stage(transaction, entry)
        transaction.commit()
        manifest.remember(entry)
        return FileResult(source.name, "ingested", counts.tables(), notes)

    def _read(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        kind: str,
        chunks: Iterator[bytes],
        tables: TableWriter,
        quarantine: QuarantineWriter,
        counts: _Counts,
        notes: list[str],
        lines_before: int = 0,
        *,
        read_on: bool = False,
    ) -> None:
        """Read records from `chunks`; `read_on`: they follow lines of a JSON lines file read before."""
        try:
            head, chunks = _peek(chunks)
        except Truncated as truncated:
            notes.append(f"{name}: {truncated}")
            return
        if kind == "parquet":
            with tempfile.TemporaryFile() as spooled:  # Parquet needs random access: inside a zip or gzip
                spooled.write(head)
                for chunk in chunks:
                    spooled.write(chunk)
                spooled.seek(0)
                self._read_parquet(con, name, spooled, tables, quarantine, counts, notes)
            return
        if not read_on:  # the checks of a file's first bytes
            _check_text(head)
            if head.startswith(b"\xef\xbb\xbf"):
                head = head[3:]
        chunks = prepend(head, chunks)
        if kind == "csv":
            reader: Iterator[Batch] = csv_batches(chunks, CSV_BATCH_ROWS, self.max_record_bytes)
            converter: JsonConverter | ColumnsConverter | None = ColumnsConverter(
                con, tables.columns, default_table=self.table
            )
            document = None
        elif read_on or is_json_lines(head):
            reader, converter, document = (
                JsonLines(self.batch_bytes, self.max_record_bytes, lines_before).batches(chunks),
                None,
                None,
            )
        else:
            document = JsonDocument(self.batch_bytes, self.max_record_bytes)
            reader, converter = document.batches(chunks), None
        rows_of: dict[LogTable, RowsConverter] = {}  # a Log Analytics response's tables
        try:
            for batch in _background(reader):
                if (log_table := batch.log_table) is not None:
                    rows = rows_of.get(log_table) or RowsConverter(con, tables.columns, log_table, self.table)
                    rows_of[log_table] = rows
                    self._convert(name, batch, rows, tables, quarantine, counts)
                    continue
                if converter is None and batch.data.num_rows:
                    converter = self._json_converter(con, batch.data, tables, document)
                self._convert(name, batch, converter, tables, quarantine, counts)
        except Truncated as truncated:
            notes.append(f"{name}: {truncated}")
        if document is not None and document.response_error is not None:
            if document.failed:
                raise IngestError(failure_message(document.response_error))
            notes.append(f"{name}: {error_note(document.response_error)}")

    def _json_converter(
        self, con: duckdb.DuckDBPyConnection, data: pa.Table, tables: TableWriter, document: JsonDocument | None
    ) -> JsonConverter:
        first = _first_object(data)
        schema = {c["name"]: kql_type_of_name(c["type"]) for c in document.schema} if document else {}
        if isinstance(first.get("records"), list):
            return _EnvelopeConverter(con, tables, self.table)  # type: ignore[return-value]
        stream = "category" in first and "properties" in first
        return JsonConverter(con, tables.columns, stream=stream, default_table=self.table, schema_types=schema)

    def _convert(
        self,
        name: str,
        batch: Batch,
        converter: JsonConverter | ColumnsConverter | RowsConverter | None,
        tables: TableWriter,
        quarantine: QuarantineWriter,
        counts: _Counts,
    ) -> None:
        converted = converter.convert(batch.data) if converter is not None and batch.data.num_rows else Converted()
        rejected = [batch.rejected, *converted.rejected]
        counts.read.update(converted.read)
        counts.read.update(batch.rejected.column("table").to_pylist())
        quarantined = converted.quarantined()
        quarantined.update(batch.rejected.column("table").to_pylist())
        counts.quarantined.update(quarantined)
        for table, rows in converted.rows.items():
            if rows.num_rows:
                tables.write(table, rows, converted.new_types.get(table))
        for part in rejected:
            quarantine.write(name, part)
        self.progress.advance(
            records=sum(converted.read.values()) + batch.rejected.num_rows, quarantined=sum(quarantined.values())
        )

    def _read_parquet(
        self,
        con: duckdb.DuckDBPyConnection,
        name: str,
        source: Path | object,
        tables: TableWriter,
        quarantine: QuarantineWriter,
        counts: _Counts,
        notes: list[str],
    ) -> None:
        converter = ColumnsConverter(con, tables.columns, default_table=self.table)
        try:
            for batch in parquet_batches(source, PARQUET_BATCH_ROWS):  # type: ignore[arg-type]
                self._convert(name, batch, converter, tables, quarantine, counts)
        except Truncated as truncated:
            notes.append(f"{name}: {truncated}")


class _EnvelopeConverter:
    """Lines that are Event Hubs messages, `{"records": [...]}`: each element is a record."""

    def __init__(self, con: duckdb.DuckDBPyConnection, tables: TableWriter, default_table: str | None):
        self.con = con
        self.tables = tables
        self.default_table = default_table
        self.inner: JsonConverter | None = None

    def convert(self, batch: pa.Table) -> Converted:
        text = col(JSON_TEXT)
        is_message = exp.and_(
            fn("json_valid", text),
            exp.EQ(this=fn("json_type", text.copy(), lit("$.records")), expression=lit("ARRAY")),
        )
        self.con.register("messages", batch)
        try:
            explode = (
                exp.select(
                    col(LINE),
                    exp.alias_(
                        fn(
                            "unnest",
                            fn("range", exp.cast(fn("json_array_length", text.copy(), lit("$.records")), "BIGINT")),
                        ),
                        RECORD,
                    ),
                    exp.alias_(
                        exp.cast(fn("unnest", fn("json_extract", text.copy(), lit("$.records[*]"))), "VARCHAR"),
                        JSON_TEXT,
                    ),
                )
                .from_("messages")
                .where(is_message)
            )
            exploded = self.con.sql(explode.sql("duckdb")).to_arrow_table()
            reason = exp.If(
                this=fn("json_valid", text.copy()),
                true=lit("not an Event Hubs message: no records array"),
                false=lit("not valid JSON"),
            )
            blank = exp.EQ(this=fn("trim", text.copy(), lit(" \t\r\n")), expression=lit(""))
            others = (
                exp.select(
                    exp.alias_(col(LINE), "line"),
                    exp.alias_(col(RECORD), "record"),
                    exp.alias_(lit(""), "table"),
                    exp.alias_(reason, "reason"),
                    exp.alias_(fn("encode", text.copy()), "raw"),
                )
                .from_("messages")
                .where(
                    exp.and_(
                        exp.Not(this=blank),
                        exp.Not(this=exp.Coalesce(this=is_message.copy(), expressions=[exp.false()])),
                    )
                )
            )
            bad = self.con.sql(others.sql("duckdb")).to_arrow_table()
        finally:
            self.con.unregister("messages")
        exploded = exploded.cast(pa.schema([(LINE, pa.int64()), (RECORD, pa.int64()), (JSON_TEXT, pa.large_string())]))
        if self.inner is None and exploded.num_rows:
            first = _first_object(exploded)
            stream = "category" in first and "properties" in first
            self.inner = JsonConverter(self.con, self.tables.columns, stream=stream, default_table=self.default_table)
        converted = self.inner.convert(exploded) if self.inner is not None and exploded.num_rows else Converted()
        if bad.num_rows:
            converted.rejected.append(bad.cast(REJECT_SCHEMA))
            converted.read.update([""] * bad.num_rows)
        return converted


def _first_object(data: pa.Table) -> dict[str, object]:
    """The first record of a batch that parses as a JSON object (to tell the export format)."""
    for text in data.column(JSON_TEXT).slice(0, 1000).to_pylist():
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def _peek(chunks: Iterator[bytes]) -> tuple[bytes, Iterator[bytes]]:
    """The first chunk (b"" for an empty input) and the rest; a truncation is raised when reached."""
    try:
        head = next(chunks)
    except StopIteration:
        return b"", iter(())
    return head, chunks


def _member_chunks(member: Member) -> Iterator[bytes]:
    return gunzip(member.chunks()) if member.compressed else member.chunks()


def _check_text(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("UTF-16 text: save the export as UTF-8")
    if b"\x00" in head[:8192]:
        raise IngestError("binary data, not JSON or CSV text")
