"""Rows of the planted RMM activity (planted.PLANTS), built from each tool's catalogue indicators: a file
signed by the tool's publisher, the tool's process starting, its connection out, and the file's creation,
all within the pack's 7-day lookback."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from datetime import datetime, timedelta

import pyarrow as pa

from rmmhunt.demo.catalogue import Kind, ToolIndicators, tool_indicators
from rmmhunt.demo.devices import planted_device_id
from rmmhunt.demo.planted import PLANTS, plant_kinds

ISSUER = "DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1"
LOOKBACK_HOURS = 150  # plants fall within the last 150 hours: inside the pack's `ago(7d)`


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def signer(tool: ToolIndicators) -> str:
    """The longest of the tool's signers: the full legal name, as a certificate carries it."""
    return max(tool.signers, key=len)


def process_image(tool: ToolIndicators) -> dict[str, str]:
    """Version information, file name and folder of a process that the tool's first process matcher finds."""
    first = {field: values[0] for field, values in tool.process[0].items()}
    named = first.get("original_file_name") or first.get("file_name")
    file_name = named or re.sub(r"[^A-Za-z0-9]", "", first.get("product") or tool.name.split(" (")[0]) + ".exe"
    folder = "C:" + first["folder_path"] if "folder_path" in first else f"C:\\Program Files\\{tool.name}\\"
    return {
        "FileName": file_name,
        "FolderPath": folder.rstrip("\\") + "\\" + file_name,
        "ProcessVersionInfoCompanyName": first.get("company", ""),
        "ProcessVersionInfoProductName": first.get("product", ""),
        "ProcessVersionInfoFileDescription": first.get("description", first.get("product", "")),
        "ProcessVersionInfoOriginalFileName": file_name,
    }


def remote_url(tool: ToolIndicators, index: int) -> str:
    """The tool's first domain, written as the host itself, a URL, or a subdomain (the rules accept all three)."""
    domain = tool.domains[0]
    forms = (domain, f"https://{domain}/", f"relay-{_digest(domain)[:8]}.{domain}")
    return forms[index % len(forms)]


def planted_activity(now: datetime) -> dict[str, pa.Table]:
    """The planted rows of each table, at fixed offsets before `now`."""
    rows: dict[str, list[dict[str, object]]] = defaultdict(list)
    for index, plant in enumerate(PLANTS):
        tool = tool_indicators(plant.tool)
        kinds = plant_kinds(plant)
        device_id = planted_device_id(plant.device)
        device = {"DeviceId": device_id, "DeviceName": plant.device}
        account = {"AccountDomain": "contoso", "AccountName": "u" + device_id[:6]}
        started = now - timedelta(hours=2 + (index * 13) % LOOKBACK_HOURS, minutes=index)
        image = process_image(tool) if tool.process else {"FileName": f"{plant.tool}.exe"}
        sha1 = _digest(f"rmm-binary-{plant.tool}-{image['FileName']}")
        report_id = 600000 + index * 10
        folder = image.get("FolderPath", f"C:\\Users\\{account['AccountName']}\\Downloads\\{image['FileName']}")
        rows["DeviceFileEvents"].append(
            {
                **device,
                "Timestamp": started - timedelta(minutes=12),
                "ActionType": "FileCreated",
                "FileName": image["FileName"],
                "FolderPath": folder,
                "SHA1": sha1,
                "InitiatingProcessFileName": "msedge.exe",
                "InitiatingProcessAccountDomain": account["AccountDomain"],
                "InitiatingProcessAccountName": account["AccountName"],
                "ReportId": report_id,
            }
        )
        if Kind.FILE_SIGNATURE in kinds:
            rows["DeviceFileCertificateInfo"].append(
                {
                    **device,
                    "Timestamp": started - timedelta(minutes=10),
                    "SHA1": sha1,
                    "IsSigned": True,
                    "SignatureType": "Embedded",
                    "Signer": signer(tool),
                    "SignerHash": _digest(f"signer-{signer(tool)}"),
                    "Issuer": ISSUER,
                    "IsTrusted": True,
                    "IsRootSignerMicrosoft": False,
                    "ReportId": report_id + 1,
                }
            )
        if Kind.PROCESS in kinds:
            rows["DeviceProcessEvents"].append(
                {
                    **device,
                    **account,
                    **image,
                    "Timestamp": started,
                    "ActionType": "ProcessCreated",
                    "SHA1": sha1,
                    "ProcessCommandLine": f'"{image["FolderPath"]}"',
                    "InitiatingProcessFileName": "explorer.exe",
                    "ReportId": report_id + 2,
                }
            )
        if Kind.NETWORK in kinds:
            rows["DeviceNetworkEvents"].append(
                {
                    **device,
                    "Timestamp": started + timedelta(minutes=1),
                    "ActionType": "ConnectionSuccess",
                    "RemoteIP": f"203.0.113.{1 + index % 250}",
                    "RemotePort": 443,
                    "RemoteUrl": remote_url(tool, index),
                    "Protocol": "Tcp",
                    "InitiatingProcessFileName": image["FileName"],
                    "InitiatingProcessSHA1": sha1,
                    "InitiatingProcessAccountDomain": account["AccountDomain"],
                    "InitiatingProcessAccountName": account["AccountName"],
                    "ReportId": report_id + 3,
                }
            )
    return {name: pa.Table.from_pylist(table_rows) for name, table_rows in rows.items()}
