"""Readers for telemetry files -> typed rows -> the workspace."""

from rmmhunt.ingest.files import IngestError, IngestReport, ingest_files

__all__ = ["IngestError", "IngestReport", "ingest_files"]
