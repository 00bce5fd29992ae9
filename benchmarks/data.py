"""Benchmark data: a `DeviceFileCertificateInfo` workspace of any size, generated inside DuckDB.

Vectorised (one SQL statement per day of data, no Python loop per row) and deterministic (values
are hashes of the row number). The distributions follow a mid-size estate: 5,000 devices, 300
signers with a long tail, files that recur across devices, 0.5% of rows signed by Remote Utilities
in the spellings `has` must accept, and 0.1% near misses (`XRemote Utilities`, ...) it must reject.
The rows span DAYS days ending at NOW and are stored the way `rmmhunt ingest` stores them
(one Parquet file per UTC day, sorted by Timestamp).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import duckdb

from rmmhunt.store import WorkspaceStore

TABLE = "DeviceFileCertificateInfo"
NOW = datetime(2026, 11, 27)  # midnight, so that a peer that cannot read times of day can state the same window
DAYS = 30
DEVICES = 5_000
FILES = 200_000
RMM_PER_MILLE = 5  # 0.5% of rows
NEAR_MISS_PER_MILLE = 1
MANIFEST = "benchmark-data.json"

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
DAY_SQL = """
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


def generate(path: Path, rows: int) -> WorkspaceStore:
    """Write a workspace of `rows` rows at `path`, or reuse the one already there for the same size."""
    store = WorkspaceStore(path, create=True)
    manifest = path / MANIFEST
    wanted = {"table": TABLE, "rows": rows, "now": NOW.isoformat(), "days": DAYS, "version": 1}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted:
        return store
    for old in store.table_files(TABLE):
        old.unlink()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    params = {
        "devices": DEVICES,
        "files": FILES,
        "rmm": RMM_PER_MILLE,
        "near": NEAR_MISS_PER_MILLE,
        "rmm_signers": RMM_SIGNERS,
        "near_misses": NEAR_MISSES,
        "signers": signers(),
        "issuers": ISSUERS,
    }
    per_day, extra = divmod(rows, DAYS)
    first = 0
    for day in range(DAYS):
        count = per_day + (1 if day < extra else 0)
        midnight = NOW - timedelta(days=DAYS - day)
        batch = con.sql(DAY_SQL, params={**params, "first": first, "rows": count, "day": midnight}).to_arrow_table()
        store.write(TABLE, batch)
        first += count
    manifest.write_text(json.dumps(wanted) + "\n")
    return store
