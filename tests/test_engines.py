"""Engine selection and options, DuckDB's memory settings, and the dialect rewrite (none of it needs Spark)."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlglot import exp

import rmmhunt.compiler
from rmmhunt import RmmhuntError, Workspace
from rmmhunt.compiler import compile_query
from rmmhunt.engines import EngineError, check_engine, create_engine
from rmmhunt.engines.base import DialectError
from rmmhunt.engines.dialects import SPARK_FUNCTIONS, for_dialect
from rmmhunt.engines.duckdb_engine import SPILL_DIRECTORY, DuckDBEngine
from rmmhunt.schema import default_catalog
from rmmhunt.store import WorkspaceStore
from rmmhunt.store.tables import conform

NOW = datetime(2026, 11, 27, 12)


def compiled(kql: str):
    return compile_query(kql, default_catalog(), NOW)


@pytest.mark.parametrize(
    ("name", "options", "message"),
    [
        ("sqlite", {}, "unknown engine 'sqlite'; available: duckdb, spark"),
        ("duckdb", {"spark_master": "local[4]"}, "a Spark master URL applies to the spark engine only"),
        ("spark", {"memory_limit": "1GB"}, "memory_limit applies to the duckdb engine only"),
    ],
)
def test_engine_choice_errors(name: str, options: dict, message: str) -> None:
    with pytest.raises(EngineError, match=message.replace("[", r"\[")):
        check_engine(name, **options)
    with pytest.raises(RmmhuntError, match=message.replace("[", r"\[")):
        Workspace(None, name, **options)


def test_duckdb_memory_limit_and_spill_directory_in_the_workspace(demo_path: Path) -> None:
    engine = create_engine("duckdb", Workspace(demo_path).store, memory_limit="256MB")
    assert isinstance(engine, DuckDBEngine)
    settings = dict(
        engine.con.sql(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('memory_limit', 'temp_directory')"
        ).fetchall()
    )
    assert settings["memory_limit"] in ("256.0 MiB", "244.1 MiB")  # DuckDB reports MB in MiB
    assert settings["temp_directory"] == str(demo_path / SPILL_DIRECTORY)


def test_duckdb_bad_memory_limit_names_the_setting() -> None:
    with pytest.raises(EngineError, match="memory_limit 'lots'"):
        Workspace(None, memory_limit="lots").query("print 1")


def test_duckdb_dialect_is_the_compiled_tree() -> None:
    query = compiled("print x = 1")
    assert for_dialect(query.tree, "duckdb") is query.tree


def test_spark_rewrite_is_a_copy_with_spark_spellings() -> None:
    query = compiled(
        "datatable(t:datetime, s:string, n:string)[datetime(2024-01-01), 'a', 'b']"
        " | project b = bin(t, 1h), h = s has n, r = (t - datetime(2023-12-31)) / 1h"
    )
    duckdb_sql = query.sql("duckdb")
    spark_tree = for_dialect(query.tree, "spark")
    spark_sql = spark_tree.sql("spark")
    assert query.sql("duckdb") == duckdb_sql  # the compiled tree is not changed
    anonymous = {node.name.lower() for node in spark_tree.find_all(exp.Anonymous)}
    assert not anonymous & set(SPARK_FUNCTIONS)
    assert "TIMESTAMP_NTZ" in spark_sql
    assert "'0001-01-01 00:00:00.000000'" in spark_sql  # the bin origin, with a four-digit year


# DuckDB functions that Spark has under the same name and meaning.
SAME_IN_SPARK = {"url_decode", "concat_ws", "map", "log10", "log2", "printf", "octet_length"}


def duckdb_functions_the_compiler_names() -> set[str]:
    """The DuckDB functions the compiler builds by name (sqlglot has no node for them)."""
    names: set[str] = set()
    for source in Path(rmmhunt.compiler.__file__).parent.rglob("*.py"):
        names |= set(re.findall(r'(?:Anonymous\(this=|anon\()"(\w+)"', source.read_text("utf-8")))
    return {name.lower() for name in names}


def test_every_duckdb_function_the_compiler_names_is_mapped_for_spark_in_one_place() -> None:
    """A new DuckDB-only function in the compiler needs a Spark spelling in engines/dialects.py."""
    named = duckdb_functions_the_compiler_names()
    assert {"time_bucket", "epoch_us", "regexp_escape", "map_concat", "list_reduce"} <= named
    assert named - set(SPARK_FUNCTIONS) - SAME_IN_SPARK == set()


def test_spark_gap_fails_before_spark_naming_it() -> None:
    tree = exp.select(exp.AtTimeZone(this=exp.column("t"), zone=exp.Literal.string("Europe/Paris")))
    gap = r"spark: not supported yet: a time zone other than UTC \(t AT TIME ZONE 'Europe/Paris'\)"
    with pytest.raises(DialectError, match=gap):
        for_dialect(tree, "spark")


def test_spark_reads_dynamic_values_through_variant() -> None:
    """DuckDB's -> keeps a string's quotes, which get_json_object would drop: Spark reads JSON as VARIANT."""
    query = compiled('print d = dynamic({"a": [1, "x"]}) | project a = d.a, x = d.a[-1], k = d[tostring(d.a[0])]')
    spark_sql = for_dialect(query.tree, "spark").sql("spark")
    assert "TRY_ELEMENT_AT(TRY_CAST(TRY_PARSE_JSON(" in spark_sql
    assert "AS ARRAY<VARIANT>), -1)" in spark_sql  # $[#-1]: from the end


def test_spark_rewrite_of_search_over_every_table_is_a_union_by_position() -> None:
    """Spark's SQL has no UNION BY NAME: every leg selects every column, in one order, the first leg naming them."""
    query = compiled('search "x"')
    spark_tree = for_dialect(query.tree, "spark")
    assert any(union.args.get("by_name") for union in query.tree.find_all(exp.Union))
    assert not any(union.args.get("by_name") for union in spark_tree.find_all(exp.Union))
    legs = [select for select in spark_tree.find_all(exp.Select) if isinstance(select.parent, exp.Union)]
    assert len(legs) == len(default_catalog().table_names())
    assert {len(leg.expressions) for leg in legs} == {len(query.columns)}
    [union] = [union for union in spark_tree.find_all(exp.Union) if not isinstance(union.parent, exp.Union)]
    assert union.named_selects == list(query.columns)


def test_spark_rewrite_of_the_seed_is_plain_spark_sql() -> None:
    from rmmhunt.rules import builtin_rules_dir, load_rules

    [seed] = [r for r in load_rules(builtin_rules_dir()) if r.rule.id == "ae49b070-4477-4660-a0a6-2377b08b76b4"]
    spark_sql = for_dialect(compiled(seed.rule.query).tree, "spark").sql("spark")
    assert "COLLECT_SET(`ReportId`)" in spark_sql
    assert "RLIKE" in spark_sql and "REGEXP_MATCHES" not in spark_sql


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["query", "print 1", "--spark-master", "local[4]"], "a Spark master URL applies to the spark engine only"),
        (["query", "print 1", "--engine", "sqlite"], "Invalid value for '--engine'"),
        (["query", "print 1", "--memory-limit", "lots"], "memory_limit 'lots'"),
        (
            ["hunt", "--data", ".", "--engine", "spark", "--memory-limit", "1GB"],
            "memory_limit applies to the duckdb engine",
        ),
    ],
)
def test_cli_engine_option_errors(args: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rmmhunt.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_memory_limit_caps_duckdb_and_the_query_runs(demo_path: Path) -> None:
    from typer.testing import CliRunner

    from rmmhunt.cli import app

    kql = "DeviceFileCertificateInfo | summarize n = count()"
    capped = CliRunner().invoke(
        app, ["query", kql, "--data", str(demo_path), "--memory-limit", "256MB", "--format", "csv"]
    )
    plain = CliRunner().invoke(app, ["query", kql, "--data", str(demo_path), "--format", "csv"])
    assert capped.exit_code == 0, capped.output
    assert capped.output == plain.output


@pytest.mark.parametrize("extra_in", ["later file", "first file"])
def test_duckdb_reads_files_that_differ_in_their_columns(tmp_path: Path, extra_in: str) -> None:
    """A table that gained a column has older files without it: the view reads those as nulls."""
    store = WorkspaceStore(tmp_path, create=True)
    day = {"first file": datetime(2026, 11, 1), "later file": datetime(2026, 11, 2)}
    plain_day = datetime(2026, 11, 2) if extra_in == "first file" else datetime(2026, 11, 1)
    store.write("DeviceInfo", pa.table({"Timestamp": [day[extra_in]], "DeviceName": ["new"], "Extra": ["x"]}))
    # The plain file is written by hand, as an older rmmhunt would have: without the column.
    columns = {c: t for c, t in store.table_columns("DeviceInfo").items() if c != "Extra"}
    folder = tmp_path / "tables" / "DeviceInfo" / f"day={plain_day:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    old = conform(pa.table({"Timestamp": [plain_day], "DeviceName": ["old"]}), columns)
    pq.write_table(old, folder / "old.parquet")
    ws = Workspace(tmp_path)
    result = ws.query("DeviceInfo | project DeviceName, Extra | order by DeviceName asc")
    assert result.to_pylist() == [{"DeviceName": "new", "Extra": "x"}, {"DeviceName": "old", "Extra": None}]
    assert ws.engine.by_name == {"DeviceInfo"}
    assert ws.query("DeviceInfo | count").column(0).to_pylist() == [2]


def test_duckdb_reads_files_of_one_schema_without_union_by_name(demo_path: Path) -> None:
    """union_by_name makes DuckDB read every file's footer for every query: only when the files differ."""
    ws = Workspace(demo_path)
    ws.query("DeviceFileCertificateInfo | count")
    assert ws.engine.by_name == set()
    view = ws.engine.con.sql("SELECT sql FROM duckdb_views() WHERE view_name = 'DeviceFileCertificateInfo'")
    assert "union_by_name" not in view.fetchall()[0][0]
