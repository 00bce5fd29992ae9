"""Projection pruning (rmmhunt.compiler.pruning): nested SELECTs list only the columns their outer query reads.

Three tables of cases: KQL queries with the columns each SELECT of the compiled tree lists, outermost first;
SQL shapes the compiler does not make today but the pass must still get right (correlated and lateral
subqueries, positional GROUP/ORDER BY, ...); and queries whose rows pruned and unpruned must be the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlglot
from sqlglot import exp

import rmmhunt.compiler.compile as compile_module
from rmmhunt import Workspace
from rmmhunt.compiler import CompiledQuery
from rmmhunt.compiler.pruning import prune_projections
from rmmhunt.schema import default_catalog
from tests.conftest import NOW
from tests.test_sql_tree import misplaced_nodes

UNPRUNED = "as the compiler built it"


@dataclass(frozen=True)
class PruneCase:
    id: str
    kql: str
    # Each SELECT's output names, outermost first (pre-order); UNPRUNED where the pass must leave the list alone.
    selects: list[str]


CASES = [
    PruneCase(
        "extend read by a later project",
        "DeviceProcessEvents | extend X = strlen(FileName) | project DeviceName, X",
        ["DeviceName, X", "DeviceName, X", "*"],
    ),
    PruneCase(
        "a join lists only what the summarize above it reads, and each side what the join reads",
        """DeviceProcessEvents | extend X = strlen(FileName) | project DeviceName, X, FileName
        | join kind=inner (DeviceNetworkEvents | where RemotePort == 443) on DeviceName
        | summarize count() by DeviceName""",
        ["DeviceName, count_", "DeviceName", "DeviceName", "DeviceName", "*", "*"],
    ),
    PruneCase(
        "join keys stay on both sides though only one side's columns are read",
        """DeviceProcessEvents | project DeviceId, ProcessId, FileName
        | join kind=inner (DeviceNetworkEvents | project DeviceId, InitiatingProcessId, RemoteUrl)
            on DeviceId, $left.ProcessId == $right.InitiatingProcessId
        | summarize Connections = count(), Urls = dcount(RemoteUrl) by FileName""",
        [
            "FileName, Connections, Urls",
            "FileName, RemoteUrl",
            "DeviceId, ProcessId, FileName",
            "*",
            "DeviceId, InitiatingProcessId, RemoteUrl",
            "*",
        ],
    ),
    PruneCase(
        "innerunique: the numbering's partition key stays",
        """DeviceProcessEvents | extend X = 1
        | join (DeviceNetworkEvents | extend Y = 2) on DeviceName | project FileName, RemoteUrl""",
        [
            "FileName, RemoteUrl",
            "FileName, RemoteUrl",
            "DeviceName, FileName",
            "*, __rmmhunt_row",
            "DeviceName, FileName",
            "*",
            "DeviceName, RemoteUrl",
            "*",
        ],
    ),
    PruneCase(
        "DISTINCT keeps its columns: they decide which rows are duplicates",
        "DeviceProcessEvents | extend X = 1 | distinct DeviceName, X | project DeviceName",
        ["DeviceName", "DeviceName, X", "DeviceName, X", "*"],
    ),
    PruneCase(
        "DISTINCT * reads every column",
        "DeviceProcessEvents | extend X = 1 | distinct * | project DeviceName",
        ["DeviceName", "*", UNPRUNED, "*"],
    ),
    PruneCase(
        "UNION branches keep their columns, which line up by position",
        """union (datatable(a:long, b:long)[1, 2] | extend c = a + b),
            (datatable(a:long, b:long)[3, 4] | extend c = a * b)
        | project c""",
        ["c", "*", "a, b, c", "a, b, c", "a, b", "a, b, c", "a, b, c", "a, b"],
    ),
    PruneCase(
        "mv-expand: the UNNEST stays, what it does not read goes",
        """DeviceProcessEvents | extend Fields = parse_json(AdditionalFields)
        | mv-expand Tag = Fields.Tags to typeof(string) | summarize count() by Tag""",
        ["Tag, count_", "Tag", "Tag", "AdditionalFields, __rmmhunt_value0", "AdditionalFields", "*"],
    ),
    PruneCase(
        "an UNNEST no one reads still stays: it makes the rows",
        "DeviceProcessEvents | mv-expand Tag = parse_json(AdditionalFields).Tags | count",
        ["Count", "Tag", "__rmmhunt_value0", "*"],
    ),
    PruneCase(
        "random() stays though no one reads it",
        "DeviceProcessEvents | extend N = rand() | project DeviceName",
        ["DeviceName", "DeviceName, N", "*"],
    ),
    PruneCase(
        "a window filter: the row order and the filtered column stay",
        "DeviceProcessEvents | sort by Timestamp asc | where prev(DeviceName) != DeviceName | project FileName",
        ["FileName", "FileName", "*, __rmmhunt_keep", "*", "*"],
    ),
    PruneCase(
        "a window's value read by a later where",
        "DeviceProcessEvents | serialize | extend rn = row_number(), Y = 2 | where rn > 1 | project DeviceName",
        ["DeviceName", "*", "DeviceName, rn", "*"],
    ),
    PruneCase(
        "under SELECT * (where, sort, sample) what the outer query reads passes through",
        "DeviceProcessEvents | extend Y = 1, Z = 2 | where Y > 0 | sort by Z | project DeviceName",
        ["DeviceName", "*", "*", "DeviceName, Y, Z", "*"],
    ),
    PruneCase(
        "a query in an expression keeps its column; its own pipeline is pruned",
        """DeviceProcessEvents
        | where DeviceName in ((DeviceNetworkEvents | extend Y = 1 | project DeviceName, Y)) | project FileName""",
        ["FileName", "*", "DeviceName", "DeviceName", "DeviceName", "*"],
    ),
    PruneCase(
        "an aggregate without GROUP BY keeps its columns (one row only while one is left)",
        "DeviceProcessEvents | summarize c = count(), m = max(Timestamp) | project k = 1",
        ["k", "c, m", "*"],
    ),
    PruneCase(
        "GROUP BY keys need not be listed",
        "DeviceProcessEvents | summarize c = count(), m = max(Timestamp) by DeviceName | project c",
        ["c", "c", "*"],
    ),
    PruneCase(
        "a SELECT no one reads a column of keeps one",
        "DeviceProcessEvents | extend X = 1 | count",
        ["Count", "Timestamp", "*"],
    ),
    PruneCase(
        "project-away and project-rename lists",
        "DeviceProcessEvents | project-away FileName | project-rename Host = DeviceName | project Host",
        ["Host", "Host", "DeviceName", "*"],
    ),
    PruneCase(
        "arg_max's packed row stays whole; its unpacked columns are pruned",
        "DeviceProcessEvents | summarize arg_max(Timestamp, *) by DeviceId | project DeviceId, FileName",
        ["DeviceId, FileName", "DeviceId, FileName", "DeviceId, _arg_max0", "*"],
    ),
    PruneCase(
        "the outermost SELECT is the result: nothing to prune",
        "DeviceProcessEvents | extend X = 1",
        [UNPRUNED, "*"],
    ),
]


def compile_unpruned(kql: str, monkeypatch: pytest.MonkeyPatch, workspace: Workspace | None = None) -> CompiledQuery:
    with monkeypatch.context() as patched:
        patched.setattr(compile_module, "prune_projections", lambda tree, nested_queries=True: None)
        return workspace.compile(kql, NOW) if workspace else compile_module.compile_query(kql, default_catalog(), NOW)


def select_lists(tree: exp.Expression) -> Iterator[str]:
    for node in tree.walk(bfs=False):
        if isinstance(node, exp.Select):
            yield ", ".join("*" if isinstance(p, exp.Star) else p.alias_or_name for p in node.expressions)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_select_lists_what_the_query_around_it_reads(case: PruneCase, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled = compile_module.compile_query(case.kql, default_catalog(), NOW)
    unpruned = list(select_lists(compile_unpruned(case.kql, monkeypatch).tree))
    expected = [full if wanted == UNPRUNED else wanted for wanted, full in zip(case.selects, unpruned, strict=False)]
    assert list(select_lists(compiled.tree)) == expected
    assert not list(misplaced_nodes(compiled.tree))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pruning_is_done_once_and_knowing_no_query_is_nested_changes_nothing(
    case: PruneCase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The compiler tells the pass whether a query is nested in an expression, which spares reading every
    SELECT; the pass reading every SELECT anyway gives the same tree, and a second pass changes nothing."""
    compiled = compile_module.compile_query(case.kql, default_catalog(), NOW)
    tree = compile_unpruned(case.kql, monkeypatch).tree
    prune_projections(tree, nested_queries=True)
    assert tree == compiled.tree
    prune_projections(tree)
    assert tree == compiled.tree


# (what, SQL in, SQL out): SQL shapes the compiler does not make, which the pass must still get right.
SQL_CASES = [
    (
        "a correlated reference from a nested query keeps the column",
        "SELECT s.a FROM (SELECT a, b, c FROM t) AS s WHERE EXISTS (SELECT 1 FROM u WHERE u.x = s.b)",
        "SELECT s.a FROM (SELECT a, b FROM t) AS s WHERE EXISTS (SELECT 1 FROM u WHERE u.x = s.b)",
    ),
    (
        "an unqualified correlated reference in a scalar subquery",
        "SELECT a, (SELECT max(y) FROM u WHERE u.k = c) AS m FROM (SELECT a, b, c FROM t) AS s",
        "SELECT a, (SELECT max(y) FROM u WHERE u.k = c) AS m FROM (SELECT a, c FROM t) AS s",
    ),
    (
        "a nested query keeps its column; its sources are pruned",
        "SELECT a FROM t WHERE a IN (SELECT x FROM (SELECT x, y, z FROM u) AS v)",
        "SELECT a FROM t WHERE a IN (SELECT x FROM (SELECT x FROM u) AS v)",
    ),
    (
        "a LATERAL subquery's reference to its neighbour",
        "SELECT s.a, l.y FROM (SELECT a, b, c FROM t) AS s, LATERAL (SELECT s.b + 1 AS y, 2 AS z) AS l",
        "SELECT s.a, l.y FROM (SELECT a, b FROM t) AS s, LATERAL (SELECT s.b + 1 AS y, 2 AS z) AS l",
    ),
    (
        "table-qualified references go to their own source; JOIN ON and USING read both sides",
        "SELECT s.a FROM (SELECT k, a, b FROM t) AS s JOIN (SELECT k, a, c FROM u) AS v USING (k)"
        " JOIN (SELECT j, a FROM w) AS x ON x.j = s.b",
        "SELECT s.a FROM (SELECT k, a, b FROM t) AS s JOIN (SELECT k FROM u) AS v USING (k)"
        " JOIN (SELECT j FROM w) AS x ON x.j = s.b",
    ),
    (
        "t.* reads every column of t",
        "SELECT s.* FROM (SELECT a, b FROM t) AS s",
        "SELECT s.* FROM (SELECT a, b FROM t) AS s",
    ),
    (
        "SELECT * passes what is read through, and its own clauses read more",
        "SELECT a FROM (SELECT * FROM (SELECT a, b, c FROM t) AS x WHERE b > 0) AS y",
        "SELECT a FROM (SELECT * FROM (SELECT a, b FROM t) AS x WHERE b > 0) AS y",
    ),
    (
        "SELECT DISTINCT * reads everything",
        "SELECT a FROM (SELECT DISTINCT * FROM (SELECT a, b FROM t) AS x) AS y",
        "SELECT a FROM (SELECT DISTINCT * FROM (SELECT a, b FROM t) AS x) AS y",
    ),
    (
        "* REPLACE and * EXCLUDE name columns that must stay",
        "SELECT a FROM (SELECT * EXCLUDE (c) REPLACE (1 AS b) FROM (SELECT a, b, c, d FROM t) AS x) AS y",
        "SELECT a FROM (SELECT * EXCLUDE (c) REPLACE (1 AS b) FROM (SELECT a, b, c FROM t) AS x) AS y",
    ),
    (
        "ORDER BY, WHERE and another projection may read a computed column by its alias",
        "SELECT a FROM (SELECT a, b + 1 AS x, b * 2 AS w, x + 1 AS v, c AS u FROM t WHERE w > 0 ORDER BY u) AS s",
        "SELECT a FROM (SELECT a, b + 1 AS x, b * 2 AS w, c AS u FROM t WHERE w > 0 ORDER BY u) AS s",
    ),
    (
        "GROUP BY ALL, GROUP BY 1 and ORDER BY 1 depend on the list",
        "SELECT n FROM (SELECT k, count(*) AS n FROM t GROUP BY ALL) AS s"
        " UNION ALL SELECT n FROM (SELECT k, count(*) AS n FROM t GROUP BY 1) AS s"
        " UNION ALL SELECT a FROM (SELECT b, a FROM t ORDER BY 1) AS s",
        "SELECT n FROM (SELECT k, count(*) AS n FROM t GROUP BY ALL) AS s"
        " UNION ALL SELECT n FROM (SELECT k, count(*) AS n FROM t GROUP BY 1) AS s"
        " UNION ALL SELECT a FROM (SELECT b, a FROM t ORDER BY 1) AS s",
    ),
    (
        "an aggregate without GROUP BY, HAVING, window specs and QUALIFY",
        "SELECT 1 AS one FROM (SELECT 1 AS k, count(*) AS n FROM t) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b, c, d FROM t) AS s GROUP BY a HAVING max(b) > 0"
        " UNION ALL SELECT row_number() OVER (PARTITION BY b ORDER BY c) FROM (SELECT a, b, c, d FROM t) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b, c FROM t) AS s QUALIFY row_number() OVER (PARTITION BY b) = 1",
        "SELECT 1 AS one FROM (SELECT 1 AS k, count(*) AS n FROM t) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t) AS s GROUP BY a HAVING max(b) > 0"
        " UNION ALL SELECT row_number() OVER (PARTITION BY b ORDER BY c) FROM (SELECT b, c FROM t) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t) AS s QUALIFY row_number() OVER (PARTITION BY b) = 1",
    ),
    (
        "UNNEST, random() and unnamed projections stay",
        "SELECT a FROM (SELECT a, unnest(xs) AS x, random() AS r, b + 1 FROM t) AS s",
        "SELECT a FROM (SELECT a, unnest(xs) AS x, random() AS r, b + 1 FROM t) AS s",
    ),
    (
        "columns named by position in the alias, UNION and UNION BY NAME branches stay",
        "SELECT p FROM (SELECT a, b FROM t) AS s(p, q)"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t UNION ALL SELECT a, c FROM u) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t UNION ALL BY NAME SELECT a, c FROM u) AS s",
        "SELECT p FROM (SELECT a, b FROM t) AS s(p, q)"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t UNION ALL SELECT a, c FROM u) AS s"
        " UNION ALL SELECT a FROM (SELECT a, b FROM t UNION ALL BY NAME SELECT a, c FROM u) AS s",
    ),
    (
        "a struct's field read through its column's name",
        "SELECT rec.f FROM (SELECT rec, other FROM t) AS s",
        "SELECT rec.f FROM (SELECT rec FROM t) AS s",
    ),
    (
        "names match whatever their case",
        'SELECT "A" FROM (SELECT a, B FROM t) AS s',
        'SELECT "A" FROM (SELECT a FROM t) AS s',
    ),
]


@pytest.mark.parametrize(("what", "before", "after"), SQL_CASES, ids=[c[0] for c in SQL_CASES])
def test_sql_shapes(what: str, before: str, after: str) -> None:
    tree = sqlglot.parse_one(before, read="duckdb")
    assert isinstance(tree, exp.Query)
    prune_projections(tree)
    assert tree.sql("duckdb") == sqlglot.parse_one(after, read="duckdb").sql("duckdb")


# Queries over the demo workspace whose rows must not change when their SELECTs are pruned.
SAME_ROWS = [
    # innerunique joins one arbitrary left row per key: only what does not depend on which one is compared
    *(c.kql for c in CASES if "datatable" not in c.kql and "innerunique" not in c.id),
    """DeviceProcessEvents | extend X = 1 | join (DeviceNetworkEvents | extend Y = 2) on DeviceName
    | summarize count() by DeviceName""",
    """DeviceProcessEvents | where Timestamp > ago(3d) | extend Lower = tolower(FileName)
    | lookup kind=leftouter (DeviceNetworkEvents | summarize Urls = dcount(RemoteUrl) by DeviceId) on DeviceId
    | project-away Lower | summarize sum(Urls) by DeviceName""",
    """DeviceProcessEvents | project DeviceId, FileName, Timestamp
    | join kind=leftouter (DeviceNetworkEvents | project DeviceId, RemoteUrl, T2 = Timestamp) on DeviceId
    | where isnotempty(RemoteUrl) | summarize count() by FileName""",
    """DeviceProcessEvents | join kind=leftanti (DeviceNetworkEvents | where RemoteUrl has "anydesk") on DeviceId
    | summarize count() by FileName""",
    """DeviceNetworkEvents | join kind=rightsemi (DeviceProcessEvents | extend X = 1) on DeviceId
    | summarize count() by FileName""",
    """DeviceProcessEvents | top-nested 3 of DeviceName by c = count(), top-nested 2 of FileName by count()""",
    """DeviceProcessEvents | extend Y = 1 | partition by DeviceName (top 2 by Timestamp desc)
    | project DeviceName, Timestamp""",
    """DeviceProcessEvents | extend Tags = dynamic(['a', 'b']), Z = 3
    | mv-apply Tag = Tags to typeof(string) on (where Tag == 'a') | project DeviceName, Tag""",
    """DeviceNetworkEvents | make-series n = count() default = 0 on Timestamp from ago(3d) to now() step 1d
        by ActionType | project ActionType, n""",
    """DeviceProcessEvents | parse ProcessCommandLine with * "-" Flag " " * | extend F = strlen(Flag)
    | summarize count() by Flag""",
    """DeviceProcessEvents | extend W = toscalar(DeviceNetworkEvents | extend Q = 1 | summarize count())
    | project DeviceName, W | take 5 | count""",
    """DeviceProcessEvents
    | where ProcessCommandLine has_any ((DeviceNetworkEvents | extend U = 1 | summarize by ActionType))
    | summarize count() by FileName""",
    """union (DeviceProcessEvents | extend A = 1), (DeviceNetworkEvents | extend A = 2) | summarize count() by A""",
    """DeviceProcessEvents | summarize arg_min(Timestamp, FileName, FolderPath) by DeviceName
    | project DeviceName, FolderPath""",
    """DeviceProcessEvents | extend P = pack_all() | project DeviceName, P | take 3 | count""",
    """DeviceProcessEvents | serialize | extend rn = row_number(), prior = prev(FileName)
    | where rn <= 5 | project rn, prior""",
]


@pytest.mark.parametrize("kql", SAME_ROWS)
def test_pruned_and_unpruned_sql_give_the_same_rows(
    kql: str, demo_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    pruned = demo_ws.compile(kql, NOW)
    unpruned = compile_unpruned(kql, monkeypatch, demo_ws)
    assert pruned.columns == unpruned.columns

    def rows(compiled: CompiledQuery) -> list[str]:
        return sorted(map(repr, demo_ws.engine.execute(compiled).to_pylist()))

    assert rows(pruned) == rows(unpruned)
