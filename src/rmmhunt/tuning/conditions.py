"""An exclusion's conditions as one SQL condition on the rows of a rule's table (a sqlglot tree).

Values are literal nodes and names quoted identifiers: exclusions come from files and never become
SQL text. A condition on a column the table has is tested on that column. A condition on a field
the table lacks (DeviceFileCertificateInfo has no path) holds when one event of the same file (SHA1)
on the same device in the run's window, in DeviceFileEvents, DeviceProcessEvents, DeviceImageLoadEvents
or DeviceFileCertificateInfo, meets all such conditions together.

Conditions on other tables (those events, a device's group in DeviceInfo, a scheduled task in DeviceEvents)
are looked up once per run: a small query lists the keys that meet them (the file's SHA1 and DeviceId,
the DeviceId, the image and DeviceId), and the row's condition tests its key against that list of
literals. A correlated subquery would rescan the event tables, with their regexes, for every row of the
rule's table, in each query of the run. Column meanings:
https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicefileevents-table (and the
-deviceprocessevents-, -deviceimageloadevents-, -devicefilecertificateinfo-, -deviceinfo- and
-deviceevents- pages).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlglot import exp

from rmmhunt.compiler.context import TableProvider
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.network import ipv4_parts, masked
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.strings import regex_escape
from rmmhunt.kql.types import KqlType
from rmmhunt.tuning.globs import globs_regex
from rmmhunt.tuning.model import Conditions

Columns = dict[str, KqlType]
# Runs a query of one text column named KEY and returns its distinct values other than null.
Lookup = Callable[[exp.Select], frozenset[str]]
KEY = "key"


@dataclass(frozen=True, slots=True)
class Field:
    columns: tuple[str, ...]  # the condition holds when it holds on any of these the table has
    kind: str  # glob, extension, hash, cidr, task, device_group


FIELDS: dict[str, Field] = {
    "extension": Field(("FileName",), "extension"),
    "file_name": Field(("FileName",), "glob"),
    # Defender's FolderPath holds the full path of the file, its name included.
    "folder_path": Field(("FolderPath",), "glob"),
    "sha1": Field(("SHA1",), "hash"),
    "sha256": Field(("SHA256",), "hash"),
    "signer": Field(("Signer",), "glob"),
    "issuer": Field(("Issuer",), "glob"),
    "signer_hash": Field(("SignerHash",), "hash"),
    "origin_url": Field(("FileOriginUrl",), "glob"),
    # FileOriginIP: where a download came from; RequestSourceIP: the remote device that wrote the file over SMB.
    "origin_ip": Field(("FileOriginIP", "RequestSourceIP"), "cidr"),
    "initiating_process": Field(("InitiatingProcessFileName",), "glob"),
    "scheduled_task": Field(("InitiatingProcessFileName",), "task"),
    "device": Field(("DeviceName",), "glob"),
    "device_group": Field(("MachineGroup",), "device_group"),
}

# Tables that say where a file is, where it came from and what ran it, by the file's SHA1.
JOINED_TABLES = ("DeviceFileEvents", "DeviceProcessEvents", "DeviceImageLoadEvents", "DeviceFileCertificateInfo")
JOIN_KEYS = ("SHA1", "DeviceId")
TASK_ALIAS = "_exclusion_task"
# A process the Task Scheduler starts has the scheduler's host as parent (svchost.exe -k netsvcs -p -s Schedule;
# taskeng.exe before Windows 10); the task's name is only in DeviceEvents' ScheduledTaskCreated/Updated records.
SCHEDULER_HOSTS = ("svchost.exe", "taskeng.exe")
TASK_ACTIONS = ("ScheduledTaskCreated", "ScheduledTaskUpdated")


def column(table: str, name: str) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _json_text(value: exp.Expression, key: str) -> exp.Expression:
    path = exp.JSONPath(expressions=[exp.JSONPathRoot(), exp.JSONPathKey(this=key)])
    return exp.JSONExtractScalar(this=value, expression=path)


def _matches(value: exp.Expression, regex: str) -> exp.Expression:
    return exp.RegexpLike(this=value, expression=exp.Literal.string(regex))


def _in_network(value: exp.Expression, network: ipaddress.IPv4Network) -> exp.Expression:
    address, _ = ipv4_parts(lambda: value.copy())
    bits = network.prefixlen
    return sql.eq(masked(address, sql.n(bits)), sql.n(int(network.network_address) >> (32 - bits)))


def _timestamp(at: datetime) -> exp.Expression:
    naive = at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at
    return literal(naive, KqlType.DATETIME).sql


def _key(first: exp.Expression, *rest: exp.Expression) -> exp.Expression:
    """Values as one text key, null when one is null (`||`, unlike DuckDB's concat). The separator is
    unambiguous as long as every value but the last has no ':' (a hex SHA1, a Windows file name)."""
    key = first
    for value in rest:
        key = exp.DPipe(this=exp.DPipe(this=key, expression=exp.Literal.string(":")), expression=value)
    return key


def _keys_query(sources: list[tuple[str, exp.Expression, list[exp.Expression]]]) -> exp.Select:
    """The distinct keys of the rows of each (table, key, tests) source that pass its tests."""
    selects = [
        exp.select(exp.alias_(key, KEY)).from_(exp.to_table(table, quoted=True)).where(exp.and_(*tests)).distinct()
        for table, key, tests in sources
    ]
    union = selects[0] if len(selects) == 1 else exp.union(*selects, distinct=True)
    return exp.select(exp.column(KEY)).from_(union.subquery("_exclusion_keys"))


def _listed_in(key: exp.Expression, keys: frozenset[str]) -> exp.Expression | None:
    """The key is one of `keys`; None when there are none (the condition cannot hold)."""
    if not keys:
        return None
    return exp.In(this=key, expressions=[exp.Literal.string(k) for k in sorted(keys)])


@dataclass(frozen=True, slots=True)
class ConditionBuilder:
    """Builds conditions for one run: the tables that exist and the run's window."""

    tables: TableProvider
    window: tuple[datetime, datetime]
    lookup: Lookup
    # Building a lookup's own query, which runs once: a correlated subquery costs one pass there.
    inline: bool = False

    def available(self, key: str, columns: Columns) -> bool:
        field = FIELDS[key]
        if field.kind == "task":
            return all(c in columns for c in ("InitiatingProcessFileName", "DeviceId"))
        return any(c in columns for c in field.columns)

    def exclusion(self, conditions: Conditions, table: str, columns: Columns) -> exp.Expression | None:
        """The condition rows of `table` meet when the exclusion holds for them (never null), or None when
        the exclusion cannot hold for that table (a field it needs is neither there nor reachable by SHA1,
        or no row of another table meets the conditions looked up there)."""
        given = conditions.given()
        direct = {k: v for k, v in given.items() if self.available(k, columns) or k == "device_group"}
        joined = {k: v for k, v in given.items() if k not in direct}
        parts = []
        for key, values in direct.items():
            predicate = self.predicate(key, values, table, columns)
            if predicate is None:
                return None
            parts.append(predicate)
        if joined:
            reached = self.joined(joined, table, columns)
            if reached is None:
                return None
            parts.append(reached)
        return sql.coalesce(sql.paren(exp.and_(*parts)), exp.false())

    def predicate(self, key: str, values: list[str], table: str, columns: Columns) -> exp.Expression | None:
        field = FIELDS[key]
        present = [column(table, c) for c in field.columns if c in columns]
        match field.kind:
            case "glob":
                tests = [_matches(c, globs_regex(values)) for c in present]
            case "extension":
                regex = "(?i)(?:" + "|".join(regex_escape(v) for v in values) + ")$"
                tests = [_matches(c, regex) for c in present]
            case "hash":
                lowered = [exp.Literal.string(v.lower()) for v in values]
                tests = [exp.In(this=exp.Lower(this=c), expressions=[v.copy() for v in lowered]) for c in present]
            case "cidr":
                networks = [ipaddress.IPv4Network(v, strict=False) for v in values]
                tests = [_in_network(c, net) for c in present for net in networks]
            case "task":
                return self.scheduled_task(values, table, columns)
            case "device_group":
                return self.device_group(values, table, columns)
        return exp.or_(*tests) if tests else None

    def joined(self, conditions: dict[str, list[str]], table: str, columns: Columns) -> exp.Expression | None:
        """Some event of the same file on the same device, in the window, meets all `conditions`."""
        if not all(k in columns for k in JOIN_KEYS):
            return None
        inline = replace(self, inline=True)
        sources = []
        for event_table in JOINED_TABLES:
            event_columns = self.tables.table_columns(event_table)
            if event_table == table or event_columns is None:
                continue
            if not all(k in event_columns for k in (*JOIN_KEYS, "Timestamp")):
                continue
            if not all(self.available(k, event_columns) for k in conditions):
                continue
            predicates = [inline.predicate(k, v, event_table, event_columns) for k, v in conditions.items()]
            if any(p is None for p in predicates):
                continue
            key = _key(*(column(event_table, k) for k in JOIN_KEYS))
            sources.append((event_table, key, [self.in_window(event_table), *predicates]))
        if not sources:
            return None
        return _listed_in(_key(*(column(table, k) for k in JOIN_KEYS)), self.lookup(_keys_query(sources)))

    def in_window(self, table: str) -> exp.Expression:
        start, end = (_timestamp(t) for t in self.window)
        return exp.Between(this=column(table, "Timestamp"), low=start, high=end)

    def scheduled_task(self, values: list[str], table: str, columns: Columns) -> exp.Expression | None:
        """The event's initiating process was started by the Task Scheduler, and a task whose path matches
        was registered on the device (by the window's end) with that process's image in its action: the
        (image, DeviceId) pairs of the table that meet it are looked up once."""
        registered = self.task_registered(values, table)
        if registered is None:
            return None
        started = [registered]
        if "InitiatingProcessParentFileName" in columns:
            hosts = [sql.s(h) for h in SCHEDULER_HOSTS]
            parent = exp.Lower(this=column(table, "InitiatingProcessParentFileName"))
            started.insert(0, exp.In(this=parent, expressions=hosts))
        if self.inline:
            return exp.and_(*started)
        key = _key(exp.Lower(this=column(table, "InitiatingProcessFileName")), column(table, "DeviceId"))
        pairs = _listed_in(key, self.lookup(_keys_query([(table, key.copy(), started)])))
        return None if pairs is None else exp.and_(*[c.copy() for c in started[:-1]], pairs)

    def task_registered(self, values: list[str], table: str) -> exp.Expression | None:
        """A task whose path matches, registered on the row's device by the window's end, names the row's
        initiating image in its action (a correlated subquery)."""
        task_columns = self.tables.table_columns("DeviceEvents") or {}
        if not all(c in task_columns for c in ("DeviceId", "ActionType", "AdditionalFields", "Timestamp")):
            return None
        details = column(TASK_ALIAS, "AdditionalFields")
        image = exp.Lower(this=column(table, "InitiatingProcessFileName"))
        tests = [
            sql.eq(column(TASK_ALIAS, "DeviceId"), column(table, "DeviceId")),
            exp.In(this=column(TASK_ALIAS, "ActionType"), expressions=[sql.s(a) for a in TASK_ACTIONS]),
            exp.LTE(this=column(TASK_ALIAS, "Timestamp"), expression=_timestamp(self.window[1])),
            _matches(_json_text(details, "TaskName"), globs_regex(values)),
            exp.GT(
                this=exp.StrPosition(this=exp.Lower(this=_json_text(details.copy(), "TaskContent")), substr=image),
                expression=sql.n(0),
            ),
        ]
        return _exists("DeviceEvents", TASK_ALIAS, tests)

    def device_group(self, values: list[str], table: str, columns: Columns) -> exp.Expression | None:
        """The device's MachineGroup: the table's own column, or a DeviceInfo report of the device in the window."""
        if "MachineGroup" in columns:
            return _matches(column(table, "MachineGroup"), globs_regex(values))
        info = self.tables.table_columns("DeviceInfo") or {}
        if "DeviceId" not in columns or not all(c in info for c in ("DeviceId", "MachineGroup", "Timestamp")):
            return None
        grouped = [self.in_window("DeviceInfo"), _matches(column("DeviceInfo", "MachineGroup"), globs_regex(values))]
        devices = self.lookup(_keys_query([("DeviceInfo", column("DeviceInfo", "DeviceId"), grouped)]))
        return _listed_in(column(table, "DeviceId"), devices)


def _exists(table: str, alias: str, tests: list[exp.Expression]) -> exp.Exists:
    source = exp.Table(this=exp.to_identifier(table, quoted=True), alias=exp.TableAlias(this=exp.to_identifier(alias)))
    query = exp.select(exp.Literal.number(1)).from_(source, copy=False).where(exp.and_(*tests), copy=False)
    return exp.Exists(this=query)
