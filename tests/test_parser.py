"""Lexer and parser unit tests, table-driven: tokens and spans, timespan values, string literal
forms and escapes, hyphenated operator names, adjacent string literals, datatable shape errors.

References:
https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/string
https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/timespan
https://learn.microsoft.com/en-us/kusto/query/datatable-operator
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlSyntaxError, Span
from rmmhunt.kql.lexer import T, tokenize
from rmmhunt.kql.parser import parse
from rmmhunt.kql.types import KqlType

DOCS = "https://learn.microsoft.com/en-us/kusto/query/"
STRING_DOC = DOCS + "scalar-data-types/string"
TIMESPAN_DOC = DOCS + "scalar-data-types/timespan"
DATETIME_DOC = DOCS + "scalar-data-types/datetime"


def print_value(text: str) -> ast.Expr:
    """The expression of `print v = <text>`."""
    body = parse(f"print v = {text}").body
    assert isinstance(body, ast.Print)
    return body.items[0].expr


def literal_value(text: str) -> Any:
    expr = print_value(text)
    assert isinstance(expr, ast.Literal), expr
    return expr.value


# ------------------------------------------------------------------ tokens

TOKENS: list[tuple[str, str, list[tuple[T, str, tuple[int, int]]]]] = [
    (
        "print-assignment",
        "print x = 1",
        [(T.IDENT, "print", (0, 5)), (T.IDENT, "x", (6, 7)), (T.OP, "=", (8, 9)), (T.INT, "1", (10, 11))],
    ),
    (
        "comment-skipped",
        "T // comment | where\n| take 5",
        [(T.IDENT, "T", (0, 1)), (T.OP, "|", (21, 22)), (T.IDENT, "take", (23, 27)), (T.INT, "5", (28, 29))],
    ),
    (
        "negated-string-operator",
        's !contains_cs "a"',
        [(T.IDENT, "s", (0, 1)), (T.OP, "!", (2, 3)), (T.IDENT, "contains_cs", (3, 14)), (T.STRING, '"a"', (15, 18))],
    ),
    (
        "two-char-operators",
        "a == b != c =~ d !~ e <= f >= g",
        [
            (T.IDENT, "a", (0, 1)),
            (T.OP, "==", (2, 4)),
            (T.IDENT, "b", (5, 6)),
            (T.OP, "!=", (7, 9)),
            (T.IDENT, "c", (10, 11)),
            (T.OP, "=~", (12, 14)),
            (T.IDENT, "d", (15, 16)),
            (T.OP, "!~", (17, 19)),
            (T.IDENT, "e", (20, 21)),
            (T.OP, "<=", (22, 24)),
            (T.IDENT, "f", (25, 26)),
            (T.OP, ">=", (27, 29)),
            (T.IDENT, "g", (30, 31)),
        ],
    ),
    (
        "between-range",
        "x between (1 .. 5)",
        [
            (T.IDENT, "x", (0, 1)),
            (T.IDENT, "between", (2, 9)),
            (T.OP, "(", (10, 11)),
            (T.INT, "1", (11, 12)),
            (T.OP, "..", (13, 15)),
            (T.INT, "5", (16, 17)),
            (T.OP, ")", (17, 18)),
        ],
    ),
    (
        "numbers-and-timespans",
        "1 2.5 3d 100ms",
        [(T.INT, "1", (0, 1)), (T.REAL, "2.5", (2, 5)), (T.TIMESPAN, "3d", (6, 8)), (T.TIMESPAN, "100ms", (9, 14))],
    ),
    (
        "typed-literal-raw-text",
        "datetime(2024-01-02 03:04) timespan(1.02:03:04)",
        [(T.TYPED_LITERAL, "datetime", (0, 26)), (T.TYPED_LITERAL, "timespan", (27, 47))],
    ),
    (
        "string-forms",
        """'a' "b" @'c' ```d```""",
        [
            (T.STRING, "'a'", (0, 3)),
            (T.STRING, '"b"', (4, 7)),
            (T.STRING, "@'c'", (8, 12)),
            (T.STRING, "```d```", (13, 20)),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in TOKENS])
def test_tokens(text: str, expected: list[tuple[T, str, tuple[int, int]]]) -> None:
    tokens = tokenize(text)
    assert tokens[-1].kind is T.EOF
    assert tokens[-1].span == Span(len(text), len(text))
    got = [(t.kind, t.text, (t.span.start, t.span.end)) for t in tokens[:-1]]
    assert got == expected
    for kind, token_text, (start, end) in got:
        if kind is not T.TYPED_LITERAL:
            assert text[start:end] == token_text


def test_spaced_flag_tracks_whitespace_and_comments() -> None:
    tokens = tokenize("a-b a - b a//c\n-b")
    assert [(t.text, t.spaced) for t in tokens[:-1]] == [
        ("a", False),
        ("-", False),
        ("b", False),
        ("a", True),
        ("-", True),
        ("b", True),
        ("a", True),
        ("-", True),
        ("b", False),
    ]


# ------------------------------------------------------------------ AST spans

SPANS: list[tuple[str, str, Callable[[ast.Query], Any], str]] = [
    ("print-item", "print x = 1 + 2", lambda q: q.body.items[0].span, "x = 1 + 2"),
    ("print-expr", "print x = 1 + 2", lambda q: q.body.items[0].expr.span, "1 + 2"),
    ("binary-right", "print x = 1 + 2", lambda q: q.body.items[0].expr.right.span, "2"),
    ("table-ref", "DeviceInfo | take 5", lambda q: q.body.source.span, "DeviceInfo"),
    ("pipeline", "DeviceInfo | take 5", lambda q: q.body.span, "DeviceInfo | take 5"),
    ("where-operator", "T | where x > 1 | take 5", lambda q: q.body.operators[0].span, "where x > 1"),
    ("where-predicate", "T | where x > 1 | take 5", lambda q: q.body.operators[0].predicate.span, "x > 1"),
    ("take-operator", "T | where x > 1 | take 5", lambda q: q.body.operators[1].span, "take 5"),
    ("project-operator", "T | project a = b, c", lambda q: q.body.operators[0].span, "project a = b, c"),
    ("project-assignment", "T | project a = b, c", lambda q: q.body.operators[0].items[0].span, "a = b"),
    (
        "summarize-operator",
        "T | summarize n = count() by g",
        lambda q: q.body.operators[0].span,
        "summarize n = count() by g",
    ),
    ("call", "print x = strlen('abc')", lambda q: q.body.items[0].expr.span, "strlen('abc')"),
    ("call-name", "print x = strlen('abc')", lambda q: q.body.items[0].expr.name_span, "strlen"),
    ("in-list", "print x = 'a' in~ ('b', 'c')", lambda q: q.body.items[0].expr.span, "'a' in~ ('b', 'c')"),
    ("between", "print x = 3 !between (1 .. 5)", lambda q: q.body.items[0].expr.span, "3 !between (1 .. 5)"),
    ("negated-string-op", "print x = 'a' !has 'b'", lambda q: q.body.items[0].expr.span, "'a' !has 'b'"),
    ("unary-minus", "print x = -5", lambda q: q.body.items[0].expr.span, "-5"),
    ("typed-literal", "print x = datetime(2024-01-02)", lambda q: q.body.items[0].expr.span, "datetime(2024-01-02)"),
    ("dynamic-literal", "print x = dynamic([1, 2])", lambda q: q.body.items[0].expr.span, "dynamic([1, 2])"),
    ("let", "let n = 5;\nprint n", lambda q: q.lets[0].span, "let n = 5;"),
    ("hyphenated-operator", "T | make-graph a --> b with N on k", None, "make-graph"),
    ("mv-apply", "T | mv-apply x on (take 1) | take 2", lambda q: q.body.operators[0].span, "mv-apply x on (take 1)"),
    ("multiline-operator", "T\n| where x > 1\n| take 5", lambda q: q.body.operators[1].span, "take 5"),
]


@pytest.mark.parametrize(("kql", "get", "expected"), [pytest.param(k, g, e, id=i) for i, k, g, e in SPANS])
def test_spans(kql: str, get: Callable[[ast.Query], Any] | None, expected: str) -> None:
    if get is None:  # the span is carried by the error
        with pytest.raises(KqlNotSupported) as info:
            parse(kql)
        span = info.value.span
    else:
        span = get(parse(kql))
    assert span is not None
    assert kql[span.start : span.end] == expected


# ------------------------------------------------------------------ timespan values

TIMESPANS: list[tuple[str, timedelta | None]] = [
    ("2d", timedelta(days=2)),
    ("5d", timedelta(days=5)),
    ("1h", timedelta(hours=1)),
    ("1.5h", timedelta(hours=1, minutes=30)),
    ("30m", timedelta(minutes=30)),
    ("10s", timedelta(seconds=10)),
    ("0.1s", timedelta(milliseconds=100)),
    ("100ms", timedelta(milliseconds=100)),
    ("10microsecond", timedelta(microseconds=10)),
    ("1.5d", timedelta(days=1, hours=12)),
    ("timespan(1.02:03:04)", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("timespan(0.12:34:56.7)", timedelta(hours=12, minutes=34, seconds=56, milliseconds=700)),
    ("timespan(2)", timedelta(days=2)),  # a bare number is days
    ("timespan(15 seconds)", timedelta(seconds=15)),
    ("timespan(5d)", timedelta(days=5)),
    ("time(1d)", timedelta(days=1)),
    ("time(00:01:00)", timedelta(minutes=1)),
    ("timespan(null)", None),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in TIMESPANS])
def test_timespan_values(text: str, expected: timedelta | None) -> None:
    expr = print_value(text)
    assert isinstance(expr, ast.Literal)
    assert expr.type is KqlType.TIMESPAN, TIMESPAN_DOC
    assert expr.value == expected, TIMESPAN_DOC


def test_negative_timespan_is_unary_minus() -> None:
    expr = print_value("-1d")
    assert isinstance(expr, ast.Unary) and expr.op == "-"
    assert isinstance(expr.operand, ast.Literal) and expr.operand.value == timedelta(days=1)


DATETIMES: list[tuple[str, datetime | None]] = [
    ("datetime(2024-01-02)", datetime(2024, 1, 2)),
    ("datetime(2024-01-02 03:04)", datetime(2024, 1, 2, 3, 4)),
    ("datetime(2024-01-02T03:04:05Z)", datetime(2024, 1, 2, 3, 4, 5)),
    ("datetime(2024-01-02T03:04:05.123456Z)", datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("datetime(null)", None),
    ("datetime('2024-01-02 03:04')", datetime(2024, 1, 2, 3, 4)),
    ('datetime("01/16/2022 00:00:00")', datetime(2022, 1, 16)),
    ("datetime(Sat, 8 Nov 14 15:05:02 GMT)", datetime(2014, 11, 8, 15, 5, 2)),
    ("datetime(Saturday, 08-Nov-14 15:05:02 GMT)", datetime(2014, 11, 8, 15, 5, 2)),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=t) for t, e in DATETIMES])
def test_datetime_values(text: str, expected: datetime | None) -> None:
    expr = print_value(text)
    assert isinstance(expr, ast.Literal) and expr.type is KqlType.DATETIME, DATETIME_DOC
    assert expr.value == expected, DATETIME_DOC


# ------------------------------------------------------------------ string literals

STRINGS: list[tuple[str, str, str]] = [
    ("double-quoted", '"abc"', "abc"),
    ("single-quoted", "'abc'", "abc"),
    ("double-quote-in-single", "'say \"hi\"'", 'say "hi"'),
    ("single-quote-in-double", '"it\'s"', "it's"),
    ("escaped-double-quote", r'"say \"hi\""', 'say "hi"'),
    ("escaped-single-quote", r"'it\'s'", "it's"),
    ("escaped-tab", r'"a\tb"', "a\tb"),
    ("escaped-newline", r'"a\nb"', "a\nb"),
    ("escaped-backslash", r'"a\\b"', "a\\b"),
    ("verbatim-single", r"@'c:\temp'", "c:\\temp"),
    ("verbatim-double", r'@"c:\new\table"', "c:\\new\\table"),
    ("verbatim-doubled-single-quote", "@'it''s'", "it's"),
    ("verbatim-doubled-double-quote", '@"say ""hi"""', 'say "hi"'),
    ("verbatim-trailing-backslash", "@'ends with\\'", "ends with\\"),
    ("multiline-backticks", "```line1\nline2 \\n```", "line1\nline2 \\n"),
    ("obfuscated-h-prefix", 'h"secret"', "secret"),
    ("empty", '""', ""),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in STRINGS])
def test_string_literals(text: str, expected: str) -> None:
    expr = print_value(text)
    assert isinstance(expr, ast.Literal) and expr.type is KqlType.STRING, STRING_DOC
    assert expr.value == expected, STRING_DOC


BAD_STRINGS: list[tuple[str, str, str, int]] = [
    ("unterminated", '"abc', "unterminated string literal", 10),
    ("newline-inside", "'ab\ncd'", "unterminated string literal", 10),
    ("unknown-escape", r'"a\qb"', "unknown escape sequence", 12),
    ("unterminated-backticks", "```abc", "unterminated ``` string literal", 10),
]


@pytest.mark.parametrize(("text", "message", "offset"), [pytest.param(t, m, o, id=i) for i, t, m, o in BAD_STRINGS])
def test_bad_string_literals(text: str, message: str, offset: int) -> None:
    with pytest.raises(KqlSyntaxError) as info:
        parse(f"print v = {text}")
    assert message in info.value.message
    assert info.value.span is not None and info.value.span.start == offset


# "If two or more adjacent string literals have no separation between them, they're automatically
# combined to form a new string literal. Similarly, if string literals are separated only by
# whitespace or comments, they're also combined."
ADJACENT: list[tuple[str, str, str]] = [
    ("two-literals", "'ab' 'cd'", "abcd"),
    ("no-space", "'ab''cd'", "abcd"),
    ("mixed-quotes", "'a' \"b\" @'c\\d'", "abc\\d"),
    ("across-newline", "'a'\n  'b'", "ab"),
    ("across-comment", "'a' // comment\n 'b'", "ab"),
    ("with-multiline", "'a' ```b```", "ab"),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in ADJACENT])
def test_adjacent_string_literals_concatenate(text: str, expected: str) -> None:
    expr = print_value(text)
    assert isinstance(expr, ast.Literal), STRING_DOC
    assert expr.value == expected, STRING_DOC
    source = f"print v = {text}"
    assert source[expr.span.start : expr.span.end] == text  # the span covers every piece


# ------------------------------------------------------------------ hyphenated operator names

HYPHENATED: list[str] = [
    "make-graph",
]


@pytest.mark.parametrize("name", HYPHENATED)
def test_hyphenated_operator_not_supported(name: str) -> None:
    kql = f"T\n| {name} x"
    with pytest.raises(KqlNotSupported) as info:
        parse(kql)
    error = info.value
    assert error.construct == name
    assert error.position == (2, 3)
    assert error.span is not None and kql[error.span.start : error.span.end] == name
    assert error.render().startswith(f"query:2:3: not supported: {name}")


def test_batch_of_tabular_statements_not_supported() -> None:
    """Kusto runs a batch and returns one result per tabular statement (https://learn.microsoft.com/en-us/kusto/query/batches)."""
    with pytest.raises(KqlNotSupported) as info:
        parse("T | take 1;\nlet n = 2;\nU | take n")
    assert info.value.construct.startswith("a batch of several tabular expression statements")
    assert info.value.position == (3, 1)


@pytest.mark.parametrize("name", ["facet", "fork", "scan", "reduce"])
def test_unsupported_plain_operators(name: str) -> None:
    with pytest.raises(KqlNotSupported) as info:
        parse(f"T | {name} x")
    assert info.value.construct == name
    assert info.value.position == (1, 5)


def test_spaced_hyphen_is_not_an_operator_name() -> None:
    with pytest.raises(KqlSyntaxError) as info:
        parse("T | mv - expand x")
    assert "unknown tabular operator 'mv'" in info.value.message


# ------------------------------------------------------------------ datatable

DATATABLE_MISMATCH: list[tuple[str, str, str]] = [
    ("one-extra", 'datatable(a:long, b:string)[1, "x", 2]', "2 columns but 3 values"),
    ("one-short", 'datatable(a:long, b:string, c:bool)[1, "x"]', "3 columns but 2 values"),
    ("multiline", 'datatable(a:long, b:string)[\n  1, "x",\n  2\n]', "2 columns but 3 values"),
]


@pytest.mark.parametrize(("kql", "message"), [pytest.param(k, m, id=i) for i, k, m in DATATABLE_MISMATCH])
def test_datatable_value_count_mismatch(kql: str, message: str) -> None:
    with pytest.raises(KqlSyntaxError) as info:
        parse(kql)
    error = info.value
    assert message in error.message, DOCS + "datatable-operator"
    assert error.position == (1, 1)
    assert error.span is not None and kql[error.span.start : error.span.end] == kql


def test_datatable_shape() -> None:
    body = parse('datatable(a:long, b:string, c:double, d:datetime)[1, "x", 1.5, datetime(2024-01-01)]').body
    assert isinstance(body, ast.Datatable)
    assert body.columns == (("a", KqlType.LONG), ("b", KqlType.STRING), ("c", KqlType.REAL), ("d", KqlType.DATETIME))
    assert len(body.values) == 4


def test_datatable_unknown_type() -> None:
    with pytest.raises(KqlSyntaxError) as info:
        parse("datatable(a:longg)[1]")
    assert "unknown type 'longg'" in info.value.message
    assert info.value.position == (1, 13)


# ------------------------------------------------------------------ operator shapes


def test_sort_defaults() -> None:
    """Default is desc; nulls last for desc and nulls first for asc (sort-operator page)."""
    body = parse("T | sort by a, b asc, c desc nulls first, d asc nulls last").body
    assert isinstance(body, ast.Pipeline)
    sort = body.operators[0]
    assert isinstance(sort, ast.Sort)
    assert [(k.descending, k.nulls_first) for k in sort.keys] == [
        (True, False),
        (False, True),
        (True, True),
        (False, False),
    ]


INLIST: list[tuple[str, bool, bool]] = [
    ("x in (1, 2)", False, False),
    ("x !in (1, 2)", True, False),
    ("x in~ ('a')", False, True),
    ("x !in~ ('a')", True, True),
]


@pytest.mark.parametrize(("text", "negated", "ci"), [pytest.param(t, n, c, id=t) for t, n, c in INLIST])
def test_in_operators(text: str, negated: bool, ci: bool) -> None:
    expr = print_value(text)
    assert isinstance(expr, ast.InList)
    assert (expr.negated, expr.case_insensitive) == (negated, ci)


def test_between_and_not_between() -> None:
    expr = print_value("x !between (1 .. 5)")
    assert isinstance(expr, ast.Between) and expr.negated
    assert isinstance(expr.low, ast.Literal) and expr.low.value == 1
    assert isinstance(expr.high, ast.Literal) and expr.high.value == 5


def test_precedence_and_binds_tighter_than_or() -> None:
    expr = print_value("a or b and c")
    assert isinstance(expr, ast.Binary) and expr.op == "or"
    assert isinstance(expr.right, ast.Binary) and expr.right.op == "and"


def test_precedence_multiplication_before_comparison() -> None:
    expr = print_value("1 + 2 * 3 > 4")
    assert isinstance(expr, ast.Binary) and expr.op == ">"
    assert isinstance(expr.left, ast.Binary) and expr.left.op == "+"
    assert isinstance(expr.left.right, ast.Binary) and expr.left.right.op == "*"


def test_integer_and_real_literal_types() -> None:
    assert print_value("42").type is KqlType.LONG  # type: ignore[attr-defined]
    assert print_value("1.5").type is KqlType.REAL  # type: ignore[attr-defined]
    assert print_value("1e5").type is KqlType.REAL  # type: ignore[attr-defined]
    assert print_value("int(null)") == ast.Literal(print_value("int(null)").span, None, KqlType.INT)


def test_let_only_is_an_error() -> None:
    with pytest.raises(KqlSyntaxError) as info:
        parse("let n = 1;")
    assert "no tabular expression" in info.value.message
