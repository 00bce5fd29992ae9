"""Prefilters of shared scans (engines/prefilters.py): a cheap condition every filter of a shared table implies,
tested before their OR. Each case: the rules' filters -> the condition (DuckDB SQL), or None."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from rmmhunt.compiler import compile_query
from rmmhunt.engines.prefilters import implied_prefilter
from rmmhunt.engines.shared_scans import conjuncts
from rmmhunt.schema import default_catalog

NOW = datetime(2026, 11, 27, 12)
CATALOG = default_catalog()
T = "DeviceProcessEvents | where "


def day(d: int) -> str:
    return f"CAST('2026-11-{d:02d} 12:00:00.000000' AS TIMESTAMP)"


PREFILTERS = [
    # one needle per filter, on the same text: one alternation
    (
        [T + "FileName has 'anydesk'", T + "FileName contains 'rust.desk'"],
        "REGEXP_MATCHES(LOWER(\"FileName\"), 'anydesk|rust\\.desk')",
    ),
    # `in~` and `=~` values hold themselves; needles on two texts: either may hold one
    (
        [T + "FileName in~ ('a.exe', 'B.exe')", T + "FolderPath =~ 'C:\\\\x'"],
        "REGEXP_MATCHES(LOWER(\"FileName\"), 'a\\.exe|b\\.exe') OR REGEXP_MATCHES(LOWER(\"FolderPath\"), 'c:\\\\x')",
    ),
    # an `or` inside a filter needs a needle on each side; case-sensitive text is tested as it is
    (
        [T + "FileName contains_cs 'AnyDesk' or ProcessCommandLine has 'anydesk'"],
        "REGEXP_MATCHES(\"FileName\", 'AnyDesk') OR REGEXP_MATCHES(LOWER(\"ProcessCommandLine\"), 'anydesk')",
    ),
    # time windows: the loosest bounds of all the filters, with their needles
    (
        [
            T + "Timestamp > ago(7d) and FileName has 'a'",
            T + "Timestamp between (ago(3d) .. ago(1d)) and FileName has 'b'",
        ],
        f'REGEXP_MATCHES(LOWER("FileName"), \'a|b\') AND "Timestamp" >= {day(20)}',
    ),
    (
        [T + "Timestamp between (ago(9d) .. ago(2d))", T + "Timestamp >= ago(3d) and Timestamp < ago(1d)"],
        f'"Timestamp" >= {day(18)} AND "Timestamp" <= {day(26)}',
    ),
    # a filter without a needle or a bound: nothing all of them imply
    ([T + "FileName has 'a'", T + "ProcessId > 4"], None),
    ([T + "FileName has 'a'", T + "not(FileName has 'b')"], None),
    # prefixes, suffixes and exact values hold themselves, case-sensitive ones on the text as it is
    (
        [T + "FileName startswith 'any'", T + "FileName endswith_cs '.EXE'", T + "FileName == 'Tv.exe'"],
        "REGEXP_MATCHES(LOWER(\"FileName\"), 'any') OR REGEXP_MATCHES(\"FileName\", '\\.EXE|Tv\\.exe')",
    ),
    # has_any compiles to one regex, with no substring test to read a needle from
    ([T + "FileName has_any ('a', 'b')", T + "FileName has 'c'"], None),
    # an empty needle is in every text
    ([T + "FileName contains ''", T + "FileName has 'a'"], None),
]


def filters(queries: list[str]) -> list[frozenset]:
    return [conjuncts(compile_query(q, CATALOG, NOW).tree.args["where"].this) for q in queries]


@pytest.mark.parametrize(("queries", "expected"), PREFILTERS)
def test_the_condition_every_filter_implies(queries: list[str], expected: str | None) -> None:
    found = implied_prefilter(filters(queries))
    assert (found.sql("duckdb") if found is not None else None) == expected


TEXTS = [
    "AnyDesk.exe",
    "anydesk",
    "ANYDESK",
    "x-anydesk-y",
    "Teknopars Bİlİşİm",
    "teknopars bi̇li̇şi̇m",
    "",
    None,
    "other",
]


def test_no_row_a_filter_keeps_fails_the_prefilter() -> None:
    """The prefilter is implied: over awkward texts (case, Unicode lowering, empty, null) no row that a filter
    keeps is dropped by it."""
    queries = [
        T + "FileName has 'anydesk'",
        T + "FileName contains_cs 'Desk'",
        T + "FileName in~ ('teknopars bilisim', 'teknopars bi̇li̇şi̇m')",
        T + "FileName =~ 'ANYDESK' or FileName startswith 'x' or FileName == 'Any'",
    ]
    parts = filters(queries)
    keeps = " OR ".join(f"({' AND '.join(p.sql('duckdb') for p in part)})" for part in parts)
    prefilter = implied_prefilter(parts)
    assert prefilter is not None
    con = duckdb.connect()
    con.execute('CREATE TABLE t ("FileName" VARCHAR)')
    con.executemany("INSERT INTO t VALUES (?)", [[text] for text in TEXTS])
    kept = con.execute(f"SELECT count(*) FROM t WHERE {keeps}").fetchone()[0]
    dropped = con.execute(f"SELECT count(*) FROM t WHERE ({keeps}) AND NOT coalesce({prefilter.sql('duckdb')}, false)")
    assert kept >= 5
    assert dropped.fetchone()[0] == 0
