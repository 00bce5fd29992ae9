"""The SQL tree: values stay literal nodes, names stay quoted identifiers, any dialect prints it."""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlglot
from sqlglot import exp

from rmmhunt import Workspace
from rmmhunt.compiler import compile_query
from rmmhunt.schema import default_catalog

NOW = datetime(2026, 11, 27, 12)

HOSTILE = [
    "x'; DROP TABLE DeviceInfo; --",
    'x"; SELECT 1; --',
    "\\'; --",
    "a' OR '1'='1",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_string_values_never_become_sql_text(value: str) -> None:
    verbatim = "@'" + value.replace("'", "''") + "'"
    compiled = compile_query(f"DeviceFileCertificateInfo | where Signer == {verbatim}", default_catalog(), NOW)
    literals = [lit.this for lit in compiled.tree.find_all(exp.Literal) if lit.is_string]
    assert value in literals
    # Round trip: the printed SQL parses back to the same tree, so the value stayed one literal.
    reparsed = sqlglot.parse_one(compiled.sql("duckdb"), read="duckdb")
    assert value in [lit.this for lit in reparsed.find_all(exp.Literal) if lit.is_string]
    assert Workspace(None).query(f"print v={verbatim}").to_pylist() == [{"v": value}]


def test_identifiers_are_quoted() -> None:
    compiled = compile_query(
        "datatable(['weird name']:string, ['x\"y']:long)['a', 1] | project ['weird name'], ['x\"y']",
        default_catalog(),
        NOW,
    )
    identifiers = list(compiled.tree.find_all(exp.Identifier))
    assert identifiers and all(i.quoted for i in identifiers if not i.this.startswith("_t"))
    assert Workspace(None).query(
        "datatable(['weird name']:string, ['x\"y']:long)['a', 1] | project ['weird name'], ['x\"y']"
    ).to_pylist() == [{"weird name": "a", 'x"y': 1}]


def test_now_is_folded_into_one_literal_instant() -> None:
    compiled = compile_query(
        "let a = now(); let b = ago(5d); DeviceInfo | where Timestamp between (b .. a)", default_catalog(), NOW
    )
    sql = compiled.sql()
    assert "2026-11-27 12:00:00" in sql and "2026-11-22 12:00:00" in sql
    assert "NOW()" not in sql.upper() and "CURRENT_TIMESTAMP" not in sql.upper()


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "databricks", "trino"])
def test_seed_prints_in_other_dialects(dialect: str) -> None:
    kql = (
        "DeviceFileCertificateInfo | where Timestamp > ago(5d) | where Signer has 'Remote Utilities' "
        "| summarize FirstSeen=min(Timestamp), Report=make_set(ReportId), Count=count() by DeviceId, DeviceName"
    )
    sql = compile_query(kql, default_catalog(), NOW).sql(dialect)
    assert sqlglot.parse_one(sql, read=dialect) is not None
    assert "Remote Utilities" in sql


def test_has_compiles_to_a_substring_prefilter_and_a_term_regex() -> None:
    sql = compile_query("DeviceInfo | where DeviceName has 'corp.local'", default_catalog(), NOW).sql()
    assert "CONTAINS(LOWER(\"DeviceName\"), 'corp.local')" in sql
    assert "REGEXP_MATCHES" in sql and r"corp\.local" in sql
