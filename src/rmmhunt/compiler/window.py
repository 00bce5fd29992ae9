"""Functions over a serialized (ordered) row set: row_number(), prev(), next().

https://learn.microsoft.com/en-us/kusto/query/row-number-function,
https://learn.microsoft.com/en-us/kusto/query/prev-function
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.literals import literal
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

WINDOW_FUNCTIONS = frozenset({"row_number", "prev", "next"})


def _over(compiler: ExprCompiler, node: exp.Expression) -> exp.Window:
    order = exp.Order(expressions=[o.copy() for o in compiler.order]) if compiler.order else None
    return exp.Window(this=node, order=order)


def call_window(compiler: ExprCompiler, call: ast.Call) -> Typed:
    args = [compiler.compile(a) for a in call.args]
    if call.name == "row_number":
        if len(args) > 1 and args[1].type is not KqlType.BOOL:
            raise KqlTypeError("row_number()'s restart argument is not supported here", call.span, compiler.ctx.source)
        start = args[0] if args else literal(1, KqlType.LONG)
        number = exp.Add(
            this=exp.paren(exp.Sub(this=_over(compiler, exp.RowNumber()), expression=exp.Literal.number(1))),
            expression=start.sql,
        )
        return Typed(number, KqlType.LONG)
    if not args or len(args) > 3:
        raise KqlTypeError(f"{call.name}() takes 1 to 3 arguments", call.span, compiler.ctx.source)
    value = args[0]
    offset = args[1].sql if len(args) > 1 else exp.Literal.number(1)
    node_type = exp.Lag if call.name == "prev" else exp.Lead
    shifted = node_type(this=value.sql, offset=offset)
    if len(args) == 3:
        shifted.set("default", args[2].sql)
    return Typed(_over(compiler, shifted), value.type)
