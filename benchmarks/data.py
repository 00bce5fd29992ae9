"""Benchmark data: the four tables the RMM pack and the heavier hunts read, of any size, generated inside DuckDB.

Vectorised (one SQL statement per table and day, no Python loop per row) and deterministic (values
are hashes of the row number). The distributions follow a mid-size estate: 5,000 devices, common
processes and domains with a long tail, and a small share of RMM indicators taken from the
catalogue the pack is generated from (`benchmarks/catalogue.py`), next to near misses the rules
must reject:

- DeviceFileCertificateInfo: 300 signers; 0.5% of rows signed by Remote Utilities (the seed's
  target) in the spellings `has` must accept, 0.1% near misses (`XRemote Utilities`, ...), 0.3%
  signed by another catalogue tool's publisher.
- DeviceProcessEvents: 0.5% of rows carry a catalogue tool's version information (company,
  product, description, original file name, any case), 0.1% a company one letter off; a JSON
  `AdditionalFields` with a `Tags` array (for mv-expand).
- DeviceNetworkEvents: 0.5% of rows connect to a catalogue domain (bare, subdomain, scheme, port,
  path), 0.1% to look-alikes (`notanydesk.com`, `anydesk.com.evil-cdn.net`); a third have no URL;
  InitiatingProcessId shares its range with DeviceProcessEvents' ProcessId, so the two join.
- DeviceFileEvents: created, modified, renamed and deleted files; 0.5% RMM installers downloaded
  from a catalogue domain.

The rows of each table span DAYS days ending at NOW and are stored the way `rmmhunt ingest` stores
them (one Parquet file per UTC day, sorted by Timestamp).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from benchmarks.catalogue import tools
from rmmhunt.store import WorkspaceStore

TABLE = "DeviceFileCertificateInfo"
PROCESS = "DeviceProcessEvents"
NETWORK = "DeviceNetworkEvents"
FILE = "DeviceFileEvents"
NOW = datetime(2026, 11, 27)  # midnight, so that a peer that cannot read times of day can state the same window
DAYS = 30
DEVICES = 5_000
FILES = 200_000
PROCESS_IDS = 50_000  # per device; ProcessId and InitiatingProcessId are drawn from the same range
USERS = 2_000
RMM_PER_MILLE = 5  # 0.5% of rows
NEAR_MISS_PER_MILLE = 1
OTHER_RMM_PER_MILLE = 3  # certificates: signed by another catalogue tool's publisher
VERSION = 2  # bump when a generator changes what it writes

RMM_SIGNERS = ["Remote Utilities LLC", "Remote Utilities", "REMOTE UTILITIES LTD", "Remote-Utilities LLC"]
NEAR_MISSES = ["XRemote Utilities", "Remote Utilitiesx Inc", "RemoteUtilities LLC"]

COMMON_SIGNERS = [
    "Microsoft Windows",
    "Microsoft Corporation",
    "Microsoft Windows Publisher",
    "Google LLC",
    "Mozilla Corporation",
    "Adobe Inc.",
    "Intel Corporation",
    "NVIDIA Corporation",
    "Dell Inc",
    "Zoom Video Communications, Inc.",
    "Cisco Systems, Inc.",
    "Oracle America, Inc.",
]
ISSUERS = [
    "Microsoft Code Signing PCA 2011",
    "Microsoft Windows Production PCA 2011",
    "DigiCert Trusted G4 Code Signing RSA4096 SHA384 2021 CA1",
    "DigiCert SHA2 Assured ID Code Signing CA",
    "Sectigo Public Code Signing CA R36",
    "Sectigo RSA Code Signing CA",
    "GlobalSign GCC R45 EV CodeSigning CA 2020",
    "Entrust Extended Validation Code Signing CA - EVCS2",
    "SSL.com EV Code Signing Intermediate CA RSA R3",
    "Certum Code Signing 2021 CA",
]


def signers() -> list[str]:
    """300 signers: well-known vendors first (the most frequent), then a long tail of small ones."""
    tail = [f"{word} Software {i:03d} {suffix}" for i, (word, suffix) in enumerate(_tail_names(), start=1)]
    return (COMMON_SIGNERS + tail)[:300]


def _tail_names() -> list[tuple[str, str]]:
    words = ["Acme", "Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Proseware", "Wingtip", "Adatum"]
    suffixes = ["Ltd", "LLC", "Inc.", "GmbH", "B.V.", "S.A.", "Oy", "AB"]
    return [(words[i % len(words)], suffixes[i % len(suffixes)]) for i in range(300)]


# One day of rows: $first is the first row number, $rows how many, $day the day's midnight.
# hash(i, k) is a deterministic pseudo-random number per row i and column k.
CERTIFICATE_SQL = """
WITH rows AS (
    SELECT i,
           CAST(hash(i, 1) % 86400000000 AS BIGINT) AS micros,
           CAST(hash(i, 2) % $devices AS BIGINT) AS device,
           CAST(hash(i, 3) % $files AS BIGINT) AS file,
           CAST(hash(i, 4) % 1000 AS BIGINT) AS kind,
           pow(CAST(hash(i, 5) % 1000000 AS BIGINT) / 1000000.0, 3) AS skew,
           CAST(hash(i, 6) % len($issuers) AS BIGINT) AS issuer,
           CAST(hash(i, 7) % 1000000007 AS BIGINT) AS serial
    FROM range($first, $first + $rows) AS t(i)
), signed AS (
    SELECT *,
           CASE
               WHEN kind < $rmm THEN $rmm_signers[1 + (i % len($rmm_signers))]
               WHEN kind < $rmm + $near THEN $near_misses[1 + (i % len($near_misses))]
               WHEN kind < $rmm + $near + $other THEN $other_signers[1 + (i % len($other_signers))]
               ELSE $signers[1 + CAST(floor(skew * len($signers)) AS BIGINT)]
           END AS signer
    FROM rows
)
SELECT
    $day::TIMESTAMP + to_microseconds(micros) AS Timestamp,
    sha1('device-' || device) AS DeviceId,
    'ws-' || lpad(CAST(device AS VARCHAR), 5, '0') || '.contoso.local' AS DeviceName,
    sha1('file-' || file) AS SHA1,
    kind <> 999 AS IsSigned,
    CASE WHEN file % 4 = 0 THEN 'Catalog' ELSE 'Embedded' END AS SignatureType,
    signer AS Signer,
    sha1(signer) AS SignerHash,
    $issuers[1 + issuer] AS Issuer,
    sha1($issuers[1 + issuer]) AS IssuerHash,
    printf('%016x', serial) AS CertificateSerialNumber,
    'http://crl.example.com/ca' || issuer || '.crl' AS CrlDistributionPointUrls,
    TIMESTAMP '2020-01-01' + to_days(CAST(serial % 1500 AS INTEGER)) AS CertificateCreationTime,
    TIMESTAMP '2027-01-01' + to_days(CAST(serial % 1500 AS INTEGER)) AS CertificateExpirationTime,
    $day::TIMESTAMP - to_days(CAST(file % 900 AS INTEGER)) AS CertificateCountersignatureTime,
    kind <> 998 AS IsTrusted,
    signer LIKE 'Microsoft%' AS IsRootSignerMicrosoft,
    CAST(i AS BIGINT) AS ReportId
FROM signed
"""


# Processes: (file name, company, product, description, folder); the first are the most frequent.
COMMON_PROCESSES = [
    (
        "svchost.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Host Process for Windows Services",
        r"C:\Windows\System32",
    ),
    ("chrome.exe", "Google LLC", "Google Chrome", "Google Chrome", r"C:\Program Files\Google\Chrome\Application"),
    (
        "msedge.exe",
        "Microsoft Corporation",
        "Microsoft Edge",
        "Microsoft Edge",
        r"C:\Program Files (x86)\Microsoft\Edge\Application",
    ),
    (
        "conhost.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Console Window Host",
        r"C:\Windows\System32",
    ),
    (
        "powershell.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Windows PowerShell",
        r"C:\Windows\System32\WindowsPowerShell\v1.0",
    ),
    (
        "cmd.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Windows Command Processor",
        r"C:\Windows\System32",
    ),
    (
        "OUTLOOK.EXE",
        "Microsoft Corporation",
        "Microsoft Outlook",
        "Microsoft Outlook",
        r"C:\Program Files\Microsoft Office\root\Office16",
    ),
    (
        "Teams.exe",
        "Microsoft Corporation",
        "Microsoft Teams",
        "Microsoft Teams",
        r"C:\Users\user\AppData\Local\Microsoft\Teams\current",
    ),
    ("firefox.exe", "Mozilla Corporation", "Firefox", "Firefox", r"C:\Program Files\Mozilla Firefox"),
    ("Zoom.exe", "Zoom Video Communications, Inc.", "Zoom", "Zoom Meetings", r"C:\Users\user\AppData\Roaming\Zoom\bin"),
    (
        "AcroRd32.exe",
        "Adobe Inc.",
        "Adobe Acrobat Reader",
        "Adobe Acrobat Reader",
        r"C:\Program Files\Adobe\Acrobat DC\Acrobat",
    ),
    (
        "MsMpEng.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Antimalware Service Executable",
        r"C:\ProgramData\Microsoft\Windows Defender\Platform",
    ),
    (
        "explorer.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Windows Explorer",
        r"C:\Windows",
    ),
    (
        "rundll32.exe",
        "Microsoft Corporation",
        "Microsoft® Windows® Operating System",
        "Windows host process (Rundll32)",
        r"C:\Windows\System32",
    ),
    ("git.exe", "The Git Development Community", "Git", "Git for Windows", r"C:\Program Files\Git\cmd"),
    ("python.exe", "Python Software Foundation", "Python", "Python", r"C:\Program Files\Python312"),
]
PROCESS_TAIL = 400  # app001.exe from Vendor 001 Ltd, ...

# Hosts of everyday traffic (none is, or is under, a catalogue domain); the first are the most frequent.
COMMON_HOSTS = [
    "www.microsoft.com",
    "login.microsoftonline.com",
    "outlook.office365.com",
    "settings-win.data.microsoft.com",
    "www.google.com",
    "update.googleapis.com",
    "clients2.google.com",
    "www.bing.com",
    "teams.microsoft.com",
    "ctldl.windowsupdate.com",
    "mystorage.blob.core.windows.net",
    "zoom.us",
    "slack.com",
    "www.dropbox.com",
    "github.com",
    "pypi.org",
    "files.pythonhosted.org",
    "cdn.jsdelivr.net",
    "www.wikipedia.org",
    "news.ycombinator.com",
]
HOST_TAIL = 2_000  # site0001.example.net, ...


def _padded(n: int) -> str:
    return f"{n:03d}"


def process_params() -> dict[str, Any]:
    """Common processes (then a long tail) and the catalogue's process matchers as row templates."""
    common = COMMON_PROCESSES + [
        (
            f"app{_padded(i)}.exe",
            f"Vendor {_padded(i)} Ltd",
            f"App {_padded(i)}",
            f"App {_padded(i)} client",
            rf"C:\Program Files\Vendor{_padded(i)}",
        )
        for i in range(1, PROCESS_TAIL + 1)
    ]
    templates = []
    for tool in tools():
        for matcher in tool.process:
            first = {key: values[0] for key, values in matcher.items()}
            name = first.get("original_file_name") or first.get("file_name") or f"{tool.slug}.exe"
            folder = (
                rf"C:\Program Files\{first['folder_path']}"
                if "folder_path" in first
                else rf"C:\Program Files\{tool.name}"
            )
            templates.append(
                (
                    name,
                    first.get("company", ""),
                    first.get("product", ""),
                    first.get("description", ""),
                    first.get("original_file_name", ""),
                    folder,
                )
            )
    return {
        "names": [p[0] for p in common],
        "companies": [p[1] for p in common],
        "products": [p[2] for p in common],
        "descriptions": [p[3] for p in common],
        "folders": [p[4] for p in common],
        "rmm_names": [t[0] for t in templates],
        "rmm_companies": [t[1] for t in templates],
        "rmm_products": [t[2] for t in templates],
        "rmm_descriptions": [t[3] for t in templates],
        "rmm_originals": [t[4] for t in templates],
        "rmm_folders": [t[5] for t in templates],
    }


PROCESS_SQL = """
WITH rows AS (
    SELECT i,
           CAST(hash(i, 1) % 86400000000 AS BIGINT) AS micros,
           CAST(hash(i, 2) % $devices AS BIGINT) AS device,
           CAST(hash(i, 3) % 1000 AS BIGINT) AS kind,
           1 + CAST(floor(pow(CAST(hash(i, 4) % 1000000 AS BIGINT) / 1000000.0, 3) * len($names)) AS BIGINT) AS p,
           1 + CAST(i % len($rmm_names) AS BIGINT) AS r,
           CAST(hash(i, 5) % $pids AS BIGINT) AS pid,
           CAST(hash(i, 6) % $pids AS BIGINT) AS parent,
           CAST(hash(i, 7) % $users AS BIGINT) AS user,
           CAST(hash(i, 8) % 3 AS BIGINT) AS tags
    FROM range($first, $first + $rows) AS t(i)
), chosen AS (
    SELECT *,
           kind < $rmm AS is_rmm,
           kind >= $rmm AND kind < $rmm + $near AND $rmm_companies[r] <> '' AS is_near,
           -- an RMM row in upper case one time in three: `has` and `in~` ignore case
           CASE WHEN kind < $rmm AND i % 3 = 0 THEN 'upper' ELSE 'as is' END AS spelling
    FROM rows
), picked AS (
    SELECT *,
           CASE WHEN is_rmm THEN $rmm_names[r] ELSE $names[p] END AS name,
           CASE WHEN is_rmm THEN $rmm_companies[r] WHEN is_near THEN $rmm_companies[r] || 'x'
                ELSE $companies[p] END AS company,
           CASE WHEN is_rmm THEN $rmm_products[r] ELSE $products[p] END AS product,
           CASE WHEN is_rmm THEN $rmm_descriptions[r] ELSE $descriptions[p] END AS description,
           CASE WHEN is_rmm THEN $rmm_originals[r] ELSE $names[p] END AS original,
           CASE WHEN is_rmm THEN $rmm_folders[r] ELSE $folders[p] END AS folder
    FROM chosen
)
SELECT
    $day::TIMESTAMP + to_microseconds(micros) AS Timestamp,
    sha1('device-' || device) AS DeviceId,
    'ws-' || lpad(CAST(device AS VARCHAR), 5, '0') || '.contoso.local' AS DeviceName,
    'ProcessCreated' AS ActionType,
    name AS FileName,
    folder || '\\' || name AS FolderPath,
    sha1('binary-' || name || company) AS SHA1,
    CASE WHEN spelling = 'upper' THEN upper(company) ELSE company END AS ProcessVersionInfoCompanyName,
    CASE WHEN spelling = 'upper' THEN upper(product) ELSE product END AS ProcessVersionInfoProductName,
    CASE WHEN spelling = 'upper' THEN upper(description) ELSE description END AS ProcessVersionInfoFileDescription,
    CASE WHEN spelling = 'upper' THEN upper(original) ELSE original END AS ProcessVersionInfoOriginalFileName,
    pid AS ProcessId,
    '"' || name || '" --id ' || (i % 1000) AS ProcessCommandLine,
    $day::TIMESTAMP + to_microseconds(micros) AS ProcessCreationTime,
    'CONTOSO' AS AccountDomain,
    'user' || lpad(CAST(user AS VARCHAR), 4, '0') AS AccountName,
    parent AS InitiatingProcessId,
    CASE WHEN parent % 2 = 0 THEN 'explorer.exe' ELSE 'svchost.exe' END AS InitiatingProcessFileName,
    'CONTOSO' AS InitiatingProcessAccountDomain,
    'user' || lpad(CAST(user AS VARCHAR), 4, '0') AS InitiatingProcessAccountName,
    CAST(i AS BIGINT) AS ReportId,
    to_json({'Tags': list_slice(
                 ['tag-' || (hash(i, 9) % 20), 'tag-' || (hash(i, 10) % 20), 'tag-' || (hash(i, 11) % 20)],
                 1, 1 + tags),
             'Elevated': kind % 2 = 0})::VARCHAR AS AdditionalFields
FROM picked
"""


def network_params() -> dict[str, Any]:
    domains = [d for tool in tools() for d in tool.domains]
    tail = [f"site{i:04d}.example.net" for i in range(1, HOST_TAIL + 1)]
    return {"hosts": COMMON_HOSTS + tail, "rmm_domains": domains}


NETWORK_SQL = """
WITH rows AS (
    SELECT i,
           CAST(hash(i, 1) % 86400000000 AS BIGINT) AS micros,
           CAST(hash(i, 2) % $devices AS BIGINT) AS device,
           CAST(hash(i, 3) % 1000 AS BIGINT) AS kind,
           1 + CAST(floor(pow(CAST(hash(i, 4) % 1000000 AS BIGINT) / 1000000.0, 3) * len($hosts)) AS BIGINT) AS h,
           $rmm_domains[1 + CAST(i % len($rmm_domains) AS BIGINT)] AS domain,
           CAST(hash(i, 5) % $pids AS BIGINT) AS pid,
           CAST(hash(i, 6) % $users AS BIGINT) AS user,
           CAST(hash(i, 7) % 4 AS BIGINT) AS form,
           CAST(hash(i, 8) AS UBIGINT) AS ip
    FROM range($first, $first + $rows) AS t(i)
)
SELECT
    $day::TIMESTAMP + to_microseconds(micros) AS Timestamp,
    sha1('device-' || device) AS DeviceId,
    'ws-' || lpad(CAST(device AS VARCHAR), 5, '0') || '.contoso.local' AS DeviceName,
    CASE WHEN kind % 10 = 9 THEN 'ConnectionFailed' ELSE 'ConnectionSuccess' END AS ActionType,
    (ip % 223 + 1) || '.' || (ip // 256 % 256) || '.' || (ip // 65536 % 256) || '.' || (ip // 16777216 % 256)
        AS RemoteIP,
    CAST(CASE WHEN form = 0 THEN 80 ELSE 443 END AS INTEGER) AS RemotePort,
    CASE
        WHEN kind < $rmm THEN
            CASE form
                WHEN 0 THEN domain
                WHEN 1 THEN 'https://relay-' || (i % 100) || '.' || domain || '/session'
                WHEN 2 THEN 'node' || (i % 10) || '.' || domain || ':443'
                ELSE 'http://' || upper(domain)
            END
        WHEN kind < $rmm + $near THEN
            CASE WHEN form % 2 = 0 THEN 'not' || domain ELSE domain || '.evil-cdn.net' END
        WHEN kind % 3 = 0 THEN ''
        WHEN form = 1 THEN 'https://' || $hosts[h] || '/'
        ELSE $hosts[h]
    END AS RemoteUrl,
    '10.' || (device // 256 % 256) || '.' || (device % 256) || '.10' AS LocalIP,
    CAST(49152 + i % 16384 AS INTEGER) AS LocalPort,
    'Tcp' AS Protocol,
    pid AS InitiatingProcessId,
    CASE WHEN kind < $rmm THEN split_part(domain, '.', 1) || '.exe' ELSE 'chrome.exe' END AS InitiatingProcessFileName,
    'CONTOSO' AS InitiatingProcessAccountDomain,
    'user' || lpad(CAST(user AS VARCHAR), 4, '0') AS InitiatingProcessAccountName,
    CAST(i AS BIGINT) AS ReportId
FROM rows
"""

FILE_SQL = """
WITH rows AS (
    SELECT i,
           CAST(hash(i, 1) % 86400000000 AS BIGINT) AS micros,
           CAST(hash(i, 2) % $devices AS BIGINT) AS device,
           CAST(hash(i, 3) % 1000 AS BIGINT) AS kind,
           CAST(hash(i, 4) % $files AS BIGINT) AS file,
           CAST(hash(i, 5) % $pids AS BIGINT) AS pid,
           $rmm_names[1 + CAST(i % len($rmm_names) AS BIGINT)] AS installer,
           $rmm_domains[1 + CAST(i % len($rmm_domains) AS BIGINT)] AS domain
    FROM range($first, $first + $rows) AS t(i)
)
SELECT
    $day::TIMESTAMP + to_microseconds(micros) AS Timestamp,
    sha1('device-' || device) AS DeviceId,
    'ws-' || lpad(CAST(device AS VARCHAR), 5, '0') || '.contoso.local' AS DeviceName,
    ['FileCreated', 'FileModified', 'FileModified', 'FileRenamed', 'FileDeleted'][1 + kind % 5] AS ActionType,
    CASE WHEN kind < $rmm THEN installer ELSE 'doc' || file || ['.docx', '.xlsx', '.pdf', '.tmp'][1 + file % 4] END
        AS FileName,
    CASE WHEN kind < $rmm THEN 'C:\\Users\\user\\Downloads' ELSE 'C:\\Users\\user\\Documents' END AS FolderPath,
    sha1('file-' || file) AS SHA1,
    CASE WHEN kind < $rmm THEN 'https://download.' || domain || '/' || installer ELSE '' END AS FileOriginUrl,
    CAST(hash(i, 6) % 50000000 AS BIGINT) AS FileSize,
    pid AS InitiatingProcessId,
    CASE WHEN kind < $rmm THEN 'chrome.exe' ELSE 'WINWORD.EXE' END AS InitiatingProcessFileName,
    CAST(i AS BIGINT) AS ReportId
FROM rows
"""


@dataclass(frozen=True)
class Generator:
    sql: str
    params: Callable[[], dict[str, Any]]


def certificate_params() -> dict[str, Any]:
    others = [s for tool in tools() if tool.slug != "remote_utilities" for s in tool.signers]
    return {
        "files": FILES,
        "other": OTHER_RMM_PER_MILLE,
        "rmm_signers": RMM_SIGNERS,
        "near_misses": NEAR_MISSES,
        "other_signers": [s.title() for s in others],
        "signers": signers(),
        "issuers": ISSUERS,
    }


def file_params() -> dict[str, Any]:
    return {
        "files": FILES,
        "rmm_names": process_params()["rmm_names"],
        "rmm_domains": network_params()["rmm_domains"],
    }


GENERATORS = {
    TABLE: Generator(CERTIFICATE_SQL, certificate_params),
    PROCESS: Generator(PROCESS_SQL, lambda: {"pids": PROCESS_IDS, "users": USERS, **process_params()}),
    NETWORK: Generator(NETWORK_SQL, lambda: {"pids": PROCESS_IDS, "users": USERS, **network_params()}),
    FILE: Generator(FILE_SQL, lambda: {"pids": PROCESS_IDS, **file_params()}),
}


DAY_PARAMS = {"first", "rows", "day"}  # set per day by generate()


def generate(path: Path, rows: int, tables: tuple[str, ...] = (TABLE,)) -> WorkspaceStore:
    """A workspace with `rows` rows in each of `tables` at `path`; a table already there at that size is reused."""
    store = WorkspaceStore(path, create=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    for table in tables:
        manifest = path / f"benchmark-{table}.json"
        wanted = {"rows": rows, "now": NOW.isoformat(), "days": DAYS, "version": VERSION}
        if manifest.exists() and json.loads(manifest.read_text()) == wanted:
            continue
        manifest.unlink(missing_ok=True)
        for old in store.table_files(table):
            old.unlink()
        generator = GENERATORS[table]
        offered = {"devices": DEVICES, "rmm": RMM_PER_MILLE, "near": NEAR_MISS_PER_MILLE, **generator.params()}
        params = {name: offered[name] for name in set(re.findall(r"\$(\w+)", generator.sql)) - DAY_PARAMS}
        per_day, extra = divmod(rows, DAYS)
        first = 0
        for day in range(DAYS):
            count = per_day + (1 if day < extra else 0)
            midnight = NOW - timedelta(days=DAYS - day)
            day_params = {**params, "first": first, "rows": count, "day": midnight}
            store.write(table, con.sql(generator.sql, params=day_params).to_arrow_table())
            first += count
        manifest.write_text(json.dumps(wanted) + "\n")
    return store
