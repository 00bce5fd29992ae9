"""Shared helpers for the differential tests: generated data, the duckdb_kql oracle, row normalisation.

The oracle is duckdb-kql (PyPI `duckdb-kql`, MIT), an independent KQL->DuckDB translator. Its API, as used here:

    con = duckdb_kql.connect()                      # duckdb.connect() + SET TimeZone='UTC'
    con.register("_src", arrow_table)
    con.execute('CREATE TABLE "DeviceFileCertificateInfo" AS SELECT * FROM _src')
    rel = duckdb_kql.query(con, kql, query_now=NOW)  # a DuckDBPyRelation (alias of duckdb_kql.kql)

`query_now=` pins what `now()`/`ago()` mean: the translation renders now() as one bound parameter
(`CAST($kqlnow AS TIMESTAMP)`), so both engines see the same instant.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pyarrow as pa

from rmmhunt.compiler.sqltypes import arrow_type
from rmmhunt.schema import default_catalog

TABLE = "DeviceFileCertificateInfo"
NOW = datetime(2024, 3, 15, 12, 0, 0)
SEED = 20240315

SIGNERS = (
    "Remote Utilities LLC",
    "REMOTE UTILITIES",
    "XRemote Utilities",
    "Microsoft Corporation",
    "Microsoft Windows",
    "remote utilities",
    "Remote-Utilities Ltd",
    "Utilities Remote Ltd",
    "Remote Utilitiesx",
    "Google LLC",
    "",
)
ISSUERS = ("Sectigo RSA Code Signing CA", "Microsoft Code Signing PCA 2011", "DigiCert SHA2 Assured ID Code Signing CA")
DEVICES = tuple((f"dev{i:02d}", f"ws-{i:02d}.contoso.local") for i in range(12))


def generated_rows(n: int = 300, seed: int = SEED) -> list[dict[str, Any]]:
    """Deterministic DeviceFileCertificateInfo rows: 10 days before NOW, a few exactly on the edges."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        device_id, device_name = rng.choice(DEVICES)
        if i < 4:  # window edges: now, now-5d, and just outside each
            age = [timedelta(0), timedelta(days=5), timedelta(days=5, microseconds=1), timedelta(microseconds=-1)][i]
        else:
            age = timedelta(seconds=rng.randrange(0, 10 * 86_400), microseconds=rng.randrange(0, 1_000_000))
        signer = SIGNERS[i % len(SIGNERS)] if i < 2 * len(SIGNERS) else rng.choice(SIGNERS)
        rows.append(
            {
                "Timestamp": NOW - age,
                "DeviceId": device_id,
                "DeviceName": device_name,
                "SHA1": f"{rng.getrandbits(160):040x}",
                "IsSigned": rng.random() < 0.9,
                "SignatureType": rng.choice(("Embedded", "Catalog")),
                "Signer": signer,
                "SignerHash": hashlib.sha1(signer.encode()).hexdigest()[:16] if signer else "",
                "Issuer": rng.choice(ISSUERS),
                "IssuerHash": f"{rng.getrandbits(64):016x}",
                "CertificateSerialNumber": f"{rng.getrandbits(64):016x}",
                "CrlDistributionPointUrls": "[]",
                "CertificateCreationTime": datetime(2023, 1, 1) + timedelta(days=rng.randrange(0, 300)),
                "CertificateExpirationTime": datetime(2025, 1, 1) + timedelta(days=rng.randrange(0, 300)),
                "CertificateCountersignatureTime": datetime(2023, 6, 1) + timedelta(days=rng.randrange(0, 300)),
                "IsTrusted": rng.random() < 0.8,
                "IsRootSignerMicrosoft": signer.startswith("Microsoft"),
                "ReportId": rng.choice((1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 9_000_000_001)),
            }
        )
        if i % 37 == 5:  # a few rows with no ReportId: null handling in make_set, sum, comparisons
            rows[-1]["ReportId"] = None
    return rows


def generated_table(n: int = 300, seed: int = SEED) -> pa.Table:
    """The rows as an Arrow table with exactly the catalog's columns and storage types."""
    columns = default_catalog().table_columns(TABLE)
    assert columns is not None
    rows = generated_rows(n, seed)
    schema = pa.schema([pa.field(name, arrow_type(kql_type)) for name, kql_type in columns.items()])
    return pa.Table.from_pylist(rows, schema=schema)


def oracle_connection(table: pa.Table):  # -> duckdb.DuckDBPyConnection
    import duckdb_kql

    con = duckdb_kql.connect()
    con.register("_src", table)
    con.execute(f'CREATE TABLE "{TABLE}" AS SELECT * FROM _src')
    con.unregister("_src")
    return con


def oracle_query(con, kql: str, now: datetime = NOW) -> tuple[list[str], list[tuple]]:
    import duckdb_kql

    relation = duckdb_kql.query(con, kql, query_now=now)
    return list(relation.columns), relation.fetchall()


# ------------------------------------------------------------------ normalisation


def norm_value(value: Any) -> Any:
    """A comparable, hashable form: lists sorted, JSON text parsed, floats rounded, datetimes naive."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        stripped = value.strip()
        if stripped[:1] in "[{" and stripped[-1:] in "]}":
            try:
                return norm_value(json.loads(stripped))
            except json.JSONDecodeError:
                pass
        return value
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(None).replace(tzinfo=None)
    if isinstance(value, pa.MonthDayNano):  # a DuckDB INTERVAL read back through Arrow
        months, days, nanoseconds = value
        return value if months else timedelta(days=days, microseconds=nanoseconds // 1000)
    if isinstance(value, (list, tuple)):
        items = [norm_value(v) for v in value]
        return ("list", tuple(sorted(items, key=repr)))
    if isinstance(value, dict):
        return ("dict", tuple(sorted((k, norm_value(v)) for k, v in value.items())))
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if value == int(value) and abs(value) < 2**53:
            return int(value)
        return float(f"{value:.9g}")
    return value


def norm_rows(rows: list[tuple]) -> list[tuple]:
    return sorted((tuple(norm_value(v) for v in row) for row in rows), key=repr)


def rmmhunt_rows(table: pa.Table) -> tuple[list[str], list[tuple]]:
    return list(table.column_names), [tuple(r.values()) for r in table.to_pylist()]
