"""Tabular operators beyond the foundation, checked against Microsoft's documented behaviour."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest

from rmmhunt import Workspace
from rmmhunt.kql.errors import KqlError, KqlNameError, KqlNotSupported, KqlSyntaxError, KqlTypeError
from rmmhunt.output import rows
from rmmhunt.store import WorkspaceStore

from .kql_cases import NOW, Case, doc, normalize

LEFT = 'datatable(k:string, v:long)["a", 1, "a", 2, "b", 3, "c", 4]'
RIGHT = 'datatable(k:string, w:string)["a", "x", "b", "y", "b", "z", "d", "q"]'
PEOPLE = """datatable(d:dynamic)[dynamic({"Name": "John", "Age": 20}), dynamic({"Name": "Dave", "Age": 40})]"""
WORDS = "datatable(a:string, b:string)['red car', 'x', 'sky', 'bluebird', 'tree', 'y', 'redder', 'z']"
METRICS = "datatable(Id:long, Metric:dynamic)[1, dynamic([3, 1, 2]), 2, dynamic([5, 4])]"
SALES = (
    "datatable(State:string, Source:string, Dev:string, Amount:long)["
    "'TX', 'web', 'd1', 10, 'TX', 'web', 'd2', 5, 'TX', 'shop', 'd1', 7, 'KS', 'web', 'd3', 3, "
    "'KS', 'mail', 'd3', 20, 'AL', 'web', 'd1', 1, 'AL', 'shop', 'd4', 2]"
)

CASES: list[Case] = [
    # ------------------------------------------------------------ join kinds
    # innerunique (the default) keeps one left row per key: "a" appears once.
    Case(
        "join-innerunique-default",
        f"{LEFT} | join ({RIGHT}) on k | summarize count() by k",
        ["k", "count_"],
        [["a", 1], ["b", 2]],
        doc("join-operator"),
    ),
    Case(
        "join-inner",
        f"{LEFT} | join kind=inner ({RIGHT}) on k | project v, w",
        ["v", "w"],
        [[1, "x"], [2, "x"], [3, "y"], [3, "z"]],
        doc("join-inner"),
    ),
    Case(
        "join-inner-columns-renamed",
        f"{LEFT} | join kind=inner ({RIGHT}) on k | take 0",
        ["k", "v", "k1", "w"],
        [],
        doc("join-operator"),
    ),
    Case(
        "join-leftouter",
        f"{LEFT} | join kind=leftouter ({RIGHT}) on k | where k == 'c' | project k, k1, w",
        ["k", "k1", "w"],
        [["c", None, None]],
        doc("join-leftouter"),
    ),
    Case(
        "join-rightouter",
        f"{LEFT} | join kind=rightouter ({RIGHT}) on k | where k1 == 'd' | project k, v, k1",
        ["k", "v", "k1"],
        [[None, None, "d"]],
        doc("join-rightouter"),
    ),
    Case(
        "join-fullouter",
        f"{LEFT} | join kind=fullouter ({RIGHT}) on k | count",
        ["Count"],
        [[6]],
        doc("join-fullouter"),
    ),
    Case("join-leftanti", f"{LEFT} | join kind=leftanti ({RIGHT}) on k", ["k", "v"], [["c", 4]], doc("join-leftanti")),
    Case("join-anti-alias", f"{LEFT} | join kind=anti ({RIGHT}) on k", ["k", "v"], [["c", 4]], doc("join-leftanti")),
    Case(
        "join-rightanti",
        f"{LEFT} | join kind=rightanti ({RIGHT}) on k",
        ["k", "w"],
        [["d", "q"]],
        doc("join-rightanti"),
    ),
    Case(
        "join-leftsemi",
        f"{LEFT} | join kind=leftsemi ({RIGHT}) on k",
        ["k", "v"],
        [["a", 1], ["a", 2], ["b", 3]],
        doc("join-leftsemi"),
    ),
    Case(
        "join-rightsemi",
        f"{LEFT} | join kind=rightsemi ({RIGHT}) on k",
        ["k", "w"],
        [["a", "x"], ["b", "y"], ["b", "z"]],
        doc("join-rightsemi"),
    ),
    Case(
        "join-left-right-condition",
        f"{LEFT} | join kind=inner ({RIGHT} | project-rename key=k) on $left.k == $right.key | count",
        ["Count"],
        [[4]],
        doc("join-operator"),
    ),
    Case(
        "join-bare-table-name",
        f"let R = {RIGHT}; {LEFT} | join kind=inner R on k | count",
        ["Count"],
        [[4]],
        doc("join-operator"),
    ),
    Case(
        "lookup-default-leftouter",
        f"{LEFT} | lookup ({RIGHT}) on k | where k == 'c'",
        ["k", "v", "w"],
        [["c", 4, None]],
        doc("lookup-operator"),
    ),
    Case(
        "lookup-inner", f"{LEFT} | lookup kind=inner ({RIGHT}) on k | count", ["Count"], [[4]], doc("lookup-operator")
    ),
    # ------------------------------------------------------------ union
    Case(
        "union-outer-fills-nulls",
        f"{LEFT} | union ({RIGHT}) | where k == 'd'",
        ["k", "v", "w"],
        [["d", None, "q"]],
        doc("union-operator"),
    ),
    Case(
        "union-inner-common-columns",
        f"union kind=inner ({LEFT}), ({RIGHT}) | count",
        ["Count"],
        [[8]],
        doc("union-operator"),
    ),
    Case(
        "union-withsource",
        "let A = print x=1; let B = print x=2; union withsource=Src A, B",
        ["Src", "x"],
        [["A", 1], ["B", 2]],
        doc("union-operator"),
    ),
    Case(
        "union-wildcard",
        "union withsource=T DeviceFile* | getschema | where ColumnName == 'T' | project ColumnType",
        ["ColumnType"],
        [["string"]],
        doc("union-operator"),
    ),
    # ------------------------------------------------------------ projections
    Case("project-away", f"{LEFT} | project-away v | take 1", ["k"], [["a"]], doc("project-away-operator")),
    Case(
        "project-away-wildcard", "print Ax=1, Ay=2, B=3 | project-away A*", ["B"], [[3]], doc("project-away-operator")
    ),
    Case(
        "project-keep",
        "print Ax=1, Ay=2, B=3 | project-keep B, *y",
        ["Ay", "B"],
        [[2, 3]],
        doc("project-keep-operator"),
    ),
    Case(
        "project-reorder",
        "print a=1, b=2, c=3 | project-reorder c, a",
        ["c", "a", "b"],
        [[3, 1, 2]],
        doc("project-reorder-operator"),
    ),
    Case("project-rename", "print a=1, b=2 | project-rename x=b", ["a", "x"], [[1, 2]], doc("project-rename-operator")),
    # ------------------------------------------------------------ mv-expand
    Case(
        "mv-expand-array", "print d=dynamic([1, 2, 3]) | mv-expand d", ["d"], [[1], [2], [3]], doc("mv-expand-operator")
    ),
    Case(
        "mv-expand-two-columns-zip",
        'print a=dynamic([1, 2, 3]), b=dynamic(["x", "y"]) | mv-expand a, b',
        ["a", "b"],
        [[1, "x"], [2, "y"], [3, None]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-to-typeof",
        "print d=dynamic([1, 2]) | mv-expand d to typeof(long) | extend e = d + 1",
        ["d", "e"],
        [[1, 2], [2, 3]],
        doc("mv-expand-operator"),
        types=["long", "long"],
    ),
    Case(
        "mv-expand-itemindex-limit",
        "print d=dynamic([5, 6, 7]) | mv-expand with_itemindex=i d limit 2",
        ["d", "i"],
        [[5, 0], [6, 1]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-keeps-other-columns",
        'print k="r", d=dynamic(["p", "q"]) | mv-expand d',
        ["k", "d"],
        [["r", "p"], ["r", "q"]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-several-with-itemindex",
        "print d=dynamic([5, 6, 7]), e=dynamic([1]) | mv-expand with_itemindex=i d, e limit 2",
        ["d", "e", "i"],
        [[5, 1, 0], [6, None, 1]],
        doc("mv-expand-operator"),
    ),
    # Null gives one null row; an empty array or bag none; any other value is expanded once, as itself.
    Case(
        "mv-expand-null-empty-and-scalar",
        "datatable(k:long, d:dynamic)[1, dynamic(null), 2, dynamic([]), 3, dynamic({}), 4, dynamic(5), 5,"
        ' dynamic("x")] | mv-expand d',
        ["k", "d"],
        [[1, None], [4, 5], [5, "x"]],
        doc("mv-expand-operator"),
    ),
    # The doc's bag expansion examples: kind=bag (the default) gives single-entry bags, kind=array pairs.
    Case(
        "mv-expand-bag-into-single-entry-bags",
        'datatable(a:int, b:dynamic)[1, dynamic({"prop1":"a1", "prop2":"b1"}), 2, dynamic({"prop1":"a2"})]'
        " | mv-expand b",
        ["a", "b"],
        [[1, {"prop1": "a1"}], [1, {"prop2": "b1"}], [2, {"prop1": "a2"}]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-kind-array-key-value-pairs",
        'datatable(a:int, b:dynamic)[1, dynamic({"prop1":"a1", "prop2":["b1"]})] | mv-expand kind=array b',
        ["a", "b"],
        [[1, ["prop1", "a1"]], [1, ["prop2", ["b1"]]]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-bagexpansion-array-to-string",
        'print b=dynamic({"p":null, "q":"x"}) | mv-expand bagexpansion=array b to typeof(string)',
        ["b"],
        [['["p",null]'], ['["q","x"]']],
        doc("mv-expand-operator"),
        types=["string"],
    ),
    Case(
        "mv-expand-bag-with-itemindex",
        'print d=dynamic({"a":1, "b":2}) | mv-expand with_itemindex=i d',
        ["d", "i"],
        [[{"a": 1}, 0], [{"b": 2}, 1]],
        doc("mv-expand-operator"),
    ),
    # to typeof(string) gives each element's text as tostring() does: JSON text for anything but a string.
    Case(
        "mv-expand-to-string-of-other-types",
        'print d=dynamic([1, "a", true, {"b":2}, [3], 1.5]) | mv-expand d to typeof(string)',
        ["d"],
        [["1"], ["a"], ["true"], ['{"b":2}'], ["[3]"], ["1.5"]],
        doc("mv-expand-operator"),
        types=["string"],
    ),
    # "Array elements that don't conform with the declared type become null values."
    Case(
        "mv-expand-to-long-of-non-numbers",
        'print d=dynamic([1, "x", true, {"a":1}]) | mv-expand d to typeof(long)',
        ["d"],
        [[1], [None], [None], [None]],
        doc("mv-expand-operator"),
        types=["long"],
    ),
    # A property of a column parse_json made is read from the text: the same rows as from the parsed value.
    Case(
        "mv-expand-property-of-parsed-column",
        """datatable(s:string)['{"Tags":["a","b"]}', '{"Tags":"solo"}', '{"Tags":null}', '{"Tags":[]}', '{}',"""
        " 'not json', ''] | extend F = parse_json(s) | mv-expand T = F.Tags | project s, T",
        ["s", "T"],
        [
            ['{"Tags":["a","b"]}', "a"],
            ['{"Tags":["a","b"]}', "b"],
            ['{"Tags":"solo"}', "solo"],
            ['{"Tags":null}', None],
            ["{}", None],
            ["not json", None],
            ["", None],
        ],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-property-of-parsed-column-to-string",
        """datatable(s:string)['{"Tags":["a",1,{"b":true}]}', '{"Tags":{"k":"v"}}']"""
        " | extend F = parse_json(s) | mv-expand T = F.Tags to typeof(string) | project T, F",
        ["T", "F"],
        [
            ["a", {"Tags": ["a", 1, {"b": True}]}],
            ["1", {"Tags": ["a", 1, {"b": True}]}],
            ['{"b":true}', {"Tags": ["a", 1, {"b": True}]}],
            ['{"k":"v"}', {"Tags": {"k": "v"}}],
        ],
        doc("mv-expand-operator"),
    ),
    # Text read at a constant path: an empty array gives no row, anything else that is not an array one.
    Case(
        "mv-expand-property-of-parsed-column-to-string-no-array",
        """datatable(s:string)['{"Tags":["a","b"]}', '{"Tags":[]}', '{"Tags":null}', '{"Tags":"solo"}', 'oops', '']"""
        " | extend F = parse_json(s) | mv-expand T = F.Tags to typeof(string)"
        " | summarize rows = count(), texts = countif(isnotempty(T)) by s",
        ["s", "rows", "texts"],
        [['{"Tags":["a","b"]}', 2, 2], ['{"Tags":null}', 1, 0], ['{"Tags":"solo"}', 1, 1], ["oops", 1, 0], ["", 1, 0]],
        doc("mv-expand-operator"),
    ),
    Case(
        "mv-expand-property-to-long",
        """datatable(d:dynamic)[dynamic({"t":[1,"a"]}), dynamic({"t":5}), dynamic({"t":{"k":1}}), dynamic({"t":[]})]"""
        " | mv-expand x = d.t to typeof(long)",
        ["d", "x"],
        [[{"t": [1, "a"]}, 1], [{"t": [1, "a"]}, None], [{"t": 5}, 5], [{"t": {"k": 1}}, None]],
        doc("mv-expand-operator"),
        types=["dynamic", "long"],
    ),
    Case(
        "mv-expand-element-to-string",
        'datatable(d:dynamic)[dynamic([[7, "x", null], 1]), dynamic([null])] | mv-expand x = d[0] to typeof(string)'
        " | project x",
        ["x"],
        [["7"], ["x"], [""], [""]],
        doc("mv-expand-operator"),
    ),
    # The column the text was parsed from is redefined by the same extend: the parsed value is expanded.
    Case(
        "mv-expand-property-of-parsed-column-whose-text-changed",
        """datatable(s:string)['{"t":[1,2]}'] | extend F = parse_json(s), s = '{"t":[3]}' | mv-expand T = F.t"""
        " | project T",
        ["T"],
        [[1], [2]],
        doc("mv-expand-operator"),
    ),
    # ------------------------------------------------------------ mv-apply
    # The doc's first example: the two largest values of each row's array.
    Case(
        "mv-apply-top-per-row",
        f"{METRICS} | mv-apply Metric to typeof(long) on (top 2 by Metric desc)",
        ["Id", "Metric"],
        [[1, 3], [1, 2], [2, 5], [2, 4]],
        doc("mv-apply-operator"),
        types=["long", "long"],
    ),
    Case(
        "mv-apply-summarize-per-row",
        f"{METRICS} | mv-apply Metric to typeof(long) on (summarize Total = sum(Metric), N = count())",
        ["Id", "Total", "N"],
        [[1, 6, 3], [2, 9, 2]],
        doc("mv-apply-operator"),
    ),
    # An item named `e = Metric` replaces the column it expands; the index counts from 0.
    Case(
        "mv-apply-itemindex-where-take",
        f"{METRICS} | mv-apply with_itemindex=i e = Metric on (where e < 3 | take 1)",
        ["Id", "e", "i"],
        [[1, 1, 1]],
        doc("mv-apply-operator"),
    ),
    Case(
        "mv-apply-sort-then-take",
        f"{METRICS} | mv-apply Metric to typeof(long) on (order by Metric asc | take 1)",
        ["Id", "Metric"],
        [[1, 1], [2, 4]],
        doc("mv-apply-operator"),
    ),
    Case(
        "mv-apply-make-list-keeps-duplicate-rows-apart",
        'datatable(k:string, d:dynamic)["a", dynamic([1, 2]), "a", dynamic([3])] '
        "| mv-apply d on (summarize L = make_list(d))",
        ["k", "L"],
        [["a", [1, 2]], ["a", [3]]],
        doc("mv-apply-operator"),
    ),
    Case(
        "mv-apply-two-arrays-and-project",
        'print a=dynamic([1, 2]), b=dynamic(["x", "y", "z"]) '
        "| mv-apply a, b on (project c = strcat(tostring(a), tostring(b)))",
        ["c"],
        [["1x"], ["2y"], ["z"]],
        doc("mv-apply-operator"),
    ),
    Case(
        "mv-apply-limit",
        f"{METRICS} | mv-apply Metric limit 1 on (count)",
        ["Id", "Count"],
        [[1, 1], [2, 1]],
        doc("mv-apply-operator"),
    ),
    # ------------------------------------------------------------ evaluate bag_unpack
    # The doc's example: one column per key, sorted by name, typed as the values are.
    Case(
        "bag-unpack",
        f"{PEOPLE} | evaluate bag_unpack(d)",
        ["Age", "Name"],
        [[20, "John"], [40, "Dave"]],
        doc("bag-unpack-plugin"),
        types=["long", "string"],
    ),
    Case(
        "bag-unpack-prefix-keeps-other-columns",
        f"{PEOPLE} | extend k = 1 | evaluate bag_unpack(d, 'P_')",
        ["k", "P_Age", "P_Name"],
        [[1, 20, "John"], [1, 40, "Dave"]],
        doc("bag-unpack-plugin"),
    ),
    Case(
        "bag-unpack-mixed-types-are-dynamic",
        "datatable(d:dynamic)[dynamic({'a': 1}), dynamic({'a': 'x', 'b': true})] | evaluate bag_unpack(d)",
        ["a", "b"],
        [[1, None], ["x", True]],
        doc("bag-unpack-plugin"),
        types=["dynamic", "bool"],
    ),
    Case(
        "bag-unpack-ignored-and-replace-source",
        "datatable(Name:string, d:dynamic)['old', dynamic({'Name': 'new', 'Age': 1})] "
        "| evaluate bag_unpack(d, '', 'replace_source', dynamic(['Age']))",
        ["Name"],
        [["new"]],
        doc("bag-unpack-plugin"),
    ),
    Case(
        "bag-unpack-keep-source",
        "datatable(Name:string, d:dynamic)['old', dynamic({'Name': 'new', 'Age': 1})] "
        "| evaluate bag_unpack(d, '', 'keep_source')",
        ["Name", "Age"],
        [["old", 1]],
        doc("bag-unpack-plugin"),
    ),
    # An output schema names the only columns, or with `*` first adds them to the input's.
    Case(
        "bag-unpack-output-schema",
        f"{PEOPLE} | extend k = 1 | evaluate bag_unpack(d) : (Name:string, Missing:long)",
        ["Name", "Missing"],
        [["John", None], ["Dave", None]],
        doc("bag-unpack-plugin"),
    ),
    Case(
        "bag-unpack-output-schema-wildcard",
        f"{PEOPLE} | extend k = 1 | evaluate bag_unpack(d) : (*, Age:long)",
        ["k", "Age"],
        [[1, 20], [1, 40]],
        doc("bag-unpack-plugin"),
    ),
    # ------------------------------------------------------------ top-nested
    # Two columns per level: the value and `aggregated_<value>`; the top N by the aggregation, descending.
    Case(
        "top-nested-one-level",
        f"{SALES} | top-nested 2 of State by sum(Amount)",
        ["State", "aggregated_State"],
        [["KS", 23], ["TX", 22]],
        doc("top-nested-operator"),
        types=["string", "long"],
    ),
    # Each level ranks within its parent; `asc` takes the smallest; no N keeps every value.
    Case(
        "top-nested-levels-rank-within-parent",
        f"{SALES} | top-nested 2 of State by sum(Amount), top-nested 1 of Source by sum(Amount) asc, "
        "top-nested of Dev by n = count()",
        ["State", "aggregated_State", "Source", "aggregated_Source", "Dev", "n"],
        [["KS", 23, "web", 3, "d3", 1], ["TX", 22, "shop", 7, "d1", 1]],
        doc("top-nested-operator"),
    ),
    # `with others`: one more row per parent aggregating what was left out; the levels below it are empty.
    Case(
        "top-nested-with-others",
        f"{SALES} | top-nested 1 of State with others = 'Rest' by sum(Amount), "
        "top-nested 1 of Source with others = 'other' by Total = sum(Amount)",
        ["State", "aggregated_State", "Source", "Total"],
        [["KS", 23, "mail", 20], ["KS", 23, "other", 3], ["Rest", 25, "", None]],
        doc("top-nested-operator"),
    ),
    # The Defender corpus form: a named expression, dcount, then a filter on the aggregate column.
    Case(
        "top-nested-dcount-asc-then-where",
        f"{SALES} | top-nested 100 of Where = tolower(State) by dcount(Dev) asc | where aggregated_Where < 2",
        ["Where", "aggregated_Where"],
        [["ks", 1]],
        doc("top-nested-operator"),
    ),
    Case(
        "top-nested-others-when-nothing-is-left-out",
        f"{SALES} | top-nested 5 of State with others = 'Rest' by count()",
        ["State", "aggregated_State"],
        [["AL", 2], ["KS", 2], ["TX", 3]],
        doc("top-nested-operator"),
    ),
    # ------------------------------------------------------------ evaluate pivot
    # The doc's examples: one column per distinct value (sorted), count() by default, 0 where a group has none.
    Case(
        "pivot-count",
        f"{SALES} | project State, Source | evaluate pivot(State)",
        ["Source", "AL", "KS", "TX"],
        [["mail", 0, 1, 0], ["shop", 1, 0, 1], ["web", 1, 1, 2]],
        doc("pivot-plugin"),
    ),
    # The aggregation's column is left out of the default groups; sum over no rows is 0.
    Case(
        "pivot-sum-groups-by-the-rest",
        f"{SALES} | project State, Source, Amount | evaluate pivot(State, sum(Amount))",
        ["Source", "AL", "KS", "TX"],
        [["mail", 0, 20, 0], ["shop", 2, 0, 7], ["web", 1, 3, 15]],
        doc("pivot-plugin"),
    ),
    # Named group columns; max over no rows is null.
    Case(
        "pivot-max-named-groups",
        f"{SALES} | evaluate pivot(Source, max(Amount), State)",
        ["State", "mail", "shop", "web"],
        [["AL", None, 2, 1], ["KS", 20, None, 3], ["TX", None, 7, 10]],
        doc("pivot-plugin"),
    ),
    # An output schema names the columns up front: the groups, then the values wanted (absent ones count 0).
    Case(
        "pivot-output-schema",
        f"{SALES} | project State, Source | evaluate pivot(Source) : (State:string, web:long, fax:long)",
        ["State", "web", "fax"],
        [["AL", 1, 0], ["KS", 1, 0], ["TX", 2, 0]],
        doc("pivot-plugin"),
    ),
    # ------------------------------------------------------------ search, find, union of conflicting types
    # A bare term matches any string column as `has`; "x*" as hasprefix, "*x*" as contains.
    Case(
        "search-term-any-column",
        f"{WORDS} | search 'red'",
        ["a", "b"],
        [["red car", "x"]],
        doc("search-operator"),
    ),
    Case(
        "search-prefix-and-contains",
        f"{WORDS} | search 'blu*' or '*ree*'",
        ["a", "b"],
        [["sky", "bluebird"], ["tree", "y"]],
        doc("search-operator"),
    ),
    Case(
        "search-in-tables-adds-table-column",
        "search in ((print a='red'), (print b='red sky', n=1)) 'sky' and n == 1",
        ["$table", "a", "b", "n"],
        [["union_arg1", None, "red sky", 1]],
        doc("search-operator"),
    ),
    Case(
        "search-table-column-referenced",
        "search in ((print a='red'), (print b='red sky')) 'red' | project-reorder $table | summarize count() by $table",
        ["$table", "count_"],
        [["union_arg0", 1], ["union_arg1", 1]],
        doc("search-operator"),
    ),
    Case(
        "find-project",
        "find in ((print a='x', k=1), (print k=2, c='y')) where k > 0 project k",
        ["source_", "k"],
        [["union_arg0", 1], ["union_arg1", 2]],
        doc("find-operator"),
    ),
    Case(
        "find-default-columns-and-pack",
        "find in ((print a='x', k=1), (print k=2)) where k == 1",
        ["source_", "k", "pack_"],
        [["union_arg0", 1, {"a": "x"}]],
        doc("find-operator"),
    ),
    Case(
        "union-conflicting-types-suffixed",
        "union (print a=1), (print a='y')",
        ["a_long", "a_string"],
        [[1, None], [None, "y"]],
        doc("union-operator"),
    ),
    # ------------------------------------------------------------ parse
    Case(
        "parse-simple",
        'print s="key=abc; n=42" | parse s with "key=" k "; n=" n:long',
        ["s", "k", "n"],
        [["key=abc; n=42", "abc", 42]],
        doc("parse-operator"),
        types=["string", "string", "long"],
    ),
    Case(
        "parse-simple-no-match-keeps-row",
        'print s="other" | parse s with "key=" k',
        ["s", "k"],
        [["other", ""]],
        doc("parse-operator"),
    ),
    Case(
        "parse-star",
        'print s="a:1:rest" | parse s with * ":" n:long ":" *',
        ["s", "n"],
        [["a:1:rest", 1]],
        doc("parse-operator"),
    ),
    Case(
        "parse-regex",
        r'print s="user=bob id=7" | parse kind=regex s with "user=" u " id=" i:long',
        ["s", "u", "i"],
        [["user=bob id=7", "bob", 7]],
        doc("parse-operator"),
    ),
    Case(
        "parse-where-drops-non-matching",
        'datatable(s:string)["key=a", "nothing"] | parse-where s with "key=" k',
        ["s", "k"],
        [["key=a", "a"]],
        doc("parse-where-operator"),
    ),
    # ------------------------------------------------------------ serialized row functions
    Case(
        "row-number-prev-next",
        f"{LEFT} | sort by v asc | extend r=row_number(), p=prev(v), n=next(v)",
        ["k", "v", "r", "p", "n"],
        [["a", 1, 1, None, 2], ["a", 2, 2, 1, 3], ["b", 3, 3, 2, 4], ["c", 4, 4, 3, None]],
        doc("row-number-function"),
        ordered=True,
    ),
    Case(
        "serialize-with-row-number",
        "range x from 1 to 3 step 1 | serialize n = row_number(10)",
        ["x", "n"],
        [[1, 10], [2, 11], [3, 12]],
        doc("serialize-operator"),
        ordered=True,
    ),
    Case(
        "prev-offset-default",
        f"{LEFT} | sort by v asc | extend p=prev(v, 2, -1) | project p",
        ["p"],
        [[-1], [-1], [1], [2]],
        doc("prev-function"),
        ordered=True,
    ),
    # ------------------------------------------------------------ let, functions, subqueries
    Case(
        "tabular-function",
        f"let f = (t:(*), n:long) {{ t | where v > n }}; f({LEFT}, 2) | count",
        ["Count"],
        [[2]],
        doc("functions/user-defined-functions"),
    ),
    Case(
        "tabular-function-default",
        f"let f = (n:long = 3) {{ {LEFT} | where v >= n }}; f() | count",
        ["Count"],
        [[2]],
        doc("functions/user-defined-functions"),
    ),
    Case(
        "scalar-function",
        f"let twice = (x:long) {{ x * 2 }}; {LEFT} | where k == 'c' | extend d = twice(v)",
        ["k", "v", "d"],
        [["c", 4, 8]],
        doc("functions/user-defined-functions"),
    ),
    Case(
        "scalar-function-body-lets",
        "let f = (x:long) { let y = x + 1; y * 10 }; print r = f(1)",
        ["r"],
        [[20]],
        doc("functions/user-defined-functions"),
    ),
    Case(
        "invoke",
        f"let top1 = (t:(*)) {{ t | top 1 by v }}; {LEFT} | invoke top1()",
        ["k", "v"],
        [["c", 4]],
        doc("invoke-operator"),
    ),
    Case(
        "in-tabular-let",
        f"let keys = {RIGHT} | project k; {LEFT} | where k in (keys) | count",
        ["Count"],
        [[3]],
        doc("in-operator"),
    ),
    Case(
        "in-subquery", f"{LEFT} | where k !in ({RIGHT} | project k) | project k", ["k"], [["c"]], doc("not-in-operator")
    ),
    # has_any/has_all over a table: its first column holds the needles (whole terms, case-insensitive).
    Case(
        "has-any-tabular-let",
        f"let needles = datatable(n:string, x:long)['RED', 1, 'bird', 2]; {WORDS} | where a has_any (needles)",
        ["a", "b"],
        [["red car", "x"]],
        doc("has-any-operator"),
    ),
    Case(
        "has-any-subquery-array-column",
        f"{WORDS} | where b has_any ((print d = dynamic(['bluebird', 'Z']))) | project b",
        ["b"],
        [["bluebird"], ["z"]],
        doc("has-any-operator"),
    ),
    Case(
        "has-all-tabular-let",
        f"let needles = datatable(n:string)['car', 'RED']; {WORDS} | where a has_all (needles) | project a",
        ["a"],
        [["red car"]],
        doc("has-all-operator"),
    ),
    Case(
        "has-any-all-empty-table",
        f"let none = datatable(n:string)[]; {WORDS} | where a has_all (none) and not(a has_any (none)) | count",
        ["Count"],
        [[4]],
        doc("has-all-operator"),
    ),
    Case(
        "in-cs-insensitive-subquery",
        f"{LEFT} | where k in~ (print x='A') | count",
        ["Count"],
        [[2]],
        doc("in-operator"),
    ),
    Case(
        "materialize",
        f"let m = materialize({RIGHT}); m | join kind=inner (m) on k | count",
        ["Count"],
        [[6]],
        doc("materialize-function"),
    ),
    Case(
        "toscalar",
        f"let total = toscalar({LEFT} | summarize sum(v)); print total",
        ["total"],
        [[10]],
        doc("toscalar-function"),
    ),
    Case("as-operator", f"{LEFT} | as X | join kind=inner (X) on k | count", ["Count"], [[6]], doc("as-operator")),
    # ------------------------------------------------------------ sources and the rest
    Case("range-numbers", "range x from 1 to 5 step 2", ["x"], [[1], [3], [5]], doc("range-operator")),
    Case(
        "range-datetimes",
        "range t from datetime(2024-01-01) to datetime(2024-01-02) step 12h",
        ["t"],
        [["2024-01-01T00:00:00.0000000Z"], ["2024-01-01T12:00:00.0000000Z"], ["2024-01-02T00:00:00.0000000Z"]],
        doc("range-operator"),
    ),
    Case(
        "getschema",
        "print a=1, b='x' | getschema",
        ["ColumnName", "ColumnOrdinal", "DataType", "ColumnType"],
        [["a", 0, "System.Int64", "long"], ["b", 1, "System.String", "string"]],
        doc("getschema-operator"),
    ),
    Case(
        "render-ignored",
        f"{LEFT} | summarize count() by k | render barchart with (title='x')",
        ["k", "count_"],
        [["a", 2], ["b", 1], ["c", 1]],
        doc("render-operator"),
    ),
    Case("sample-count", f"{LEFT} | sample 3 | count", ["Count"], [[3]], doc("sample-operator")),
    Case(
        "sample-distinct", f"{LEFT} | sample-distinct 5 of k | count", ["Count"], [[3]], doc("sample-distinct-operator")
    ),
    # ------------------------------------------------------------ dynamic access
    Case(
        "dynamic-path",
        'print d=dynamic({"a": {"b": [10, 20]}}) | project x=d.a.b[1], y=d["a"]["b"][0]',
        ["x", "y"],
        [[20, 10]],
        doc("scalar-data-types/dynamic"),
    ),
    Case(
        "dynamic-compare-string",
        'print d=dynamic({"a": "x"}) | where d.a == "x" | project ok=true',
        ["ok"],
        [[True]],
        doc("scalar-data-types/dynamic"),
    ),
    Case(
        "dynamic-has",
        'print d=dynamic({"cmd": "AnyDesk.exe --silent"}) | where d.cmd has "anydesk.exe" | count',
        ["Count"],
        [[1]],
        doc("has-operator"),
    ),
]

GROUPED = 'datatable(g:string, x:long)["a", 1, "a", 3, "a", 2, "b", 5, "b", long(null)]'

AGGREGATE_CASES: list[Case] = [
    Case(
        "conditional-aggregates",
        f"{GROUPED} | summarize sumif(x, x > 1), dcountif(x, x > 1), avgif(x, x > 1), minif(x, x > 1), "
        "maxif(x, x > 1), countif(x > 1) by g",
        ["g", "sumif_x", "dcountif_x", "avgif_x", "minif_x", "maxif_x", "countif_"],
        [["a", 5, 2, 2.5, 2, 3, 2], ["b", 5, 1, 5.0, 5, 5, 1]],
        doc("sumif-aggregation-function"),
    ),
    Case(
        "make-set-if-and-list-if",
        f"{GROUPED} | summarize make_set_if(x, x > 1), make_list_if(x, x > 1) by g",
        ["g", "set_x", "list_x"],
        [["a", [2, 3], [2, 3]], ["b", [5], [5]]],
        doc("make-set-if-aggregation-function"),
        sort_lists=True,
    ),
    # "Returns a dynamic array": a group whose rows add nothing gets [] (and {} from make_bag), not null.
    Case(
        "collections-of-a-group-that-adds-nothing",
        f"{GROUPED} | summarize make_set_if(x, x > 4), make_list_if(x, x > 4), nulls = make_list(long(null)) by g",
        ["g", "set_x", "list_x", "nulls"],
        [["a", [], [], []], ["b", [5], [5], []]],
        doc("make-list-if-aggregation-function"),
    ),
    Case(
        "make-bag-if-of-a-group-that-adds-nothing",
        f"{GROUPED} | summarize bag = make_bag_if(bag_pack('x', x), x > 4) by g",
        ["g", "bag"],
        [["a", {}], ["b", {"x": 5}]],
        doc("make-bag-if-aggregation-function"),
    ),
    Case(
        "make-set-max-size",
        f"{GROUPED} | where g == 'a' | summarize s = make_set(x, 2) | mv-expand s | count",
        ["Count"],
        [[2]],
        doc("make-set-aggregation-function"),
    ),
    Case(
        "take-any",
        f"{GROUPED} | where g == 'b' | summarize take_any(g), any(g)",
        ["g", "any_g"],
        [["b", "b"]],
        doc("take-any-aggregation-function"),
    ),
    Case(
        "stdev-variance",
        "datatable(x:long)[1, 2, 3, 4] | summarize stdev(x), variance(x)",
        ["stdev_x", "variance_x"],
        [[1.2909944487358056, 1.6666666666666667]],
        doc("stdev-aggregation-function"),
    ),
    Case(
        "percentiles-names",
        "range x from 1 to 100 step 1 | summarize percentiles(x, 50, 95)",
        ["percentile_x_50", "percentile_x_95"],
        [[50, 95]],
        doc("percentiles-aggregation-function"),
    ),
    Case(
        "make-bag",
        'datatable(b:dynamic)[dynamic({"a": 1}), dynamic({"b": 2})] | summarize make_bag(b)',
        ["bag_b"],
        [[{"a": 1, "b": 2}]],
        doc("make-bag-aggregation-function"),
    ),
    # Each key keeps a value one of the rows gave, whole: a null value stays, a nested bag is not merged.
    Case(
        "make-bag-keeps-values-whole",
        'datatable(b:dynamic)[dynamic({"a": 1, "n": {"x": 1}}), dynamic({"k": null, "m": {"y": [2]}})]'
        " | summarize bag = make_bag(b)",
        ["bag"],
        [[{"a": 1, "n": {"x": 1}, "k": None, "m": {"y": [2]}}]],
        doc("make-bag-aggregation-function"),
    ),
    # "Non-dictionary values will be skipped": also in a group of one row.
    Case(
        "make-bag-skips-values-that-are-not-bags",
        'datatable(g:string, b:dynamic)["a", dynamic([1, 2]), "b", dynamic("x"), "b", dynamic({"k": 1})]'
        " | summarize bag = make_bag(b) by g",
        ["g", "bag"],
        [["a", {}], ["b", {"k": 1}]],
        doc("make-bag-aggregation-function"),
    ),
    Case(
        "empty-input-defaults",
        "datatable(x:long)[] | summarize sumif(x, x > 0), make_set_if(x, x > 0), dcount(x)",
        ["sumif_x", "set_x", "dcount_x"],
        [[0, [], 0]],
        doc("summarize-operator"),
    ),
    # The page's example of default values (without buildschema, hll and tdigest); avg divides 0 by 0.
    Case(
        "empty-input-defaults-doc-example",
        "datatable(x:long)[] | summarize any_x=take_any(x), max(x), min(x), percentile(x, 55), stdev(x),"
        " sum(x), sumif(x, x > 0), variance(x), stdevif(x, x > 0), varianceif(x, x > 0)",
        [
            "any_x",
            "max_x",
            "min_x",
            "percentile_x_55",
            "stdev_x",
            "sum_x",
            "sumif_x",
            "variance_x",
            "stdevif_x",
            "varianceif_x",
        ],
        [[None, None, None, None, 0.0, 0, 0, 0.0, 0.0, 0.0]],
        doc("summarize-operator"),
    ),
    Case(
        "empty-input-avg-is-nan",
        "datatable(x:long)[] | summarize avg(x) | project avg_x = tostring(avg_x)",
        ["avg_x"],
        [["NaN"]],
        doc("summarize-operator"),
    ),
]
SERIES_EVENTS = (
    'datatable(T:datetime, d:string, n:long)[datetime(2024-01-01 01:00), "a", 1, datetime(2024-01-01 03:30), "a", 2, '
    'datetime(2024-01-01 03:40), "a", 5, datetime(2024-01-01 02:10), "b", 7]'
)
HOURS = [f"2024-01-01T0{h}:00:00.0000000Z" for h in range(5)]
SERIES_CASES: list[Case] = [
    Case(
        "make-series-from-to-by",
        f"{SERIES_EVENTS} | make-series c=count(), s=sum(n) default=-1 on T from datetime(2024-01-01) "
        "to datetime(2024-01-01 05:00) step 1h by d",
        ["d", "c", "s", "T"],
        [["a", [0, 1, 0, 2, 0], [-1, 1, -1, 7, -1], HOURS], ["b", [0, 0, 1, 0, 0], [-1, -1, 7, -1, -1], HOURS]],
        doc("make-series-operator"),
    ),
    # from/to are values for the whole query; computed ones (not constants) give the same axis.
    Case(
        "make-series-computed-bounds",
        f"{SERIES_EVENTS} | make-series c=count() on T from startofday(datetime(2024-01-01 05:00)) "
        "to startofday(datetime(2024-01-01)) + 4h + 30m step 1h",
        ["c", "T"],
        [[[0, 1, 1, 2, 0], HOURS]],
        doc("make-series-operator"),
    ),
    Case(
        "make-series-computed-numeric-bounds",
        "range x from 1 to 10 step 1 | make-series sum(x) on x from toint(0.0) to toint(11.0) step 5",
        ["sum_x", "x"],
        [[[10, 35, 10], [0, 5, 10]]],
        doc("make-series-operator"),
    ),
    Case(
        "make-series-bounds-from-data",
        f"{SERIES_EVENTS} | make-series count() on T step 1h by d",
        ["d", "count_", "T"],
        [["a", [1, 0, 2], HOURS[1:4]], ["b", [1], HOURS[2:3]]],
        doc("make-series-operator"),
    ),
    Case(
        "make-series-in-range",
        f"{SERIES_EVENTS} | make-series sum(n) on T in range(datetime(2024-01-01), datetime(2024-01-01 04:00), 2h)",
        ["sum_n", "T"],
        [[[1, 14], [HOURS[0], HOURS[2]]]],
        doc("make-series-operator"),
    ),
    Case(
        "make-series-numeric-axis-end-exclusive",
        "range x from 1 to 10 step 1 | make-series sum(x) on x from 0 to 10 step 5",
        ["sum_x", "x"],
        [[[10, 35], [0, 5]]],
        doc("make-series-operator"),
    ),
    Case(
        "make-series-empty-input",
        f"{SERIES_EVENTS} | where n > 100 | make-series count() on T "
        "from datetime(2024-01-01) to datetime(2024-01-02) step 1h",
        ["count_", "T"],
        [],
        doc("make-series-operator"),
    ),
]
CORPUS_FORMS: list[Case] = [
    # Forms found in the public Defender hunting queries (tests/data/corpus).
    Case(
        "tuple-named-arg-max",
        f"{LEFT} | summarize (Latest, Key) = arg_max(v, k)",
        ["Latest", "Key"],
        [[4, "c"]],
        doc("arg-max-aggregation-function"),
    ),
    Case(
        "expression-over-aggregates",
        f"{LEFT} | summarize twice = count() * 2, keys = tostring(make_set(k)) by g=1 | project twice",
        ["twice"],
        [[8]],
        doc("summarize-operator"),
    ),
    Case(
        "in-array-column",
        f"let seen = {RIGHT} | summarize ks = make_list(k); {LEFT} | where k in (seen) | count",
        ["Count"],
        [[3]],
        doc("in-operator"),
    ),
    Case(
        "in-runtime-array",
        f"let ks = toscalar({RIGHT} | summarize make_set(k)); {LEFT} | where k !in (ks)",
        ["k", "v"],
        [["c", 4]],
        doc("not-in-operator"),
    ),
    Case(
        "mv-expand-parse-json-named-after-column",
        """print s='[{"a":1},{"a":2}]' | mv-expand parse_json(s) | project x = s.a""",
        ["x"],
        [[1], [2]],
        doc("mv-expand-operator"),
    ),
    Case(
        "bool-compared-with-number",
        "datatable(b:bool)[true, false] | where b == 1",
        ["b"],
        [[True]],
        doc("scalar-data-types/bool"),
    ),
    Case(
        "zero-width-space-is-white-space",
        "print a = 1\u200b | project a",
        ["a"],
        [[1]],
        doc("scalar-data-types/string"),
    ),
    Case(
        "dynamic-literal-with-comments",
        "print d = dynamic([1, // one\n 2])",
        ["d"],
        [[[1, 2]]],
        doc("scalar-data-types/dynamic"),
    ),
    Case(
        "parenthesized-let-pipeline",
        f"let X = ({LEFT} | where v > 2); X | count",
        ["Count"],
        [[2]],
        doc("let-statement"),
    ),
    # "Deprecated aliases: argmax()" / argmin().
    Case(
        "tuple-named-argmax-alias",
        f"{LEFT} | summarize (Latest, Key) = argmax(v, k), (First, FirstKey) = argmin(v, k)",
        ["Latest", "Key", "First", "FirstKey"],
        [[4, "c", 1, "a"]],
        doc("arg-max-aggregation-function"),
    ),
    Case(
        "dynamic-literal-with-no-break-spaces",
        'print d = dynamic(["a",\u00a0\u00a0\n"b"])',
        ["d"],
        [[["a", "b"]]],
        doc("scalar-data-types/dynamic"),
    ),
    # `let Name = [view] ([Parameters]) { FunctionBody }`
    Case(
        "let-view-function",
        f"let V = view () {{ {LEFT} | where v > 2 }}; V | count",
        ["Count"],
        [[2]],
        doc("let-statement"),
    ),
    Case(
        "let-bound-tabular-function-result",
        f"let F = (n:long) {{ {LEFT} | where v > n }}; let R = F(2); let S = toscalar(R | count); R | extend S",
        ["k", "v", "S"],
        [["b", 3, 2], ["c", 4, 2]],
        doc("let-statement"),
    ),
    # Kusto.Language binds toscalar() of a scalar expression to that value.
    Case(
        "toscalar-of-a-value",
        "let a = dynamic([1, 2, 3]); print n = toscalar(array_length(a))",
        ["n"],
        [[3]],
        doc("toscalar-function"),
    ),
    Case(
        "where-on-row-number",
        "range x from 1 to 5 step 1 | sort by x desc | where row_number() == 2 or prev(x) == 3",
        ["x"],
        [[4], [2]],
        doc("row-number-function"),
        ordered=True,
    ),
    Case(
        "quoted-datetime-literals",
        "print a = datetime('2021-05-04'), b = datetime(\"01/16/2022 10:00:00\"), "
        "c = datetime('Sat, 8 Nov 14 15:05:02 GMT')",
        ["a", "b", "c"],
        [["2021-05-04T00:00:00.0000000Z", "2022-01-16T10:00:00.0000000Z", "2014-11-08T15:05:02.0000000Z"]],
        doc("scalar-data-types/datetime"),
    ),
]
PARTITIONED = 'datatable(k:string, t:long, v:string)["a", 1, "x", "a", 3, "y", "b", 2, "z"]'
# "The operator runs a subquery on each subtable, and produces a single output table that is the union of
# the results of all subqueries"; hints choose how the work is spread, not the rows.
PARTITION_CASES: list[Case] = [
    Case(
        "partition-top-per-key",
        f"{PARTITIONED} | partition hint.strategy=native by k (top 1 by t desc)",
        ["k", "t", "v"],
        [["a", 3, "y"], ["b", 2, "z"]],
        doc("partition-operator"),
    ),
    Case(
        "partition-summarize-per-key",
        f"{PARTITIONED} | partition by k (summarize c = count(), m = max(t) | extend d = c * 2)",
        ["c", "m", "d"],
        [[2, 3, 4], [1, 2, 2]],
        doc("partition-operator"),
    ),
    Case(
        "partition-row-by-row-operators",
        f"{PARTITIONED} | partition by k (where t > 1 | project v)",
        ["v"],
        [["y"], ["z"]],
        doc("partition-operator"),
    ),
]
# Names Kusto derives for unnamed columns. The pages say only "a name derived from the expression"; the
# derivation is that of Microsoft's parser Kusto.Language (Binder_Projection.cs, GetExpressionResultName).
NAMING_CASES: list[Case] = [
    Case(
        "name-of-aggregate-under-tostring",
        f"{LEFT} | summarize tostring(make_set(k)) by v | where v == 1",
        ["v", "set_k"],
        [[1, '["a"]']],
        doc("summarize-operator"),
    ),
    Case(
        "name-of-dynamic-path",
        'print d = dynamic({"a": {"b": 1}, "c": [5]}) | project d.a.b, d["c"][0]',
        ["d_a_b", "d_c_0"],
        [[1, 5]],
        doc("extend-operator"),
    ),
    Case(
        "name-of-format-datetime-group",
        "print T = datetime(2024-01-02 03:04) | summarize count() by format_datetime(T, 'yyyy-MM-dd')",
        ["T", "count_"],
        [["2024-01-02", 1]],
        doc("summarize-operator"),
    ),
]
CASES += AGGREGATE_CASES + SERIES_CASES + CORPUS_FORMS + NAMING_CASES + PARTITION_CASES

ERRORS = [
    ("T | join kind=sideways (U) on k", KqlSyntaxError, "unknown join kind 'sideways'"),
    (f"{LEFT} | join ({RIGHT}) on nope", KqlNameError, "column on the left side of the join: 'nope'"),
    (f"{LEFT} | join ({RIGHT} | project w) on k", KqlNameError, "column on the right side of the join: 'k'"),
    (f"{LEFT} | join ({RIGHT} | project k=v=1) on k", KqlSyntaxError, ""),
    ("print a=1 | project-away b", KqlNameError, "column 'b'"),
    ("print s='x' | parse kind=relaxed s with k", KqlNotSupported, "parse kind=relaxed"),
    ("print d=1 | project x = d.a", KqlTypeError, "only a dynamic value has properties"),
    ("let f = (x:long) { x }; print f(1, 2)", KqlTypeError, "takes at most 1 arguments"),
    ("let f = (x:long) { x }; print f()", KqlTypeError, "missing its argument 'x'"),
    ("print x = 1 | where x in ('a', 'b',)", KqlSyntaxError, "trailing comma"),
    ("union A*Nothing*", KqlTypeError, "union matched no tables"),
    ("print x=1 | summarize sumif(x, 'yes')", KqlTypeError, "condition of sumif() must be bool"),
    ("print x=1 | summarize percentile(x, x)", KqlTypeError, "percentile must be a constant"),
    ("print x=1 | make-series count() on x step toscalar(print 1)", KqlTypeError, "step must be a constant"),
    ("print x='a' | make-series count() on x step 1", KqlTypeError, "needs a datetime axis"),
    ("print k='a' | partition by k { T | take 1 }", KqlNotSupported, "partition with a { subquery }"),
    ("search NoSuchColumn == 1", KqlNameError, "'NoSuchColumn'"),
    ("AssignedIPAddresses(1)", KqlTypeError, "AssignedIPAddresses() needs a string here, not long"),
    ("print k='a' | partition by nope (take 1)", KqlNameError, "column 'nope'"),
    ("print k='a' | partition by k (join (print k='a') on k)", KqlNotSupported, "join inside partition"),
    ("print s='a' | where s has_any ((print n=1))", KqlTypeError, "has_any needs a table of strings, not of long"),
]


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return Workspace(None)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_operator(ws: Workspace, case: Case) -> None:
    table = ws.query(case.kql, now=NOW)
    assert table.column_names == case.columns, case.url
    if case.types is not None:
        assert [f.metadata[b"kql_type"].decode() for f in table.schema] == case.types
    assert normalize(rows(table), case) == normalize(case.rows, case), case.url


def test_search_every_table_is_search_in_the_stored_tables(demo_path: Path, demo_ws: Workspace) -> None:
    """`search` without `in` searches every table (https://learn.microsoft.com/en-us/kusto/query/search-operator):
    what it finds is what naming the tables that hold rows finds."""
    stored = ", ".join(WorkspaceStore(demo_path).stored_tables())
    term = "'powershell' and Timestamp > ago(3d)"
    everywhere = demo_ws.query(f"search {term} | summarize n = count() by $table", now=NOW)
    named = demo_ws.query(f"search in ({stored}) {term} | summarize n = count() by $table", now=NOW)
    assert sorted(rows(everywhere)) == sorted(rows(named))
    assert rows(everywhere)
    assert demo_ws.query("search 'powershell' | getschema", now=NOW).column("ColumnName")[0].as_py() == "$table"


def _address(ip: str, kind: str = "Private") -> str:
    return f'{{"IPAddress":"{ip}","SubnetPrefix":24,"AddressType":"{kind}"}}'


# DeviceNetworkInfo reports: adapter eth0 of d1 twice (its address changed), its wifi once, and another device.
NETWORK_INFO = {
    "Timestamp": [datetime(2024, 2, 1, 8), datetime(2024, 2, 2, 8), datetime(2024, 2, 2, 9), datetime(2024, 2, 2, 8)],
    "DeviceId": ["d1", "d1", "d1", "d2"],
    "DeviceName": ["pc1.contoso.com", "pc1.contoso.com", "pc1.contoso.com", "pc2.contoso.com"],
    "NetworkAdapterName": ["eth0", "eth0", "wifi", "eth0"],
    "NetworkAdapterType": ["Ethernet", "Ethernet", "Wireless80211", "Ethernet"],
    "ConnectedNetworks": ['[{"Name":"corp"}]'] * 4,
    "IPAddresses": [
        f"[{_address('10.0.0.5')}]",
        f"[{_address('10.0.0.7')}]",
        f"[{_address('192.168.1.4')},{_address('fe80::1', 'LinkLocal')}]",
        f"[{_address('10.0.0.9')}]",
    ],
}
CORP = '[{"Name":"corp"}]'


@pytest.mark.parametrize(
    ("kql", "expected"),
    [
        # "the latest IP addresses that have been assigned to a device": each adapter's last report
        (
            "AssignedIPAddresses('pc1.contoso.com')",
            [
                ["2024-02-02T08:00:00.0000000Z", "10.0.0.7", "Private", "Ethernet", CORP],
                ["2024-02-02T09:00:00.0000000Z", "192.168.1.4", "Private", "Wireless80211", CORP],
                ["2024-02-02T09:00:00.0000000Z", "fe80::1", "LinkLocal", "Wireless80211", CORP],
            ],
        ),
        # "If you specify a timestamp argument, this function obtains the most recent IP addresses at the
        # specified time"; the device may be named by its DeviceId
        (
            "AssignedIPAddresses('d1', datetime(2024-02-01 12:00))",
            [["2024-02-01T08:00:00.0000000Z", "10.0.0.5", "Private", "Ethernet", CORP]],
        ),
    ],
)
def test_assigned_ip_addresses(tmp_path: Path, kql: str, expected: list[list[object]]) -> None:
    """https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-assignedipaddresses-function"""
    WorkspaceStore(tmp_path / "ws", create=True).write("DeviceNetworkInfo", pa.table(NETWORK_INFO))
    table = Workspace(tmp_path / "ws").query(kql, now=NOW)
    assert table.column_names == ["Timestamp", "IPAddress", "IPType", "NetworkAdapterType", "ConnectedNetworks"]
    assert sorted(rows(table)) == sorted(expected)


@pytest.mark.parametrize(("kql", "error", "message"), ERRORS, ids=[e[2] or e[0] for e in ERRORS])
def test_operator_errors(ws: Workspace, kql: str, error: type[KqlError], message: str) -> None:
    with pytest.raises(error) as caught:
        ws.query(kql, now=NOW)
    assert message in str(caught.value)
    assert caught.value.position is not None
