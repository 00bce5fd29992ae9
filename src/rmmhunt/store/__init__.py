"""The workspace on disk: Parquet files per table, partitioned by day."""

from rmmhunt.store.workspace import WorkspaceError, WorkspaceStore

__all__ = ["WorkspaceError", "WorkspaceStore"]
