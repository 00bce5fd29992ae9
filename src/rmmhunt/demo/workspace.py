"""Builds the demo workspace: benign background on every device, the planted RMM activity, the
look-alikes, the seed's Remote Utilities records and its five exclusion scenarios."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import datetime

import duckdb
import pyarrow as pa

from rmmhunt.demo.activity import planted_activity
from rmmhunt.demo.background import benign_tables
from rmmhunt.demo.certificates import PLANTED, benign_certificates, planted_certificates
from rmmhunt.demo.devices import create_devices, planted_device_id
from rmmhunt.demo.lookalikes import LOOK_ALIKES, look_alike_rows
from rmmhunt.demo.planted import PLANTS
from rmmhunt.demo.scenarios import SCENARIOS, plant_seed_scenarios
from rmmhunt.store import WorkspaceStore

DEFAULT_DEVICES = 3000
DEFAULT_DAYS = 10


def named_devices() -> list[tuple[str, str]]:
    """(DeviceId, DeviceName) of every device the planted rows name, so they get background activity too."""
    return [
        *((planted_device_id(p.device_id), p.device_name) for p in PLANTED),
        *((planted_device_id(p.device), p.device) for p in PLANTS),
        *((look.device_id, look.device) for look in LOOK_ALIKES),
        *((s.device_id, s.device_name) for s in SCENARIOS),
    ]


def build_demo_workspace(
    path: str | os.PathLike[str],
    now: datetime,
    devices: int = DEFAULT_DEVICES,
    days: int = DEFAULT_DAYS,
    rows_per_device_day: int = 4,
) -> dict[str, int]:
    """Write sample telemetry ending at `now`; returns rows written per table."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    create_devices(con, devices, named_devices())
    generated = {
        "DeviceFileCertificateInfo": benign_certificates(con, now, days, devices * days * rows_per_device_day),
        **benign_tables(con, now, days),
    }
    planted: dict[str, list[pa.Table]] = defaultdict(lambda: [])
    planted["DeviceFileCertificateInfo"].append(planted_certificates(now))
    for tables in (planted_activity(now), look_alike_rows(now), plant_seed_scenarios(now)):
        for name, table in tables.items():
            planted[name].append(table)
    store = WorkspaceStore(path, create=True)
    # Written apart: the background comes sorted by time, so storing it needs no sort.
    written = {name: store.write(name, table) for name, table in generated.items()}
    for name, tables in planted.items():
        written[name] = written.get(name, 0) + store.write(name, pa.concat_tables(tables, promote_options="permissive"))
    return written
