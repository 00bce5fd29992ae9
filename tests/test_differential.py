"""Differential tests: the same KQL over the same generated data, through rmmhunt and through duckdb_kql.

duckdb_kql (PyPI duckdb-kql, MIT) is an independent KQL->DuckDB translator used as the oracle. Both engines
get the same Arrow table (rmmhunt through a WorkspaceStore, the oracle as a DuckDB table) and the same
`now` (rmmhunt: `Workspace.query(..., now=NOW)`; oracle: `duckdb_kql.query(con, kql, query_now=NOW)`).
Rows are compared order-insensitively unless the case says the order is part of the answer.

Where the two disagree and Microsoft's Kusto documentation says the oracle is wrong, the case carries an
`OracleBug`: rmmhunt must then produce the documented answer (computed here in Python from the generated
rows, independently of both engines) and the oracle must still differ - so a fixed oracle is noticed.
Cases where the docs side with the oracle are ordinary cases and fail until rmmhunt is fixed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.store import WorkspaceStore
from tests.differential_support import (
    NOW,
    TABLE,
    generated_rows,
    generated_table,
    norm_rows,
    norm_value,
    oracle_connection,
    oracle_query,
    rmmhunt_rows,
)

T = TABLE
SEED_HUNT = (
    "let Time_start = now(-5d); let Time_end = now(); "
    "DeviceFileCertificateInfo | where Timestamp between (Time_start..Time_end) "
    "| where Signer has 'Remote Utilities' "
    "| summarize FirstSeen=min(Timestamp), LastSeen=max(Timestamp), Report=make_set(ReportId), Count=count() "
    "by DeviceId, DeviceName"
)

Rows = tuple[list[str], list[tuple]]


@dataclass(frozen=True)
class OracleBug:
    """duckdb_kql contradicts the Kusto docs here; `expected` is the documented answer, from the raw rows."""

    url: str
    why: str
    expected: Callable[[list[dict]], Rows]


@dataclass(frozen=True)
class Case:
    id: str
    kql: str
    ordered: bool = False  # the row order is part of the answer (sort/top with unique keys)
    doc: str = ""  # the Kusto doc page that settles what the answer must be, where one does
    oracle_bug: OracleBug | None = None


# ------------------------------------------------------------------ documented answers for oracle bugs


_TICKS_ORIGIN = datetime(1, 1, 1)  # a datetime is the number of 100ns ticks since 0001-01-01 00:00 UTC


def _bin_7h(rows: list[dict]) -> Rows:
    size = timedelta(hours=7)
    counts: dict[datetime, int] = defaultdict(int)
    for row in rows:
        counts[_TICKS_ORIGIN + ((row["Timestamp"] - _TICKS_ORIGIN) // size) * size] += 1
    return ["Timestamp", "count_"], sorted(counts.items())


# ------------------------------------------------------------------ the cases

CASES: list[Case] = [
    Case("full-table", f"{T}"),
    # --- the seed hunt and its string-operator neighbours
    Case("seed-hunt", SEED_HUNT),
    Case(
        "seed-has_cs",
        f"{T} | where Timestamp between (now(-5d)..now()) | where Signer has_cs 'Remote Utilities' "
        "| summarize FirstSeen=min(Timestamp), Report=make_set(ReportId), Count=count() by DeviceId",
    ),
    Case(
        "seed-contains",
        f"{T} | where Timestamp between (ago(5d)..now()) | where Signer contains 'remote utilities' "
        "| summarize LastSeen=max(Timestamp), Count=count() by DeviceId, Signer",
    ),
    Case("startswith", f"{T} | where Signer startswith 'remote' | summarize Count=count() by Signer"),
    Case("endswith_cs", f"{T} | where Signer endswith_cs 'LLC' | summarize Count=count() by Signer"),
    Case("equals", f"{T} | where Signer == 'Remote Utilities LLC' | summarize Count=count() by DeviceName"),
    Case("equals-tilde", f"{T} | where Signer =~ 'remote utilities' | summarize Count=count() by Signer"),
    Case("not-has", f"{T} | where Signer !has 'Remote Utilities' | summarize Count=count() by Signer"),
    Case("not-contains_cs", f"{T} | where Signer !contains_cs 'Remote' | summarize Count=count() by Signer"),
    Case(
        "in-tilde",
        f"{T} | where Signer in~ ('remote utilities llc', 'MICROSOFT CORPORATION') | summarize Count=count() by Signer",
    ),
    Case("not-in", f"{T} | where Signer !in ('Microsoft Corporation', '') | summarize Count=count() by Signer"),
    Case("has-punctuated", f"{T} | where Signer has 'Remote-Utilities' | summarize Count=count() by Signer"),
    # --- time windows
    Case(
        "let-ago",
        f"let cutoff = ago(3d); {T} | where Timestamp >= cutoff | summarize Devices=dcount(DeviceId) by Signer",
    ),
    Case(
        "between-timespan-upper",
        f"{T} | where Timestamp between (datetime(2024-03-10) .. 1d) | summarize Count=count() by Signer",
    ),
    Case("not-between", f"{T} | where Timestamp !between (ago(5d) .. now()) | count"),
    # --- summarize shapes
    Case(
        "summarize-no-by",
        f"{T} | summarize Count=count(), Devices=dcount(DeviceId), First=min(Timestamp), Last=max(Timestamp), "
        "Reports=make_set(ReportId)",
    ),
    Case("summarize-by-only", f"{T} | summarize by DeviceId, IsSigned"),
    Case(
        "default-aggregate-names",
        f"{T} | summarize count(), dcount(DeviceId), countif(Signer has 'Remote'), sum(ReportId), "
        "min(Timestamp), make_set(Signer) by DeviceId",
        doc="https://learn.microsoft.com/en-us/kusto/query/countif-aggregation-function",
    ),
    Case(
        "countif",
        f"{T} | summarize RU=countif(Signer has 'Remote Utilities'), Trusted=countif(IsTrusted), Total=count() "
        "by DeviceId",
    ),
    Case("sum-avg", f"{T} | summarize Total=sum(ReportId), Mean=avg(ReportId), Count=count() by IsSigned"),
    Case("make_list", f"{T} | where Signer has 'Remote Utilities' | summarize Reports=make_list(ReportId) by DeviceId"),
    Case("arg_max", f"{T} | summarize arg_max(Timestamp, Signer, ReportId) by DeviceId"),
    Case("arg_min-star", f"{T} | summarize arg_min(Timestamp, *) by DeviceId"),
    Case(
        "bin-1d-make_set",
        f"{T} | summarize Devices=make_set(DeviceId), Count=count() by Day=bin(Timestamp, 1d)",
    ),
    Case("summarize-twice", f"{T} | summarize c=count() by DeviceId, Signer | summarize Pairs=count(), Rows=sum(c)"),
    # --- sort / take / top / project / extend / distinct / count
    Case(
        "sort-take",
        f"{T} | sort by Timestamp desc | take 7 | project Timestamp, DeviceId, Signer, ReportId",
        ordered=True,
    ),
    Case("top-asc", f"{T} | top 5 by Timestamp asc | project Timestamp, DeviceName, ReportId", ordered=True),
    Case(
        "sort-after-summarize",
        f"{T} | summarize Count=count() by Signer | sort by Count desc, Signer asc",
        ordered=True,
    ),
    Case(
        "extend-project",
        f"{T} | extend Lower=tolower(Signer), Len=strlen(Signer), "
        "Tag=iff(Signer has 'Remote Utilities', 'RU', 'other') | project DeviceId, Lower, Len, Tag, ReportId",
    ),
    Case(
        "project-strcat",
        f"{T} | project Key=strcat(DeviceId, '/', toupper(Signer)), ReportId | where ReportId > 20",
    ),
    Case("distinct", f"{T} | distinct DeviceId, Signer"),
    Case("distinct-count", f"{T} | where Signer has 'remote' | distinct DeviceName | count"),
    Case("isempty", f"{T} | where isempty(Signer) or isempty(ReportId) | summarize Count=count() by Signer"),
    Case(
        "not-and-between",
        f"{T} | where not(Signer has 'Microsoft') and ReportId between (3 .. 34) | summarize Count=count() by ReportId",
    ),
    # --- rmmhunt bugs: the oracle agrees with the docs (these fail until rmmhunt is fixed)
    Case(
        "toint-truncates",
        f"{T} | where ReportId < 100 | extend Quarter = toreal(ReportId) / 4 "
        "| summarize by ReportId, Quarter, AsInt = toint(Quarter), AsLong = tolong(Quarter)",
        doc="https://learn.microsoft.com/en-us/kusto/query/toint-function "
        "('If the input includes a decimal value, the result truncate to only the integer portion')",
    ),
    Case(
        "not-equals-null",
        f"{T} | where not(ReportId == 5) | count",
        doc="https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/null-values "
        "('Applying the equality operator to a null value and a non-null value yields bool(false)')",
    ),
    Case(
        "timespan-division",
        "print Minutes = 10m / 1s, Hours = 1d / 1h",
        doc="https://learn.microsoft.com/en-us/kusto/query/numerical-operators (example '10m / 1s')",
    ),
    Case(
        "bin-timespan",
        "print bin(time(16d), 7d)",
        doc="https://learn.microsoft.com/en-us/kusto/query/bin-function (example: 14:00:00:00)",
    ),
    # --- documented examples that both get right
    Case(
        "modulo-sign",
        "print plusPlus = 14 % 12, minusPlus = -14 % 12, plusMinus = 14 % -12, minusMinus = -14 % -12",
        doc="https://learn.microsoft.com/en-us/kusto/query/numerical-operators (2, 10, 2, 10)",
    ),
    # Over no rows avg() divides 0 by 0: NaN, as the summarize page's example of default values shows.
    Case(
        "empty-input-aggregates",
        f"{T} | where Signer == 'no such signer' "
        "| summarize Count=count(), Reports=make_set(ReportId), Total=sum(ReportId), Mean=avg(ReportId), "
        "Latest=max(Timestamp)",
    ),
    # --- documented oracle bugs
    Case(
        "bin-7h-alignment",
        f"{T} | summarize count() by bin(Timestamp, 7h)",
        oracle_bug=OracleBug(
            "https://learn.microsoft.com/en-us/kusto/query/bin-function and "
            "https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/datetime",
            "bin() rounds the value down to a multiple of the bin size, and a datetime's value is its tick count "
            "since 0001-01-01, so 7h bins align to 0001-01-01; duckdb_kql aligns them to 1970-01-01",
            _bin_7h,
        ),
    ),
]


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def raw_rows() -> list[dict]:
    return generated_rows()


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    root: Path = tmp_path_factory.mktemp("differential-ws")
    WorkspaceStore(root, create=True).write(TABLE, generated_table())
    return Workspace(root)


@pytest.fixture(scope="module")
def oracle():
    con = oracle_connection(generated_table())
    yield con
    con.close()


def _describe(rows: list[tuple], limit: int = 6) -> str:
    shown = "\n".join(f"    {r!r}" for r in rows[:limit])
    more = f"\n    ... {len(rows) - limit} more" if len(rows) > limit else ""
    return shown + more


def _diff_message(case: Case, ours: list[tuple], theirs: list[tuple], label: str = "oracle") -> str:
    only_ours = [r for r in ours if r not in theirs]
    only_theirs = [r for r in theirs if r not in ours]
    text = (
        f"{case.id}: rmmhunt and {label} disagree\n  query: {case.kql}\n"
        f"  rmmhunt only ({len(only_ours)}):\n{_describe(only_ours)}\n"
        f"  {label} only ({len(only_theirs)}):\n{_describe(only_theirs)}"
    )
    if case.doc:
        text += f"\n  docs: {case.doc}"
    return text


def _normalised(rows: list[tuple], ordered: bool) -> list[tuple]:
    if ordered:
        return [tuple(norm_value(v) for v in row) for row in rows]
    return norm_rows(rows)


# ------------------------------------------------------------------ tests


def test_case_table_is_well_formed() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    assert SEED_HUNT in [c.kql for c in CASES]


def test_generated_data_is_deterministic_and_covers_the_edges() -> None:
    rows = generated_rows()
    assert rows == generated_rows()
    assert len(rows) == 300
    signers = {r["Signer"] for r in rows}
    assert {"Remote Utilities LLC", "REMOTE UTILITIES", "XRemote Utilities", "Microsoft Corporation"} <= signers
    stamps = [r["Timestamp"] for r in rows]
    assert NOW in stamps and NOW - timedelta(days=5) in stamps  # both ends of the seed hunt's window
    assert min(stamps) >= NOW - timedelta(days=10)
    report_ids = [r["ReportId"] for r in rows]
    assert None in report_ids and len(set(report_ids)) < len(report_ids)  # nulls and repeats


@pytest.mark.parametrize("case", [c for c in CASES if c.oracle_bug is None], ids=lambda c: c.id)
def test_rmmhunt_matches_oracle(case: Case, workspace: Workspace, oracle) -> None:
    our_columns, ours = rmmhunt_rows(workspace.query(case.kql, now=NOW))
    their_columns, theirs = oracle_query(oracle, case.kql, NOW)
    assert our_columns == their_columns, f"{case.id}: column names differ\n  query: {case.kql}"
    ours_n, theirs_n = _normalised(ours, case.ordered), _normalised(theirs, case.ordered)
    assert ours_n == theirs_n, _diff_message(case, ours_n, theirs_n)


@pytest.mark.parametrize("case", [c for c in CASES if c.oracle_bug is not None], ids=lambda c: c.id)
def test_documented_oracle_bug(case: Case, workspace: Workspace, oracle, raw_rows: list[dict]) -> None:
    """Expected difference: rmmhunt gives the documented answer; the oracle (still) does not."""
    bug = case.oracle_bug
    assert bug is not None
    expected_columns, expected = bug.expected(raw_rows)
    our_columns, ours = rmmhunt_rows(workspace.query(case.kql, now=NOW))
    assert our_columns == expected_columns
    expected_n, ours_n = norm_rows(expected), norm_rows(ours)
    assert ours_n == expected_n, _diff_message(case, ours_n, expected_n, label=f"the docs ({bug.url})")
    _, theirs = oracle_query(oracle, case.kql, NOW)
    assert norm_rows(theirs) != expected_n, (
        f"{case.id}: duckdb_kql now gives the documented answer ({bug.why}); make this an ordinary case"
    )
