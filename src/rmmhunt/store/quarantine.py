"""Records set aside by ingest: `WS/quarantine/*.parquet`, with source, place, table, reason and raw text."""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from rmmhunt.store.transaction import Transaction

QUARANTINE_DIR = "quarantine"
QUARANTINE_SCHEMA = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),  # file, or archive.zip!member
        pa.field("line", pa.int64()),  # 1-based line where the record starts; null for Parquet
        pa.field("record", pa.int64()),  # 0-based index in its array, line or file; null for a JSON line
        pa.field("table", pa.string(), nullable=False),  # "" when the record names no known table
        pa.field("reason", pa.string(), nullable=False),
        pa.field("raw", pa.large_binary()),  # the record as read
    ]
)


class QuarantineWriter:
    """Quarantined records of one transaction, streamed to one staged Parquet file."""

    def __init__(self, transaction: Transaction, stem: str):
        self.transaction = transaction
        self.relative = f"{QUARANTINE_DIR}/{stem}-{uuid.uuid4().hex[:12]}.parquet"
        self.writer: pq.ParquetWriter | None = None
        self.count = 0

    def write(self, source: str, rows: pa.Table) -> None:
        """Append records given as columns line, record, table, reason and raw."""
        if rows.num_rows == 0:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.transaction.path(self.relative), QUARANTINE_SCHEMA, compression="zstd")
        sources = pa.array([source] * rows.num_rows, pa.string())
        columns = [sources, *(rows.column(f.name).cast(f.type) for f in QUARANTINE_SCHEMA if f.name != "source")]
        self.writer.write_table(pa.Table.from_arrays(columns, schema=QUARANTINE_SCHEMA))
        self.count += rows.num_rows

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def read_quarantine(root: Path) -> pa.Table:
    """Every quarantined record of the workspace, in source and line order."""
    files = sorted((root / QUARANTINE_DIR).glob("*.parquet"))
    if not files:
        return QUARANTINE_SCHEMA.empty_table()
    table = pa.concat_tables(pq.read_table(f, schema=QUARANTINE_SCHEMA) for f in files)
    return table.sort_by([("source", "ascending"), ("line", "ascending"), ("record", "ascending")])
