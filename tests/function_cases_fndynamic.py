"""Cases for the array functions added on the fndynamic branch, each checked against its Kusto page."""

from __future__ import annotations

from .kql_cases import Case, doc


def fn(name: str) -> str:
    return doc(f"{name.replace('_', '-')}-function")


CASES: list[Case] = [
    Case(
        "array-reverse-doc-example",
        'print arr=dynamic(["this", "is", "an", "example"]) | project Result=array_reverse(arr)',
        ["Result"],
        [[["example", "an", "is", "this"]]],
        fn("array_reverse"),
    ),
    # The page is silent on a value that is not an array: null here, as array_length gives.
    Case(
        "array-reverse-constants",
        "print a = array_reverse(dynamic([])), b = array_reverse(dynamic(null)), c = array_reverse(dynamic(5)),"
        ' d = array_reverse(dynamic([1, "a", null, {"k": 2}, [3]]))',
        ["a", "b", "c", "d"],
        [[[], None, None, [[3], {"k": 2}, None, "a", 1]]],
        fn("array_reverse"),
    ),
    Case(
        "array-reverse-columns",
        'datatable(d:dynamic)[dynamic([1, 2, 3]), dynamic([]), dynamic(null), dynamic({"a": 1}), dynamic("x"),'
        ' dynamic([true, null, 1.5, "s", [1, 2]])] | extend r = array_reverse(d)',
        ["d", "r"],
        [
            [[1, 2, 3], [3, 2, 1]],
            [[], []],
            [None, None],
            [{"a": 1}, None],
            ["x", None],
            [[True, None, 1.5, "s", [1, 2]], [[1, 2], "s", 1.5, None, True]],
        ],
        fn("array_reverse"),
    ),
]
