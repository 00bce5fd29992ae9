"""Engines run a compiled query and return a pyarrow.Table: `duckdb` (embedded, the default) and `spark`."""

from __future__ import annotations

import re

from rmmhunt.engines.base import Engine, EngineError
from rmmhunt.engines.duckdb_engine import DuckDBEngine
from rmmhunt.store import WorkspaceStore

ENGINE_NAMES = ("duckdb", "spark")


def check_engine(name: str, *, memory_limit: str | None = None, spark_master: str | None = None) -> None:
    """Raise EngineError unless `name` is an engine and the options apply to it."""
    if name not in ENGINE_NAMES:
        raise EngineError(f"unknown engine {name!r}; available: {', '.join(ENGINE_NAMES)}")
    if name != "spark" and spark_master is not None:
        raise EngineError("a Spark master URL applies to the spark engine only")
    if name != "duckdb" and memory_limit is not None:
        raise EngineError("memory_limit applies to the duckdb engine only")


def is_uri(path: object) -> bool:
    """Whether a workspace path is a URI for Spark's filesystems (s3a://, abfss://, hdfs://, file://)."""
    return isinstance(path, str) and re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", path) is not None


def open_remote_store(uri: str, engine: str, spark_master: str | None = None):  # -> SparkWorkspace (needs PySpark)
    """A read-only workspace at a URI, read through Spark's filesystems: the spark engine only."""
    if engine != "spark":
        raise EngineError(f"{uri}: a workspace at a URI is read through Spark; use the spark engine")
    from rmmhunt.engines.spark_engine import SparkWorkspace

    return SparkWorkspace(uri, spark_master)


def create_engine(
    name: str, store: WorkspaceStore | None, *, memory_limit: str | None = None, spark_master: str | None = None
) -> Engine:
    """The named engine over a workspace (None: every catalog table empty).

    `memory_limit` is DuckDB's (e.g. "2GB"); `spark_master` is a Spark master URL (default `local[2]`).
    """
    check_engine(name, memory_limit=memory_limit, spark_master=spark_master)
    if name == "duckdb":
        return DuckDBEngine(store, memory_limit)
    from rmmhunt.engines.spark_engine import SparkEngine  # PySpark is an optional extra, imported when asked for

    return SparkEngine(store, spark_master)


__all__ = ["ENGINE_NAMES", "Engine", "EngineError", "check_engine", "create_engine", "is_uri", "open_remote_store"]
