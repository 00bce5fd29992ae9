"""Workspace layout and writes.

    WS/rmmhunt-workspace.json                     marker and format version
    WS/tables/<Table>/schema.json                 column -> KQL type (catalog columns, then extras)
    WS/tables/<Table>/day=YYYY-MM-DD/<id>.parquet rows of one UTC day, sorted by Timestamp

Every file is written under a temporary name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from rmmhunt.compiler.sqltypes import arrow_type, kql_type_of_arrow
from rmmhunt.errors import RmmhuntError
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import Catalog, default_catalog

MARKER = "rmmhunt-workspace.json"
FORMAT_VERSION = 1
TIME_COLUMN = "Timestamp"


class WorkspaceError(RmmhuntError):
    pass


def _write_atomically(path: Path, write: callable) -> None:  # type: ignore[valid-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class WorkspaceStore:
    def __init__(self, root: str | os.PathLike[str], catalog: Catalog | None = None, *, create: bool = False):
        self.root = Path(root)
        self.catalog = catalog or default_catalog()
        marker = self.root / MARKER
        if not marker.exists():
            if not create:
                if self.root.exists() and not self.root.is_dir():
                    raise WorkspaceError(f"{self.root}: not a directory")
                raise WorkspaceError(
                    f"{self.root}: not an rmmhunt workspace (no {MARKER}); create one with "
                    "`rmmhunt ingest --into` or `rmmhunt demo`"
                )
            self.root.mkdir(parents=True, exist_ok=True)
            _write_atomically(marker, lambda p: p.write_text(json.dumps({"format": FORMAT_VERSION}) + "\n"))

    @property
    def tables_dir(self) -> Path:
        return self.root / "tables"

    # ------------------------------------------------------------ reading

    def stored_tables(self) -> list[str]:
        if not self.tables_dir.exists():
            return []
        return sorted(p.name for p in self.tables_dir.iterdir() if (p / "schema.json").exists())

    def table_columns(self, name: str) -> dict[str, KqlType] | None:
        """Catalog columns plus any extra columns stored for the table; None for an unknown table."""
        schema_file = self.tables_dir / name / "schema.json"
        if schema_file.exists():
            stored = json.loads(schema_file.read_text("utf-8"))
            return {column: KqlType(kql_type) for column, kql_type in stored.items()}
        return self.catalog.table_columns(name)

    def table_names(self) -> list[str]:
        return sorted(set(self.catalog.table_names()) | set(self.stored_tables()))

    def table_files(self, name: str) -> list[Path]:
        return sorted((self.tables_dir / name).glob("day=*/*.parquet"))

    # ------------------------------------------------------------ writing

    def write(self, name: str, table: pa.Table) -> int:
        """Store rows of one table, coerced to its schema; returns the number of rows written."""
        columns = self._merge_schema(name, table.schema)
        coerced = conform(table, columns)
        for day, rows in split_by_day(coerced):
            path = self.tables_dir / name / f"day={day}" / f"{uuid.uuid4().hex}.parquet"
            _write_atomically(
                path, lambda p, rows=rows: pq.write_table(rows, p, compression="zstd", row_group_size=1_000_000)
            )
        return coerced.num_rows

    def _merge_schema(self, name: str, incoming: pa.Schema) -> dict[str, KqlType]:
        known = self.table_columns(name)
        if known is None:
            raise WorkspaceError(f"unknown table {name!r}: not in the Defender schema catalog")
        merged = dict(known)
        for field in incoming:
            if field.name not in merged:
                merged[field.name] = kql_type_of_arrow(field.type)
        if TIME_COLUMN not in merged:
            raise WorkspaceError(f"table {name!r} has no {TIME_COLUMN} column to partition by")
        schema_file = self.tables_dir / name / "schema.json"
        _write_atomically(
            schema_file, lambda p: p.write_text(json.dumps({c: t.value for c, t in merged.items()}, indent=2) + "\n")
        )
        return merged


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
        if kql_type is KqlType.STRING:
            array = pc.fill_null(array, "")
        arrays.append(array)
    return pa.table(arrays, schema=pa.schema([pa.field(n, arrow_type(t)) for n, t in columns.items()]))


def split_by_day(table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
    """Rows grouped by the UTC day of their Timestamp, each group sorted by Timestamp."""
    if table.num_rows == 0:
        return
    ordered = table.sort_by(TIME_COLUMN)
    days = pc.strftime(ordered.column(TIME_COLUMN), format="%Y-%m-%d")
    days = pc.fill_null(days, "unknown")
    for day in pc.unique(days).to_pylist():
        yield day, ordered.filter(pc.equal(days, day))
