"""Bytes -> batches of records, each with the line (and index) it came from.

A `Batch` holds either JSON texts (`__j`, one per record, not yet parsed) or already-split columns
(CSV, Parquet), plus the records set aside before any parsing (`rejected`): text that is not UTF-8,
a record longer than the limit, the partial record a truncated file ends with.

JSON comes as lines (one value per line) or as a document: a top-level array of records, or an
object holding one (`records` of an Event Hubs message, `results` of Graph runHuntingQuery with its
`schema`), or a sequence of objects. Documents are split by a vectorised scan for the structural
characters outside strings, so a document of any size is read in bounded memory.

A Log Analytics query API response, `{"tables": [{"name", "columns", "rows"}], "error"}`, is read
the same way one level deeper: each row (a JSON array in the order of its table's `columns`) is a
record, in batches that each hold the rows of one table (`Batch.log_table`); records are numbered
over the whole file. An `error` beside `tables` is a partial error, kept for the file's notes; an
`error` alone is the response of a query that failed (`JsonDocument.failed`), not a record.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from rmmhunt.ingest.sources import IngestError, Truncated

LINE, RECORD, JSON_TEXT = "__line", "__rec", "__j"
REJECT_SCHEMA = pa.schema(
    [
        ("line", pa.int64()),
        ("record", pa.int64()),
        ("table", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.large_binary()),
    ]
)
KEPT_OF_LONG_RECORD = 64 << 10
RECORD_KEYS = {"records", "results", "Results"}
SCHEMA_KEYS = {"schema", "Schema"}
RESPONSE_KEYS = {"tables"}  # of a Log Analytics query API response
ERROR_KEY = "error"
# A document that opens as a Log Analytics response is one even when it is written on one line.
# A saved API response (Graph runHuntingQuery's `results`, Log Analytics' `tables`) is one object holding the
# records, often written on one line: it is read as a document. The document reader takes a sequence of plain
# objects too, so a JSON-lines file taken for a document by mistake still loads every record.
RESPONSE_ARRAY = re.compile(rb'"(?:results|Results|tables)"\s*:\s*\[')
ERROR_OBJECT = re.compile(rb'\{\s*"error"\s*:\s*\{')  # how the response of a failed query opens
WHITESPACE = b" \t\r\n"


@dataclass
class Rejects:
    lines: list[int | None] = field(default_factory=list)
    records: list[int | None] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    raws: list[bytes | None] = field(default_factory=list)

    def add(self, line: int | None, record: int | None, reason: str, raw: bytes | None) -> None:
        self.lines.append(line)
        self.records.append(record)
        self.reasons.append(reason)
        self.raws.append(raw)

    def table(self) -> pa.Table:
        tables = [""] * len(self.reasons)
        return pa.table([self.lines, self.records, tables, self.reasons, self.raws], schema=REJECT_SCHEMA)


@dataclass(frozen=True)
class LogTable:
    """A table of a Log Analytics response: its place in `tables` (from 1) and its (name, type) columns."""

    number: int
    columns: tuple[tuple[str, str], ...]


@dataclass
class Batch:
    data: pa.Table  # __line, __rec, then __j (JSON) or the columns (CSV, Parquet)
    rejected: pa.Table
    log_table: LogTable | None = None  # the table whose rows (JSON arrays) the records are


def _utf8_texts(buffer: bytes | memoryview | np.ndarray, offsets: np.ndarray) -> tuple[pa.Array, np.ndarray | None]:
    """Zero-copy Arrow strings over `buffer`; and a mask of the valid ones if some are not UTF-8."""
    texts = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(buffer))
    try:
        texts.validate(full=True)
        return texts, None
    except pa.ArrowInvalid:
        raw = pa.LargeBinaryArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(buffer))
        valid = np.ones(len(raw), bool)
        for i, value in enumerate(raw.to_pylist()):
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                valid[i] = False
        return texts, valid


def _text_batch(
    buffer: bytes | memoryview | np.ndarray,
    offsets: np.ndarray,
    lines: np.ndarray,
    records: np.ndarray | None,
    rejects: Rejects,
) -> Batch:
    """Records as text over `buffer`; blank ones (whitespace only: not records) dropped, non-UTF-8 set aside."""
    texts, valid = _utf8_texts(buffer, offsets)
    record_array = pa.nulls(len(lines), pa.int64()) if records is None else pa.array(records, pa.int64())
    data = pa.table({LINE: pa.array(lines, pa.int64()), RECORD: record_array, JSON_TEXT: texts})
    keep = np.ones(len(lines), bool) if valid is None else valid.copy()
    view = memoryview(buffer)
    for i in np.flatnonzero(np.diff(offsets) <= 64).tolist():  # blank lines are short: look at short ones only
        if not bytes(view[offsets[i] : offsets[i + 1]]).strip(WHITESPACE):
            keep[i] = False
    if valid is not None:
        for i in np.flatnonzero(~valid).tolist():
            raw = bytes(view[offsets[i] : offsets[i + 1]]).rstrip(WHITESPACE)
            rejects.add(int(lines[i]), None if records is None else int(records[i]), "not UTF-8 text", raw)
    if not keep.all():
        data = data.filter(pa.array(keep))
    return Batch(data, rejects.table())


# ---------------------------------------------------------------- JSON lines


class JsonLines:
    """One JSON value per line; blank lines are not records."""

    def __init__(self, batch_bytes: int, max_record_bytes: int, lines_before: int = 0):
        self.batch_bytes = batch_bytes
        self.max_record_bytes = max_record_bytes
        self.lines_done = lines_before  # lines before `pending` (and before the bytes read, if not from the start)
        self.pending = b""  # the start of a line not yet ended
        self.long_line: tuple[int, bytes] | None = None  # (line, first bytes) of a line past the limit

    def batches(self, chunks: Iterator[bytes]) -> Iterator[Batch]:
        parts: list[bytes] = []
        size = 0
        try:
            for chunk in chunks:
                parts.append(chunk)
                size += len(chunk)
                if size >= self.batch_bytes:
                    yield self._cut(parts, final=False, truncated=False)
                    parts, size = [], 0
        except Truncated:
            yield self._cut(parts, final=True, truncated=True)
            raise
        yield self._cut(parts, final=True, truncated=False)

    def _cut(self, parts: list[bytes], *, final: bool, truncated: bool) -> Batch:
        """The complete lines of what came so far (all of it if `final`); the rest waits for more."""
        rejects = Rejects()
        data = b"".join([self.pending, *parts])
        start = 0
        if self.long_line is not None:
            end = data.find(b"\n")
            if end < 0 and not final:
                self.pending = b""
                return Batch(_empty_json(), rejects.table())
            line, head = self.long_line
            reason = f"record longer than {self.max_record_bytes:,} bytes; its first {len(head):,} bytes kept"
            rejects.add(line, None, reason, head)
            self.long_line = None
            self.lines_done += 1
            start = len(data) if end < 0 else end + 1
        view = memoryview(data)[start:]
        buffer = np.frombuffer(view, np.uint8)
        newlines = np.flatnonzero(buffer == 10)
        complete = int(newlines[-1]) + 1 if len(newlines) else 0
        tail = bytes(view[complete:])
        self.pending = b""
        if final and truncated and tail.strip(WHITESPACE):
            reason = "incomplete: the file is cut off inside this record"
            rejects.add(self.lines_done + len(newlines) + 1, None, reason, tail)
        elif final:
            complete = len(view)
        elif len(tail) > self.max_record_bytes:
            self.long_line = (self.lines_done + len(newlines) + 1, tail[:KEPT_OF_LONG_RECORD])
        else:
            self.pending = tail
        ends = newlines + 1
        if complete > (int(ends[-1]) if len(ends) else 0):
            ends = np.append(ends, complete)
        offsets = np.concatenate(([0], ends)).astype(np.int64)
        lines = self.lines_done + 1 + np.arange(len(ends), dtype=np.int64)
        self.lines_done += len(newlines)
        return _text_batch(view[:complete], offsets, lines, None, rejects)


def skip_records(chunks: Iterator[bytes], count: int) -> tuple[int, Iterator[bytes]]:
    """Read past the first `count` lines that are not blank: the line breaks passed, and the bytes after.

    DuckDB's `read_json` reads such lines, one record each, in order (blank ones it skips, any other
    line fails it), so this is where the fast path's records end when it stops at a record.
    """
    lines = 0
    carried = False  # whether the line begun in an earlier chunk holds any text
    for chunk in chunks:
        if count <= 0:
            return lines, prepend(chunk, chunks)
        buffer = np.frombuffer(chunk, np.uint8)
        ends = np.flatnonzero(buffer == 10)
        if len(ends):
            starts = np.concatenate(([0], ends[:-1] + 1))
            held = ~_SPACE[buffer[starts]]  # a line that begins with text holds some: a record begins with "{"
            for i in np.flatnonzero(~held):  # the few that begin with whitespace: look along them
                held[i] = not _SPACE[buffer[starts[i] : ends[i]]].all()
            held[0] |= carried
            done = np.cumsum(held)
            if done[-1] >= count:
                last = int(np.searchsorted(done, count))
                return lines + last + 1, prepend(chunk[int(ends[last]) + 1 :], chunks)
            count -= int(done[-1])
            lines += len(ends)
            carried = False
        carried = carried or not _SPACE[buffer[int(ends[-1]) + 1 if len(ends) else 0 :]].all()
    return lines, iter(())


def prepend(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """`head`, unless empty, then the rest."""
    if head:
        yield head
    yield from rest


# ---------------------------------------------------------------- JSON documents

_STRUCTURAL = np.zeros(256, bool)
_STRUCTURAL[list(b"{}[],:")] = True
_DEPTH = np.zeros(256, np.int64)
_DEPTH[list(b"{[")] = 1
_DEPTH[list(b"}]")] = -1
_SPACE = np.zeros(256, bool)
_SPACE[list(WHITESPACE)] = True
_CLOSING = np.zeros(256, bool)
_CLOSING[list(b"}]")] = True
KEY_BYTES = 4096  # how far back from a colon its key is looked for; kept across chunks
_HOLDING = ("array", "records", "schema", "error", "columns", "rows")  # phases that keep bytes from `start`
# Phases whose value is read from the marks one level below the shallow ones, and the phase its end returns to.
_CLOSES_TO = {
    "records": "object",
    "schema": "object",
    "skip": "object",
    "error": "object",
    "columns": "table",
    "rows": "table",
    "table_skip": "table",
}
# Phases inside a response's `tables`: shallow marks go to depth 3 there, and rows lie at depth 4.
_TABLE_PHASES = {"tables", "table", "columns", "rows", "table_skip"}


class JsonDocument:
    """The records of a JSON document: see the module docstring for the shapes."""

    def __init__(self, batch_bytes: int, max_record_bytes: int):
        self.batch_bytes = batch_bytes
        self.max_record_bytes = max_record_bytes
        self.buffer = np.zeros(0, np.uint8)
        self.lines_before = 0  # newlines before buffer[0]
        self.scanned = 0
        self.in_string = False
        self.depth = 0
        # top, array (top-level), object (top-level), records, schema, error, skip (other arrays in it);
        # tables, table (one of them), columns, rows, table_skip (its other arrays)
        self.phase = "top"
        self.start = 0  # start of the element or schema array being read
        self.object_start: int | None = None  # the top-level object, while it may itself be a record
        self.gap_start = 0  # where text outside any value began
        self.key = ""
        self.count = 0
        self.spans: list[tuple[int, int]] = []
        self.rejects = Rejects()
        self.schema: list[dict[str, str]] = []
        self.is_response = False  # a Log Analytics response: the object holds `tables`
        self.failed = False  # a response holding only an `error`: the query failed
        self.object_keys: list[str] = []  # of the top-level object being read
        self.tables_read = 0
        self.log_table: LogTable | None = None  # the table being read, once its columns are
        self.span_table: LogTable | None = None  # the table whose rows `spans` are
        self.error_text: bytes | None = None
        self.ready: list[Batch] = []  # batches cut where the records changed table

    def batches(self, chunks: Iterator[bytes]) -> Iterator[Batch]:
        truncated = False
        try:
            for chunk in chunks:
                self.buffer = np.concatenate((self.buffer, np.frombuffer(chunk, np.uint8)))
                self._scan()
                yield from self._take_ready()
                if sum(e - s for s, e in self.spans) >= self.batch_bytes:
                    yield from self._emit()
                self._trim()
        except Truncated:
            truncated = True
        self._finish(truncated)
        yield from self._take_ready()
        yield from self._emit()
        if truncated:
            raise Truncated("the file is cut off (the JSON document is incomplete)")
        if self.phase != "top":
            raise Truncated("the JSON document is incomplete: the file ends inside it")

    def _keep(self) -> int:
        """The first byte still needed."""
        keep = [max(self.scanned - KEY_BYTES, 0), *(s for s, _ in self.spans[:1])]
        if self.phase in _HOLDING:
            keep.append(self.start)
        if self.object_start is not None:
            keep.append(self.object_start)
        return min(keep)

    def _line(self, position: int) -> int:
        return self.lines_before + int(np.count_nonzero(self.buffer[:position] == 10)) + 1

    def _escaped(self, quote: int) -> bool:
        run = 0
        while quote - run - 1 >= 0 and self.buffer[quote - run - 1] == 92:
            run += 1
        return run % 2 == 1

    def _scan(self) -> None:
        a, start = self.buffer, self.scanned
        region = a[start:]
        quotes = np.flatnonzero(region == 34) + start
        after_backslash = quotes[(quotes > 0) & (a[np.maximum(quotes - 1, 0)] == 92)]
        if len(after_backslash):
            escaped = [q for q in after_backslash.tolist() if self._escaped(q)]
            quotes = np.setdiff1d(quotes, np.array(escaped, np.int64), assume_unique=True)
        marks = np.flatnonzero(_STRUCTURAL[region]) + start
        marks = marks[(np.searchsorted(quotes, marks) + self.in_string) % 2 == 0]
        chars = a[marks]
        delta = _DEPTH[chars]
        before = self.depth + np.cumsum(delta) - delta
        self.in_string = bool((self.in_string + len(quotes)) % 2)
        if len(marks):
            self.depth = int(before[-1] + delta[-1])
        self.scanned = len(a)
        # Shallow marks are events, one at a time; the marks one level deeper (record boundaries) are
        # taken together between two events. How deep is shallow depends on the phase.
        shallow = {limit: np.flatnonzero(before <= limit) for limit in (1, 3)}
        deep = {limit: np.flatnonzero(before == limit + 1) for limit in (1, 3)}
        done = 0
        while True:
            limit = 3 if self.phase in _TABLE_PHASES else 1
            events = shallow[limit]
            at = np.searchsorted(events, done)
            event = int(events[at]) if at < len(events) else len(marks)
            inside = deep[limit][np.searchsorted(deep[limit], done) : np.searchsorted(deep[limit], event)]
            self._nested(marks, chars, inside)
            if event == len(marks):
                break
            self._event(int(marks[event]), chr(chars[event]), int(before[event]))
            done = event + 1

    def _nested(self, marks: np.ndarray, chars: np.ndarray, inside: np.ndarray) -> None:
        """The marks one level below the shallow ones between two of them: record boundaries, the end of a value."""
        if self.phase not in _CLOSES_TO or not len(inside):
            return
        closing = inside[_CLOSING[chars[inside]]]
        end = int(marks[closing[0]]) if len(closing) else None
        if self.phase in ("records", "rows"):
            commas = marks[inside[chars[inside] == ord(",")]]
            if end is not None:
                commas = commas[commas < end]
            starts = [self.start, *(commas + 1).tolist()]
            ends = [*commas.tolist(), *([] if end is None else [end])]
            for s, e in zip(starts, ends, strict=False):
                self._element(s, e)
            self.start = starts[-1] if end is None else end + 1
        elif end is not None and self.phase == "schema":
            self._read_schema(bytes(self.buffer[self.start : end + 1]))
        elif end is not None and self.phase == "columns":
            self._read_columns(bytes(self.buffer[self.start : end + 1]), self.start)
        elif end is not None and self.phase == "error":
            self.error_text = bytes(self.buffer[self.start : end + 1])
        if end is not None:
            self.phase = _CLOSES_TO[self.phase]

    def _event(self, position: int, char: str, depth: int) -> None:
        if self.phase == "top":
            if depth != 0 or char not in "[{":
                raise IngestError(f"line {self._line(position)}: not a JSON document: unexpected {char!r}")
            self._check_gap(position)
            self._records_of(None)
            if char == "[":
                self.phase, self.start = "array", position + 1
            else:
                self.phase, self.object_start, self.object_keys = "object", position, []
        elif self.phase == "array" and depth == 1 and char in ",]":
            self._element(self.start, position)
            self.start = position + 1
            if char == "]":
                self.phase, self.gap_start = "top", position + 1
        elif self.phase == "object" and depth == 1:
            if char == ":":
                self.key = self._key_before(position)
                self.object_keys.append(self.key)
            elif char == "[":
                if self.key in RECORD_KEYS:
                    self._records_of(None)
                    self.phase, self.start, self.object_start = "records", position + 1, None
                elif self.key in SCHEMA_KEYS:
                    self.phase, self.start = "schema", position
                elif self.key in RESPONSE_KEYS:
                    self.phase, self.object_start, self.is_response = "tables", None, True
                else:
                    self.phase = "skip"
            elif char == "{" and self.key == ERROR_KEY:
                self.phase, self.start = "error", position
            elif char == "}":
                if self.object_keys == [ERROR_KEY] and self.error_text is not None:
                    self.is_response = self.failed = True
                elif self.object_start is not None:
                    self._element(self.object_start, position + 1)
                self.phase, self.gap_start, self.object_start = "top", position + 1, None
        elif self.phase in _TABLE_PHASES:
            self._table_event(position, char, depth)

    def _table_event(self, position: int, char: str, depth: int) -> None:
        """A shallow mark inside `tables`: a table opens or closes, a key, its columns or rows begin."""
        if self.phase == "tables" and depth == 2:
            if char == "{":
                self.phase, self.log_table = "table", None
                self.tables_read += 1
            elif char == "]":
                self.phase = "object"
        elif self.phase == "table" and depth == 3:
            if char == ":":
                self.key = self._key_before(position)
            elif char == "[" and self.key == "columns":
                self.phase, self.start = "columns", position
            elif char == "[" and self.key == "rows":
                if self.log_table is None:
                    raise IngestError(
                        f"line {self._line(position)}: table {self.tables_read} of the response has rows before columns"
                    )
                self._records_of(self.log_table)
                self.phase, self.start = "rows", position + 1
            elif char == "[":
                self.phase = "table_skip"
            elif char == "}":
                self.phase = "tables"

    def _key_before(self, colon: int) -> str:
        """The object key that ends just before a colon."""
        window = bytes(self.buffer[max(0, colon - KEY_BYTES) : colon])
        close = window.rfind(b'"')
        return window[window.rfind(b'"', 0, close) + 1 : close].decode("utf-8", "replace")

    def _records_of(self, table: LogTable | None) -> None:
        """Records of `table` (None: not rows of a response) follow; any of another one go first, in their own batch."""
        if table != self.span_table:
            self.ready.extend(self._emit())
            self.span_table = table

    def _check_gap(self, end: int) -> None:
        gap = bytes(self.buffer[self.gap_start : end])
        if gap.strip(WHITESPACE):
            offset = len(gap) - len(gap.lstrip(WHITESPACE))
            self.rejects.add(
                self._line(self.gap_start + offset), None, "text outside any JSON value", gap.strip(WHITESPACE)
            )

    def _element(self, start: int, end: int) -> None:
        text = np.flatnonzero(~_SPACE[self.buffer[start:end]])
        if len(text):
            self.spans.append((start + int(text[0]), start + int(text[-1]) + 1))

    def _read_schema(self, text: bytes) -> None:
        try:
            schema = json.loads(text)
        except ValueError:
            return
        self.schema = [
            {"name": str(c.get("name", c.get("Name"))), "type": str(c.get("type", c.get("Type")))}
            for c in schema
            if isinstance(c, dict)
        ]

    def _read_columns(self, text: bytes, start: int) -> None:
        columns = _name_type_pairs(text)
        if columns is None:
            raise IngestError(
                f"line {self._line(start)}: the columns of table {self.tables_read} of the response "
                "are not a list of {name, type} objects"
            )
        self.log_table = LogTable(self.tables_read, columns)

    @property
    def response_error(self) -> object | None:
        """A response's `error`, parsed if it is JSON: beside `tables` a partial error, alone (`failed`) a failure."""
        if self.error_text is None or not self.is_response:
            return None
        try:
            return json.loads(self.error_text)
        except ValueError:
            return self.error_text.decode("utf-8", "replace")

    def _finish(self, truncated: bool) -> None:
        partial = self.start if self.phase in ("array", "records", "rows") else self.object_start
        if self.phase != "top" and partial is not None:
            piece = bytes(self.buffer[partial:])
            if piece.strip(WHITESPACE):
                offset = len(piece) - len(piece.lstrip(WHITESPACE))
                reason = "incomplete: the file is cut off inside this record"
                self.rejects.add(
                    self._line(partial + offset), self.count + len(self.spans), reason, piece.strip(WHITESPACE)
                )
        elif self.phase == "top" and not truncated:
            self._check_gap(len(self.buffer))

    def _emit(self) -> Iterator[Batch]:
        """Hand over the records found so far."""
        if self.spans:
            first, last = self.spans[0][0], self.spans[-1][1]
            window = self.buffer[first:last].copy()
            for (_, end), (start, _) in zip(self.spans, self.spans[1:], strict=False):
                window[end - first : start - first] = 32  # what lies between records becomes spaces
            starts = np.array([s for s, _ in self.spans], np.int64)
            offsets = np.append(starts - first, last - first)
            newlines = np.flatnonzero(self.buffer[:last] == 10)
            lines = self.lines_before + np.searchsorted(newlines, starts) + 1
            records = self.count + np.arange(len(self.spans), dtype=np.int64)
            self.count += len(self.spans)
            self.spans = []
            rejects, self.rejects = self.rejects, Rejects()
            yield replace(_text_batch(window, offsets, lines, records, rejects), log_table=self.span_table)
        elif self.rejects.reasons:
            rejects, self.rejects = self.rejects, Rejects()
            yield Batch(_empty_json(), rejects.table())

    def _take_ready(self) -> Iterator[Batch]:
        ready, self.ready = self.ready, []
        yield from ready

    def _trim(self) -> None:
        """Forget the bytes no longer needed."""
        partial = self.start if self.phase in _HOLDING else self.object_start
        if partial is not None and len(self.buffer) - partial > self.max_record_bytes:
            raise IngestError(f"line {self._line(partial)}: a JSON value longer than {self.max_record_bytes:,} bytes")
        keep = self._keep()
        self.lines_before += int(np.count_nonzero(self.buffer[:keep] == 10))
        self.buffer = self.buffer[keep:].copy()
        self.scanned -= keep
        self.start -= keep
        self.gap_start = max(self.gap_start - keep, 0)
        if self.object_start is not None:
            self.object_start -= keep
        self.spans = [(s - keep, e - keep) for s, e in self.spans]


def _name_type_pairs(text: bytes) -> tuple[tuple[str, str], ...] | None:
    """A response table's `columns`, [{"name": ..., "type": ...}, ...], as (name, type) pairs; None if not that."""
    try:
        columns = json.loads(text)
    except ValueError:
        return None
    if not isinstance(columns, list) or not all(isinstance(c, dict) for c in columns):
        return None
    pairs = tuple((c.get("name"), c.get("type", "string")) for c in columns)
    return pairs if all(isinstance(n, str) and isinstance(t, str) for n, t in pairs) else None


def _empty_json() -> pa.Table:
    return pa.table(
        {LINE: pa.array([], pa.int64()), RECORD: pa.array([], pa.int64()), JSON_TEXT: pa.array([], pa.large_string())}
    )


def is_error_response(value: object) -> bool:
    """Whether a parsed JSON value is the response of a query that failed: an object holding only an `error` object."""
    return isinstance(value, dict) and list(value) == [ERROR_KEY] and isinstance(value[ERROR_KEY], dict)


def is_json_lines(head: bytes) -> bool:
    """Whether a JSON file holds one value per line (else it is one document), from its first bytes."""
    text = head.lstrip(WHITESPACE)
    first = text.split(b"\n", 1)[0]
    if text.startswith(b"[") or RESPONSE_ARRAY.search(first):
        return False
    if ERROR_OBJECT.match(first) and is_error_response(_parsed(first)):
        return False
    lines = [line for line in text.split(b"\n")[:-1] if line.strip(WHITESPACE)][:5]
    if not lines:
        return True  # a single line so far (or a huge first line): read as lines
    parsed = sum(isinstance(_parsed(line), dict) for line in lines)
    return parsed * 2 >= len(lines)


def _parsed(text: bytes) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None


# ---------------------------------------------------------------- CSV


class _ChunkReader(io.RawIOBase):
    """A file-like view of an iterator of chunks; a truncated input reads as an early end, noted."""

    def __init__(self, chunks: Iterator[bytes]):
        self.chunks = chunks
        self.current = b""
        self.truncated = False

    def readable(self) -> bool:
        return True

    def readinto(self, target: memoryview) -> int:  # type: ignore[override]
        while not self.current:
            try:
                self.current = next(self.chunks)
            except StopIteration:
                return 0
            except Truncated:
                self.truncated = True
                return 0
        size = min(len(target), len(self.current))
        target[:size] = self.current[:size]
        self.current = self.current[size:]
        return size


def csv_batches(chunks: Iterator[bytes], batch_rows: int, max_record_bytes: int) -> Iterator[Batch]:
    """Rows of a CSV file with a header line; a row with the wrong number of fields is set aside."""
    csv.field_size_limit(max_record_bytes)
    raw = _ChunkReader(chunks)
    text = io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text, strict=True)
    header: list[str] | None = None
    columns: list[list[str]] = []
    lines: list[int] = []
    records: list[int] = []
    rejects = Rejects()
    count = 0
    held: tuple[int, list[str]] | None = None  # the last row, kept until we know the file goes on

    def flush() -> Batch:
        nonlocal columns, lines, records, rejects
        assert header is not None
        data = pa.table(
            {
                LINE: pa.array(lines, pa.int64()),
                RECORD: pa.array(records, pa.int64()),
                **{name: pa.array(values, pa.string()) for name, values in zip(header, columns, strict=True)},
            }
        )
        batch = Batch(data, rejects.table())
        columns, lines, records, rejects = [[] for _ in header], [], [], Rejects()
        return batch

    def take(line: int, row: list[str]) -> None:
        nonlocal count
        assert header is not None
        written = _csv_text(row)
        if len(row) != len(header):
            rejects.add(line, count, f"{len(row)} fields where the header has {len(header)}", written)
        elif _has_surrogates(row):
            rejects.add(line, count, "not UTF-8 text", written)
        else:
            for values, value in zip(columns, row, strict=True):
                values.append(value)
            lines.append(line)
            records.append(count)
        count += 1

    line_after = 0
    while True:
        start = line_after + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            line_after = reader.line_num
            if header is not None:
                rejects.add(start, count, f"not CSV: {error}", None)
                count += 1
            continue
        line_after = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if header is None:
            header = [name.strip().removesuffix(" [UTC]") for name in row]  # Azure portal: "TimeGenerated [UTC]"
            duplicates = sorted({n for n in header if header.count(n) > 1})
            if duplicates:
                raise IngestError(f"line {start}: the header names a column twice: {', '.join(duplicates)}")
            columns = [[] for _ in header]
            continue
        if held is not None:
            take(*held)
        held = (start, row)
        if len(lines) >= batch_rows:
            yield flush()
    if header is None:
        return
    if held is not None:
        if raw.truncated:
            rejects.add(held[0], count, "incomplete: the file is cut off inside this record", _csv_text(held[1]))
        else:
            take(*held)
    yield flush()
    if raw.truncated:
        raise Truncated("the file is cut off (the last row is incomplete)")


def _csv_text(row: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue().encode("utf-8", "surrogateescape")


def _has_surrogates(row: list[str]) -> bool:
    return any(not value.isascii() and any("\udc80" <= ch <= "\udcff" for ch in value) for value in row)


# ---------------------------------------------------------------- Parquet


def parquet_batches(source: Path | IO[bytes], batch_rows: int) -> Iterator[Batch]:
    try:
        reader = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as error:
        raise IngestError(f"not a readable Parquet file: {error}") from None
    count = 0
    empty = Rejects().table()
    try:
        for batch in reader.iter_batches(batch_size=batch_rows):
            n = batch.num_rows
            data = pa.Table.from_batches([batch])
            data = data.add_column(0, RECORD, pa.array(np.arange(count, count + n, dtype=np.int64)))
            data = data.add_column(0, LINE, pa.nulls(n, pa.int64()))
            count += n
            yield Batch(data, empty)
    except (pa.ArrowInvalid, OSError) as error:
        raise Truncated(f"the Parquet file is damaged after record {count}: {error}") from None
