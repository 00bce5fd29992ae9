"""Ingest speed and memory: streaming-API JSON lines of DeviceFileCertificateInfo.

Generates (with DuckDB, once per size, in the scratch directory) a file of Defender streaming API
records — `{"time", "tenantId", "operationName", "category": "AdvancedHunting-...", "properties": {...}}`
with 7-digit fractional timestamps, ReportIds past 32 bits and an extra `MachineGroup` column — then
in the same run, round after round, times DuckDB's own `read_json` turning the file into Parquet and
`rmmhunt ingest` of it into a fresh workspace on the fast path and on the per-line path (each in a
child process, whose peak resident memory is measured too).

    python -m benchmarks ingest [--records N] [--scratch DIR] [--rounds R] [--paths fast]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import sqlglot
from rich.console import Console
from rich.table import Table
from sqlglot import exp

DEFAULT_RECORDS = 2_000_000

RECORDS_SQL = """
  SELECT
    strftime(TIMESTAMP '2026-11-01' + to_microseconds(i * 1234567 + 13), '%Y-%m-%dT%H:%M:%S.%f')
      || (i % 10)::VARCHAR || 'Z' AS "time",
    '12345af3-bc0e-4f36-b08e-27759e912345' AS tenantId,
    'Publish' AS operationName,
    'AdvancedHunting-DeviceFileCertificateInfo' AS category,
    {
      'Timestamp': strftime(TIMESTAMP '2026-11-01' + to_microseconds(i * 1234567), '%Y-%m-%dT%H:%M:%S.%f')
        || (i % 10)::VARCHAR || 'Z',
      'DeviceId': md5((i % 5000)::VARCHAR) || '0a1b2c3d',
      'DeviceName': 'ws-' || (i % 5000)::VARCHAR || '.contoso.local',
      'SHA1': sha1(i::VARCHAR),
      'IsSigned': i % 7 <> 0,
      'SignatureType': CASE WHEN i % 3 = 0 THEN 'Catalog' ELSE 'Embedded' END,
      'Signer': CASE WHEN i % 1000 = 0 THEN 'Remote Utilities LLC' ELSE 'Microsoft Windows' END,
      'SignerHash': sha1((i % 97)::VARCHAR),
      'Issuer': 'Microsoft Windows Production PCA 2011',
      'IssuerHash': sha1((i % 13)::VARCHAR),
      'CertificateSerialNumber': md5((i % 997)::VARCHAR),
      'CrlDistributionPointUrls': '["http://www.microsoft.com/pkiops/crl/MicWinProPCA2011_2011-10-19.crl"]',
      'CertificateCreationTime': '2021-09-02T18:23:41Z',
      'CertificateExpirationTime': '2022-09-01T18:23:41Z',
      'CertificateCountersignatureTime': CASE WHEN i % 5 = 0 THEN NULL ELSE '2022-05-25T15:28:57.628Z' END,
      'IsTrusted': true,
      'IsRootSignerMicrosoft': i % 1000 <> 0,
      'MachineGroup': 'UnassignedGroup',
      'ReportId': i + 4294967296
    } AS properties,
    'DefaultTenant' AS Tenant
  FROM range(?) t(i)
"""

CHILD = """
import resource, sys, time
from pathlib import Path
from rmmhunt.ingest import Ingester
from rmmhunt.store import WorkspaceStore
store = WorkspaceStore(sys.argv[1], create=True)
start = time.perf_counter()
report = Ingester(store, fast_path=sys.argv[3] == "fast").run([Path(sys.argv[2])])
elapsed = time.perf_counter() - start
assert not report.errors, report.errors
print(elapsed, report.rows, report.quarantined, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def copy_to(query: exp.Expression, path: Path, file_format: str) -> str:
    """COPY (query) TO 'path' (FORMAT ...), as a tree: the path is a literal."""
    copy = exp.Copy(
        this=query.subquery(),
        kind=False,
        files=[exp.Literal.string(str(path))],
        params=[exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var(file_format))],
    )
    return copy.sql("duckdb")


def generate(path: Path, records: int) -> None:
    if path.exists():
        return
    partial = path.with_suffix(".partial")
    duckdb.connect().execute(copy_to(sqlglot.parse_one(RECORDS_SQL, read="duckdb"), partial, "json"), [records])
    partial.rename(path)


def duckdb_rate(source: Path, scratch: Path, records: int) -> float:
    target = scratch / "duckdb.parquet"
    target.unlink(missing_ok=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start = time.perf_counter()
    read = exp.select(exp.Star()).from_(
        exp.Table(
            this=exp.Anonymous(
                this="read_json",
                expressions=[
                    exp.Literal.string(str(source)),
                    exp.EQ(this=exp.column("format"), expression=exp.Literal.string("newline_delimited")),
                ],
            )
        )
    )
    con.execute(copy_to(read, target, "parquet"))
    elapsed = time.perf_counter() - start
    count = con.execute("SELECT count(*) FROM read_parquet(?)", [str(target)]).fetchall()[0][0]
    assert count == records, count
    target.unlink()
    return records / elapsed


def rmmhunt_run(source: Path, scratch: Path, records: int, path: str) -> tuple[float, int]:
    """Records per second and peak resident memory (bytes) of a child process ingesting the file
    on the `path` given: "fast" (DuckDB reads the file) or "per-line" (every file read per line)."""
    workspace = scratch / "workspace"
    shutil.rmtree(workspace, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(workspace), str(source), path], capture_output=True, text=True, check=True
    )
    elapsed, rows, quarantined, peak_kib = done.stdout.split()
    assert int(rows) == records and int(quarantined) == 0, done.stdout
    shutil.rmtree(workspace, ignore_errors=True)
    return records / float(elapsed), int(peak_kib) * 1024


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks ingest")
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "rmmhunt-bench-ingest")
    parser.add_argument("--rounds", type=int, default=2, help="alternate runs of each; the best counts")
    parser.add_argument(
        "--paths", default="fast,per-line", help="rmmhunt's paths to time, comma-separated: fast, per-line"
    )
    args = parser.parse_args(argv)
    args.scratch.mkdir(parents=True, exist_ok=True)
    source = args.scratch / f"device-file-certificate-info-{args.records}.json"
    console = Console()
    with console.status(f"Generating {args.records:,} streaming API records..."):
        generate(source, args.records)
    size = source.stat().st_size
    ducks: list[float] = []
    paths = args.paths.split(",")
    if not set(paths) <= {"fast", "per-line"}:
        parser.error(f"--paths: fast, per-line or both, not {args.paths}")
    rates: dict[str, list[float]] = {path: [] for path in paths}
    peaks: dict[str, int] = dict.fromkeys(paths, 0)
    for _ in range(args.rounds):
        with console.status("DuckDB read_json -> Parquet..."):
            ducks.append(duckdb_rate(source, args.scratch, args.records))
        for path, runs in rates.items():
            with console.status(f"rmmhunt ingest ({path})..."):
                rate, rss = rmmhunt_run(source, args.scratch, args.records, path)
            runs.append(rate)
            peaks[path] = max(peaks[path], rss)
    table = Table(
        title=f"ingest: {args.records:,} DeviceFileCertificateInfo records, {size / 2**20:,.0f} MiB JSON lines, "
        f"{args.rounds} rounds (best; range)"
    )
    table.add_column("")
    table.add_column("records/s", justify="right")
    table.add_column("ratio to DuckDB (target >= 0.70)", justify="right")
    table.add_column("peak RSS", justify="right")
    table.add_row("DuckDB read_json -> Parquet", _spread(ducks), "", "")
    for path, runs in rates.items():
        ratios = [ours / duck for ours, duck in zip(runs, ducks, strict=True)]
        best = f"{max(runs) / max(ducks):.2f} ({min(ratios):.2f}-{max(ratios):.2f} per round)"
        table.add_row(f"rmmhunt ingest, {path} path", _spread(runs), best, f"{peaks[path] / 2**20:,.0f} MiB")
    console.print(table)


def _spread(rates: list[float]) -> str:
    return f"{max(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f})"
