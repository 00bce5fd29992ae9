"""Aggregates (take_anyif, count_distinct, covariance, weighted percentiles, binary_all_*, ...) and the
functions over serialized rows (row_cumsum, row_rank_dense, row_rank_min), checked against Microsoft's
Kusto reference.

Each function: its page's example with the documented output, then nulls, an empty input, a group of one
row and several groups. Where a page is silent, a comment on the case says which behaviour it pins.
"""

from __future__ import annotations

from .kql_cases import Case, doc


def fn(name: str) -> str:
    return doc(f"{name.replace('_', '-')}-function")


def agg(name: str) -> str:
    """The page of an aggregate: `agg("take_anyif")` is .../take-anyif-aggregation-function."""
    return doc(f"{name.replace('_', '-')}-aggregation-function")


# Groups with a null value, a group of one row (c) and one whose rows never pass a predicate (d).
GROUPS = 'datatable(g:string, x:long)["a", 1, "a", 3, "a", long(null), "b", long(null), "b", 5, "c", 7, "d", 1]'
EMPTY = "datatable(g:string, x:long)[]"
XY = "datatable(x:real, y:real)[1.0, 14.0, 2.0, 10.0, 3.0, 17.0, 4.0, 20.0, 5.0, 50.0]"
# A row with a null in either value, a group of one pair (c) and one with no pair (d).
PAIRS = (
    'datatable(g:string, x:real, y:long)["a", 1.0, 2, "a", 2.0, 6, "a", 3.0, 4, "a", real(null), 8, "a", 4.0, '
    'long(null), "b", 1.0, 1, "b", 3.0, 5, "c", 2.0, 3, "d", real(null), 1]'
)
LATENCY = "datatable(ReqCount:long, LatencyBucket:long)[8, 10, 6, 20, 3, 30, 1, 40]"
# Weights: null, 0 and negative ones count nothing (the page is silent); c has no weight that counts.
WEIGHTED = (
    'datatable(g:string, v:long, w:long)["a", 1, 1, "a", 2, 2, "a", long(null), 5, "a", 3, long(null), "a", 4, 0, '
    '"b", 7, 3, "c", 5, -1]'
)
SALARIES = (
    'datatable(name:string, month:int, salary:long)["Alice", 1, 1000, "Bob", 1, 1000, "Alice", 2, 2000, '
    '"Bob", 2, 1950, "Alice", 3, 1400, "Bob", 3, 1450]'
)
DEPARTURES = (
    'datatable(Airport:string, Airline:string, Departures:long)["SEA", "LH", 3, "SEA", "LY", 100, "SEA", "UA", 3, '
    '"SEA", "BA", 2, "SEA", "EL", 3'
)
SEA = DEPARTURES + "]"
SEA_AND_AMS = DEPARTURES + ', "AMS", "EL", 1, "AMS", "BA", 1]'
ITEMS = (
    'datatable(Category:string, Item:string, Value:int)["A", "item1", 10, "A", "item2", 10, "A", "item3", 5, '
    '"A", "item4", 20, "B", "item2", 5, "B", "item1", 7]'
)
# Terms with nulls, in k's order: the pages are silent on nulls; two nulls in a row are equal terms here.
NULL_TERMS = "datatable(k:long, t:long)[1, long(null), 2, long(null), 3, 5, 4, 5, 5, long(null)]"
RANGE_XY = "range x from 1 to 100 step 1 | extend y = iff(x % 2 == 0, x * 2, x * 3)"

CASES: list[Case] = [
    # ================================================================ take_anyif
    Case(
        "take-anyif-doc-example",
        'datatable(EventType:string, EventNarrative:string)["Hail", "hail fell", "Strong Wind", '
        '"a strong wind blew", "Flood", "water rose"] | summarize take_anyif(EventType, EventNarrative has '
        "'strong wind')",
        ["EventType"],
        [["Strong Wind"]],
        agg("take_anyif"),
    ),
    # "attempts to return a non-null/non-empty value": a's null is passed over; d has no row that passes.
    Case(
        "take-anyif-groups-nulls",
        f"{GROUPS} | summarize v = take_anyif(x, x > 2 or isnull(x)) by g",
        ["g", "v"],
        [["a", 3], ["b", 5], ["c", 7], ["d", None]],
        agg("take_anyif"),
        types=["string", "long"],
    ),
    Case(
        "take-anyif-prefers-non-empty-strings",
        'datatable(g:long, s:string)[1, "", 1, "x", 2, ""] | summarize take_anyif(s, true) by g',
        ["g", "s"],
        [[1, "x"], [2, ""]],
        agg("take_anyif"),
    ),
    # "If the predicate doesn't return 'true', a null value is produced"; the deprecated anyif() names it any_x.
    Case(
        "take-anyif-empty-input-and-anyif",
        f"{EMPTY} | summarize take_anyif(x, x > 0), anyif(x, x > 0)",
        ["x", "any_x"],
        [[None, None]],
        agg("take_anyif"),
    ),
    # ================================================================ count_distinct, count_distinctif
    Case(
        "count-distinct-doc-example",
        'datatable(State:string, EventType:string)["TEXAS", "Hail", "TEXAS", "Flood", "TEXAS", "Hail", '
        '"KANSAS", "Hail"] | summarize UniqueEvents=count_distinct(EventType) by State | top 5 by UniqueEvents',
        ["State", "UniqueEvents"],
        [["TEXAS", 2], ["KANSAS", 1]],
        agg("count_distinct"),
        types=["string", "long"],
        ordered=True,
    ),
    Case(
        "count-distinct-groups-nulls",
        f"{GROUPS} | summarize count_distinct(x), count_distinctif(x, x > 1) by g",
        ["g", "count_distinct_x", "count_distinctif_x"],
        [["a", 2, 1], ["b", 1, 1], ["c", 1, 1], ["d", 1, 0]],
        agg("count_distinct"),
        types=["string", "long", "long"],
    ),
    # "Default values of aggregations": count_distinct() over no rows is 0; count_distinctif() too, as dcountif().
    Case(
        "count-distinct-empty-input",
        f"{EMPTY} | summarize count_distinct(x), count_distinctif(x, x > 1)",
        ["count_distinct_x", "count_distinctif_x"],
        [[0, 0]],
        doc("summarize-operator"),
    ),
    Case(
        "count-distinct-dynamic",
        'datatable(d:dynamic)[dynamic([1, 2]), dynamic([1, 2]), dynamic({"a": 1}), dynamic(null)]'
        " | summarize n = count_distinct(d)",
        ["n"],
        [[2]],
        agg("count_distinct"),
    ),
    Case(
        "count-distinctif-doc-example",
        'datatable(State:string, EventType:string, DeathsDirect:long, DeathsIndirect:long)["TEXAS", "Flood", 1, 0, '
        '"TEXAS", "Heat", 0, 2, "TEXAS", "Hail", 0, 0, "TEXAS", "Flood", 3, 0, "KANSAS", "Hail", 0, 0]'
        " | summarize UniqueFatalEvents=count_distinctif(EventType, (DeathsDirect + DeathsIndirect) > 0) by State"
        " | where UniqueFatalEvents > 0 | top 5 by UniqueFatalEvents",
        ["State", "UniqueFatalEvents"],
        [["TEXAS", 2]],
        agg("count_distinctif"),
    ),
    # ================================================================ make_list_with_nulls
    Case(
        "make-list-with-nulls-doc-example",
        'datatable(name:string, sideCount:int)["triangle", int(null), "square", 4, "rectangle", 4, "pentagon", 5, '
        '"hexagon", 6, "heptagon", 7, "octagon", 8, "nonagon", 9, "decagon", 10]'
        " | summarize mylist = make_list_with_nulls(sideCount)",
        ["mylist"],
        [[[None, 4, 4, 5, 6, 7, 8, 9, 10]]],
        agg("make_list_with_nulls"),
        types=["dynamic"],
        sort_lists=True,  # the input is not sorted: the order of the elements is undefined
    ),
    Case(
        "make-list-with-nulls-groups",
        f"{GROUPS} | summarize make_list_with_nulls(x) by g",
        ["g", "list_x"],
        [["a", [1, 3, None]], ["b", [None, 5]], ["c", [7]], ["d", [1]]],
        agg("make_list_with_nulls"),
        sort_lists=True,
    ),
    Case(
        "make-list-with-nulls-dynamic-and-strings",
        'datatable(g:long, d:dynamic, s:string)[1, dynamic({"a": [1]}), "x", 1, dynamic(null), "", '
        '2, dynamic(null), "y"]'
        " | summarize ds = make_list_with_nulls(d), ss = make_list_with_nulls(s) by g",
        ["g", "ds", "ss"],
        [[1, [{"a": [1]}, None], ["x", ""]], [2, [None], ["y"]]],
        agg("make_list_with_nulls"),
        sort_lists=True,
    ),
    # The defaults table of the summarize page does not list it; like make_list() it gives an array, [] here.
    Case(
        "make-list-with-nulls-empty-input",
        f"{EMPTY} | summarize make_list_with_nulls(x)",
        ["list_x"],
        [[[]]],
        agg("make_list_with_nulls"),
    ),
    # ================================================================ variancepif
    # The page shows 850, varianceif()'s figure for the same data (its sample variance); the population variance
    # of 2, 4, ..., 100, which the page defines variancepif() to be, is 833.
    Case(
        "variancepif-doc-example",
        "range x from 1 to 100 step 1 | summarize variancepif(x, x % 2 == 0)",
        ["variancepif_x"],
        [[833.0]],
        agg("variancepif"),
        types=["real"],
    ),
    # c has no row that passes: null; a group of one value has no spread.
    Case(
        "variancepif-groups-nulls",
        f"{GROUPS} | summarize variancepif(x, x < 6) by g",
        ["g", "variancepif_x"],
        [["a", 1.0], ["b", 0.0], ["c", None], ["d", 0.0]],
        agg("variancepif"),
    ),
    # variancepif() is not among the aggregates the summarize page gives 0 over no rows: null.
    Case(
        "variancepif-empty-input",
        f"{EMPTY} | summarize variancepif(x, x > 0)",
        ["variancepif_x"],
        [[None]],
        doc("summarize-operator"),
    ),
    # ================================================================ covariance family
    Case(
        "covariance-doc-example",
        f"{XY} | summarize covariance(x, y)",
        ["covariance_x_y"],
        [[20.5]],
        agg("covariance"),
        types=["real"],
    ),
    Case(
        "covariancep-doc-example",
        f"{XY} | summarize covariancep(x, y)",
        ["covariancep_x_y"],
        [[16.4]],
        agg("covariancep"),
        types=["real"],
    ),
    Case(
        "covarianceif-doc-example",
        f"{RANGE_XY} | summarize covarianceif(x, y, x % 3 == 0)",
        ["covarianceif_x_y"],
        [[2142.0]],
        agg("covarianceif"),
        types=["real"],
    ),
    Case(
        "covariancepif-doc-example",
        f"{RANGE_XY} | summarize covariancepif(x, y, x % 3 == 0)",
        ["covariancepif_x_y"],
        [[2077.090909090909]],
        agg("covariancepif"),
        types=["real"],
    ),
    # A row with a null in either value adds nothing; the sample covariance of one pair is null, as variance()'s.
    Case(
        "covariance-groups-nulls",
        f"{PAIRS} | summarize s = covariance(x, y), p = covariancep(x, y), si = covarianceif(x, y, y > 2), "
        "pi = covariancepif(x, y, y > 2) by g",
        ["g", "s", "p", "si", "pi"],
        [
            ["a", 1.0, 0.6666666666666666, -1.0, -0.5],
            ["b", 4.0, 2.0, None, 0.0],
            ["c", None, 0.0, None, 0.0],
            ["d", None, None, None, None],
        ],
        agg("covariance"),
    ),
    Case(
        "covariance-empty-input",
        f"{EMPTY} | summarize covariance(x, x), covariancep(x, x), covarianceif(x, x, true), covariancepif(x, x, true)",
        ["covariance_x_x", "covariancep_x_x", "covarianceif_x_x", "covariancepif_x_x"],
        [[None, None, None, None]],
        doc("summarize-operator"),
    ),
    # ================================================================ percentilew, percentilesw
    Case(
        "percentilesw-doc-example",
        f"{LATENCY} | summarize percentilesw(LatencyBucket, ReqCount, 50, 75, 99.9)",
        ["percentile_LatencyBucket_50", "percentile_LatencyBucket_75", "percentile_LatencyBucket_99_9"],
        [[20, 20, 40]],
        agg("percentilesw"),
        types=["long", "long", "long"],
    ),
    # "Define 0-th percentiles to be the smallest member of the population"; the 100th is the largest.
    Case(
        "percentilew-nearest-rank-ends",
        f"{LATENCY} | summarize p0 = percentilew(LatencyBucket, ReqCount, 0), "
        "p100 = percentilew(LatencyBucket, ReqCount, 100), p44 = percentilew(LatencyBucket, ReqCount, 44.4), "
        "p45 = percentilew(LatencyBucket, ReqCount, 45)",
        ["p0", "p100", "p44", "p45"],
        [[10, 40, 10, 20]],  # 44.4% of 18 is 7.99: the 8th value, 10; 45% is 8.1: the 9th, 20
        doc("percentiles-aggregation-function#nearest-rank-percentile"),
    ),
    Case(
        "percentilesw-groups-nulls",
        f"{WEIGHTED} | summarize percentilesw(v, w, 0, 50, 100) by g",
        ["g", "percentile_v_0", "percentile_v_50", "percentile_v_100"],
        [["a", 1, 2, 2], ["b", 7, 7, 7], ["c", None, None, None]],
        agg("percentilesw"),
    ),
    Case(
        "percentilew-datetime-real-and-empty",
        "datatable(t:datetime, r:real, w:int)[datetime(2024-01-02), 2.5, 1, datetime(2024-01-01), 0.5, 3]"
        " | summarize t = percentilew(t, w, 50), r = percentilew(r, w, 90)",
        ["t", "r"],
        [["2024-01-01T00:00:00.0000000Z", 2.5]],
        agg("percentilesw"),
        types=["datetime", "real"],
    ),
    Case(
        "percentilew-empty-input",
        f"{EMPTY} | summarize percentilew(x, x, 50)",
        ["percentile_x_50"],
        [[None]],
        agg("percentilesw"),
    ),
    # ================================================================ binary_all_and, binary_all_or, binary_all_xor
    # The pages print toupper(tohex(...)), CAFEF00D; these cases check the number itself, 0xCAFEF00D.
    Case(
        "binary-all-and-doc-example",
        "datatable(num:long)[0xFFFFFFFF, 0xFFFFF00F, 0xCFFFFFFD, 0xFAFEFFFF] | summarize result = binary_all_and(num)",
        ["result"],
        [[0xCAFEF00D]],
        agg("binary_all_and"),
        types=["long"],
    ),
    Case(
        "binary-all-or-doc-example",
        "datatable(num:long)[0x88888008, 0x42000000, 0x00767000, 0x00000005] | summarize result = binary_all_or(num)",
        ["result"],
        [[0xCAFEF00D]],
        agg("binary_all_or"),
        types=["long"],
    ),
    Case(
        "binary-all-xor-doc-example",
        "datatable(num:long)[0x44404440, 0x1E1E1E1E, 0x90ABBA09, 0x000B105A] | summarize result = binary_all_xor(num)",
        ["result"],
        [[0xCAFEF00D]],
        agg("binary_all_xor"),
        types=["long"],
    ),
    Case(
        "binary-all-groups-nulls",
        f"{GROUPS} | summarize binary_all_and(x), binary_all_or(x), binary_all_xor(x) by g",
        ["g", "binary_all_and_x", "binary_all_or_x", "binary_all_xor_x"],
        [["a", 1, 3, 2], ["b", 5, 5, 5], ["c", 7, 7, 7], ["d", 1, 1, 1]],
        agg("binary_all_and"),
    ),
    Case(
        "binary-all-negative-int-and-empty",
        "datatable(g:long, i:int)[1, -1, 1, 6, 2, -8, 2, 3] | summarize a = binary_all_and(i), o = binary_all_or(i), "
        f"x = binary_all_xor(i) by g | union ({EMPTY} | summarize a = binary_all_and(x), o = binary_all_or(x), "
        "x = binary_all_xor(x))",
        ["g", "a", "o", "x"],
        [[1, 6, -1, -7], [2, 0, -5, -5], [None, None, None, None]],
        agg("binary_all_xor"),
        types=["long", "long", "long", "long"],
    ),
    # ================================================================ row_cumsum
    Case(
        "row-cumsum-doc-example",
        "datatable (a:long) [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] | where a%2==0 | serialize cs=row_cumsum(a)",
        ["a", "cs"],
        [[2, 2], [4, 6], [6, 12], [8, 20], [10, 30]],
        fn("row_cumsum"),
        types=["long", "long"],
    ),
    Case(
        "row-cumsum-doc-example-restart",
        f"{SALARIES} | order by name asc, month asc | extend total=row_cumsum(salary, name != prev(name))",
        ["name", "month", "salary", "total"],
        [
            ["Alice", 1, 1000, 1000],
            ["Alice", 2, 2000, 3000],
            ["Alice", 3, 1400, 4400],
            ["Bob", 1, 1000, 1000],
            ["Bob", 2, 1950, 2950],
            ["Bob", 3, 1450, 4400],
        ],
        fn("row_cumsum"),
    ),
    # The page is silent on nulls: a null adds nothing, and the sum of no values is 0 (where a restart sets it).
    Case(
        "row-cumsum-nulls-real-and-later-items",
        "datatable(k:long, x:long, r:real)[1, long(null), 0.5, 2, 5, real(null), 3, long(null), 1.0, 4, 2, 2.0]"
        " | sort by k desc | extend c = row_cumsum(x), d = row_cumsum(r), twice = row_cumsum(x) * 2",
        ["k", "x", "r", "c", "d", "twice"],
        [[4, 2, 2.0, 2, 2.0, 4], [3, None, 1.0, 2, 3.0, 4], [2, 5, None, 7, 3.0, 14], [1, None, 0.5, 7, 3.5, 14]],
        fn("row_cumsum"),
        types=["long", "long", "real", "long", "real", "long"],
    ),
    # A null restart does not restart; one that holds on the first row starts where the first row starts anyway.
    Case(
        "row-cumsum-restart-null-and-first",
        "datatable(k:long, x:int, b:bool)[1, 1, true, 2, 2, bool(null), 3, 3, true, 4, 4, false]"
        " | sort by k asc | extend c = row_cumsum(x, b)",
        ["k", "x", "b", "c"],
        [[1, 1, True, 1], [2, 2, None, 3], [3, 3, True, 3], [4, 4, False, 7]],
        fn("row_cumsum"),
        types=["long", "int", "bool", "long"],
    ),
    Case(
        "row-cumsum-empty-and-one-row",
        "datatable(x:long)[] | serialize c = row_cumsum(x) | union (print x = 7 | serialize c = row_cumsum(x))",
        ["x", "c"],
        [[7, 7]],
        fn("row_cumsum"),
    ),
    # ================================================================ row_rank_dense
    Case(
        "row-rank-dense-doc-example",
        f"{SEA} | sort by Departures asc | extend Rank=row_rank_dense(Departures)",
        ["Airport", "Airline", "Departures", "Rank"],
        [["SEA", "BA", 2, 1], ["SEA", "LH", 3, 2], ["SEA", "UA", 3, 2], ["SEA", "EL", 3, 2], ["SEA", "LY", 100, 3]],
        fn("row_rank_dense"),
        types=["string", "string", "long", "long"],
    ),
    Case(
        "row-rank-dense-doc-example-restart",
        f"{SEA_AND_AMS} | sort by Airport desc, Departures asc"
        " | extend Rank=row_rank_dense(Departures, prev(Airport) != Airport)",
        ["Airport", "Airline", "Departures", "Rank"],
        [
            ["SEA", "BA", 2, 1],
            ["SEA", "LH", 3, 2],
            ["SEA", "UA", 3, 2],
            ["SEA", "EL", 3, 2],
            ["SEA", "LY", 100, 3],
            ["AMS", "EL", 1, 1],
            ["AMS", "BA", 1, 1],
        ],
        fn("row_rank_dense"),
    ),
    Case(
        "row-rank-dense-nulls",
        f"{NULL_TERMS} | sort by k asc | extend r = row_rank_dense(t)",
        ["k", "t", "r"],
        [[1, None, 1], [2, None, 1], [3, 5, 2], [4, 5, 2], [5, None, 3]],
        fn("row_rank_dense"),
    ),
    # "incremented ... whenever the provided Term is different than the previous row's Term": a term that comes
    # back after another starts a new rank.
    Case(
        "row-rank-dense-unsorted-terms-and-one-row",
        'datatable(k:long, t:string)[1, "x", 2, "y", 3, "x"] | sort by k asc | extend r = row_rank_dense(t)'
        ' | union (print k = 0, t = "z" | serialize r = row_rank_dense(t))',
        ["k", "t", "r"],
        [[1, "x", 1], [2, "y", 2], [3, "x", 3], [0, "z", 1]],
        fn("row_rank_dense"),
    ),
    # ================================================================ row_rank_min
    Case(
        "row-rank-min-doc-example",
        f"{SEA} | sort by Departures asc | extend Rank=row_rank_min(Departures)",
        ["Airport", "Airline", "Departures", "Rank"],
        [["SEA", "BA", 2, 1], ["SEA", "LH", 3, 2], ["SEA", "UA", 3, 2], ["SEA", "EL", 3, 2], ["SEA", "LY", 100, 5]],
        fn("row_rank_min"),
        types=["string", "string", "long", "long"],
    ),
    Case(
        "row-rank-min-doc-example-restart",
        f"{ITEMS} | sort by Category asc, Value asc | extend rank = row_rank_min(Value, Category != prev(Category))",
        ["Category", "Item", "Value", "rank"],
        [
            ["A", "item3", 5, 1],
            ["A", "item1", 10, 2],
            ["A", "item2", 10, 2],
            ["A", "item4", 20, 4],
            ["B", "item2", 5, 1],
            ["B", "item1", 7, 2],
        ],
        fn("row_rank_min"),
    ),
    Case(
        "row-rank-min-nulls",
        f"{NULL_TERMS} | sort by k asc | extend r = row_rank_min(t)",
        ["k", "t", "r"],
        [[1, None, 1], [2, None, 1], [3, 5, 3], [4, 5, 3], [5, None, 5]],
        fn("row_rank_min"),
    ),
    # For sorted rows, as on the page, "the minimal row number that the current row's Term appears in" is the
    # first row of its run of equal terms; for unsorted ones this takes the run's, as row_rank_dense counts runs.
    Case(
        "row-rank-min-unsorted-terms-empty",
        'datatable(k:long, t:string)[1, "x", 2, "y", 3, "y", 4, "x"] | sort by k asc | extend r = row_rank_min(t)'
        " | union (datatable(k:long, t:string)[] | serialize r = row_rank_min(t))",
        ["k", "t", "r"],
        [[1, "x", 1], [2, "y", 2], [3, "y", 2], [4, "x", 4]],
        fn("row_rank_min"),
    ),
    # ================================================================ row functions in where and project
    Case(
        "row-functions-in-where-and-project",
        "range k from 1 to 5 step 1 | sort by k desc | where row_cumsum(k) > 9"
        " | union (range k from 1 to 5 step 1 | sort by k desc | project k = k + 10, c = row_cumsum(k),"
        " r = row_rank_dense(k / 2))",
        ["k", "c", "r"],
        [
            [3, None, None],
            [2, None, None],
            [1, None, None],
            [15, 5, 1],
            [14, 9, 1],
            [13, 12, 2],
            [12, 14, 2],
            [11, 15, 3],
        ],
        fn("row_cumsum"),
    ),
    # ================================================================ row_number's restart
    Case(
        "row-number-doc-example-restart",
        'datatable(Airport:string, Airline:string, Departures:long)["TLV", "LH", 1, "TLV", "LY", 100, "SEA", "LH", 1, '
        '"SEA", "BA", 2, "SEA", "LY", 0] | sort by Airport asc, Departures desc'
        " | extend Rank=row_number(1, prev(Airport) != Airport)",
        ["Airport", "Airline", "Departures", "Rank"],
        [["SEA", "BA", 2, 1], ["SEA", "LH", 1, 2], ["SEA", "LY", 0, 3], ["TLV", "LY", 100, 1], ["TLV", "LH", 1, 2]],
        fn("row_number"),
        types=["string", "string", "long", "long"],
    ),
    Case(
        "row-number-start-and-restart",
        "range a from 1 to 5 step 1 | sort by a desc | extend rn = row_number(7), r = row_number(0, a % 2 == 0)",
        ["a", "rn", "r"],
        [[5, 7, 0], [4, 8, 0], [3, 9, 1], [2, 10, 0], [1, 11, 1]],
        fn("row_number"),
    ),
]
