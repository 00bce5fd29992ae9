"""Workspace layout, reading and writing.

    WS/rmmhunt-workspace.json                     marker and format version
    WS/tables/<Table>/schema.json                 column -> KQL type (catalog columns, then extras)
    WS/tables/<Table>/day=YYYY-MM-DD/<id>.parquet rows of one UTC day, sorted by Timestamp per row group
                                                  (day=unknown: tables or rows without a Timestamp)
    WS/manifest/<sha256>.json                     one per ingested source file (see manifest.py)
    WS/quarantine/<id>.parquet                    records ingest set aside (see quarantine.py)
    WS/watchlists/<Name>.csv                      Sentinel watchlists, read by _GetWatchlist('Name')
    WS/.staging/<id>/                             transactions in progress (see transaction.py)
    WS/.lock                                      held by the one process writing

Every change is a transaction: a reader or a crash never leaves half of one behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa

from rmmhunt.kql.types import KqlType
from rmmhunt.schema import Catalog, default_catalog
from rmmhunt.store.tables import TableWriter
from rmmhunt.store.transaction import STAGING, Transaction, WorkspaceError, recover, workspace_lock, write_atomically
from rmmhunt.tuning.watchlists import read_watchlist, watchlist_columns, watchlist_names

MARKER = "rmmhunt-workspace.json"
FORMAT_VERSION = 1
WATCHLIST_VIEW_PREFIX = "_watchlist_"


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
            if self.root.exists() and not self.root.is_dir():
                raise WorkspaceError(f"{self.root}: not a directory")
            self.root.mkdir(parents=True, exist_ok=True)
            write_atomically(marker, lambda p: p.write_text(json.dumps({"format": FORMAT_VERSION}) + "\n"))
        if (self.root / STAGING).is_dir():
            # A crashed writer left a transaction: finish or drop it now, unless a writer is running.
            with workspace_lock(self.root, required=False) as locked:
                if locked:
                    recover(self.root)

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

    # ------------------------------------------------------------ watchlists

    def watchlist_names(self) -> list[str]:
        return watchlist_names(self.root / "watchlists")

    def watchlist_columns(self, name: str) -> dict[str, KqlType] | None:
        return watchlist_columns(self.root / "watchlists" / f"{name}.csv") if name in self.watchlist_names() else None

    def watchlist_view(self, name: str) -> str:
        """The name engines give a watchlist's view: an identifier every engine accepts, distinct per watchlist."""
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        return f"{WATCHLIST_VIEW_PREFIX}{re.sub(r'[^A-Za-z0-9_]', '_', name)}_{digest}"

    def watchlist_for_view(self, view: str) -> pa.Table | None:
        """The items of the watchlist an engine view is named for, or None."""
        if not view.startswith(WATCHLIST_VIEW_PREFIX):
            return None
        for name in self.watchlist_names():
            if self.watchlist_view(name) == view:
                return read_watchlist(self.root / "watchlists" / f"{name}.csv")
        return None

    # ------------------------------------------------------------ writing

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock (after finishing or dropping what a crashed writer left)."""
        with workspace_lock(self.root, required=True):
            recover(self.root)
            yield

    def transaction(self) -> Transaction:
        """A new transaction; call within `writing()`."""
        return Transaction(self.root)

    def write(self, name: str, table: pa.Table) -> int:
        """Store rows of one table, coerced to its schema, in one transaction; returns the number of rows."""
        if self.table_columns(name) is None:
            raise WorkspaceError(f"unknown table {name!r}: not in the Defender schema catalog")
        with self.writing():
            transaction = self.transaction()
            try:
                writer = TableWriter(self, transaction)
                writer.write(name, table)
                writer.close()
            except BaseException:
                transaction.abort()
                raise
            transaction.commit()
        return table.num_rows
