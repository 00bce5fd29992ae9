"""Scalar functions: one entry each in FUNCTIONS. Aggregates live in `aggregates.py`.

References per function: https://learn.microsoft.com/en-us/kusto/query/<name>-function
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.literals import interval, literal
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

Handler = Callable[["ExprCompiler", ast.Call, list[Typed]], Typed]


@dataclass(frozen=True, slots=True)
class Function:
    handler: Handler
    min_args: int
    max_args: int


FUNCTIONS: dict[str, Function] = {}


def function(*names: str, args: int | tuple[int, int]) -> Callable[[Handler], Handler]:
    low, high = (args, args) if isinstance(args, int) else args

    def register(handler: Handler) -> Handler:
        for name in names:
            FUNCTIONS[name] = Function(handler, low, high)
        return handler

    return register


def call_scalar(compiler: ExprCompiler, node: ast.Call) -> Typed:
    from rmmhunt.compiler.aggregates import AGGREGATES

    name = node.name
    fn = FUNCTIONS.get(name)
    if fn is None:
        if name in AGGREGATES:
            raise KqlTypeError(
                f"aggregate function {name}() is only allowed in summarize", node.name_span, compiler.ctx.source
            )
        candidates = [*FUNCTIONS, *AGGREGATES]
        raise compiler.ctx.unknown("function", name, node.name_span, candidates)
    if not fn.min_args <= len(node.args) <= fn.max_args:
        expected = str(fn.min_args) if fn.min_args == fn.max_args else f"{fn.min_args} to {fn.max_args}"
        raise KqlTypeError(f"{name}() takes {expected} arguments, not {len(node.args)}", node.span, compiler.ctx.source)
    return fn.handler(compiler, node, [compiler.compile(a) for a in node.args])


def expect(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, *allowed: KqlType) -> None:
    if arg.type not in allowed and arg.type is not KqlType.DYNAMIC:
        names = " or ".join(t.value for t in allowed)
        raise KqlTypeError(
            f"argument {position + 1} of {node.name}() must be {names}, not {arg.type.value}",
            node.args[position].span,
            compiler.ctx.source,
        )


# ---------------------------------------------------------------- time


def _offset_now(compiler: ExprCompiler, node: ast.Call, offset: Typed, sign: int) -> Typed:
    expect(compiler, node, 0, offset, KqlType.TIMESPAN)
    now = compiler.ctx.now
    if offset.is_constant:
        if offset.value is None:
            return literal(None, KqlType.DATETIME)
        assert isinstance(offset.value, timedelta)
        return literal(now + sign * offset.value, KqlType.DATETIME)
    node_type = exp.Add if sign > 0 else exp.Sub
    return Typed(node_type(this=literal(now, KqlType.DATETIME).sql, expression=offset.sql), KqlType.DATETIME)


@function("now", args=(0, 1))
def _now(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """One instant for the whole query (https://learn.microsoft.com/en-us/kusto/query/now-function)."""
    if not args:
        return literal(compiler.ctx.now, KqlType.DATETIME)
    return _offset_now(compiler, node, args[0], +1)


@function("ago", args=1)
def _ago(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    return _offset_now(compiler, node, args[0], -1)


@function("bin", "floor", args=2)
def _bin(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    value, size = args
    if value.type is KqlType.DATETIME:
        expect(compiler, node, 1, size, KqlType.TIMESPAN)
        if not (size.is_constant and isinstance(size.value, timedelta) and size.value > timedelta(0)):
            raise KqlTypeError(
                "bin() on a datetime needs a positive constant timespan", node.args[1].span, compiler.ctx.source
            )
        # Kusto aligns datetime bins to 0001-01-01 (https://learn.microsoft.com/en-us/kusto/query/bin-function).
        origin = literal(datetime(1, 1, 1), KqlType.DATETIME).sql
        bucket = exp.Anonymous(this="time_bucket", expressions=[interval(size.value), value.sql, origin])
        return Typed(bucket, KqlType.DATETIME)
    expect(compiler, node, 0, value, KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL)
    expect(compiler, node, 1, size, KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL)
    floored = exp.Mul(this=exp.Floor(this=exp.Div(this=value.sql, expression=size.sql)), expression=size.sql)
    result_type = KqlType.REAL if KqlType.REAL in (value.type, size.type) else value.type
    return Typed(exp.cast(floored, sql_type(result_type)), result_type)


# ---------------------------------------------------------------- logic and nulls


@function("not", args=1)
def _not(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    expect(compiler, node, 0, args[0], KqlType.BOOL)
    return Typed(exp.Not(this=exp.paren(args[0].sql)), KqlType.BOOL)


@function("isempty", args=1)
def _isempty(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """True for null and for the empty string (https://learn.microsoft.com/en-us/kusto/query/isempty-function)."""
    arg = args[0]
    is_null = exp.Is(this=arg.sql, expression=exp.null())
    if arg.type in (KqlType.STRING, KqlType.GUID):
        return Typed(exp.or_(is_null, exp.EQ(this=arg.sql.copy(), expression=exp.Literal.string(""))), KqlType.BOOL)
    return Typed(is_null, KqlType.BOOL)


@function("isnotempty", args=1)
def _isnotempty(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    return Typed(exp.Not(this=exp.paren(_isempty(compiler, node, args).sql)), KqlType.BOOL)


@function("isnull", args=1)
def _isnull(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    return Typed(exp.Is(this=args[0].sql, expression=exp.null()), KqlType.BOOL)


@function("isnotnull", args=1)
def _isnotnull(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    return Typed(exp.Not(this=exp.Is(this=args[0].sql, expression=exp.null())), KqlType.BOOL)


@function("iff", "iif", args=3)
def _iff(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    condition, then, otherwise = args
    expect(compiler, node, 0, condition, KqlType.BOOL)
    if then.type != otherwise.type and not (then.type.is_numeric and otherwise.type.is_numeric):
        raise KqlTypeError(
            f"iff() branches differ in type: {then.type.value} and {otherwise.type.value}",
            node.span,
            compiler.ctx.source,
        )
    result = exp.If(this=condition.sql, true=then.sql, false=otherwise.sql)
    return Typed(result, then.type if then.type == otherwise.type else KqlType.REAL)


# ---------------------------------------------------------------- strings


@function("tolower", args=1)
def _tolower(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    expect(compiler, node, 0, args[0], KqlType.STRING, KqlType.GUID)
    return Typed(exp.Lower(this=args[0].sql), KqlType.STRING)


@function("toupper", args=1)
def _toupper(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    expect(compiler, node, 0, args[0], KqlType.STRING, KqlType.GUID)
    return Typed(exp.Upper(this=args[0].sql), KqlType.STRING)


@function("strlen", args=1)
def _strlen(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    expect(compiler, node, 0, args[0], KqlType.STRING, KqlType.GUID)
    return Typed(exp.cast(exp.Length(this=args[0].sql), sql_type(KqlType.LONG)), KqlType.LONG)


@function("strcat", args=(1, 64))
def _strcat(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    parts = [a.sql if a.type is KqlType.STRING else _to_string(a) for a in args]
    return Typed(exp.Concat(expressions=parts, safe=True, coalesce=True), KqlType.STRING)


# ---------------------------------------------------------------- conversions


def _to_string(arg: Typed) -> exp.Expression:
    """tostring(null) is "" (https://learn.microsoft.com/en-us/kusto/query/tostring-function)."""
    return exp.Coalesce(this=exp.cast(arg.sql, sql_type(KqlType.STRING)), expressions=[exp.Literal.string("")])


@function("tostring", args=1)
def _tostring(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    if args[0].type is KqlType.STRING:
        return args[0]
    return Typed(_to_string(args[0]), KqlType.STRING)


def _converter(target: KqlType) -> Handler:
    def convert(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        if args[0].type is target:
            return args[0]
        return Typed(exp.TryCast(this=args[0].sql, to=sql_type(target)), target)

    return convert


for _names, _target in (
    (("toint",), KqlType.INT),
    (("tolong",), KqlType.LONG),
    (("toreal", "todouble"), KqlType.REAL),
    (("todatetime",), KqlType.DATETIME),
    (("tobool", "toboolean"), KqlType.BOOL),
):
    function(*_names, args=1)(_converter(_target))
