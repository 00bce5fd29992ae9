"""Exports in (Defender streaming API, Log Analytics / Sentinel, Advanced Hunting portal and Graph,
plain Parquet / CSV / JSON lines; gzip or zip), typed rows and quarantined records out."""

from __future__ import annotations

import os
from pathlib import Path

from rmmhunt.ingest.pipeline import FileResult, Ingester, IngestReport, Progress
from rmmhunt.ingest.sources import IngestError, Problem
from rmmhunt.store import WorkspaceStore

__all__ = ["FileResult", "IngestError", "IngestReport", "Ingester", "Problem", "Progress", "ingest_paths"]


def ingest_paths(
    store: WorkspaceStore,
    paths: list[str | os.PathLike[str]],
    *,
    table: str | None = None,
    force: bool = False,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and directory trees; `table` is for records that do not name their table."""
    return Ingester(store, table=table, force=force, progress=progress).run([Path(p) for p in paths])
