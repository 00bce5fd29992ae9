"""The Spark engine gives the same rows as DuckDB.

The conformance tables (the cases of tests/test_semantics.py, test_operators.py and test_functions.py), the
seed and the rule pack on the demo workspace, and the places where Spark SQL and DuckDB spell things
differently (engines/dialects.py).
One local[2] SparkSession serves the whole run, since starting a JVM costs seconds; the data are small.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from rmmhunt import RmmhuntError, Workspace
from rmmhunt.cli import app
from rmmhunt.engines import EngineError
from rmmhunt.engines.base import DialectError
from rmmhunt.output import kql_types
from rmmhunt.rules import LoadedRule, builtin_rules_dir, load_rules
from rmmhunt.store import WorkspaceStore

from . import test_functions, test_operators, test_semantics
from .kql_cases import NOW, Case, canonical, json_key
from .test_seed import SEED_RULE_ID, hand_written_rows, normalised, seed_query_text

pytest.importorskip("pyspark", reason="the spark extra is not installed: pip install -e '.[dev,spark]'")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("no Java runtime (java on PATH or JAVA_HOME): Spark needs Java 17+", allow_module_level=True)

from rmmhunt.engines.spark_engine import start_session  # after the skip: needs PySpark

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

# Every conformance case, named after its table; each table's cases run on both engines.
CONFORMANCE: list[tuple[str, Case]] = [
    *(("semantics", c) for c in test_semantics.CASES),
    *(("operators", c) for c in test_operators.CASES),
    *(("functions", c) for c in [*test_functions.CASES, *test_functions.ACCESS_CASES]),
]

# A short-lived JVM starts about twice as fast with only the C1 JIT compiler.
TEST_CONF = {"spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1", "spark.sql.shuffle.partitions": "2"}


@pytest.fixture(scope="session")
def spark():
    """The one Spark application of the test run; every engine works in a new session of it."""
    session = start_session("local[2]", TEST_CONF)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_empty(spark) -> Workspace:
    return Workspace(None, engine="spark")


@pytest.fixture(scope="session")
def spark_demo(spark, demo_path: Path) -> Workspace:
    return Workspace(demo_path, engine="spark")


def assert_same(actual: pa.Table, expected: pa.Table) -> None:
    assert actual.column_names == expected.column_names
    assert kql_types(actual) == kql_types(expected)
    assert canonical(actual) == canonical(expected)


# Conformance cases where Spark does not yet give DuckDB's rows: each is a bug of the Spark dialect mapping
# (engines/dialects.py) to fix, not an accepted difference. Strict: a fixed one fails until removed here.
SPARK_DIFFERENCES: dict[str, str] = {}


def _conformance_param(table: str, case: Case) -> object:
    name = f"{table}-{case.id}"
    reason = SPARK_DIFFERENCES.get(name)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(case, id=name, marks=marks)


def test_known_spark_differences_name_cases() -> None:
    names = {f"{table}-{case.id}" for table, case in CONFORMANCE}
    assert set(SPARK_DIFFERENCES) <= names


@pytest.mark.parametrize("case", [_conformance_param(table, c) for table, c in CONFORMANCE])
def test_conformance_same_rows_as_duckdb(spark_empty: Workspace, empty_ws: Workspace, case: Case) -> None:
    expected = empty_ws.query(case.kql, now=NOW)
    try:
        actual = spark_empty.query(case.kql, now=NOW)
    except DialectError as gap:  # a known gap of the Spark dialect, listed in engines/dialects.py
        pytest.xfail(str(gap))
    assert actual.column_names == expected.column_names, case.url
    assert kql_types(actual) == kql_types(expected), case.url
    options = {"ordered": case.ordered, "sort_lists": case.sort_lists}
    assert canonical(actual, **options) == canonical(expected, **options), case.url


def test_seed_same_rows_as_duckdb_and_hand_written_sql(
    spark_demo: Workspace, demo_ws: Workspace, demo_path: Path, now: datetime
) -> None:
    actual = spark_demo.query(seed_query_text(), now=now)
    expected = demo_ws.query(seed_query_text(), now=now)
    assert_same(actual, expected)
    assert normalised(actual) == hand_written_rows(demo_path, now)


def shape(query: str) -> tuple:
    """What a rule's query does, without its values and comments: its operators and the words it uses."""
    bare = re.sub(r"//[^\n]*|@?'[^']*'|@?\"[^\"]*\"", "", query)
    return tuple(re.findall(r"\|\s*([a-z-]+)", bare)), frozenset(re.findall(r"[A-Za-z_][\w-]*~?|[=!]~|==", bare))


def one_rule_per_shape() -> list[LoadedRule]:
    """The pack has hundreds of rules in a few dozen shapes; one of each keeps Spark's share of the run short."""
    by_shape: dict[tuple, LoadedRule] = {}
    for rule in load_rules(builtin_rules_dir()):
        by_shape.setdefault(shape(rule.rule.query), rule)
    return list(by_shape.values())


def test_rule_pack_same_rows_as_duckdb(spark_demo: Workspace, demo_ws: Workspace, now: datetime) -> None:
    rules = one_rule_per_shape()
    assert SEED_RULE_ID in {r.rule.id for r in rules}
    spark_results = spark_demo.hunt(rules, now)
    duck_results = demo_ws.hunt(rules, now)
    for on_spark, on_duckdb in zip(spark_results, duck_results, strict=True):
        assert_same(on_spark.table, on_duckdb.table)


# Where the dialects differ and the corpus has no case: each runs on both engines with a known answer.
DIALECT_CASES = [
    pytest.param(
        # a real division by zero is +-infinity or NaN (IEEE 754) where Spark's `/` is null
        "datatable(x:real, y:real)[1.0, 0.0, -1.0, 0.0, 0.0, 0.0, 6.0, 3.0, real(null), 0.0]"
        " | project x, inf = isinf(x / y), nan = isnan(x / y), negative = x / y < 0,"
        " finite = iff(isfinite(x / y), x / y, real(null))",
        [
            [1.0, True, False, False, None],
            [-1.0, True, False, True, None],
            [0.0, False, True, False, None],
            [6.0, False, False, False, 2.0],
            [None, False, False, None, None],
        ],
        id="real-division-by-zero",
    ),
    pytest.param(
        # regexp_escape: a needle from a column, with regex characters and Java's \E quote end in it
        'datatable(s:string, n:string)["a.b c", "a.b", "axb c", "a.b", "a \\\\Ey z", "\\\\Ey", "a+b", "a+"]'
        # (term boundaries only at the needle's alphanumeric edges, as for a constant: "a+b" has "a+")
        " | where s has n | project s",
        [["a.b c"], ["a \\Ey z"], ["a+b"]],
        id="has-column-needle-regex-characters",
    ),
    pytest.param(
        # time_bucket: Kusto aligns bins to 0001-01-01, a Monday, so 7d bins start on Mondays
        "datatable(t:datetime)[datetime(2024-03-06 13:45), datetime(2024-03-04), datetime(2024-03-03 23:59)]"
        " | project w = bin(t, 7d), h = bin(t, 1h)",
        [
            ["2024-03-04T00:00:00.0000000Z", "2024-03-06T13:00:00.0000000Z"],
            ["2024-03-04T00:00:00.0000000Z", "2024-03-04T00:00:00.0000000Z"],
            ["2024-02-26T00:00:00.0000000Z", "2024-03-03T23:00:00.0000000Z"],
        ],
        id="bin-datetime-alignment",
    ),
    pytest.param(
        # generate_series: DuckDB's is empty where Spark's sequence() would fail (a step leading away)
        "range x from 1 to 5 step 2 | union (range x from 5 to 1 step 1), (range x from 6 to 2 step -4)",
        [[1], [3], [5], [6], [2]],
        id="range-steps",
    ),
    pytest.param(
        # list_slice: make_list and make_set with a size limit
        "datatable(x:long)[7, 7, 7] | summarize l = make_list(x, 2), s = make_set(x, 1)",
        [[[7, 7], [7]]],
        id="make-list-limit",
    ),
    pytest.param(
        # an RE2 rewrite from a column, made Java's at run time: \1 a group, \\ a backslash, $ itself
        'datatable(s:string, r:string)["a1b2", @"<\\1>", "a1", @"$\\\\", "a1", @"\\\\1$1"]'
        ' | project t = replace_regex(s, @"(\\d)", r)',
        [["a<1>b<2>"], ["a$\\"], ["a\\1$1"]],
        id="replace-regex-column-rewrite",
    ),
    pytest.param(
        # str_split: a separator from a column is quoted for Spark's regex split, \E in it too
        'datatable(s:string, sep:string)["a.b", ".", @"x\\Ey\\Ez", @"\\E"] | project p = split(s, sep)',
        [[["a", "b"]], [["x", "y", "z"]]],
        id="split-column-separator",
    ),
    pytest.param(
        # epoch_us: a timespan as microseconds, here through timespan / timespan
        "print a = (datetime(2024-01-02) - datetime(2024-01-01 12:00:00.5)) / 1ms",
        [[43199500.0]],
        id="timespan-division",
    ),
]


@pytest.mark.parametrize(("kql", "expected"), DIALECT_CASES)
def test_dialect_differences(spark_empty: Workspace, empty_ws: Workspace, kql: str, expected: list) -> None:
    on_duckdb = empty_ws.query(kql, now=NOW)
    on_spark = spark_empty.query(kql, now=NOW)
    assert canonical(on_duckdb) == sorted(expected, key=json_key)
    assert_same(on_spark, on_duckdb)


def test_files_with_and_without_an_extra_column(spark, tmp_path: Path) -> None:
    """A column added by a later ingest is null in older files, on both engines; a stored timespan reads back."""
    store = WorkspaceStore(tmp_path / "ws", create=True)
    day = datetime(2026, 11, 20)
    store.write("DeviceFileCertificateInfo", pa.table({"Timestamp": [day], "DeviceName": ["old"]}))
    newer = {"Timestamp": [day + timedelta(days=1)], "DeviceName": ["new"], "Elapsed": [timedelta(minutes=90)]}
    store.write("DeviceFileCertificateInfo", pa.table(newer))
    kql = "DeviceFileCertificateInfo | project DeviceName, Elapsed, Signer"
    on_duckdb = Workspace(store.root).query(kql, now=NOW)
    on_spark = Workspace(store.root, engine="spark").query(kql, now=NOW)
    assert canonical(on_duckdb) == [["new", "01:30:00", ""], ["old", None, ""]]
    assert_same(on_spark, on_duckdb)


def test_search_over_every_table_same_rows_as_duckdb(spark, tmp_path: Path) -> None:
    """`search` without `in` reads every table of the catalog, put together by column name (DuckDB's UNION ALL
    BY NAME; by position on Spark, each table padded with nulls): a table lacking a column has null there, as
    `union` gives."""
    store = WorkspaceStore(tmp_path / "ws", create=True)
    day = datetime(2026, 11, 20)
    processes = {"Timestamp": [day, day], "DeviceName": ["a", "b"], "FileName": ["svchost.exe", "cmd.exe"]}
    store.write("DeviceProcessEvents", pa.table({**processes, "FileSize": [10, 20]}))
    network = {"Timestamp": [day], "DeviceName": ["c"], "RemoteUrl": ["svchost.example.com"]}
    store.write("DeviceNetworkEvents", pa.table({**network, "RemotePort": pa.array([443], pa.int32())}))
    kql = 'search "svchost" | project $table, DeviceName, FileName, FileSize, RemoteUrl, RemotePort'
    on_duckdb = Workspace(store.root).query(kql, now=NOW)
    on_spark = Workspace(store.root, engine="spark").query(kql, now=NOW)
    assert canonical(on_duckdb) == [
        ["DeviceNetworkEvents", "c", None, None, "svchost.example.com", 443],
        ["DeviceProcessEvents", "a", "svchost.exe", 10, None, None],
    ]
    assert_same(on_spark, on_duckdb)


def test_workspace_at_a_uri_is_read_through_spark(spark, demo_path: Path, demo_ws: Workspace, now: datetime) -> None:
    """s3a:// and abfss:// go through the same Hadoop filesystem API as file://, the one URI a test can reach."""
    remote = Workspace(demo_path.as_uri(), engine="spark")
    assert_same(remote.query(seed_query_text(), now=now), demo_ws.query(seed_query_text(), now=now))
    with pytest.raises(RmmhuntError, match="a workspace at a URI is read through Spark; use the spark engine"):
        Workspace(demo_path.as_uri())
    with pytest.raises(RmmhuntError, match=r"not an rmmhunt workspace \(no rmmhunt-workspace.json\)"):
        Workspace((demo_path / "tables").as_uri(), engine="spark")
    with pytest.raises(RmmhuntError, match="no local directory to ingest into"):
        remote.ingest(None, [demo_path])
    args = ["query", "DeviceFileCertificateInfo | count", "--format", "csv", "--data"]
    on_uri = CliRunner().invoke(app, [*args, demo_path.as_uri(), "--engine", "spark"])
    assert on_uri.exit_code == 0, on_uri.output
    assert on_uri.stdout == CliRunner().invoke(app, [*args, str(demo_path)]).stdout


def test_engine_error_names_spark(spark_empty: Workspace) -> None:
    with pytest.raises(EngineError, match=r"^the engine failed to run the query: spark: "):
        spark_empty.query('print x = "a" matches regex "("', now=NOW)


def test_cli_query_on_spark_prints_what_duckdb_prints(spark, demo_path: Path) -> None:
    args = ["query", seed_query_text(), "--data", str(demo_path), "--now", "2026-11-27T12:00:00Z", "--format", "json"]
    on_duckdb = CliRunner().invoke(app, args)
    on_spark = CliRunner().invoke(app, [*args, "--engine", "spark"])
    assert on_spark.exit_code == 0, on_spark.output
    duck, spark_json = json.loads(on_duckdb.stdout), json.loads(on_spark.stdout)
    assert spark_json["columns"] == duck["columns"] and spark_json["types"] == duck["types"]
    by_device = {(row[0], row[1]): row for row in duck["rows"]}
    for row in spark_json["rows"]:
        expected = by_device.pop((row[0], row[1]))
        assert row[:4] + row[5:] == expected[:4] + expected[5:]
        assert sorted(row[4]) == sorted(expected[4])
    assert not by_device
