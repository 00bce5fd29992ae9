"""Aggregates (take_anyif, count_distinct, covariance, weighted percentiles, binary_all_*, ...) and the
functions over serialized rows (row_cumsum, row_rank_dense, row_rank_min), checked against Microsoft's
Kusto reference.

Each function: its page's example with the documented output, then nulls, an empty input, a group of one
row and several groups. Where a page is silent, a comment on the case says which behaviour it pins.
"""

from __future__ import annotations

from .kql_cases import Case, doc


def agg(name: str) -> str:
    """The page of an aggregate: `agg("take_anyif")` is .../take-anyif-aggregation-function."""
    return doc(f"{name.replace('_', '-')}-aggregation-function")


# Groups with a null value, a group of one row (c) and one whose rows never pass a predicate (d).
GROUPS = 'datatable(g:string, x:long)["a", 1, "a", 3, "a", long(null), "b", long(null), "b", 5, "c", 7, "d", 1]'
EMPTY = "datatable(g:string, x:long)[]"

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
]
