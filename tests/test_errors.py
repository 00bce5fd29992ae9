"""Bad queries: which error, where (line:col, 1-based) and what it says, in one table.

Each case names the exception class from `rmmhunt.kql.errors`, the position the error points at,
a substring of its message, and the Microsoft Learn page for the construct involved. The rendered
form (`query:line:col: kind: message`, the offending line, a caret line) is checked too: the
caret must start under the reported column.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rmmhunt import RmmhuntError, Workspace
from rmmhunt.compiler import compile_query
from rmmhunt.kql.errors import KqlError, KqlNameError, KqlNotSupported, KqlSyntaxError, KqlTypeError
from rmmhunt.kql.types import KqlType
from rmmhunt.schema import default_catalog

DOCS = "https://learn.microsoft.com/en-us/kusto/query/"


def doc(page: str) -> str:
    return DOCS + page


@dataclass(frozen=True)
class Bad:
    id: str
    kql: str
    error: type[KqlError]
    line: int
    col: int
    message: str
    url: str


CERT = "DeviceFileCertificateInfo"

BAD: list[Bad] = [
    # ------------------------------------------------------------ syntax
    Bad(
        "unterminated-double-quoted-string",
        'print s = "abc',
        KqlSyntaxError,
        1,
        11,
        "unterminated string literal",
        doc("scalar-data-types/string"),
    ),
    Bad(
        "unterminated-single-quoted-string-multiline",
        "print a = 1\n| extend s = 'abc\n| take 1",
        KqlSyntaxError,
        2,
        14,
        "unterminated string literal",
        doc("scalar-data-types/string"),
    ),
    Bad(
        "unterminated-verbatim-string",
        "print s = @'c:\\temp",
        KqlSyntaxError,
        1,
        11,
        "unterminated string literal",
        doc("scalar-data-types/string"),
    ),
    Bad(
        "missing-close-paren-at-end",
        "print x = (1 + 2",
        KqlSyntaxError,
        1,
        17,
        "expected ')'",
        doc("print-operator"),
    ),
    Bad(
        "missing-close-paren-multiline",
        "datatable(x:long)[1]\n| where (x > 1\n| take 1",
        KqlSyntaxError,
        3,
        1,
        "expected ')' but found '|'",
        doc("where-operator"),
    ),
    Bad(
        "missing-close-paren-in-call",
        "print x = strlen('a'",
        KqlSyntaxError,
        1,
        21,
        "expected ')'",
        doc("strlen-function"),
    ),
    Bad(
        "unknown-operator",
        "datatable(x:long)[1] | frobnicate",
        KqlSyntaxError,
        1,
        24,
        "unknown tabular operator 'frobnicate'",
        doc("queries"),
    ),
    Bad(
        "unknown-operator-multiline",
        "datatable(x:long)[1]\n| where x > 0\n| frobnicate x",
        KqlSyntaxError,
        3,
        3,
        "unknown tabular operator 'frobnicate'",
        doc("queries"),
    ),
    Bad(
        "where-with-nothing-after",
        "datatable(x:long)[1] | where",
        KqlSyntaxError,
        1,
        29,
        "expected an expression but found end of query",
        doc("where-operator"),
    ),
    Bad(
        "where-with-nothing-after-multiline",
        "datatable(x:long)[1]\n| where\n| take 1",
        KqlSyntaxError,
        3,
        1,
        "expected an expression but found '|'",
        doc("where-operator"),
    ),
    Bad(
        "dangling-binary-operator",
        "print x = 1 +",
        KqlSyntaxError,
        1,
        14,
        "expected an expression",
        doc("numerical-operators"),
    ),
    Bad("garbage-hash", "print x = 1 # 2", KqlSyntaxError, 1, 13, "unexpected character '#'", doc("print-operator")),
    Bad(
        "garbage-non-ascii-multiline",
        "print x = 1\n| extend y = 2 \u00a7 3",
        KqlSyntaxError,
        2,
        16,
        "unexpected character",
        doc("extend-operator"),
    ),
    Bad("garbage-backtick", "print x = 1 ` 2", KqlSyntaxError, 1, 13, "unexpected character", doc("print-operator")),
    Bad(
        "invalid-datetime-literal",
        "print d = datetime(2024-13-01)",
        KqlSyntaxError,
        1,
        11,
        "invalid datetime literal",
        doc("scalar-data-types/datetime"),
    ),
    Bad(
        "unknown-timespan-unit",
        "print t = 5w",
        KqlSyntaxError,
        1,
        12,
        "unknown timespan unit 'w'",
        doc("scalar-data-types/timespan"),
    ),
    Bad(
        "datatable-value-count-mismatch",
        'datatable(a:long, b:string)[1, "x", 2]',
        KqlSyntaxError,
        1,
        1,
        "2 columns but 3 values",
        doc("datatable-operator"),
    ),
    # ------------------------------------------------------------ names
    Bad(
        "unknown-table-suggests",
        f"{CERT[:-1]} | take 1",
        KqlNameError,
        1,
        1,
        "did you mean 'DeviceFileCertificateInfo'?",
        doc("schema-entities/tables"),
    ),
    Bad(
        "unknown-table-multiline",
        f"let n = 1;\n{CERT[:-1]}\n| take n",
        KqlNameError,
        2,
        1,
        "table 'DeviceFileCertificateInf'",
        doc("schema-entities/tables"),
    ),
    # Entity names are case-sensitive in Kusto.
    Bad(
        "table-name-wrong-case",
        "devicefilecertificateinfo | take 1",
        KqlNameError,
        1,
        1,
        "did you mean 'DeviceFileCertificateInfo'?",
        doc("schema-entities/entity-names"),
    ),
    Bad(
        "unknown-column-suggests",
        f'{CERT} | where Signr == "x"',
        KqlNameError,
        1,
        35,
        "did you mean 'Signer'?",
        doc("schema-entities/columns"),
    ),
    Bad(
        "unknown-column-multiline",
        f"{CERT}\n| where IsSigned\n| project Timestamp, Signr",
        KqlNameError,
        3,
        22,
        "'Signr'; did you mean 'Signer'?",
        doc("project-operator"),
    ),
    Bad(
        "column-gone-after-project",
        f"{CERT}\n| project Signer\n| where Issuer == 'x'",
        KqlNameError,
        3,
        9,
        "'Issuer'",
        doc("project-operator"),
    ),
    Bad(
        "unknown-function-suggests",
        'print x = strlenn("a")',
        KqlNameError,
        1,
        11,
        "function 'strlenn'; did you mean 'strlen'?",
        doc("scalar-functions"),
    ),
    Bad(
        "unknown-function",
        "print a = 1\n| extend b = frobnicate(a)",
        KqlNameError,
        2,
        14,
        "function 'frobnicate'",
        doc("scalar-functions"),
    ),
    # ------------------------------------------------------------ types
    Bad(
        "strlen-of-number",
        "print x = strlen(5)",
        KqlTypeError,
        1,
        18,
        "argument 1 of strlen() must be string",
        doc("strlen-function"),
    ),
    Bad(
        "datetime-compared-with-string",
        f'{CERT} | where Timestamp > "abc"',
        KqlTypeError,
        1,
        35,
        "cannot compare datetime with string",
        doc("scalar-data-types/datetime"),
    ),
    Bad(
        "datetime-compared-with-string-multiline",
        f'{CERT}\n| where Timestamp > "abc"',
        KqlTypeError,
        2,
        9,
        "cannot compare datetime with string",
        doc("scalar-data-types/datetime"),
    ),
    Bad(
        "where-needs-bool",
        "datatable(x:long)[1] | where x",
        KqlTypeError,
        1,
        30,
        "expected a bool expression",
        doc("where-operator"),
    ),
    Bad(
        "timespan-plus-number",
        "print x = 1d + 1",
        KqlTypeError,
        1,
        11,
        "cannot apply + to timespan and long",
        doc("datetime-timespan-arithmetic"),
    ),
    Bad(
        "has-with-number",
        'print x = "a" has 1',
        KqlTypeError,
        1,
        11,
        "has needs string operands",
        doc("has-operator"),
    ),
    Bad(
        "take-negative",
        "datatable(x:long)[1, 2] | take -1",
        KqlTypeError,
        1,
        32,
        "non-negative",
        doc("take-operator"),
    ),
    # ------------------------------------------------------------ aggregates
    Bad(
        "aggregate-in-extend",
        "datatable(x:long)[1] | extend c = count()",
        KqlTypeError,
        1,
        35,
        "count() is only allowed in summarize",
        doc("aggregation-functions"),
    ),
    Bad(
        "aggregate-in-where-multiline",
        "datatable(x:long)[1]\n| where max(x) > 1",
        KqlTypeError,
        2,
        9,
        "max() is only allowed in summarize",
        doc("aggregation-functions"),
    ),
    Bad(
        "summarize-without-aggregate",
        "datatable(x:long)[1] | summarize x",
        KqlTypeError,
        1,
        34,
        "summarize needs an aggregate function",
        doc("summarize-operator"),
    ),
    Bad(
        "search-every-table-names-no-such-column",
        "search NoSuchColumn == 1",
        KqlNameError,
        1,
        8,
        "column or name 'NoSuchColumn'",
        doc("search-operator"),
    ),
    # ------------------------------------------------------------ not supported
    Bad(
        "evaluate",
        f"{CERT} | evaluate autocluster()",
        KqlNotSupported,
        1,
        38,
        "evaluate autocluster()",
        doc("evaluate-operator"),
    ),
    Bad(
        "bag-unpack-column-clash",
        "datatable(x:long, d:dynamic)[1, dynamic({'x': 2})] | evaluate bag_unpack(d)",
        KqlTypeError,
        1,
        63,
        "column 'x' already exists; give a prefix",
        doc("bag-unpack-plugin"),
    ),
    Bad(
        "bag-unpack-not-a-column",
        "print d=dynamic({'x': 2}) | evaluate bag_unpack(d.x)",
        KqlTypeError,
        1,
        38,
        "bag_unpack() needs a dynamic column",
        doc("bag-unpack-plugin"),
    ),
    Bad(
        "mv-expand-unknown-kind",
        'print d=dynamic({"a":1})\n| mv-expand kind=list d',
        KqlSyntaxError,
        2,
        18,
        "mv-expand kind must be bag or array, not 'list'",
        doc("mv-expand-operator"),
    ),
    Bad(
        "mv-apply-join-inside",
        "datatable(x:dynamic)[dynamic([1])]\n| mv-apply x on (join (print y=1) on $left.x == $right.y)",
        KqlNotSupported,
        2,
        18,
        "join inside mv-apply",
        doc("mv-apply-operator"),
    ),
    Bad(
        "make-graph",
        f"{CERT} | make-graph DeviceName --> Signer with T on k",
        KqlNotSupported,
        1,
        29,
        "make-graph",
        doc("make-graph-operator"),
    ),
    Bad(
        "top-nested-others-type",
        f"{CERT} | top-nested 2 of DeviceName with others = 0 by count()",
        KqlTypeError,
        1,
        70,
        "with others = needs a constant string",
        doc("top-nested-operator"),
    ),
    Bad(
        "project-away-everything",
        "datatable(x:long)[1]\n  | project-away x",
        KqlTypeError,
        2,
        5,
        "no columns",
        doc("project-away-operator"),
    ),
]


@pytest.fixture(scope="module")
def ws() -> Workspace:
    return Workspace(None)


def _raise(ws: Workspace, case: Bad) -> KqlError:
    with pytest.raises(case.error) as info:
        ws.query(case.kql)
    return info.value


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in BAD])
def test_error(ws: Workspace, case: Bad) -> None:
    error = _raise(ws, case)
    assert type(error) is case.error, case.url
    assert isinstance(error, RmmhuntError)
    assert error.position == (case.line, case.col), case.url
    assert case.message in error.message, case.url


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in BAD])
def test_error_render(ws: Workspace, case: Bad) -> None:
    error = _raise(ws, case)
    header, text, caret = error.render().split("\n")
    assert header == f"query:{case.line}:{case.col}: {error.kind}: {error.message}"
    assert text == "    " + case.kql.split("\n")[case.line - 1]
    assert caret.startswith("    ")
    marks = caret[4:]
    assert marks.index("^") == case.col - 1, error.render()
    assert set(marks[case.col - 1 :]) == {"^"}
    assert marks[: case.col - 1].strip() == ""
    assert str(error) == error.render()


def test_render_origin_names_the_file(ws: Workspace) -> None:
    with pytest.raises(KqlNameError) as info:
        ws.query(f"{CERT}\n| where Signr == 'x'")
    assert info.value.render("rules/x.yaml").startswith("rules/x.yaml:2:9: unknown name: ")


def test_not_supported_keeps_construct(ws: Workspace) -> None:
    with pytest.raises(KqlNotSupported) as info:
        ws.query(f"{CERT} | evaluate autocluster()")
    assert info.value.construct == "evaluate autocluster()"
    assert info.value.render().startswith("query:1:38: not supported: evaluate autocluster()")


def test_bag_unpack_without_data_needs_an_output_schema() -> None:
    """Compiling with no data to probe (lint): the columns must be given (doc("bag-unpack-plugin"))."""
    query = "datatable(d:dynamic)[dynamic({'a': 1})] | evaluate bag_unpack(d)"
    with pytest.raises(KqlNotSupported) as info:
        compile_query(query, default_catalog())
    assert "output schema such as `bag_unpack(d) : (a:string)`" in info.value.message
    assert compile_query(query + " : (a:long)", default_catalog()).columns == {"a": KqlType.LONG}


def test_pivot_without_data_needs_an_output_schema() -> None:
    """The pivoted values are data (doc("pivot-plugin")); without a probe the columns must be declared."""
    query = "datatable(k:string, v:string)['a', 'x'] | evaluate pivot(v)"
    with pytest.raises(KqlNotSupported) as info:
        compile_query(query, default_catalog())
    assert "evaluate pivot() without the data" in info.value.message
    assert compile_query(query + " : (k:string, x:long)", default_catalog()).columns == {
        "k": KqlType.STRING,
        "x": KqlType.LONG,
    }


def test_kinds() -> None:
    assert KqlSyntaxError.kind == "syntax error"
    assert KqlNameError.kind == "unknown name"
    assert KqlTypeError.kind == "type error"
    assert KqlNotSupported.kind == "not supported"


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in BAD}) == len(BAD)
