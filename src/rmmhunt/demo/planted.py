"""The planted facts: which RMM tool's activity of which kind is on which device. One table that the demo
generator plants from and that `demo --evaluate` scores the pack against.

`PLANTS` is the RMM activity planted for the pack: per tool, a device with everything the catalogue has
indicators for (a signed file, a process start, a connection) and a second device with one kind only.
The seed's Remote Utilities certificates (certificates.PLANTED) and the five exclusion scenarios
(scenarios.SCENARIOS) are facts too: the seed rule, which the pack relies on for Remote Utilities'
signer, must find them.
"""

from __future__ import annotations

from dataclasses import dataclass

from rmmhunt.demo.catalogue import Kind, tool_indicators
from rmmhunt.demo.certificates import PLANTED
from rmmhunt.demo.devices import planted_device_id
from rmmhunt.demo.scenarios import SCENARIOS
from rmmhunt.errors import RmmhuntError

SEED_TOOL = "remote_utilities"  # the tool the seed rule hunts

S, P, N = Kind.FILE_SIGNATURE, Kind.PROCESS, Kind.NETWORK


@dataclass(frozen=True, slots=True)
class Plant:
    tool: str  # catalogue slug: rules/catalogue/tools/<tool>.yaml
    device: str  # device name
    kinds: tuple[Kind, ...] = ()  # empty: every kind the pack has a rule for


PLANTS: tuple[Plant, ...] = (
    Plant("anydesk", "ws-fin-0131.contoso.local"),
    Plant("anydesk", "lt-sales-0412.contoso.local", (N,)),
    Plant("teamviewer", "ws-hr-0207.contoso.local"),
    Plant("teamviewer", "lt-exec-0003.contoso.local", (P,)),
    Plant("connectwise", "srv-file-03.contoso.local"),
    Plant("connectwise", "ws-fin-0131.contoso.local", (N,)),  # a second tool on an intruded host
    Plant("splashtop", "ws-eng-0508.contoso.local"),
    Plant("splashtop", "lt-eng-0611.contoso.local", (S,)),
    Plant("atera", "srv-sql-02.contoso.local"),
    Plant("atera", "ws-ops-0120.contoso.local", (P,)),
    Plant("ninjaone", "ws-legal-0044.contoso.local"),
    Plant("ninjaone", "srv-web-05.contoso.local", (N,)),
    Plant("action1", "ws-sales-0290.contoso.local"),
    Plant("action1", "lt-sales-0415.contoso.local", (S,)),
    Plant("rustdesk", "lt-dev-0733.contoso.local"),
    Plant("rustdesk", "ws-dev-0734.contoso.local", (N,)),
    Plant("remote_utilities", "ws-ops-0121.contoso.local"),
    Plant("remote_utilities", "srv-print-01.contoso.local", (P,)),
    Plant("logmein_goto", "ws-mkt-0150.contoso.local"),
    Plant("logmein_goto", "lt-mkt-0151.contoso.local", (N,)),
    Plant("kaseya_vsa", "srv-app-07.contoso.local"),
    Plant("kaseya_vsa", "srv-app-08.contoso.local", (S,)),
    Plant("n_able", "srv-dc-02.contoso.local"),
    Plant("n_able", "ws-it-0061.contoso.local", (P,)),
    Plant("zoho_assist", "ws-cs-0330.contoso.local"),
    Plant("zoho_assist", "ws-cs-0331.contoso.local", (N,)),
    Plant("supremo", "ws-fin-0170.contoso.local"),
    Plant("supremo", "lt-fin-0171.contoso.local", (P,)),
    Plant("meshcentral", "srv-build-04.contoso.local"),
    Plant("meshcentral", "lt-dev-0735.contoso.local", (S,)),
    Plant("dwservice", "ws-rnd-0402.contoso.local"),
    Plant("dwservice", "ws-rnd-0403.contoso.local", (N,)),
    Plant("level", "ws-it-0062.contoso.local"),
    Plant("level", "srv-backup-01.contoso.local", (P,)),
    Plant("simplehelp", "srv-jump-01.contoso.local"),
    Plant("simplehelp", "ws-it-0063.contoso.local", (N,)),
    Plant("tactical_rmm", "srv-mon-03.contoso.local"),
    Plant("tactical_rmm", "ws-it-0064.contoso.local", (S,)),
    Plant("ammyy_admin", "ws-acct-0211.contoso.local"),
    Plant("ammyy_admin", "ws-acct-0212.contoso.local", (P,)),
    Plant("ultraviewer", "lt-sales-0416.contoso.local"),
    Plant("ultraviewer", "ws-sales-0291.contoso.local", (N,)),
    Plant("netsupport", "ws-edu-0020.contoso.local"),
    Plant("netsupport", "ws-edu-0021.contoso.local", (P,)),
    Plant("pulseway", "srv-hv-02.contoso.local"),
    Plant("pulseway", "ws-it-0065.contoso.local", (S,)),
    Plant("datto_rmm", "srv-app-09.contoso.local"),
    Plant("datto_rmm", "ws-ops-0122.contoso.local", (N,)),
    Plant("radmin", "ws-eng-0509.contoso.local"),
    Plant("radmin", "srv-lab-01.contoso.local", (P,)),
)


@dataclass(frozen=True, slots=True)
class Fact:
    """Activity of `tool` of `kind` on a device: the pack must report the pair (tool, device) for that kind."""

    tool: str
    kind: Kind
    device_id: str
    device_name: str
    origin: str  # where it is planted: "pack", "seed record" or the scenario's exclusion id


def plant_kinds(plant: Plant) -> tuple[Kind, ...]:
    """The plant's kinds, checked against what the catalogue gives the tool."""
    available = tool_indicators(plant.tool).kinds
    if not plant.kinds:
        return available
    missing = [k.value for k in plant.kinds if k not in available]
    if missing:
        raise RmmhuntError(f"plant {plant.tool} on {plant.device}: the catalogue has no {missing[0]} indicator")
    return plant.kinds


def rmm_facts() -> list[Fact]:
    return [
        Fact(plant.tool, kind, planted_device_id(plant.device), plant.device, "pack")
        for plant in PLANTS
        for kind in plant_kinds(plant)
    ]


def seed_facts() -> list[Fact]:
    """Remote Utilities signatures of the seed's records (those in its window) and of the five scenarios."""
    records = {(planted_device_id(p.device_id), p.device_name): "seed record" for p in PLANTED if p.expected}
    scenarios = {(s.device_id, s.device_name): s.exclusion_id for s in SCENARIOS}
    return [
        Fact(SEED_TOOL, Kind.FILE_SIGNATURE, device_id, device_name, origin)
        for (device_id, device_name), origin in {**records, **scenarios}.items()
    ]


def planted_facts() -> list[Fact]:
    return rmm_facts() + seed_facts()


def seed_hunt_devices() -> set[tuple[str, str]]:
    """(DeviceId, DeviceName) groups the seed hunt must report on the demo workspace."""
    return {(f.device_id, f.device_name) for f in seed_facts()}
