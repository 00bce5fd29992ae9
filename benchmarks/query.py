"""The seed rule at scale: rmmhunt against the best hand-written DuckDB SQL on the same Parquet files.

    python -m benchmarks query [--rows 1M 10M 100M] [--repeat 5] [--dir DIR] [--skip peers spark rss]

For each size (1M and 10M rows by default; 100M only when asked for) it prints, all from one run:

- the seed through rmmhunt (parse + compile + execute) and the fastest of several hand-written DuckDB
  queries for the same answer, median of N, warm (connection and views already there) and cold (a new
  connection, views and compile each time; the OS file cache stays warm), and their ratio;
- the other Python KQL engines (duckdb-kql, adxpandas, kqlbridge) on the seed, or on a reduced form
  of it where they cannot run the seed (saying why), as ratios to hand-written SQL for the same form;
- the Spark engine's time for the seed beside DuckDB's, and whether the rows are the same;
- peak resident memory of a process that runs the seed once at the largest size, with DuckDB's
  memory_limit (spilling to the workspace) and without.

Times are wall-clock on whatever else the machine is doing; ratios are what to compare.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from rich.console import Console
from rich.table import Table

from benchmarks.compile import median_ms
from benchmarks.data import NOW, TABLE, generate
from rmmhunt import Workspace
from rmmhunt.compiler import compile_query
from rmmhunt.engines.duckdb_engine import table_view
from rmmhunt.rules import builtin_rules_dir, load_rules
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore

SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
# where generated workspaces are kept and reused between runs
WORKSPACES = Path(tempfile.gettempdir()) / "rmmhunt-bench"
SEED_ID = "ae49b070-4477-4660-a0a6-2377b08b76b4"
START, END = NOW - timedelta(days=5), NOW

# The seed's answer, written by hand. `has` is whole-term and case-insensitive: the regex alone, or
# behind a cheaper substring test. The benchmark takes whichever is fastest as the baseline.
TERM = r"(?i)(^|[^0-9a-z])remote utilities([^0-9a-z]|$)"
SEED_COLUMNS = "DeviceId, DeviceName, min(Timestamp) AS FirstSeen, max(Timestamp) AS LastSeen"
HAND_WRITTEN = {
    "regexp": f"""
        SELECT {SEED_COLUMNS}, list(DISTINCT ReportId) AS Report, count(*) AS Count
        FROM read_parquet($files)
        WHERE Timestamp BETWEEN $start AND $end AND regexp_matches(Signer, $term)
        GROUP BY ALL""",
    "ilike+regexp": f"""
        SELECT {SEED_COLUMNS}, list(DISTINCT ReportId) AS Report, count(*) AS Count
        FROM read_parquet($files)
        WHERE Timestamp BETWEEN $start AND $end AND Signer ILIKE '%remote utilities%' AND regexp_matches(Signer, $term)
        GROUP BY ALL""",
}
# What every peer can parse: no let, no now(), no make_set.
REDUCED_KQL = """DeviceFileCertificateInfo
| where Timestamp between (datetime(2026-11-22) .. datetime(2026-11-27))
| where Signer has 'Remote Utilities'
| summarize FirstSeen=min(Timestamp), LastSeen=max(Timestamp), Count=count() by DeviceId, DeviceName"""
HAND_REDUCED = f"""
    SELECT {SEED_COLUMNS}, count(*) AS Count
    FROM read_parquet($files)
    WHERE Timestamp BETWEEN $start AND $end AND Signer ILIKE '%remote utilities%' AND regexp_matches(Signer, $term)
    GROUP BY ALL"""
PEER_COLUMNS = ["Timestamp", "DeviceId", "DeviceName", "Signer", "ReportId"]

console = Console(width=160)


def seed_query() -> str:
    [seed] = load_rules(builtin_rules_dir() / "seed")
    assert seed.rule.id == SEED_ID
    return seed.rule.query


def interleaved_medians(
    runs: dict[str, Callable[[], object]], repeat: int, warm_up: bool = True
) -> dict[str, tuple[float, float]]:
    """(median, spread as max - min) in ms of each run, after one warm-up (unless done already), interleaved."""
    if warm_up:
        for run in runs.values():
            run()
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            samples[name].append((time.perf_counter() - start) * 1000)
    return {name: (statistics.median(s), max(s) - min(s)) for name, s in samples.items()}


def generated_workspaces(directory: Path, labels: list[str], tables: tuple[str, ...]) -> Iterator[tuple[str, Path]]:
    """Each size's workspace under `directory`, generated on first use and reused after."""
    for label in labels:
        start = time.perf_counter()
        with console.status(f"generating {label} rows per table in {directory / label} ..."):
            generate(directory / label, SIZES[label], tables)
        console.print(f"{label}: workspace ready in {time.perf_counter() - start:.0f} s")
        yield label, directory / label


def medians(runs: dict[str, Callable[[], Any]], repeat: int, warm: bool) -> dict[str, float]:
    """Median milliseconds of each run, the runs interleaved so that drift in the machine's load hits all alike."""
    return {name: median for name, (median, _) in interleaved_medians(runs, repeat, warm).items()}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("["):  # a set as JSON text (duckdb-kql's make_set)
        try:
            value = json.loads(value)
        except ValueError:
            return value
    return tuple(sorted(value)) if isinstance(value, list) else value


def canonical(table: pa.Table) -> list[tuple]:
    """Rows as sorted tuples, sets sorted, for comparing answers across engines."""
    return sorted(tuple(_cell(v) for v in row.values()) for row in table.to_pylist())


def connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")
    return con


class Size:
    """One generated workspace and the queries over it."""

    def __init__(self, label: str, store: WorkspaceStore):
        self.label = label
        self.store = store
        self.path = store.root
        self.files = [str(p) for p in store.table_files(TABLE)]
        self.params = {"files": self.files, "start": START, "end": END, "term": TERM}
        self.seed = seed_query()

    def hand(self, sql: str, con: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
        return (con or connect()).sql(sql, params=self.params).to_arrow_table()

    def view_connection(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
        """`con` with the table as a view over the same files, for peers that translate KQL to DuckDB SQL."""
        columns = self.store.table_columns(TABLE)
        assert columns is not None
        con.execute(table_view(TABLE, columns, self.files).sql("duckdb"))
        return con


# ---------------------------------------------------------------- rmmhunt vs hand-written


def seed_rows(size: Size, repeat: int, compile_ms: float) -> list[list[str]]:
    con = connect()
    workspace = Workspace(size.path)
    ours = canonical(workspace.query(size.seed, NOW))
    table_rows = []
    for warm in (True, False):
        hand_runs = {
            name: (lambda sql=sql: size.hand(sql, con)) if warm else (lambda sql=sql: size.hand(sql))
            for name, sql in HAND_WRITTEN.items()
        }
        ours_run = (
            (lambda: workspace.query(size.seed, NOW)) if warm else (lambda: Workspace(size.path).query(size.seed, NOW))
        )
        times = medians({**hand_runs, "rmmhunt": ours_run}, repeat, warm)
        best = min(HAND_WRITTEN, key=lambda name: times[name])
        same = all(canonical(size.hand(sql, con)) == ours for sql in HAND_WRITTEN.values())
        table_rows.append(
            [
                size.label,
                "warm" if warm else "cold",
                f"{times[best]:.1f} ({best})",
                f"{times['rmmhunt']:.1f}",
                f"{compile_ms:.2f}",
                f"{times['rmmhunt'] / times[best]:.2f}",
                "yes" if same else "NO",
            ]
        )
    return table_rows


# ---------------------------------------------------------------- other KQL engines


def _reason(error: BaseException) -> str:
    """The line of a peer's error that says why (kqlbridge puts it after 'Detail:')."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()] or [repr(error)]
    detail = [line for line in lines if line.startswith("Detail:")]
    return f"{type(error).__name__}: {(detail or lines)[0]}"[:150]


def _why_not(run: Callable[[], Any]) -> str | None:
    try:
        run()
    except Exception as error:  # the reason a peer cannot run the seed is a finding to print
        return _reason(error)
    return None


# A peer's attempt: (form, run or None when it cannot, note). The form is "seed" or "reduced".
Attempt = tuple[str, Callable[[], pa.Table] | None, str]


def peer_rows(size: Size, repeat: int) -> list[list[str]]:
    con = connect()
    workspace = Workspace(size.path)
    hand = {
        "seed": lambda: size.hand(HAND_WRITTEN["ilike+regexp"], con),
        "reduced": lambda: size.hand(HAND_REDUCED, con),
    }
    ours = {
        form: (lambda kql=kql: workspace.query(kql, NOW))
        for form, kql in (("seed", size.seed), ("reduced", REDUCED_KQL))
    }
    hand_ms = medians(hand, repeat, True)
    ours_ms = medians(ours, repeat, True)
    expected = {form: canonical(run()) for form, run in ours.items()}
    out: list[list[str]] = []
    for peer, attempts in (("duckdb-kql", _duckdb_kql), ("adxpandas", _adxpandas), ("kqlbridge", _kqlbridge)):
        try:
            tried = attempts(size)
        except ImportError as error:
            tried = [("seed", None, f"not installed ({error.name}): pip install -e '.[bench]'")]
        for form, run, note in tried:
            ours_ratio = f"{ours_ms[form] / hand_ms[form]:.2f}"
            if run is None:
                out.append([size.label, peer, form, "-", "-", ours_ratio, note])
                continue
            try:
                answer = canonical(run())  # which also warms it up
                ms = medians({"peer": run}, repeat, False)["peer"]
            except Exception as error:  # a peer's failure is a finding to print, not a crash
                out.append([size.label, peer, form, "-", "-", ours_ratio, _reason(error)])
                continue
            same = (
                "same rows" if answer == expected[form] else f"DIFFERENT: {len(answer)} rows, not {len(expected[form])}"
            )
            out.append([size.label, peer, form, f"{ms:.1f}", f"{ms / hand_ms[form]:.2f}", ours_ratio, same + note])
    return out


def _duckdb_kql(size: Size) -> list[Attempt]:
    import duckdb_kql

    con = size.view_connection(duckdb_kql.connect())
    translated = duckdb_kql.to_sql(size.seed, query_now=NOW)
    return [
        ("seed", lambda: duckdb_kql.query(con, size.seed, query_now=NOW).to_arrow_table(), ""),
        ("seed", lambda: con.execute(translated, translated.parameters).to_arrow_table(), "; translated SQL reused"),
    ]


def _adxpandas(size: Size) -> list[Attempt]:
    import adxpandas
    import pyarrow.parquet as pq

    frame = pq.read_table(size.files, columns=PEER_COLUMNS).to_pandas()
    client = adxpandas.AdxPandasClient({TABLE: frame})
    why = _why_not(lambda: client.query(size.seed))
    reduced = (
        "reduced",
        lambda: pa.Table.from_pandas(client.query(REDUCED_KQL), preserve_index=False),
        "; its DataFrame (5 columns) loaded beforehand",
    )
    return [("seed", None, f"cannot run the seed: {why}"), reduced] if why else [reduced]


def _kqlbridge(size: Size) -> list[Attempt]:
    import kqlbridge

    con = size.view_connection(connect())
    why = _why_not(lambda: kqlbridge.translate(size.seed, target="duckdb"))
    attempts: list[Attempt] = [("seed", None, f"cannot run the seed: {why}")] if why else []
    # Its DuckDB target writes RLIKE, which DuckDB does not parse; its Spark SQL, moved to DuckDB by sqlglot, runs.
    direct = _why_not(lambda: con.sql(kqlbridge.translate(REDUCED_KQL, target="duckdb")))
    if direct:
        attempts.append(("reduced", None, f"its DuckDB SQL fails: {direct}"))

    def through_spark_sql() -> pa.Table:
        spark_sql = kqlbridge.translate(REDUCED_KQL, target="spark")
        return con.sql(sqlglot.transpile(spark_sql, read="spark", write="duckdb")[0]).to_arrow_table()

    attempts.append(("reduced", through_spark_sql, "; its Spark SQL moved to DuckDB by sqlglot"))
    return attempts


# ---------------------------------------------------------------- Spark


def spark_rows(size: Size, repeat: int, master: str | None) -> list[list[str]]:
    from rmmhunt.engines.spark_engine import start_session

    start = time.perf_counter()
    start_session(master or "local[2]")
    jvm_s = time.perf_counter() - start
    duck = Workspace(size.path)
    spark = Workspace(size.path, engine="spark", spark_master=master)
    same = canonical(spark.query(size.seed, NOW)) == canonical(duck.query(size.seed, NOW))
    warm = medians(
        {"duckdb": lambda: duck.query(size.seed, NOW), "spark": lambda: spark.query(size.seed, NOW)}, repeat, True
    )
    cold = medians(
        {
            "duckdb": lambda: Workspace(size.path).query(size.seed, NOW),
            "spark": lambda: Workspace(size.path, engine="spark", spark_master=master).query(size.seed, NOW),
        },
        repeat,
        False,
    )
    return [
        [
            size.label,
            mode,
            f"{t['duckdb']:.1f}",
            f"{t['spark']:.1f}",
            f"{t['spark'] / t['duckdb']:.1f}",
            f"{jvm_s:.1f}",
            "yes" if same else "NO",
        ]
        for mode, t in (("warm", warm), ("cold", cold))
    ]


# ---------------------------------------------------------------- peak memory


def peak_rss_kib() -> int:
    """This process's peak resident set. Linux's VmHWM starts afresh at exec, unlike ru_maxrss."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _run_once(path: str, how: str, memory_limit: str | None, result: Any) -> None:
    """In a fresh process: run the seed once, report this process's peak resident set (KiB)."""
    if how == "rmmhunt":
        Workspace(path, memory_limit=memory_limit).query(seed_query(), NOW)
    elif how == "hand-written":
        size = Size("", WorkspaceStore(path))
        con = connect()
        if memory_limit:
            con.execute("SET memory_limit = ?", [memory_limit])
            con.execute("SET temp_directory = ?", [str(Path(path) / ".spill")])
        size.hand(HAND_WRITTEN["ilike+regexp"], con)
    result.put(peak_rss_kib())


def peak_rss_rows(size: Size, memory_limit: str) -> list[list[str]]:
    context = multiprocessing.get_context("spawn")
    out = []
    for how, limit in (
        ("idle (imports only)", None),
        ("rmmhunt", memory_limit),
        ("rmmhunt", None),
        ("hand-written", memory_limit),
    ):
        result = context.Queue()
        child = context.Process(target=_run_once, args=(str(size.path), how, limit, result))
        start = time.perf_counter()
        child.start()
        kib = result.get()
        child.join()
        out.append([size.label, how, limit or "none", f"{kib / 1024:.0f}", f"{time.perf_counter() - start:.1f}"])
    return out


# ---------------------------------------------------------------- report


def print_table(title: str, headers: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title, title_justify="left")
    for position, header in enumerate(headers):
        table.add_column(header, justify="left" if position < 2 else "right")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def sized_parser(name: str, doc: str, rows: list[str], repeat: int) -> argparse.ArgumentParser:
    """The options every benchmark over generated workspaces takes: --rows, --repeat, --dir."""
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks {name}", description=doc.split("\n\n")[0])
    parser.add_argument("--rows", nargs="+", choices=list(SIZES), default=rows, help="rows per table")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"runs per median (default {repeat})")
    parser.add_argument(
        "--dir",
        type=Path,
        default=WORKSPACES,
        help="where generated workspaces are kept and reused (default: %(default)s)",
    )
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = sized_parser("query", __doc__, ["1M", "10M"], 5)
    parser.add_argument("--skip", nargs="+", choices=["peers", "spark", "rss"], default=[], help="parts to leave out")
    parser.add_argument("--spark-master", default=None, help="Spark master URL (default local[2])")
    parser.add_argument("--memory-limit", default="1GB", help="DuckDB memory_limit for the memory figure")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    console.print(
        f"machine: {platform.machine()}, {multiprocessing.cpu_count()} cores, {platform.platform()}; "
        f"duckdb {duckdb.__version__}; median of {args.repeat}"
    )
    catalog, seed = default_catalog(), seed_query()
    compile_ms = median_ms(lambda: compile_query(seed, catalog, NOW).sql())
    sizes = []
    for label in args.rows:
        start = time.perf_counter()
        with console.status(f"generating {label} rows in {args.dir / label} ..."):
            store = generate(args.dir / label, SIZES[label])
        console.print(f"{label}: workspace ready in {time.perf_counter() - start:.0f} s ({args.dir / label})")
        sizes.append(Size(label, store))

    seed_table = [row for size in sizes for row in seed_rows(size, args.repeat, compile_ms)]
    print_table(
        "seed rule: rmmhunt (parse + compile + run) / best hand-written DuckDB SQL, ms",
        ["rows", "mode", "hand-written", "rmmhunt", "of which compile", "ratio", "same rows"],
        seed_table,
    )
    if "peers" not in args.skip:
        peers = [row for size in sizes if size.label != "100M" for row in peer_rows(size, args.repeat)]
        print_table(
            "other KQL engines, ms and ratio to hand-written DuckDB SQL for the same form",
            ["rows", "engine", "form", "ms", "ratio", "rmmhunt ratio", "note"],
            peers,
        )
    if "spark" not in args.skip:
        spark = [
            row for size in sizes if size.label != "100M" for row in spark_rows(size, args.repeat, args.spark_master)
        ]
        print_table(
            f"Spark engine ({args.spark_master or 'local[2]'}) beside DuckDB, seed rule, ms",
            ["rows", "mode", "duckdb", "spark", "spark / duckdb", "JVM start s", "same rows"],
            spark,
        )
    if "rss" not in args.skip:
        print_table(
            "peak resident memory of one process running the seed once, MiB",
            ["rows", "run", "memory_limit", "peak RSS", "wall s"],
            peak_rss_rows(sizes[-1], args.memory_limit),
        )
