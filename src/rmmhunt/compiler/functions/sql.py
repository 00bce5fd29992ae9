"""Small builders for the SQL the scalar functions emit (sqlglot nodes only, never text).

The tree is in DuckDB's vocabulary. Functions with no sqlglot node are built by name with
`anon()`; the engine layer maps them for other dialects: `epoch_us`, `time_bucket`, `to_json`,
`regexp_escape`, `url_decode`, `try_strptime`, `map_concat`, `MAP()`. Canonical nodes used with
DuckDB semantics the other dialects may not share: TRY(...), list lambdas (LIST_TRANSFORM,
LIST_FILTER with an element index, which DuckDB counts from 1, LIST_REDUCE), 1-based list
indexing (`element`), `TRY_CAST(x AS JSON[])`, `TRY_CAST(x AS MAP(VARCHAR, JSON))`, JSON_TYPE
names ('VARCHAR', 'BIGINT', ...), STR_SPLIT(s, '') for characters, and RE2 regexes with
`(?P<name>...)` groups and `\1` rewrites.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

Ref = Callable[[], exp.Expression]  # a fresh copy of a bound value, for each place it is used

EPOCH_TICKS = 621_355_968_000_000_000  # ticks (100 ns) from 0001-01-01 to 1970-01-01
MICROS_PER_DAY = 86_400_000_000

# Meta mark of a KQL real division: x / 0 is +-infinity or NaN (IEEE 754), which Spark spells out.
REAL_DIVISION = "real_division"


def s(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def n(value: int | float) -> exp.Expression:
    if value < 0:
        return exp.Neg(this=exp.Literal.number(-value))
    return exp.Literal.number(value)


def anon(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def cast(node: exp.Expression, to: KqlType | str) -> exp.Cast:
    target = sql_type(to) if isinstance(to, KqlType) else exp.DataType.build(to, dialect="duckdb")
    return exp.Cast(this=node, to=target)


def try_cast(node: exp.Expression, to: KqlType | str) -> exp.TryCast:
    target = sql_type(to) if isinstance(to, KqlType) else exp.DataType.build(to, dialect="duckdb")
    return exp.TryCast(this=node, to=target)


def paren(node: exp.Expression) -> exp.Expression:
    return exp.paren(node, copy=False)


def add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return paren(exp.Add(this=a, expression=b))


def sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return paren(exp.Sub(this=a, expression=b))


def mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return paren(exp.Mul(this=a, expression=b))


def intdiv(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    """Integer division truncating toward zero (DuckDB `//`)."""
    return paren(exp.IntDiv(this=a, expression=b))


def mod(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return paren(exp.Mod(this=a, expression=b))


def eq(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.EQ(this=a, expression=b)


def is_null(a: exp.Expression) -> exp.Expression:
    return exp.Is(this=a, expression=exp.null())


def not_(a: exp.Expression) -> exp.Expression:
    return exp.Not(this=paren(a))


def case(*whens: tuple[exp.Expression, exp.Expression], default: exp.Expression | None = None) -> exp.Case:
    return exp.Case(ifs=[exp.If(this=c, true=v) for c, v in whens], default=default)


def coalesce(first: exp.Expression, *rest: exp.Expression) -> exp.Coalesce:
    return exp.Coalesce(this=first, expressions=list(rest))


def merged_bags(*bags: exp.Expression) -> exp.Cast:
    """One bag with every key of `bags` (JSON); the first bag holding a key gives its value, whole (no deep
    merge), and a value that is not a bag adds nothing."""
    no_keys = cast(anon("MAP"), "MAP(VARCHAR, JSON)")
    maps = [coalesce(try_cast(bag, "MAP(VARCHAR, JSON)"), no_keys.copy()) for bag in reversed(bags)]
    return cast(anon("map_concat", *maps), KqlType.DYNAMIC)


def at_most(value: exp.Expression, limit: int) -> exp.Expression:
    """min(value, limit), null for a null value (Spark's LEAST skips nulls, and sqlglot spells it as it is)."""
    return case((exp.GT(this=value, expression=n(limit)), n(limit)), default=value.copy())


def concat(*parts: exp.Expression) -> exp.Expression:
    """String concatenation of parts that are never null (or whose null should propagate)."""
    if len(parts) == 1:
        return parts[0]
    return exp.DPipe(this=concat(*parts[:-1]), expression=parts[-1], safe=True)


def lpad(node: exp.Expression, width: int, fill: str = "0") -> exp.Expression:
    return exp.Pad(this=node, expression=exp.Literal.number(width), fill_pattern=s(fill), is_left=True)


def text(node: exp.Expression) -> exp.Expression:
    return cast(node, KqlType.STRING)


def zero_pad(node: exp.Expression, width: int) -> exp.Expression:
    """A non-negative integer as text, left-padded with zeros to at least `width` digits."""
    if width <= 1:
        return text(node)
    return case(
        (exp.GTE(this=exp.Length(this=text(node)), expression=n(width)), text(node.copy())),
        default=lpad(text(node.copy()), width),
    )


def epoch_us(node: exp.Expression) -> exp.Expression:
    """A timespan (INTERVAL) as whole microseconds."""
    return exp.Anonymous(this="epoch_us", expressions=[node])


def unix_micros(node: exp.Expression) -> exp.Expression:
    """A datetime (TIMESTAMP) as whole microseconds since the Unix epoch (sqlglot's node: each dialect spells it)."""
    return exp.UnixMicros(this=node)


def micros_of(node: exp.Expression, kql_type: KqlType) -> exp.Expression:
    """A datetime's microseconds since the Unix epoch, or a timespan's microseconds."""
    return unix_micros(node) if kql_type is KqlType.DATETIME else epoch_us(node)


def micros(count: exp.Expression) -> exp.Expression:
    """A timespan of `count` microseconds (`INTERVAL (n) MICROSECOND`: multiplying an interval
    literal by a BIGINT overflows INT32 in DuckDB)."""
    return exp.Interval(this=paren(count), unit=exp.var("MICROSECOND"))


def to_json(node: exp.Expression) -> exp.Expression:
    """A SQL value as JSON (a string becomes a JSON string)."""
    return anon("to_json", node)


def as_json(node: exp.Expression) -> exp.Expression:
    """A dynamic value (JSON, JSON text, LIST or STRUCT) as JSON."""
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return node
    return cast(node, KqlType.DYNAMIC)


def json_text(node: exp.Expression) -> exp.Expression:
    """JSON as Kusto's tostring reads it: a string unquoted, anything else its JSON text, null -> NULL."""
    return exp.JSONExtractScalar(this=node, expression=s("$"))


def json_type(node: exp.Expression) -> exp.Expression:
    return exp.JSONType(this=node)


def json_list(node: exp.Expression) -> exp.Expression:
    """A dynamic value as a list of JSON elements, or NULL when it is not an array."""
    return try_cast(as_json(node), "JSON[]")


def json_array_of(elements: exp.Expression) -> exp.Expression:
    """A SQL list (of JSON or plain values) as a dynamic array."""
    return cast(elements, KqlType.DYNAMIC)


def is_simple(node: exp.Expression) -> bool:
    """Cheap to repeat: a column, a parameter of an enclosing lambda, or a literal."""
    if isinstance(node, (exp.Column, exp.Literal, exp.Null, exp.Boolean, exp.Interval)):
        return True
    if isinstance(node, (exp.Cast, exp.Neg, exp.Paren)):
        return is_simple(node.this)
    return False


def lambda_(names: list[str], body: exp.Expression) -> exp.Lambda:
    return exp.Lambda(this=body, expressions=[exp.to_identifier(name) for name in names])


def fresh_name(compiler: ExprCompiler, prefix: str = "_v") -> str:
    return prefix + compiler.ctx.next_alias().lstrip("_t")


def bind(compiler: ExprCompiler, value: exp.Expression, body: Callable[[Ref], exp.Expression]) -> exp.Expression:
    """`body` over `value` evaluated once: inline when cheap, else through a one-element list lambda."""
    if is_simple(value):
        return body(value.copy)
    name = fresh_name(compiler)
    inner = body(lambda: exp.column(name))
    mapped = exp.Transform(this=exp.Array(expressions=[value]), expression=lambda_([name], inner))
    return exp.Bracket(this=mapped, expressions=[exp.Literal.number(0)])


def list_filter(items: exp.Expression, name: str, predicate: exp.Expression) -> exp.Expression:
    return exp.ArrayFilter(this=items, expression=lambda_([name], predicate))


def list_transform(items: exp.Expression, name: str, body: exp.Expression) -> exp.Expression:
    return exp.Transform(this=items, expression=lambda_([name], body))


def element(items: exp.Expression, one_based_index: exp.Expression) -> exp.Expression:
    """items[i] with a 1-based index; NULL when out of range (`offset=1` tells sqlglot the base)."""
    return exp.Bracket(this=items, expressions=[one_based_index], offset=1)


def ordered_distinct(compiler: ExprCompiler, items: exp.Expression) -> exp.Expression:
    """The distinct elements of a list, in order of first appearance."""

    def body(ref: Ref) -> exp.Expression:
        x, i = fresh_name(compiler, "_x"), fresh_name(compiler, "_i")
        first = eq(exp.ArrayPosition(this=ref(), expression=exp.column(x)), exp.column(i))
        return exp.ArrayFilter(this=ref(), expression=lambda_([x, i], first))

    return bind(compiler, items, body)


def empty_json_list() -> exp.Expression:
    return cast(exp.Array(expressions=[]), "JSON[]")


def dynamic_null() -> exp.Expression:
    return cast(exp.null(), KqlType.DYNAMIC)


def double(node: exp.Expression) -> exp.Expression:
    return cast(node, KqlType.REAL)


def bigint(node: exp.Expression) -> exp.Expression:
    return cast(node, KqlType.LONG)


def epoch_offset_0001() -> exp.Expression:
    """Microseconds from 0001-01-01 to 1970-01-01 (Kusto aligns datetime bins to 0001-01-01)."""
    return n(EPOCH_TICKS // 10)


def days_since_epoch(value: exp.Expression) -> exp.Expression:
    """Whole days from 1970-01-01 to a datetime's date (negative before)."""
    from datetime import datetime

    from rmmhunt.compiler.literals import literal

    epoch = literal(datetime(1970, 1, 1), KqlType.DATETIME).sql
    return exp.DateDiff(this=value, expression=epoch, unit=exp.var("DAY"))
