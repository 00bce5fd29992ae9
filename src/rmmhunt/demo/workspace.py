"""Builds the demo workspace."""

from __future__ import annotations

import os
from datetime import datetime

from rmmhunt.demo.certificates import benign_certificates, planted_certificates
from rmmhunt.store import WorkspaceStore

DEFAULT_DEVICES = 3000
DEFAULT_DAYS = 10


def build_demo_workspace(
    path: str | os.PathLike[str],
    now: datetime,
    devices: int = DEFAULT_DEVICES,
    days: int = DEFAULT_DAYS,
    rows_per_device_day: int = 4,
) -> dict[str, int]:
    """Write sample telemetry ending at `now`; returns rows written per table."""
    store = WorkspaceStore(path, create=True)
    written = store.write(
        "DeviceFileCertificateInfo", benign_certificates(now, devices, days, devices * days * rows_per_device_day)
    )
    written += store.write("DeviceFileCertificateInfo", planted_certificates(now))
    return {"DeviceFileCertificateInfo": written}
