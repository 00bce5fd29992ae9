"""The seed's five false-positive scenarios as telemetry: on each scenario's device, one sanctioned use
of Remote Utilities that its exclusion (tuning/examples/seed_exclusions.yaml) must suppress, and a near
miss that must stay an alert. The seed rule matches both (their signer has 'Remote Utilities'); the
file events, device groups and scheduled task tell them apart.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

import pyarrow as pa

from rmmhunt.compiler.sqltypes import arrow_type
from rmmhunt.demo.certificates import REMOTE_UTILITIES_ISSUER
from rmmhunt.schema import default_catalog

REMOTE_UTILITIES = "Remote Utilities LLC"
REMOTE_UTILITIES_SIGNER_HASH = "a1b2c3" + "0" * 34
CONTOSO_SIGNER_HASH = "c0a7050" + "1" * 33  # Contoso's own code-signing certificate (re-signed update packages)
CONTOSO_ISSUER = "Contoso Enterprise Code Signing CA"
HEALTH_CHECK_TASK = "\\Contoso\\HealthCheck"
HEALTH_CHECK_IMAGE = "C:\\Program Files\\Contoso\\HealthCheck\\healthcheck.exe"


@dataclass(frozen=True, slots=True)
class PlantedFile:
    report_id: int
    folder_path: str  # full path, as Defender's FolderPath holds it
    initiating_process: str
    signer_hash: str = REMOTE_UTILITIES_SIGNER_HASH
    issuer: str = REMOTE_UTILITIES_ISSUER
    origin_url: str | None = None
    origin_ip: str | None = None
    parent_process: str = "services.exe"

    @property
    def file_name(self) -> str:
        return self.folder_path.rsplit("\\", 1)[-1]

    @property
    def sha1(self) -> str:
        return hashlib.sha1(f"scenario-file-{self.report_id}".encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    exclusion_id: str
    device_name: str
    machine_group: str
    sanctioned: PlantedFile  # the exclusion must suppress it
    near_miss: PlantedFile  # it must stay an alert

    @property
    def device_id(self) -> str:
        return hashlib.sha1(f"scenario-device-{self.device_name}".encode()).hexdigest()


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "diagnostic .log sent by Remote Utilities to a server",
        "EXC-001",
        "srv-app-01.contoso.local",
        "Servers",
        PlantedFile(910001, "C:\\ProgramData\\Diagnostics\\rut_session.log", "rutserv.exe"),
        PlantedFile(910002, "C:\\ProgramData\\Diagnostics\\rut_session.exe", "rutserv.exe"),
    ),
    Scenario(
        "health-check temporary file written by a scheduled task",
        "EXC-002",
        "srv-mon-01.contoso.local",
        "Servers",
        PlantedFile(
            910003, "C:\\Windows\\Temp\\health_check_0412.tmp", "healthcheck.exe", parent_process="svchost.exe"
        ),
        PlantedFile(910004, "C:\\Windows\\Temp\\other.tmp", "healthcheck.exe", parent_process="svchost.exe"),
    ),
    Scenario(
        "update package re-signed with the enterprise certificate",
        "EXC-003",
        "ws-fin-0201.contoso.local",
        "Workstations",
        PlantedFile(
            910005, "C:\\Windows\\ccmcache\\7\\rutinstall.msi", "ccmexec.exe", CONTOSO_SIGNER_HASH, CONTOSO_ISSUER
        ),
        PlantedFile(910006, "C:\\Users\\mlee\\AppData\\Local\\Temp\\rutinstall.msi", "msiexec.exe"),
    ),
    Scenario(
        "configuration file copied from the internal file server",
        "EXC-004",
        "ws-eng-0310.contoso.local",
        "Workstations",
        PlantedFile(
            910007,
            "C:\\Users\\akim\\Documents\\config_rmm.cfg",
            "explorer.exe",
            origin_url="\\\\fileserver\\shared\\config_rmm.cfg",
            origin_ip="10.20.1.5",
        ),
        PlantedFile(
            910008,
            "C:\\Users\\akim\\Documents\\config_rmm2.cfg",
            "explorer.exe",
            origin_url="\\\\fileserver\\shared\\config_rmm2.cfg",
            origin_ip="198.51.100.23",
        ),
    ),
    Scenario(
        "test build in the IT administrator's Downloads folder",
        "EXC-005",
        "ws-it-0042.contoso.local",
        "Workstations",
        PlantedFile(910009, "C:\\Users\\ITAdmin\\Downloads\\test_rutviewer.exe", "rutview.exe"),
        PlantedFile(910010, "C:\\Users\\jdoe\\Downloads\\test_rutviewer.exe", "rutview.exe"),
    ),
)


def seed_exclusions_path() -> Path:
    """The exclusions file for these scenarios (shipped with the package)."""
    return Path(str(resources.files("rmmhunt.tuning").joinpath("examples", "seed_exclusions.yaml")))


def _catalog_table(name: str, rows: list[dict[str, object]]) -> pa.Table:
    """Rows of a catalog table, with all of its columns (null where a row does not give one)."""
    columns = default_catalog().table_columns(name) or {}
    schema = pa.schema([(c, arrow_type(t)) for c, t in columns.items()])
    return pa.Table.from_pylist(rows, schema=schema)


def plant_seed_scenarios(now: datetime) -> dict[str, pa.Table]:
    """Telemetry of the five scenarios in the seed rule's window (the last five days before `now`)."""
    certificates, files, devices = [], [], []
    for index, scenario in enumerate(SCENARIOS):
        seen = now - timedelta(hours=6 + 12 * index)
        device = {"DeviceId": scenario.device_id, "DeviceName": scenario.device_name}
        devices.append(
            {
                **device,
                "Timestamp": now - timedelta(days=1),
                "MachineGroup": scenario.machine_group,
                "OSPlatform": "WindowsServer2022" if scenario.machine_group == "Servers" else "Windows11",
                "ReportId": 920000 + index,
            }
        )
        for offset, planted in enumerate((scenario.sanctioned, scenario.near_miss)):
            at = seen + timedelta(minutes=offset)
            certificates.append(
                {
                    **device,
                    "Timestamp": at,
                    "SHA1": planted.sha1,
                    "IsSigned": True,
                    "SignatureType": "Embedded",
                    "Signer": REMOTE_UTILITIES,
                    "SignerHash": planted.signer_hash,
                    "Issuer": planted.issuer,
                    "IsTrusted": True,
                    "IsRootSignerMicrosoft": False,
                    "ReportId": planted.report_id,
                }
            )
            files.append(
                {
                    **device,
                    "Timestamp": at - timedelta(seconds=30),
                    "ActionType": "FileCreated",
                    "FileName": planted.file_name,
                    "FolderPath": planted.folder_path,
                    "SHA1": planted.sha1,
                    "FileOriginUrl": planted.origin_url,
                    "FileOriginIP": planted.origin_ip,
                    "InitiatingProcessFileName": planted.initiating_process,
                    "InitiatingProcessParentFileName": planted.parent_process,
                    "ReportId": planted.report_id + 50000,
                }
            )
    health = next(s for s in SCENARIOS if s.exclusion_id == "EXC-002")
    task_content = f"<Task><Actions><Exec><Command>{HEALTH_CHECK_IMAGE}</Command></Exec></Actions></Task>"
    task = {
        "DeviceId": health.device_id,
        "DeviceName": health.device_name,
        "Timestamp": now - timedelta(days=30),
        "ActionType": "ScheduledTaskCreated",
        "InitiatingProcessFileName": "svchost.exe",
        "ReportId": 930001,
        "AdditionalFields": json.dumps({"TaskName": HEALTH_CHECK_TASK, "TaskContent": task_content}),
    }
    return {
        "DeviceFileCertificateInfo": _catalog_table("DeviceFileCertificateInfo", certificates),
        "DeviceFileEvents": _catalog_table("DeviceFileEvents", files),
        "DeviceInfo": _catalog_table("DeviceInfo", devices),
        "DeviceEvents": _catalog_table("DeviceEvents", [task]),
    }
