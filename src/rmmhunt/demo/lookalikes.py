"""Benign look-alikes: telemetry that resembles an RMM tool's indicators and must raise nothing. Each sits
alone on its own device, so any alert on that device is a false positive of the pack.

Domains are matched on the host part of the URL (a domain or its subdomain), signers and version
information with `has`, which matches whole terms only
(https://learn.microsoft.com/en-us/kusto/query/has-operator): a tool's name inside a longer term is
not the tool. Shared infrastructure is left out of the pack on purpose (rules/catalogue/policy.yaml, and
the `dropped` entries of the tool files).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa

from rmmhunt.demo.catalogue import KIND_TABLES, Kind
from rmmhunt.demo.devices import planted_device_id


@dataclass(frozen=True, slots=True)
class LookAlike:
    device: str  # device name; one look-alike per device
    kind: Kind
    resembles: str  # catalogue slug of the tool it resembles
    why: str
    values: tuple[tuple[str, str], ...]  # (column, value) of the row

    @property
    def device_id(self) -> str:
        return planted_device_id(self.device)


def _url(value: str) -> tuple[tuple[str, str], ...]:
    return (("RemoteUrl", value), ("InitiatingProcessFileName", "chrome.exe"))


def _version(company: str, product: str, file_name: str, folder: str) -> tuple[tuple[str, str], ...]:
    return (
        ("ProcessVersionInfoCompanyName", company),
        ("ProcessVersionInfoProductName", product),
        ("ProcessVersionInfoOriginalFileName", file_name),
        ("FileName", file_name),
        ("FolderPath", folder + file_name),
    )


N, S, P = Kind.NETWORK, Kind.FILE_SIGNATURE, Kind.PROCESS

LOOK_ALIKES: tuple[LookAlike, ...] = (
    LookAlike("ws-mkt-0401.contoso.local", N, "anydesk", "a domain that contains the name", _url("notanydesk.com")),
    LookAlike(
        "ws-mkt-0402.contoso.local",
        N,
        "anydesk",
        "the tool's domain as labels of another domain",
        _url("anydesk.com.example.net"),
    ),
    LookAlike(
        "ws-mkt-0403.contoso.local",
        N,
        "teamviewer",
        "the name inside a label of another domain",
        _url("teamviewer-docs.example.org"),
    ),
    LookAlike(
        "ws-mkt-0404.contoso.local",
        N,
        "splashtop",
        "the tool's domain in the query string of a search",
        _url("https://www.google.com/search?q=splashtop.com"),
    ),
    LookAlike(
        "ws-mkt-0405.contoso.local",
        N,
        "atera",
        "the tool's domain as the user name of a URL on another host",
        _url("http://atera.com@198.51.100.7/"),
    ),
    LookAlike(
        "ws-dev-0406.contoso.local",
        N,
        "rustdesk",
        "releases on shared hosting (github.com: policy.yaml)",
        _url("https://github.com/rustdesk/rustdesk/releases"),
    ),
    LookAlike(
        "ws-dev-0407.contoso.local",
        N,
        "action1",
        "bare shared storage (amazonaws.com: policy.yaml)",
        _url("s3.amazonaws.com"),
    ),
    LookAlike(
        "ws-dev-0408.contoso.local",
        N,
        "n_able",
        "a vendor host every SolarWinds product uses (n_able.yaml dropped)",
        _url("licenseserver.solarwinds.com"),
    ),
    LookAlike(
        "ws-dev-0409.contoso.local",
        N,
        "meshcentral",
        "a self-hosted server on a non-public suffix (policy.yaml)",
        _url("meshcentral.contoso.local"),
    ),
    LookAlike(
        "ws-mkt-0410.contoso.local",
        S,
        "splashtop",
        "the name inside a longer term",
        (("Signer", "Splashtopia Games Inc."),),
    ),
    LookAlike(
        "ws-mkt-0411.contoso.local",
        S,
        "teamviewer",
        "the name inside a longer term",
        (("Signer", "MyTeamViewer Tools Ltd"),),
    ),
    LookAlike(
        "ws-mkt-0412.contoso.local",
        S,
        "ninjaone",
        "a different company that shares a word",
        (("Signer", "Ninja Kiwi Limited"),),
    ),
    LookAlike(
        "ws-mkt-0413.contoso.local",
        S,
        "atera",
        "the phrase inside longer terms",
        (("Signer", "Atera Networksystems GmbH"),),
    ),
    LookAlike(
        "ws-mkt-0414.contoso.local",
        S,
        "connectwise",
        "the name inside a longer term",
        (("Signer", "ConnectWiser Consulting LLC"),),
    ),
    LookAlike(
        "ws-cs-0415.contoso.local",
        P,
        "zoho_assist",
        "the vendor's mail client, not its remote-support tool",
        _version("Zoho Corporation", "Zoho Mail", "ZohoMail.exe", "C:\\Program Files\\Zoho Mail\\"),
    ),
    LookAlike(
        "ws-cs-0416.contoso.local",
        P,
        "logmein_goto",
        "the vendor's meeting client, not its remote-access tool",
        _version("LogMeIn, Inc.", "GoTo Meeting", "g2mcomm.exe", "C:\\Program Files (x86)\\GoToMeeting\\"),
    ),
    LookAlike(
        "ws-cs-0417.contoso.local",
        P,
        "level",
        "a folder whose name starts like the tool's install folder",
        _version("LevelUp Games", "LevelUp", "levelup.exe", "C:\\Program Files\\LevelUp\\"),
    ),
    LookAlike(
        "ws-cs-0418.contoso.local",
        P,
        "level",
        "the tool's folder name outside Program Files",
        _version("Indie Games", "Level", "level.exe", "D:\\Games\\Level\\"),
    ),
    LookAlike(
        "ws-cs-0419.contoso.local",
        P,
        "rustdesk",
        "the name inside a longer term",
        _version("Wallpaper Labs", "RustDesktop Themes", "rustthemes.exe", "C:\\Program Files\\RustDesktop\\"),
    ),
)


def look_alike_rows(now: datetime) -> dict[str, pa.Table]:
    """One row per look-alike, a day before `now` (inside every rule's lookback)."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    for index, look_alike in enumerate(LOOK_ALIKES):
        row: dict[str, object] = {
            "Timestamp": now - timedelta(days=1, minutes=index),
            "DeviceId": look_alike.device_id,
            "DeviceName": look_alike.device,
            "ReportId": 700000 + index,
            **dict(look_alike.values),
        }
        if look_alike.kind is Kind.FILE_SIGNATURE:
            sha1 = hashlib.sha1(f"look-alike-{index}".encode()).hexdigest()
            row.update({"IsSigned": True, "SignatureType": "Embedded", "SHA1": sha1})
        rows[KIND_TABLES[look_alike.kind]].append(row)
    return {name: pa.Table.from_pylist(table_rows) for name, table_rows in rows.items()}
