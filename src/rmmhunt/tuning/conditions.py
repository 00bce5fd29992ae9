"""An exclusion's conditions as one SQL condition on the rows of a rule's table (a sqlglot tree).

Values are literal nodes and names quoted identifiers: exclusions come from files and never become
SQL text. A condition on a column the table has is tested on that column. A condition on a field
the table lacks (DeviceFileCertificateInfo has no path) holds when one event of the same file (SHA1)
on the same device in the run's window, in DeviceFileEvents, DeviceProcessEvents, DeviceImageLoadEvents
or DeviceFileCertificateInfo, meets all such conditions together. Column meanings:
https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-devicefileevents-table (and the
-deviceprocessevents-, -deviceimageloadevents-, -devicefilecertificateinfo-, -deviceinfo- and
-deviceevents- pages).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
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
EVENT_ALIAS, TASK_ALIAS, DEVICE_ALIAS = "_exclusion_event", "_exclusion_task", "_exclusion_device"
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


@dataclass(frozen=True, slots=True)
class ConditionBuilder:
    """Builds conditions for one run: the tables that exist and the run's window."""

    tables: TableProvider
    window: tuple[datetime, datetime]

    def available(self, key: str, columns: Columns) -> bool:
        field = FIELDS[key]
        if field.kind == "task":
            return all(c in columns for c in ("InitiatingProcessFileName", "DeviceId"))
        return any(c in columns for c in field.columns)

    def exclusion(self, conditions: Conditions, table: str, columns: Columns) -> exp.Expression | None:
        """The condition rows of `table` meet when the exclusion holds for them (never null), or None when
        the exclusion cannot hold for that table (a field it needs is neither there nor reachable by SHA1)."""
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
        start, end = (_timestamp(t) for t in self.window)
        alternatives = []
        for event_table in JOINED_TABLES:
            event_columns = self.tables.table_columns(event_table)
            if event_table == table or event_columns is None:
                continue
            if not all(k in event_columns for k in (*JOIN_KEYS, "Timestamp")):
                continue
            if not all(self.available(k, event_columns) for k in conditions):
                continue
            tests = [sql.eq(column(EVENT_ALIAS, k), column(table, k)) for k in JOIN_KEYS]
            tests.append(exp.Between(this=column(EVENT_ALIAS, "Timestamp"), low=start.copy(), high=end.copy()))
            predicates = [self.predicate(k, v, EVENT_ALIAS, event_columns) for k, v in conditions.items()]
            if any(p is None for p in predicates):
                continue
            alternatives.append(_exists(event_table, EVENT_ALIAS, [*tests, *predicates]))
        return exp.or_(*alternatives) if alternatives else None

    def scheduled_task(self, values: list[str], table: str, columns: Columns) -> exp.Expression | None:
        """The event's initiating process was started by the Task Scheduler, and a task whose path matches
        was registered on the device (by the window's end) with that process's image in its action."""
        task_columns = self.tables.table_columns("DeviceEvents") or {}
        if not all(c in task_columns for c in ("DeviceId", "ActionType", "AdditionalFields", "Timestamp")):
            return None
        details = column(TASK_ALIAS, "AdditionalFields")
        image = exp.Lower(this=column(table, "InitiatingProcessFileName"))
        tests = [
            sql.eq(column(TASK_ALIAS, "DeviceId"), column(table, "DeviceId")),
            exp.In(this=column(TASK_ALIAS, "ActionType"), expressions=[exp.Literal.string(a) for a in TASK_ACTIONS]),
            exp.LTE(this=column(TASK_ALIAS, "Timestamp"), expression=_timestamp(self.window[1])),
            _matches(_json_text(details, "TaskName"), globs_regex(values)),
            exp.GT(
                this=exp.StrPosition(this=exp.Lower(this=_json_text(details.copy(), "TaskContent")), substr=image),
                expression=sql.n(0),
            ),
        ]
        started = _exists("DeviceEvents", TASK_ALIAS, tests)
        if "InitiatingProcessParentFileName" not in columns:
            return started
        hosts = [exp.Literal.string(h) for h in SCHEDULER_HOSTS]
        by_scheduler = exp.In(this=exp.Lower(this=column(table, "InitiatingProcessParentFileName")), expressions=hosts)
        return exp.and_(by_scheduler, started)

    def device_group(self, values: list[str], table: str, columns: Columns) -> exp.Expression | None:
        """The device's MachineGroup: the table's own column, or a DeviceInfo report of the device in the window."""
        if "MachineGroup" in columns:
            return _matches(column(table, "MachineGroup"), globs_regex(values))
        info = self.tables.table_columns("DeviceInfo") or {}
        if "DeviceId" not in columns or not all(c in info for c in ("DeviceId", "MachineGroup", "Timestamp")):
            return None
        start, end = (_timestamp(t) for t in self.window)
        tests = [
            sql.eq(column(DEVICE_ALIAS, "DeviceId"), column(table, "DeviceId")),
            exp.Between(this=column(DEVICE_ALIAS, "Timestamp"), low=start, high=end),
            _matches(column(DEVICE_ALIAS, "MachineGroup"), globs_regex(values)),
        ]
        return _exists("DeviceInfo", DEVICE_ALIAS, tests)


def _exists(table: str, alias: str, tests: list[exp.Expression]) -> exp.Exists:
    source = exp.Table(this=exp.to_identifier(table, quoted=True), alias=exp.TableAlias(this=exp.to_identifier(alias)))
    query = exp.select(exp.Literal.number(1)).from_(source, copy=False).where(exp.and_(*tests), copy=False)
    return exp.Exists(this=query)
