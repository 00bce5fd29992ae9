"""Shared scans (engines/shared_scans.py): the rules of a hunt that filter one table read it once between
them, and each rule still gets exactly the rows it gets alone."""

from __future__ import annotations

from datetime import datetime

import pytest

from rmmhunt import Workspace
from rmmhunt.compiler import compile_query
from rmmhunt.engines import shared_scans
from rmmhunt.engines.shared_scans import SharedScans, sharing, survey
from rmmhunt.rules import builtin_rules_dir, load_rules
from rmmhunt.schema import default_catalog

from .kql_cases import canonical

NOW = datetime(2026, 11, 27, 12)
CATALOG = default_catalog()

# KQL -> (reads shared rows could stand in for, whether the query names every column it reads)
READS = [
    ("DeviceProcessEvents | where FileName == 'a.exe' | summarize count() by DeviceName", 1, True),
    ("DeviceProcessEvents | where FileName == 'a.exe' | where Timestamp > ago(1d) | project DeviceName", 1, True),
    ("DeviceProcessEvents | where FileName == 'a.exe' | project b = pack_all()", 1, True),
    # the read is the result: every column goes out
    ("DeviceProcessEvents | where FileName == 'a.exe'", 1, False),
    # union branches pass their rows on whole
    ("union (DeviceProcessEvents | where FileName == 'a'), (DeviceEvents | where FileName == 'b')", 2, False),
    (
        "DeviceProcessEvents | where FileName == 'a'"
        " | join (DeviceNetworkEvents | where RemotePort == 443) on DeviceId",
        2,
        False,
    ),
    # not a function of the row alone: never shared
    ("DeviceProcessEvents | where rand() > 0.5 | project DeviceName", 0, False),
    # the filter applies to some rows of the table only, after `take`
    ("DeviceProcessEvents | take 5 | where FileName == 'a' | project DeviceName", 0, False),
    ("print x = 1", 0, True),
]


def tree(kql: str):
    return compile_query(kql, CATALOG, NOW).tree


def is_table(name: str) -> bool:
    return CATALOG.table_columns(name) is not None


@pytest.mark.parametrize(("kql", "count", "narrow"), READS)
def test_reads_and_the_columns_a_query_names(kql: str, count: int, narrow: bool) -> None:
    found = survey(tree(kql), is_table)
    assert len(found.reads) == count
    assert (found.named is not None) == narrow


class Recorder:
    """An engine's materialize/drop, recorded: no data needed to test planning and redirection."""

    def __init__(self, rows_each: int = 10):
        self.scans = SharedScans(CATALOG.table_columns)
        self.rows_each = rows_each
        self.made: list[str] = []
        self.dropped: list[str] = []

    def materialize(self, name: str, query) -> int:
        self.made.append(name)
        return self.rows_each

    def drop(self, name: str) -> None:
        self.dropped.append(name)


RULES = [
    "DeviceProcessEvents | where FileName =~ 'anydesk.exe' | summarize count() by DeviceName",
    "DeviceProcessEvents | where FileName =~ 'teamviewer.exe' | summarize count() by DeviceName, AccountName",
    "DeviceNetworkEvents | where RemotePort == 5938 | summarize count() by DeviceName",
]


def redirected(engine: Recorder, kql: str) -> bool:
    compiled = tree(kql)
    return engine.scans.redirect(compiled) is not compiled


@pytest.mark.parametrize(
    ("kql", "shared"),
    [
        (RULES[0], True),
        (RULES[1], True),
        # a rule's filter with more to it (an exclusion's condition): its rows are among the shared ones
        (
            "DeviceProcessEvents | where FileName =~ 'anydesk.exe' and AccountName != 'svc' | summarize by DeviceName",
            True,
        ),
        # a filter none of the shared ones implies
        ("DeviceProcessEvents | where FileName =~ 'putty.exe' | summarize count() by DeviceName", False),
        # a column the shared table does not hold
        ("DeviceProcessEvents | where FileName =~ 'anydesk.exe' | summarize count() by FolderPath", False),
        # the only reader of its table: read directly, nothing shared
        (RULES[2], False),
    ],
)
def test_a_read_uses_the_shared_rows_only_when_they_hold_all_it_needs(kql: str, shared: bool) -> None:
    engine = Recorder()
    with sharing(engine, [tree(kql) for kql in RULES]):
        assert engine.made == ["rmmhunt_shared_DeviceProcessEvents"]
        assert redirected(engine, kql) == shared
    assert engine.dropped == engine.made
    assert not redirected(engine, RULES[0])


def test_too_many_rows_are_not_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared_scans, "ROW_CAP", 5)
    engine = Recorder(rows_each=6)
    with sharing(engine, [tree(kql) for kql in RULES]):
        assert not redirected(engine, RULES[0])
    assert engine.dropped == engine.made == ["rmmhunt_shared_DeviceProcessEvents"]


def test_a_hunt_gives_each_rule_the_rows_it_gets_alone(demo_path, now: datetime) -> None:
    """The whole built-in pack, hunted together (shared scans) and rule by rule (none), on the demo data."""
    rules = load_rules(builtin_rules_dir())
    workspace = Workspace(demo_path)
    engine = workspace.engine
    made: list[tuple[str, int]] = []
    materialize = engine.materialize

    def recording(name: str, query) -> int:
        made.append((name, count := materialize(name, query)))
        return count

    engine.materialize = recording  # type: ignore[method-assign]
    hunted = workspace.hunt(rules, now)
    assert {name for name, _ in made} >= {
        "rmmhunt_shared_DeviceFileCertificateInfo",
        "rmmhunt_shared_DeviceProcessEvents",
        "rmmhunt_shared_DeviceNetworkEvents",
    }
    assert all(0 < count <= shared_scans.ROW_CAP for _, count in made)
    plain = Workspace(demo_path)  # query() runs one rule on its own: nothing shared
    alone = [plain.query(rule.rule.query, now) for rule in rules]
    assert [canonical(r.table) for r in hunted] == [canonical(t) for t in alone]
    assert sum(t.num_rows for t in alone) > 0
    leftover = "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'rmmhunt_shared_%'"
    assert engine.con.execute(leftover).fetchall() == [(0,)]
