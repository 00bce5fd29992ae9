"""The Python API for notebooks and scripts: `rmmhunt.Workspace(path).query(kql)`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from rmmhunt.compiler import CompiledQuery, compile_query
from rmmhunt.compiler.compile import utc_now
from rmmhunt.engines.duckdb_engine import DuckDBEngine
from rmmhunt.errors import RmmhuntError
from rmmhunt.ingest import IngestReport, ingest_files
from rmmhunt.kql.errors import KqlError
from rmmhunt.rules import LoadedRule, RuleError, load_rules
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore

ENGINES = {"duckdb": DuckDBEngine}


@dataclass(frozen=True, slots=True)
class HuntResult:
    rule: LoadedRule
    table: pa.Table


class Workspace:
    """A directory of telemetry, queried with KQL.

    `Workspace(None)` has no data: every catalog table is empty, which is enough for
    `datatable`/`print` queries and for checking that a query compiles.
    """

    def __init__(self, path: str | os.PathLike[str] | None, engine: str = "duckdb", *, create: bool = False):
        if engine not in ENGINES:
            raise RmmhuntError(f"unknown engine {engine!r}; available: {', '.join(ENGINES)}")
        self.store = WorkspaceStore(path, create=create) if path is not None else None
        self.engine_name = engine
        self._engine: DuckDBEngine | None = None

    @property
    def path(self) -> Path | None:
        return self.store.root if self.store else None

    @property
    def engine(self) -> DuckDBEngine:
        if self._engine is None:
            self._engine = ENGINES[self.engine_name](self.store)
        return self._engine

    def compile(self, kql: str, now: datetime | None = None) -> CompiledQuery:
        return compile_query(kql, self.store or default_catalog(), now)

    def query(self, kql: str, now: datetime | None = None) -> pa.Table:
        """Run KQL text; `now` fixes what now() and ago() mean (default: the clock)."""
        return self.engine.execute(self.compile(kql, now))

    def ingest(self, table: str, paths: list[str | Path]) -> IngestReport:
        if self.store is None:
            raise RmmhuntError("this workspace has no directory to ingest into")
        report = ingest_files(self.store, table, paths)
        self._engine = None  # views must see the new files
        return report

    def hunt(self, rules: str | Path | list[LoadedRule], now: datetime | None = None) -> list[HuntResult]:
        """Run every rule at one instant `now`; a rule whose query fails names the rule and its file."""
        loaded = load_rules(rules) if isinstance(rules, (str, Path)) else rules
        instant = now or utc_now()
        results = []
        for item in loaded:
            try:
                results.append(HuntResult(item, self.query(item.rule.query, instant)))
            except KqlError as error:
                raise RuleError(rule_error_message(item, error)) from None
        return results


def rule_error_message(item: LoadedRule, error: KqlError) -> str:
    """A query error placed in the rule's YAML file: `file:line:col: rule <id>: ...`."""
    position = error.position
    where = item.place(*position) if position else str(item.path)
    body = error.render().split(": ", 1)[1] if position else error.message
    return f"{where}: rule {item.rule.id} ({item.rule.title}): {body}"
