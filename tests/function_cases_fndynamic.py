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
    Case(
        "array-sort-doc-examples",
        'let Names = "John,Paul,Jane,Kao"; print a = strcat_array(array_sort_asc(split(Names, ",")), ","),'
        ' d = strcat_array(array_sort_desc(split("John,Paul,Jane,Kayo", ",")), ",")',
        ["a", "d"],
        [["Jane,John,Kao,Paul", "Paul,Kayo,John,Jane"]],
        fn("array_sort_asc"),
    ),
    Case(
        "array-sort-nulls-doc-examples",
        'datatable(d:dynamic)[dynamic([null,"blue","yellow","green",null])]'
        " | extend a = array_sort_asc(d), af = array_sort_asc(d, false), s = array_sort_desc(d),"
        " sf = array_sort_desc(d, false) | project-away d",
        ["a", "af", "s", "sf"],
        [
            [
                ["blue", "green", "yellow", None, None],
                [None, None, "blue", "green", "yellow"],
                ["yellow", "green", "blue", None, None],
                [None, None, "yellow", "green", "blue"],
            ]
        ],
        fn("array_sort_asc"),
    ),
    # Numbers, then strings, then the rest as the pages order types; the pages do not say how bools and bags
    # order among themselves: they keep their order here. A value that is not an array gives null.
    Case(
        "array-sort-mixed-types-columns",
        'datatable(d:dynamic)[dynamic([3, "b", true, 1.5, null, "a", {"x": 1}, -2, false]), dynamic([]),'
        ' dynamic(null), dynamic(5), dynamic({"a": 1})]'
        " | extend a = array_sort_asc(d), s = array_sort_desc(d) | project-away d",
        ["a", "s"],
        [
            [[-2, 1.5, 3, "a", "b", True, {"x": 1}, False, None], [3, 1.5, -2, "b", "a", True, {"x": 1}, False, None]],
            [[], []],
            [None, None],
            [None, None],
            [None, None],
        ],
        fn("array_sort_desc"),
    ),
    # The pages do not say what a null nulls_last does: the default, nulls last, here.
    Case(
        "array-sort-nulls-last-column",
        "datatable(d:dynamic, last:bool)[dynamic([2, null, 1]), true, dynamic([2, null, 1]), false,"
        " dynamic([2, null, 1]), bool(null)] | extend a = array_sort_asc(d, last) | project-away d",
        ["last", "a"],
        [[True, [1, 2, None]], [False, [None, 1, 2]], [None, [1, 2, None]]],
        fn("array_sort_asc"),
    ),
    Case(
        "array-sum-doc-example",
        "print arr=dynamic([1,2,3,4]) | extend arr_sum=array_sum(arr)",
        ["arr", "arr_sum"],
        [[[1, 2, 3, 4], 10.0]],
        fn("array_sum"),
        types=["dynamic", "real"],
    ),
    # A string, bool, null or nested array element is not a number: null. The page is silent on an empty
    # array: 0 here, the sum of no numbers. A value that is not an array gives null.
    Case(
        "array-sum-columns",
        'datatable(d:dynamic)[dynamic([1.5, -2, 3]), dynamic([]), dynamic(null), dynamic([1, "2"]), dynamic([1, null]),'
        ' dynamic([true]), dynamic("x"), dynamic({"a": 1}), dynamic([[1]])] | extend s = array_sum(d)',
        ["d", "s"],
        [
            [[1.5, -2, 3], 2.5],
            [[], 0.0],
            [None, None],
            [[1, "2"], None],
            [[1, None], None],
            [[True], None],
            ["x", None],
            [{"a": 1}, None],
            [[[1]], None],
        ],
        fn("array_sum"),
    ),
    Case(
        "array-iff-doc-examples",
        "print c1=dynamic([true,false,true]), t1=dynamic([1,2,3]), f1=dynamic([4,5,6]),"
        ' c2=dynamic([1,0,50]), t2="yes", f2="no", c4=dynamic([true,true,true]), t4=dynamic([1,2]), f4=dynamic([3,4])'
        " | project r1 = array_iff(c1, t1, f1), r2 = array_iff(c2, t2, f2), r4 = array_iif(c4, t4, f4)",
        ["r1", "r2", "r4"],
        [[[1, 5, 3], ["yes", "no", "yes"], [1, 2, None]]],
        fn("array_iff"),
    ),
    # The page's third example has a datetime in the array; the dynamic literal here holds its text instead.
    Case(
        "array-iff-non-boolean-conditions",
        'print condition=dynamic(["some string value", "2022-01-01T00:00:00Z", null]), if_true=1, if_false=0'
        " | extend res= array_iff(condition, if_true, if_false)",
        ["condition", "if_true", "if_false", "res"],
        [[["some string value", "2022-01-01T00:00:00Z", None], 1, 0, [None, None, None]]],
        fn("array_iff"),
    ),
    # A dynamic that is not an array is the value for every element; a condition that is not an array
    # gives null (the page is silent on it), an empty one an empty array.
    Case(
        "array-iff-columns",
        "datatable(c:dynamic, t:dynamic, f:datetime)["
        ' dynamic([true, false, 1.5, 0, {"a": 1}, "x"]), dynamic({"k": 1}), datetime(2020-01-01),'
        " dynamic([false, true, false]), dynamic([[1], null]), datetime(null),"
        " dynamic([]), dynamic([1]), datetime(null),"
        " dynamic(5), dynamic([1]), datetime(null)]"
        " | extend r = array_iff(c, t, f) | project r",
        ["r"],
        [
            [[{"k": 1}, "2020-01-01T00:00:00.0000000Z", {"k": 1}, "2020-01-01T00:00:00.0000000Z", None, None]],
            [[None, None, None]],
            [[]],
            [None],
        ],
        fn("array_iff"),
    ),
    Case(
        "array-split-doc-examples",
        "print arr=dynamic([1,2,3,4,5]) | extend a=array_split(arr, 2), b=array_split(arr, dynamic([1,3]))",
        ["arr", "a", "b"],
        [[[1, 2, 3, 4, 5], [[1, 2], [3, 4, 5]], [[1], [2, 3], [4, 5]]]],
        fn("array_split"),
    ),
    # A negative index counts from the end. The page is silent on indices out of range or out of order:
    # clamped to the array here, and a range ending before it starts is empty. A non-array gives null.
    Case(
        "array-split-columns",
        'datatable(d:dynamic, i:dynamic)[dynamic([1,2,3,4,5]), dynamic([4, 1, 9, -9]), dynamic([null, "a", {"b":1}]),'
        " dynamic([1]), dynamic([]), dynamic([0]), dynamic(5), dynamic([1]), dynamic([1, 2, 3]), dynamic([])]"
        " | extend s = array_split(d, i), l = array_split(d, -1) | project s, l",
        ["s", "l"],
        [
            [[[1, 2, 3, 4], [], [2, 3, 4, 5], [], [1, 2, 3, 4, 5]], [[1, 2, 3, 4], [5]]],
            [[[None], ["a", {"b": 1}]], [[None, "a"], [{"b": 1}]]],
            [[[], []], [[], []]],
            [None, None],
            [[[1, 2, 3]], [[1, 2], [3]]],
        ],
        fn("array_split"),
    ),
    Case(
        "array-shift-rotate-doc-examples",
        "print arr=dynamic([1,2,3,4,5]) | project a=array_shift_left(arr, 2), b=array_shift_left(arr, 2, -1),"
        " c=array_shift_left(arr, -2, -1), d=array_shift_right(arr, 2), e=array_shift_right(arr, 2, -1),"
        " f=array_shift_right(arr, -2, -1), g=array_rotate_left(arr, 2), h=array_rotate_left(arr, -2),"
        " i=array_rotate_right(arr, 2), j=array_rotate_right(arr, -2)",
        ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
        [
            [
                [3, 4, 5, None, None],
                [3, 4, 5, -1, -1],
                [-1, -1, 1, 2, 3],
                [None, None, 1, 2, 3],
                [-1, -1, 1, 2, 3],
                [3, 4, 5, -1, -1],
                [3, 4, 5, 1, 2],
                [4, 5, 1, 2, 3],
                [4, 5, 1, 2, 3],
                [3, 4, 5, 1, 2],
            ]
        ],
        fn("array_shift_left"),
    ),
    # A count past the length shifts everything out and rotates around more than once; an empty array stays
    # empty, a non-array gives null; a null count (the pages are silent) takes no element from the array.
    # The default for a shifted-in element is null: the pages say null or an empty string "depending on the
    # type of elements" without saying which gives which.
    Case(
        "array-shift-rotate-columns",
        'datatable(d:dynamic, c:long)[dynamic([null, "a", {"b": 1}, [2]]), 1, dynamic([1, 2, 3]), 7, dynamic([]), 2,'
        " dynamic(5), 1, dynamic([1, 2]), long(null)]"
        ' | project l = array_shift_left(d, c), r = array_shift_right(d, c, "x"), rl = array_rotate_left(d, c),'
        " rr = array_rotate_right(d, c)",
        ["l", "r", "rl", "rr"],
        [
            [
                ["a", {"b": 1}, [2], None],
                ["x", None, "a", {"b": 1}],
                ["a", {"b": 1}, [2], None],
                [[2], None, "a", {"b": 1}],
            ],
            [[None, None, None], ["x", "x", "x"], [2, 3, 1], [3, 1, 2]],
            [[], [], [], []],
            [None, None, None, None],
            [[None, None], ["x", "x"], [None, None], [None, None]],
        ],
        fn("array_rotate_left"),
    ),
]
