"""User-defined functions (`let f = (a:long, T:(*)) { ... }`), expanded inline at each call.

https://learn.microsoft.com/en-us/kusto/query/functions/user-defined-functions
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rmmhunt.compiler.context import QueryContext, Typed
from rmmhunt.compiler.relation import Relation
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler
    from rmmhunt.compiler.tabular import TabularCompiler


def _arguments(ctx: QueryContext, call: ast.Call, definition: ast.FunctionDef, piped: bool) -> list[ast.Expr | None]:
    """The argument for each parameter (None: the piped input), defaults filled in."""
    supplied: list[ast.Expr | None] = [None, *call.args] if piped else list(call.args)
    if len(supplied) > len(definition.parameters):
        raise KqlTypeError(
            f"{call.name}() takes at most {len(definition.parameters)} arguments, not {len(supplied)}",
            call.span,
            ctx.source,
        )
    for parameter in definition.parameters[len(supplied) :]:
        if parameter.default is None:
            raise KqlTypeError(f"{call.name}() is missing its argument {parameter.name!r}", call.span, ctx.source)
        supplied.append(parameter.default)
    return supplied


def _bind(
    tabular: TabularCompiler, caller: ExprCompiler, call: ast.Call, definition: ast.FunctionDef, piped: Relation | None
) -> None:
    ctx = tabular.ctx
    arguments = _arguments(ctx, call, definition, piped is not None)
    bound_scalars: dict[str, Typed] = {}
    bound_relations: dict[str, Relation] = {}
    for parameter, argument in zip(definition.parameters, arguments, strict=True):
        if argument is None:
            assert piped is not None
            bound_relations[parameter.name] = piped
        elif parameter.type is None:
            bound_relations[parameter.name] = tabular.compile(tabular.as_tabular(argument))
        else:
            bound_scalars[parameter.name] = caller.compile(argument)
    # Arguments are compiled in the caller's scope first, then bound, so f(x) with a parameter x works.
    for name, typed in bound_scalars.items():
        ctx.relations.pop(name, None)
        ctx.scalars[name] = typed
    for name, relation in bound_relations.items():
        ctx.scalars.pop(name, None)
        ctx.relations[name] = relation
    for let in definition.lets:
        tabular.bind_let(let)


def call_scalar_function(caller: ExprCompiler, call: ast.Call) -> Typed:
    from rmmhunt.compiler.scalar import ExprCompiler
    from rmmhunt.compiler.tabular import TabularCompiler

    ctx = caller.ctx
    definition = ctx.functions[call.name]
    if isinstance(definition.body, ast.Tabular):
        raise KqlTypeError(f"{call.name}() returns a table, not a value", call.span, ctx.source)
    with ctx.scope():
        _bind(TabularCompiler(ctx), caller, call, definition, None)
        return ExprCompiler(ctx, {}).compile(definition.body)


def call_tabular_function(tabular: TabularCompiler, call: ast.Call, piped: Relation | None = None) -> Relation:
    from rmmhunt.compiler.scalar import ExprCompiler

    ctx = tabular.ctx
    definition = ctx.functions[call.name]
    with ctx.scope():
        _bind(tabular, ExprCompiler(ctx, {}), call, definition, piped)
        return tabular.compile(tabular.as_tabular(definition.body))
