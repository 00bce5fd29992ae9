"""The scalar function registry and the argument checks every handler shares.

One entry per KQL name in FUNCTIONS; `call_scalar` is the single way in. A handler receives the
compiled arguments, or, when registered with `raw=True`, compiles `node.args` itself (for
arguments that are not expressions: `typeof(long)`, `pack_array(*)`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

Handler = Callable[["ExprCompiler", ast.Call, list[Typed]], Typed]

STRINGS = (KqlType.STRING, KqlType.GUID)
INTEGERS = (KqlType.INT, KqlType.LONG)
NUMBERS = (KqlType.INT, KqlType.LONG, KqlType.REAL, KqlType.DECIMAL)


@dataclass(frozen=True, slots=True)
class Function:
    handler: Handler
    min_args: int
    max_args: int
    raw: bool = False  # the handler compiles node.args itself


FUNCTIONS: dict[str, Function] = {}


def function(*names: str, args: int | tuple[int, int], raw: bool = False) -> Callable[[Handler], Handler]:
    low, high = (args, args) if isinstance(args, int) else args

    def register(handler: Handler) -> Handler:
        for name in names:
            FUNCTIONS[name] = Function(handler, low, high, raw)
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
    args = [] if fn.raw else [compiler.compile(a) for a in node.args]
    return _grouped(fn.handler(compiler, node, args))


def _grouped(result: Typed) -> Typed:
    """Parenthesize an operator result, so `isempty(x) == false` cannot regroup around it."""
    if isinstance(result.sql, (exp.Binary, exp.Unary, exp.Predicate)) and not isinstance(result.sql, exp.Paren):
        return Typed(exp.paren(result.sql, copy=False), result.type, result.value)
    return result


def fail(compiler: ExprCompiler, node: ast.Call, position: int, message: str) -> KqlTypeError:
    """A type error about one argument, placed under that argument."""
    span = node.args[position].span if position < len(node.args) else node.span
    return KqlTypeError(f"{node.name}(): {message}", span, compiler.ctx.source)


def expect(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, *allowed: KqlType) -> None:
    """The argument's type must be one of `allowed`; dynamic is always accepted (converted at run time)."""
    if arg.type not in allowed and arg.type is not KqlType.DYNAMIC:
        names = " or ".join(t.value for t in allowed)
        raise KqlTypeError(
            f"argument {position + 1} of {node.name}() must be {names}, not {arg.type.value}",
            node.args[position].span,
            compiler.ctx.source,
        )


def constant(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, what: str) -> object:
    """The compile-time value of an argument Kusto requires to be a constant."""
    if not arg.is_constant:
        raise fail(compiler, node, position, f"argument {position + 1} ({what}) must be a constant")
    return arg.value


def constant_string(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, what: str) -> str:
    value = constant(compiler, node, position, arg, what)
    if not isinstance(value, str):
        raise fail(compiler, node, position, f"argument {position + 1} ({what}) must be a string constant")
    return value


def constant_int(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, what: str) -> int:
    value = constant(compiler, node, position, arg, what)
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(compiler, node, position, f"argument {position + 1} ({what}) must be an integer constant")
    return value


def all_constant(args: list[Typed]) -> bool:
    return all(a.is_constant for a in args)
