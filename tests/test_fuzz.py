"""Property tests: generated and mutated queries fail only with a KqlError, never with anything else.

(a) `test_generated_queries_run_or_raise_kql_error`: queries from a small typed grammar of the supported
    subset (let, datatable/print, where, extend, project, summarize, sort, take, top, count, distinct and
    the supported scalar functions and operators) run on `Workspace(None)`; each must return a table or
    raise `rmmhunt.kql.errors.KqlError`. An engine failure (EngineError) or a Python exception is a bug:
    it means the compiler accepted a query it cannot run, or crashed on it.
(b) `test_mutated_queries_compile_or_raise_kql_error`: valid queries with characters/tokens deleted,
    inserted, swapped or replaced go through parse+compile only; the outcome must be a compiled query or
    a KqlError.

Each keeps to ~200 examples with no deadline and no shrinking, so each stays within ~10 seconds.
`KNOWN_CRASHERS` pins the minimal reproducers found so far, one test each, so every bug stays visible even
when hypothesis shrinks to the first one it finds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import datetime

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from rmmhunt import Workspace
from rmmhunt.compiler import CompiledQuery, compile_query
from rmmhunt.kql.errors import KqlError
from rmmhunt.schema import default_catalog

NOW = datetime(2024, 3, 15, 12, 0, 0)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    derandomize=bool(os.environ.get("CI")),  # CI: the same 200 examples every run
    # No shrinking unless asked (RMMHUNT_FUZZ_SHRINK=1): shrinking a failing query costs minutes, and
    # KNOWN_CRASHERS below already holds the minimal reproducers. One failure is reported per run.
    phases=list(Phase) if os.environ.get("RMMHUNT_FUZZ_SHRINK") else [Phase.explicit, Phase.reuse, Phase.generate],
    report_multiple_bugs=False,
)

_WORKSPACE: Workspace | None = None


def empty_workspace() -> Workspace:
    """One engine for all examples: building the catalog views per example would dominate the run time."""
    global _WORKSPACE
    if _WORKSPACE is None:
        _WORKSPACE = Workspace(None)
    return _WORKSPACE


def run(query: str) -> pa.Table | KqlError:
    try:
        return empty_workspace().query(query, now=NOW)
    except KqlError as error:
        return error


def compile_only(query: str) -> object:
    try:
        return compile_query(query, default_catalog(), NOW)
    except KqlError as error:
        return error


# ================================================================== (a) a grammar of the supported subset

TYPES = ("long", "real", "string", "bool", "datetime", "timespan")
STRINGS = ("", "a", "Remote Utilities LLC", "REMOTE utilities", "x-y_z", "it's", 'say "hi"', "Ä é", "%_", "\\")
LONGS = (0, 1, 2, -1, 3, 7, 10, 100, -100, 2_147_483_647)  # no int64 extremes: overflow would drown all else
REALS = (0.0, 0.5, 1.5, -2.25, 3.0, 1e10)
DATES = ("2024-03-15", "2024-03-10 08:30", "2024-03-14T23:59:59.9999999Z", "2023-12-31", "1970-01-01")
SPANS = ("1d", "2h", "30m", "1s", "0d", "1.5h", "7d", "100ms")


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


STRING_OPERATORS = words(
    "has !has has_cs !has_cs contains !contains contains_cs startswith !startswith startswith_cs "
    "endswith !endswith endswith_cs hasprefix hassuffix == != =~ !~"
)
DTYPES = {"s": "string", "n": "long", "r": "real", "t": "datetime", "b": "bool", "d": "timespan"}


def kql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@st.composite
def literal(draw: st.DrawFn, kql_type: str) -> str:
    null = draw(st.integers(0, 9)) == 0
    if kql_type == "string":
        return kql_string(draw(st.sampled_from(STRINGS)))
    if null:
        return f"{kql_type}(null)"
    match kql_type:
        case "long":
            value = draw(st.sampled_from(LONGS))
            return f"({value})" if value < 0 else str(value)
        case "real":
            value = draw(st.sampled_from(REALS))
            return f"({value!r})" if value < 0 else repr(value)
        case "bool":
            return draw(st.sampled_from(("true", "false")))
        case "datetime":
            return f"datetime({draw(st.sampled_from(DATES))})"
        case "timespan":
            return draw(st.sampled_from(SPANS))
    raise AssertionError(kql_type)


@st.composite
def expr(draw: st.DrawFn, kql_type: str, columns: dict[str, str], depth: int = 0) -> str:
    """A scalar expression of (usually) `kql_type`; occasionally of another type, to exercise type errors."""
    if draw(st.integers(0, 30)) == 0:
        kql_type = draw(st.sampled_from(TYPES))
    same = [name for name, t in columns.items() if t == kql_type]
    leaf_only = depth >= 3
    choice = draw(st.integers(0, 2 if leaf_only else 9))
    if choice == 0 and same:
        return draw(st.sampled_from(same))
    if choice <= 1 or leaf_only:
        return draw(literal(kql_type))

    def sub(t: str) -> str:
        return draw(expr(t, columns, depth + 1))

    def pick(options: tuple[str, ...]) -> str:
        return draw(st.sampled_from(options))

    def any_type() -> str:
        return sub(pick(TYPES))

    # Each form is built only if chosen: drawing every alternative eagerly would grow exponentially with depth.
    forms: dict[str, list[Callable[[], str]]] = {
        "long": [
            lambda: f"({sub('long')} {pick(('+', '-', '*', '/', '%'))} {sub('long')})",
            lambda: f"strlen({sub('string')})",
            lambda: f"toint({any_type()})",
            lambda: f"tolong({any_type()})",
            lambda: f"bin({sub('long')}, {pick(('1', '5', '10', '0'))})",
            lambda: f"iff({sub('bool')}, {sub('long')}, {sub('long')})",
            lambda: f"-{sub('long')}",
        ],
        "real": [
            lambda: f"({sub('real')} {pick(('+', '-', '*', '/'))} {sub(pick(('real', 'long')))})",
            lambda: f"toreal({any_type()})",
            lambda: f"bin({sub('real')}, {pick(('0.5', '2.5', '1'))})",
        ],
        "string": [
            lambda: f"tolower({sub('string')})",
            lambda: f"toupper({sub('string')})",
            lambda: f"strcat({sub('string')}, {any_type()})",
            lambda: f"tostring({any_type()})",
            lambda: f"iff({sub('bool')}, {sub('string')}, {sub('string')})",
        ],
        "bool": [
            lambda: (lambda t: f"({sub(t)} {pick(('==', '!=', '<', '<=', '>', '>='))} {sub(t)})")(
                pick(("long", "real", "string", "datetime", "timespan"))
            ),
            lambda: f"({sub('string')} {pick(STRING_OPERATORS)} {sub('string')})",
            lambda: f"({sub('bool')} {pick(('and', 'or'))} {sub('bool')})",
            lambda: f"not({sub('bool')})",
            lambda: f"isempty({any_type()})",
            lambda: f"isnotempty({any_type()})",
            lambda: (lambda t: f"({sub(t)} {pick(('between', '!between'))} ({sub(t)} .. {sub(t)}))")(
                pick(("long", "real", "datetime"))
            ),
            lambda: f"({sub('string')} {pick(('in', '!in', 'in~', '!in~'))} ({sub('string')}, {sub('string')}))",
            lambda: f"({sub('long')} {pick(('in', '!in'))} ({sub('long')}, {sub('long')}))",
            lambda: f"({sub('datetime')} between ({sub('datetime')} .. {sub('timespan')}))",
        ],
        "datetime": [
            lambda: "now()",
            lambda: f"now({sub('timespan')})",
            lambda: f"ago({sub('timespan')})",
            lambda: f"({sub('datetime')} {pick(('+', '-'))} {sub('timespan')})",
            lambda: f"bin({sub('datetime')}, {pick(('1d', '1h', '7d', '15m'))})",
            lambda: f"iff({sub('bool')}, {sub('datetime')}, {sub('datetime')})",
        ],
        "timespan": [
            lambda: f"({sub('datetime')} - {sub('datetime')})",
            lambda: f"({sub('timespan')} {pick(('+', '-'))} {sub('timespan')})",
            lambda: f"({sub('timespan')} * {sub('long')})",
        ],
    }
    return draw(st.sampled_from(forms[kql_type]))()


@st.composite
def datatable_source(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    names = draw(st.lists(st.sampled_from(sorted(DTYPES)), min_size=1, max_size=len(DTYPES), unique=True))
    columns = {n: DTYPES[n] for n in names}
    n_rows = draw(st.integers(0, 4))
    values = [draw(literal(t)) for _ in range(n_rows) for t in columns.values()]
    header = ", ".join(f"{n}:{t}" for n, t in columns.items())
    return f"datatable({header})[{', '.join(values)}]", columns


@st.composite
def print_source(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    types = draw(st.lists(st.sampled_from(TYPES), min_size=1, max_size=3))
    columns = {f"p{i}": t for i, t in enumerate(types)}
    items = [f"{name} = {draw(expr(t, {}))}" for name, t in columns.items()]
    return "print " + ", ".join(items), columns


AGGREGATES = ("count", "countif", "dcount", "sum", "avg", "min", "max", "make_set", "make_list", "arg_max", "arg_min")


@st.composite
def operator(draw: st.DrawFn, columns: dict[str, str], fresh: list[int]) -> tuple[str, dict[str, str]]:
    """One `| operator`, and the columns (name -> type) it leaves, as far as this grammar can tell."""

    def new_name() -> str:
        fresh[0] += 1
        return f"c{fresh[0]}"

    names = list(columns)
    kind = draw(st.sampled_from(words("where where extend project summarize sort take top count distinct")))
    if kind == "where":
        return f"where {draw(expr('bool', columns))}", columns
    if kind == "extend":
        t = draw(st.sampled_from(TYPES))
        name = draw(st.sampled_from([*names, new_name()])) if names else new_name()
        out = {k: v for k, v in columns.items() if k != name} | {name: t}
        return f"extend {name} = {draw(expr(t, columns))}", out
    if kind == "project":
        if not names:
            return "count", {"Count": "long"}
        kept = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        items, out = list(kept), {k: columns[k] for k in kept}
        if draw(st.booleans()):
            t = draw(st.sampled_from(TYPES))
            name = new_name()
            items.append(f"{name} = {draw(expr(t, columns))}")
            out[name] = t
        return "project " + ", ".join(items), out
    if kind == "summarize":
        keys = draw(st.lists(st.sampled_from(names), max_size=2, unique=True)) if names else []
        out = {k: columns[k] for k in keys}
        aggs: list[str] = []
        for _ in range(draw(st.integers(0 if keys else 1, 3))):
            fn = draw(st.sampled_from(AGGREGATES))
            name = new_name()
            candidates = [n for n in names if n not in keys]
            if fn == "count":
                aggs.append(f"{name} = count()")
                out[name] = "long"
            elif fn == "countif":
                aggs.append(f"{name} = countif({draw(expr('bool', columns))})")
                out[name] = "long"
            elif fn in ("arg_max", "arg_min"):
                if not candidates:
                    continue
                target = draw(st.sampled_from(candidates))
                rest = [n for n in candidates if n not in (target, *out)]
                picked = draw(st.lists(st.sampled_from(rest), max_size=2, unique=True)) if rest else []
                aggs.append(f"{fn}({', '.join([target, *picked])})")
                out.update({target: columns[target]} | {p: columns[p] for p in picked})
            else:
                t = {"sum": "long", "avg": "real"}.get(fn) or draw(st.sampled_from(TYPES))
                if fn == "sum" and draw(st.booleans()):
                    t = "real"
                aggs.append(f"{name} = {fn}({draw(expr(t, columns))})")
                out[name] = {
                    "dcount": "long",
                    "avg": "real",
                    "make_set": "dynamic",
                    "make_list": "dynamic",
                }.get(fn, t)
        text = "summarize " + ", ".join(aggs)
        if keys:
            text += " by " + ", ".join(keys)
        return text, out
    if kind in ("sort", "top"):
        if not names:
            return "take 1", columns
        keys = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        spec = ", ".join(
            k + draw(st.sampled_from(("", " asc", " desc", " asc nulls last", " desc nulls first"))) for k in keys
        )
        if kind == "sort":
            return f"{draw(st.sampled_from(('sort', 'order')))} by {spec}", columns
        return f"top {draw(st.integers(0, 5))} by {spec}", columns
    if kind == "take":
        return f"{draw(st.sampled_from(('take', 'limit')))} {draw(st.integers(0, 5))}", columns
    if kind == "count":
        return "count", {"Count": "long"}
    if not names or draw(st.booleans()):
        return "distinct *", columns
    kept = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
    return "distinct " + ", ".join(kept), {k: columns[k] for k in kept}


@st.composite
def queries(draw: st.DrawFn) -> str:
    lets: list[str] = []
    source, columns = draw(st.one_of(datatable_source(), datatable_source(), print_source()))
    scalars: dict[str, str] = {}
    for i in range(draw(st.integers(0, 2))):
        t = draw(st.sampled_from(TYPES))
        name = f"v{i}"
        lets.append(f"let {name} = {draw(expr(t, scalars))};")
        scalars[name] = t
    fresh = [0]
    parts = [source]
    for _ in range(draw(st.integers(0, 4))):
        text, columns_after = draw(operator(columns | scalars, fresh))
        parts.append(text)
        columns = {k: v for k, v in columns_after.items() if k not in scalars}
    return " ".join([*lets, " | ".join(parts)])


@FUZZ
@given(queries())
def test_generated_queries_run_or_raise_kql_error(query: str) -> None:
    outcome = run(query)  # anything but a table or a KqlError propagates and fails the test
    assert isinstance(outcome, pa.Table | KqlError)


def test_the_grammar_mostly_produces_runnable_queries() -> None:
    """Guard against a generator that only ever produces type errors (which would make (a) vacuous)."""
    outcomes: list[bool] = []

    @settings(max_examples=40, deadline=None, derandomize=True, database=None)
    @given(queries())
    def collect(query: str) -> None:
        outcomes.append(isinstance(run_or_none(query), pa.Table))

    collect()
    assert sum(outcomes) >= len(outcomes) // 3, f"only {sum(outcomes)} of {len(outcomes)} generated queries ran"


def run_or_none(query: str) -> pa.Table | None:
    try:
        return empty_workspace().query(query, now=NOW)
    except Exception:
        return None


# ================================================================== (b) mutations of valid queries

VALID_QUERIES = (
    "let Time_start = now(-5d); let Time_end = now(); DeviceFileCertificateInfo "
    "| where Timestamp between (Time_start..Time_end) | where Signer has 'Remote Utilities' "
    "| summarize FirstSeen=min(Timestamp), LastSeen=max(Timestamp), Report=make_set(ReportId), Count=count() "
    "by DeviceId, DeviceName",
    'DeviceFileCertificateInfo | where Signer !has_cs "Microsoft" and ReportId in (1, 2, 3) | count',
    "DeviceFileCertificateInfo | where Timestamp > ago(1h) | top 10 by Timestamp desc nulls last",
    "DeviceFileCertificateInfo | extend Day = bin(Timestamp, 1d), L = strlen(Signer) | project Day, L, DeviceName",
    "DeviceFileCertificateInfo | summarize arg_max(Timestamp, *) by DeviceId | sort by DeviceId asc | take 5",
    "DeviceFileCertificateInfo | summarize countif(IsSigned), dcount(SHA1), avg(ReportId), sum(ReportId) by Signer",
    "datatable(a:string, b:long, c:datetime)['x', 1, datetime(2024-01-01), 'y', long(null), datetime(null)] "
    "| where a in~ ('X', 'z') or b between (0 .. 5) | distinct a, b",
    "print x = iff(isempty(''), toupper('a'), tolower('B')), y = tostring(1.5), z = toint('7') % 3, w = 10m / 1s",
    "let n = 3; let since = datetime(2024-03-01T00:00:00Z); datatable(t:datetime)[datetime(2024-03-02)] "
    "| where t >= since | extend k = n * 2, s = strcat('a', n) | summarize make_list(k) by s",
    "DeviceFileCertificateInfo | where not(Signer startswith_cs 'Rem') and Signer !endswith 'x' "
    "| summarize make_set(Signer), min(CertificateExpirationTime) by IsTrusted | order by IsTrusted",
)

TOKEN_POOL = words(
    """| ( ) [ ] , ; .. = == ! ~ ' " ` @ * - + / %
    where project extend summarize by sort take top count distinct let print datatable between has !has
    in !in in~ and or not now ago bin iff datetime( timespan( time( dynamic( guid( long( int( real( bool( string(
    null 1d 0d 99999999999d 9999999999999999999999 1e400 -0 0x7fffffffffffffff datetime(0001-01-01)
    datetime(9999-12-31) DeviceFileCertificateInfo Timestamp arg_max"""
)
CHARS = "()[]{}|;,.:=!~<>+-*/%'\"`@\\ \n0123456789abdhmnsxyz_é"
_TOKENS = re.compile(
    r"\s+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?[A-Za-z]*|\.\.|\S"
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(VALID_QUERIES))
    for _ in range(draw(st.integers(1, 3))):
        tokens = _TOKENS.findall(text) or [text]
        kind = draw(st.sampled_from(("del-char", "ins-char", "swap-char", "del-tok", "dup-tok", "swap-tok", "rep-tok")))
        if kind.endswith("char"):
            if not text:
                text = draw(st.sampled_from(CHARS))
                continue
            i = draw(st.integers(0, len(text) - 1))
            if kind == "del-char":
                text = text[:i] + text[i + 1 :]
            elif kind == "ins-char":
                text = text[:i] + draw(st.sampled_from(CHARS)) + text[i:]
            else:
                j = min(i + 1, len(text) - 1)
                chars = list(text)
                chars[i], chars[j] = chars[j], chars[i]
                text = "".join(chars)
            continue
        i = draw(st.integers(0, len(tokens) - 1))
        if kind == "del-tok":
            del tokens[i]
        elif kind == "dup-tok":
            tokens.insert(i, tokens[i])
        elif kind == "swap-tok":
            j = draw(st.integers(0, len(tokens) - 1))
            tokens[i], tokens[j] = tokens[j], tokens[i]
        else:
            tokens[i] = draw(st.sampled_from(TOKEN_POOL))
        text = "".join(tokens) if kind != "rep-tok" else " ".join(t for t in tokens if not t.isspace())
    return text


def test_valid_queries_compile() -> None:
    for query in VALID_QUERIES:
        assert not isinstance(compile_only(query), KqlError), query


@FUZZ
@given(mutated())
def test_mutated_queries_compile_or_raise_kql_error(query: str) -> None:
    compile_only(query)  # anything but a result or a KqlError propagates and fails the test


# ================================================================== minimal reproducers found by fuzzing

# (query, where it must not crash: "compile" = parse+compile, "run" = Workspace(None).query)
KNOWN_CRASHERS = [
    # Python exceptions escaping the lexer/parser/compiler (a traceback instead of a query error)
    pytest.param("print ago(1000000000d)", "compile", id="timespan-literal-overflow"),  # OverflowError in lexer
    pytest.param("print ago(3000000d)", "compile", id="ago-out-of-range"),  # OverflowError folding now()-3000000d
    pytest.param("print now(3000000d)", "compile", id="now-offset-out-of-range"),
    pytest.param("print time(99999999999.00:00:00)", "compile", id="time-literal-days-overflow"),
    pytest.param("print timespan(1e400)", "compile", id="timespan-infinite"),
    pytest.param("print " + "(" * 1000 + "1" + ")" * 1000, "compile", id="deep-parentheses"),  # RecursionError
    pytest.param("print dynamic(" + "[" * 1000 + "]" * 1000 + ")", "compile", id="deep-dynamic"),
    pytest.param("datatable(c:datetime)[1]", "compile", id="datatable-long-in-datetime-column"),  # AssertionError
    pytest.param("datatable(a:long)['x']", "compile", id="datatable-string-in-long-column"),  # ValueError
    # compiled, then the engine fails (EngineError, not a KqlError)
    pytest.param("print 1e999", "run", id="real-literal-inf"),  # SQL refers to a column named inf
    pytest.param("print 99999999999999999999", "run", id="long-literal-out-of-range"),
    pytest.param("print 9223372036854775807 + 1", "run", id="folded-long-overflow"),
    pytest.param("print 5 / 0", "run", id="integer-division-by-zero"),
    pytest.param("print 5 % 0", "run", id="modulo-by-zero"),
    pytest.param("datatable(x:long)[0] | extend y = 5 / x", "run", id="column-division-by-zero"),
    pytest.param("print bin(5, 0)", "run", id="bin-zero-size"),
    pytest.param("datatable(x:long)[1] | take 99999999999999999999", "run", id="take-out-of-range"),
    pytest.param("datatable(b:bool)[true] | sort by 'a'", "run", id="sort-by-constant-string"),  # ORDER BY 'a'
    pytest.param("datatable(n:long)[3000000000] | extend x = 1s * n", "run", id="timespan-times-long-int32"),
    pytest.param("print toreal(1.5h * 2147483647)", "run", id="folded-timespan-beyond-int64-micros"),
]


@pytest.mark.parametrize(("query", "stage"), KNOWN_CRASHERS)
def test_known_crasher(query: str, stage: str) -> None:
    """Each must compile (or run) or be refused with a KqlError; today each raises something else."""
    outcome = compile_only(query) if stage == "compile" else run(query)
    assert isinstance(outcome, CompiledQuery | pa.Table | KqlError)
