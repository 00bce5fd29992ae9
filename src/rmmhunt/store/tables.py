"""Rows of one transaction, written per table and UTC day as staged Parquet files.

Rows are buffered into row groups of about `row_group_rows` (sorted by Timestamp within each),
with at most `buffer_bytes` held in memory across all open files; each (table, day) gets one
file per transaction, or a new one when the table gains a column.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rmmhunt.compiler.sqltypes import arrow_type, kql_type_of_arrow
from rmmhunt.kql.types import KqlType
from rmmhunt.store.transaction import Transaction, WorkspaceError

if TYPE_CHECKING:
    from rmmhunt.store.workspace import WorkspaceStore

TIME_COLUMN = "Timestamp"
ROW_GROUP_ROWS = 250_000
BUFFER_BYTES = 256 << 20


def storage_schema(columns: dict[str, KqlType]) -> pa.Schema:
    return pa.schema([pa.field(n, arrow_type(t)) for n, t in columns.items()])


def conform(table: pa.Table, columns: dict[str, KqlType]) -> pa.Table:
    """Columns in schema order and storage type; absent ones null; strings never null (Kusto has no null string)."""
    arrays = []
    for name, kql_type in columns.items():
        target = arrow_type(kql_type)
        if name in table.column_names:
            array = table.column(name)
            if array.type != target:
                array = array.cast(target)
        else:
            array = pa.nulls(table.num_rows, target)
        if kql_type is KqlType.STRING and array.null_count:
            array = pc.fill_null(array, "")
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=storage_schema(columns))


DAY_US = 86_400_000_000


def _micros(times: pa.ChunkedArray) -> np.ndarray:
    return times.combine_chunks().cast(pa.timestamp("us")).view(pa.int64()).to_numpy(zero_copy_only=False)


def is_sorted(times: pa.ChunkedArray) -> bool:
    if times.null_count:
        return False
    values = _micros(times)
    return bool(np.all(values[1:] >= values[:-1]))


def split_by_day(table: pa.Table) -> list[tuple[str, pa.Table]]:
    """Rows grouped by the UTC day of their Timestamp (none: "unknown"), each group sorted by Timestamp."""
    if table.num_rows == 0:
        return []
    if TIME_COLUMN not in table.column_names:  # a snapshot table (inventories, assessments): one partition
        return [("unknown", table)]
    if not is_sorted(table.column(TIME_COLUMN)):
        table = table.sort_by(TIME_COLUMN)  # nulls last
    times = table.column(TIME_COLUMN)
    known = len(times) - times.null_count
    days = _micros(times.slice(0, known)) // DAY_US
    starts = np.flatnonzero(days[1:] != days[:-1]) + 1
    bounds = [0, *starts.tolist(), known]
    parts = [
        (str(np.datetime64(int(days[a]), "D")), table.slice(a, b - a)) for a, b in itertools.pairwise(bounds) if b > a
    ]
    if known < table.num_rows:
        parts.append(("unknown", table.slice(known)))
    return parts


@dataclass
class _DayFile:
    relative: str
    schema: pa.Schema
    pending: list[pa.Table] = field(default_factory=list)
    pending_rows: int = 0
    pending_bytes: int = 0
    writer: pq.ParquetWriter | None = None


class TableWriter:
    def __init__(
        self,
        store: WorkspaceStore,
        transaction: Transaction,
        *,
        row_group_rows: int | None = None,
        buffer_bytes: int | None = None,
    ):
        self.store = store
        self.transaction = transaction
        self.row_group_rows = row_group_rows or ROW_GROUP_ROWS
        self.buffer_bytes = buffer_bytes or BUFFER_BYTES
        self.schemas: dict[str, dict[str, KqlType]] = {}
        self.changed: set[str] = set()
        self.files: dict[tuple[str, str], _DayFile] = {}
        self.stored: Counter[str] = Counter()
        self.pending_bytes = 0

    def columns(self, table: str) -> dict[str, KqlType] | None:
        """The table's columns as this transaction will leave them; None for a table not in the catalog."""
        if table not in self.schemas:
            columns = self.store.table_columns(table)
            if columns is None:
                return None
            self.schemas[table] = dict(columns)
        return self.schemas[table]

    def add_columns(self, table: str, new: dict[str, KqlType]) -> None:
        columns = self.columns(table)
        if columns is None:
            raise WorkspaceError(f"unknown table {table!r}: not in the Defender schema catalog")
        added = {name: kql_type for name, kql_type in new.items() if name not in columns}
        if added:
            columns.update(added)
            self.changed.add(table)

    def write(self, table: str, rows: pa.Table, types: dict[str, KqlType] | None = None) -> int:
        """Stage rows of a table; columns it does not have yet are added (typed by `types`, else by Arrow type)."""
        self.add_columns(
            table,
            {f.name: (types or {}).get(f.name) or kql_type_of_arrow(f.type) for f in rows.schema},
        )
        if not (self.store.tables_dir / table / "schema.json").exists():
            self.changed.add(table)
        columns = self.schemas[table]
        conformed = conform(rows, columns)
        for day, part in split_by_day(conformed):
            self._append(self._file(table, day, conformed.schema), part)
        self.stored[table] += rows.num_rows
        return rows.num_rows

    def _file(self, table: str, day: str, schema: pa.Schema) -> _DayFile:
        current = self.files.get((table, day))
        if current is not None and current.schema.equals(schema):
            return current
        if current is not None:
            self._close(current)
        relative = f"tables/{table}/day={day}/{uuid.uuid4().hex}.parquet"
        self.files[(table, day)] = _DayFile(relative, schema)
        return self.files[(table, day)]

    def _append(self, target: _DayFile, rows: pa.Table) -> None:
        target.pending.append(rows)
        target.pending_rows += rows.num_rows
        target.pending_bytes += rows.nbytes
        self.pending_bytes += rows.nbytes
        if target.pending_rows >= self.row_group_rows:
            self._flush(target)
        while self.pending_bytes > self.buffer_bytes:
            self._flush(max(self.files.values(), key=lambda f: f.pending_bytes))

    def _flush(self, target: _DayFile) -> None:
        if not target.pending:
            return
        rows = pa.concat_tables(target.pending)
        if TIME_COLUMN in rows.column_names and not is_sorted(rows.column(TIME_COLUMN)):
            rows = rows.sort_by(TIME_COLUMN)
        if target.writer is None:
            path = self.transaction.path(target.relative)
            target.writer = pq.ParquetWriter(path, target.schema, compression="zstd", compression_level=1)
        target.writer.write_table(rows, row_group_size=max(rows.num_rows, 1))
        self.pending_bytes -= target.pending_bytes
        target.pending, target.pending_rows, target.pending_bytes = [], 0, 0

    def _close(self, target: _DayFile) -> None:
        self._flush(target)
        if target.writer is not None:
            target.writer.close()

    def close(self) -> dict[str, int]:
        """Write out every buffered row and stage the schemas that changed; returns rows stored per table."""
        for target in self.files.values():
            self._close(target)
        self.files.clear()
        for table in sorted(self.changed):
            text = json.dumps({c: t.value for c, t in self.schemas[table].items()}, indent=2) + "\n"
            self.transaction.path(f"tables/{table}/schema.json").write_text(text, "utf-8")
        return dict(self.stored)
