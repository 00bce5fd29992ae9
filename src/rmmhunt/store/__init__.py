"""The workspace on disk: Parquet files per table and day, manifest, quarantine, transactions."""

from rmmhunt.store.manifest import Manifest, ManifestEntry, TableCounts
from rmmhunt.store.quarantine import QuarantineWriter, read_quarantine
from rmmhunt.store.tables import TableWriter
from rmmhunt.store.transaction import Transaction, WorkspaceError
from rmmhunt.store.workspace import WorkspaceStore

__all__ = [
    "Manifest",
    "ManifestEntry",
    "QuarantineWriter",
    "TableCounts",
    "TableWriter",
    "Transaction",
    "WorkspaceError",
    "WorkspaceStore",
    "read_quarantine",
]
