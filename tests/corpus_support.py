"""The KQL corpus of issue 3 (tests/data/corpus) and how it is run: shared by tests/test_corpus.py and
scripts/corpus_report.py.

Each query is compiled once (against the schema catalog) and the compiled query is then run on one or
more engines: an empty workspace and a small generated one with three rows per table.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from rmmhunt import Workspace
from rmmhunt.compiler import CompiledQuery
from rmmhunt.kql.errors import KqlError
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
CORPORA = ("defender_hunting_queries", "rmm_tools")
NOW = datetime(2024, 3, 1)
ROWS = 3


@dataclass(frozen=True, slots=True)
class CorpusQuery:
    id: str
    source_path: str
    source_line: int
    query: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one query fared: "ok", "kql" (an rmmhunt KqlError) or "other" (any other exception)."""

    query: CorpusQuery
    status: str
    error: BaseException | None = None

    @property
    def message(self) -> str:
        if self.error is None:
            return ""
        if isinstance(self.error, KqlError):
            return f"{self.error.kind}: {self.error.message}"
        return f"{type(self.error).__name__}: {self.error}"


def load_corpus(name: str) -> list[CorpusQuery]:
    with (CORPUS_DIR / f"{name}.jsonl").open(encoding="utf-8") as f:
        return [CorpusQuery(**json.loads(line)) for line in f if line.strip()]


def compile_all(queries: Iterable[CorpusQuery]) -> dict[str, CompiledQuery | BaseException]:
    """Each query compiled against the catalog (what Workspace(None) and the generated workspace share)."""
    ws = Workspace(None)
    compiled: dict[str, CompiledQuery | BaseException] = {}
    for q in queries:
        try:
            compiled[q.id] = ws.compile(q.query, NOW)
        except Exception as error:
            compiled[q.id] = error
    return compiled


def run_all(
    ws: Workspace, queries: Iterable[CorpusQuery], compiled: dict[str, CompiledQuery | BaseException]
) -> list[Outcome]:
    outcomes = []
    for q in queries:
        result = compiled[q.id]
        if isinstance(result, BaseException):
            outcomes.append(Outcome(q, "kql" if isinstance(result, KqlError) else "other", result))
            continue
        try:
            ws.engine.execute(result)
        except KqlError as error:
            outcomes.append(Outcome(q, "kql", error))
        except Exception as error:
            outcomes.append(Outcome(q, "other", error))
        else:
            outcomes.append(Outcome(q, "ok"))
    return outcomes


# ---------------------------------------------------------------- the generated workspace

_HEX = "0123456789abcdef"
_JSON_OBJECTS = ['{"Name":"a","Count":1,"Command":"net user","Items":["x","y"],"Nested":{"Key":"v"}}', "{}"]
_JSON_ARRAYS = ['[{"Name":"a","Value":"1"},{"Name":"b","Value":"2"}]', '["a","b"]']
_SPECIAL_JSON = {
    "IPAddresses": [
        '[{"IPAddress":"10.1.2.3","SubnetPrefix":24,"AddressType":"Private"},'
        '{"IPAddress":"fe80::1","SubnetPrefix":64,"AddressType":"LinkLocal"}]',
        '[{"IPAddress":"203.0.113.7","SubnetPrefix":null,"AddressType":"Public"}]',
    ],
    "LoggedOnUsers": [
        '[{"UserName":"admin","DomainName":"CONTOSO","Sid":"S-1-5-21-1-2-3-500"}]',
        '[{"UserName":"svc","DomainName":"CONTOSO","Sid":"S-1-5-18"}]',
    ],
    "AdditionalFields": [
        '{"Command":"Invoke-Expression","ScriptBlockText":"iex x","Count":2,"Description":"d"}',
        '{"IsAudit":true,"Uri":"https://example.com/a"}',
    ],
}


def _json_values(column: str, description: str) -> list[str] | None:
    if column in _SPECIAL_JSON:
        return _SPECIAL_JSON[column]
    text = description.lower()
    if "json array" in text or ("array" in text and "json" in text):
        return _JSON_ARRAYS
    if "json" in text or column in ("RawEventData", "EntityIds", "NodeProperties", "EdgeProperties"):
        return _JSON_OBJECTS
    return None


def _string_values(column: str, description: str) -> list[str]:
    """Three values per string column: a realistic one, another and the empty string."""
    json_values = _json_values(column, description)
    if json_values is not None:
        return [*json_values, ""]
    name = column.lower()
    rules: list[tuple[str, list[str]]] = [
        ("sha256", ["a" * 64, _HEX * 4]),
        ("sha1", ["b" * 40, (_HEX * 3)[:40]]),
        ("md5", ["c" * 32, _HEX * 2]),
        ("commandline", ["powershell.exe -nop -w hidden -enc SQBFAFgA", 'cmd.exe /c "whoami /all"']),
        ("folderpath", [r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe", "/usr/bin/bash"]),
        ("filename", ["powershell.exe", "AnyDesk.exe"]),
        ("url", ["https://example.com/path/x.ps1?a=1", "http://203.0.113.7:8080/"]),
        ("ipaddress", ["10.1.2.3", "203.0.113.7"]),
        ("ipv4", ["10.1.2.3", "203.0.113.7"]),
        ("ipv6", ["fe80::1", "2001:db8::7"]),
        ("ip", ["10.1.2.3", "203.0.113.7"]),
        ("upn", ["user@contoso.com", "admin@contoso.onmicrosoft.com"]),
        ("emailaddress", ["user@contoso.com", "attacker@example.com"]),
        ("fromaddress", ["user@contoso.com", "attacker@example.com"]),
        ("domain", ["contoso.com", "CONTOSO"]),
        ("devicename", ["host1.contoso.com", "dc01.contoso.com"]),
        ("deviceid", ["dev1", "dev2"]),
        ("accountname", ["admin", "system"]),
        ("sid", ["S-1-5-21-1-2-3-500", "S-1-5-18"]),
        ("registrykey", [r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Windows\CurrentVersion\Run", r"HKEY_CURRENT_USER\x"]),
        ("version", ["1.2.3.4", "10.0.19045"]),
        ("time", ["2024-02-28T10:00:00Z", "2024-02-01T00:00:00Z"]),
        ("date", ["2024-02-28T10:00:00Z", "2024-02-01T00:00:00Z"]),
        ("actiontype", ["ProcessCreated", "ConnectionSuccess"]),
        ("port", ["443", "3389"]),
        ("platform", ["Windows10", "Linux"]),
    ]
    for key, values in rules:
        if key in name:
            return [*values, ""]
    return [f"{column} a", "b", ""]


def _values(column: str, kql_type: KqlType, description: str) -> list[object]:
    if kql_type is KqlType.STRING:
        return _string_values(column, description)
    if kql_type is KqlType.DATETIME:
        offsets = [timedelta(hours=1), timedelta(days=2), timedelta(days=10)]
        if column != "Timestamp":
            offsets = [timedelta(hours=2), timedelta(days=3), timedelta(days=40)]
        return [NOW - offset for offset in offsets]
    if kql_type is KqlType.DYNAMIC:
        json_values = _json_values(column, description) or [_JSON_OBJECTS[0], _JSON_ARRAYS[1]]
        return [*json_values, None]
    if kql_type is KqlType.GUID:
        return ["8f1d2c3b-0a4e-4f5a-9b6c-7d8e9f0a1b2c", "00000000-0000-0000-0000-000000000000", None]
    if kql_type is KqlType.BOOL:
        return [True, False, None]
    if kql_type is KqlType.INT:
        return [1, 0, 4624]
    if kql_type is KqlType.LONG:
        return [1, 0, 443]
    if kql_type is KqlType.REAL:
        return [0.5, 10.0, None]
    if kql_type is KqlType.DECIMAL:
        return [Decimal("1.5"), Decimal("0"), None]
    if kql_type is KqlType.TIMESPAN:
        return [timedelta(minutes=5), timedelta(0), None]
    raise AssertionError(kql_type)


def generated_tables() -> dict[str, pa.Table]:
    """ROWS rows for every catalog table that has a Timestamp (the workspace partitions by it)."""
    from rmmhunt.compiler.sqltypes import arrow_type

    catalog = default_catalog()
    tables = {}
    for name in catalog.table_names():
        schema = catalog[name]
        if "Timestamp" not in schema.columns:
            continue
        descriptions = _descriptions(name)
        arrays = {
            column: pa.array(_values(column, kql_type, descriptions.get(column, ""))[:ROWS], arrow_type(kql_type))
            for column, kql_type in schema.columns.items()
        }
        tables[name] = pa.table(arrays)
    return tables


def _descriptions(table: str) -> dict[str, str]:
    from importlib import resources

    text = resources.files("rmmhunt.schema").joinpath("defender_tables.json").read_text("utf-8")
    spec = json.loads(text)[table]
    return {c["name"]: c.get("description", "") for c in spec["columns"]}


def build_generated_workspace(path: Path) -> Workspace:
    store = WorkspaceStore(path, create=True)
    for name, table in generated_tables().items():
        store.write(name, table)
    return Workspace(path)


# ---------------------------------------------------------------- grouping failures


def failure_pattern(message: str) -> str:
    """The failure message as a group key: its first line without "did you mean"; in syntax errors and
    engine errors the query's own words, string literals and numbers are replaced by an ellipsis and N.
    Names stay in name errors and `not supported` (the name is the finding)."""
    pattern = message.split("\n", 1)[0]
    pattern = re.sub(r"; did you mean .*$", "", pattern)
    if pattern.startswith(("unknown name:", "not supported:", "type error:")):
        return pattern
    pattern = re.sub(r"'[A-Za-z_\u0080-\uffff][^']+'", "'…'", pattern)
    pattern = re.sub(r'"[^"]*"', '"…"', pattern)
    return re.sub(r"\b\d+\b", "N", pattern)
