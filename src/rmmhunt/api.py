"""The Python API for notebooks and scripts: `rmmhunt.Workspace(path).query(kql)`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from rmmhunt.compiler import CompiledQuery, TableFilter, compile_query
from rmmhunt.compiler.compile import utc_now
from rmmhunt.engines import Engine, check_engine, create_engine, is_uri, open_remote_store
from rmmhunt.engines.base import probe_rows
from rmmhunt.engines.duckdb_engine import KQL_TYPE_KEY
from rmmhunt.engines.shared_scans import sharing
from rmmhunt.errors import RmmhuntError
from rmmhunt.ingest import IngestReport, Progress, ingest_paths
from rmmhunt.kql.errors import KqlError
from rmmhunt.kql.types import KqlType
from rmmhunt.rules import LoadedRule, RuleError, load_rules
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore, read_quarantine


@dataclass(frozen=True, slots=True)
class HuntResult:
    rule: LoadedRule
    table: pa.Table


class Workspace:
    """A directory of telemetry, queried with KQL.

    `Workspace(None)` has no data: every catalog table is empty, which is enough for
    `datatable`/`print` queries and for checking that a query compiles.

    `engine` is "duckdb" (embedded, the default; `memory_limit` such as "2GB" caps its memory and
    spills the rest to the workspace) or "spark" (`spark_master` a master URL; default `local[2]`).
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        engine: str = "duckdb",
        *,
        create: bool = False,
        spark_master: str | None = None,
        memory_limit: str | None = None,
    ):
        check_engine(engine, memory_limit=memory_limit, spark_master=spark_master)
        self.store = None
        if is_uri(path):  # s3a://, abfss://, file://...: read through Spark's filesystems
            self.store = open_remote_store(str(path), engine, spark_master)
        elif path is not None:
            self.store = WorkspaceStore(path, create=create)
        self.engine_name = engine
        self.engine_options = {"memory_limit": memory_limit, "spark_master": spark_master}
        self._engine: Engine | None = None

    @property
    def path(self) -> Path | None:
        return self.store.root if self.store else None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.engine_name, self.store, **self.engine_options)
        return self._engine

    def compile(self, kql: str, now: datetime | None = None, table_filter: TableFilter | None = None) -> CompiledQuery:
        # bag_unpack's columns come from the data: the engine is started only if a query asks.
        return compile_query(
            kql, self.store or default_catalog(), now, table_filter, probe=lambda tree: probe_rows(self.engine, tree)
        )

    def query(self, kql: str, now: datetime | None = None, table_filter: TableFilter | None = None) -> pa.Table:
        """Run KQL text; `now` fixes what now() and ago() mean (default: the clock);
        `table_filter` restricts the rows read from each table (see `rmmhunt.compiler.TableFilter`)."""
        return self.engine.execute(self.compile(kql, now, table_filter))

    def ingest(
        self,
        table: str | None,
        paths: list[str | os.PathLike[str]],
        *,
        force: bool = False,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Load export files and directory trees; `table` (or None) is for records that do not name theirs.

        Every record read is stored or quarantined (see `quarantine()`); a file already ingested
        (same content) is skipped unless `force`. File-level problems are in `report.problems`.
        """
        if not isinstance(self.store, WorkspaceStore):
            raise RmmhuntError("this workspace has no local directory to ingest into")
        report = ingest_paths(self.store, paths, table=table, force=force, progress=progress)
        self._engine = None  # views must see the new files
        return report

    def quarantine(self) -> pa.Table:
        """Records ingest set aside: source, line, record (index), table, reason and the raw text."""
        if not isinstance(self.store, WorkspaceStore):
            raise RmmhuntError("this workspace has no local directory")
        listing = read_quarantine(self.store.root)
        raw = [None if v is None else v.decode("utf-8", "replace") for v in listing.column("raw").to_pylist()]
        listing = listing.set_column(listing.num_columns - 1, "raw", pa.array(raw, pa.string()))
        kinds = {"line": KqlType.LONG, "record": KqlType.LONG}
        fields = [
            f.with_metadata({KQL_TYPE_KEY: kinds.get(f.name, KqlType.STRING).value.encode()}) for f in listing.schema
        ]
        return pa.Table.from_arrays(listing.columns, schema=pa.schema(fields))

    def hunt(self, rules: str | Path | list[LoadedRule], now: datetime | None = None) -> list[HuntResult]:
        """Run every rule at one instant `now`; a rule whose query fails names the rule and its file."""
        loaded = load_rules(rules) if isinstance(rules, (str, Path)) else rules
        instant = now or utc_now()
        compiled = [self.compile_rule(item, instant) for item in loaded]
        with sharing(self.engine, [query.tree for query in compiled]):
            return [HuntResult(item, self.engine.execute(query)) for item, query in zip(loaded, compiled, strict=True)]

    def compile_rule(self, item: LoadedRule, now: datetime, table_filter: TableFilter | None = None) -> CompiledQuery:
        """The rule's query compiled; an error names the rule and its place in the rule's file."""
        try:
            return self.compile(item.rule.query, now, table_filter)
        except KqlError as error:
            raise RuleError(rule_error_message(item, error)) from None


def rule_error_message(item: LoadedRule, error: KqlError) -> str:
    """A query error placed in the rule's YAML file: `file:line:col: rule <id>: ...`."""
    position = error.position
    where = item.place(*position) if position else str(item.path)
    body = error.render().split(": ", 1)[1] if position else error.message
    return f"{where}: rule {item.rule.id} ({item.rule.title}): {body}"
