"""Conditional and null functions: iff/iif, case, coalesce, isempty, isnull, max_of, min_of, not.

References: https://learn.microsoft.com/en-us/kusto/query/<name>-function and
https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/null-values. The branches of a
conditional must share one type; `int` and `long` count as one (the result is long), and a
`dynamic` branch makes the result dynamic, except in iff/iif and case, whose result is the type of
their other branches (the dynamic ones converted to it): their ReturnTypeKind is CommonNonDynamic in
Microsoft's Kusto.Language (https://github.com/microsoft/Kusto-Query-Language, Functions.cs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import dynamic
from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import condition_of, json_of, string_of
from rmmhunt.compiler.functions.registry import INTEGERS, all_constant, function
from rmmhunt.compiler.functions.sql import s
from rmmhunt.compiler.literals import literal
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


def common_type(types: list[KqlType], ignore_dynamic: bool = False) -> KqlType | None:
    """The one type a list of branches shares, or None when they do not agree."""
    if ignore_dynamic and any(t is not KqlType.DYNAMIC for t in types):
        types = [t for t in types if t is not KqlType.DYNAMIC]
    distinct = set(types)
    if len(distinct) == 1:
        return types[0]
    if KqlType.DYNAMIC in distinct:
        return KqlType.DYNAMIC
    if distinct <= set(INTEGERS):
        return KqlType.LONG
    if distinct <= {KqlType.STRING, KqlType.GUID}:
        return KqlType.STRING
    return None


def unify(
    compiler: ExprCompiler, node: ast.Call, branches: list[Typed], what: str, ignore_dynamic: bool = False
) -> tuple[KqlType, list[exp.Expression]]:
    """The branches' common type and each branch's SQL in it; a type error when they differ."""
    target = common_type([b.type for b in branches], ignore_dynamic)
    if target is None:
        spelled = ", ".join(sorted({b.type.value for b in branches}))
        raise KqlTypeError(f"{node.name}() {what} must all be one type, not {spelled}", node.span, compiler.ctx.source)
    out: list[exp.Expression] = []
    for branch in branches:
        if branch.type is target:
            out.append(branch.sql)
        elif target is KqlType.DYNAMIC:
            out.append(json_of(compiler, branch))
        elif target is KqlType.STRING:
            out.append(string_of(compiler, branch))
        elif branch.type is KqlType.DYNAMIC:
            out.append(dynamic.coerce(branch, target).sql)
        else:
            out.append(sql.cast(branch.sql, target))
    return target, out


@function("iff", "iif", args=3)
def _iff(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The `then` value when the condition is true, else (false or null) the `else` value.

    https://learn.microsoft.com/en-us/kusto/query/iff-function
    """
    condition = condition_of(compiler, node, 0, args[0])
    if (
        args[0].is_constant
        and isinstance(args[0].value, bool)
        and common_type([args[1].type, args[2].type]) == args[1].type == args[2].type
    ):
        return args[1] if args[0].value else args[2]
    target, (then, otherwise) = unify(compiler, node, args[1:], "branches", ignore_dynamic=True)
    return Typed(exp.If(this=condition, true=then, false=otherwise), target)


@function("case", args=(3, 129))
def _case(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The value of the first true predicate, else the last argument.

    https://learn.microsoft.com/en-us/kusto/query/case-function
    """
    if len(args) % 2 == 0:
        raise KqlTypeError(
            "case() takes predicate/value pairs followed by an else value (an odd number of arguments)",
            node.span,
            compiler.ctx.source,
        )
    predicates = [condition_of(compiler, node, i, args[i]) for i in range(0, len(args) - 1, 2)]
    target, values = unify(compiler, node, [*args[1::2], args[-1]], "values", ignore_dynamic=True)
    whens = list(zip(predicates, values[:-1], strict=True))
    return Typed(sql.case(*whens, default=values[-1]), target)


@function("coalesce", args=(2, 64))
def _coalesce(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The first argument that is not null, nor, for strings, empty.

    https://learn.microsoft.com/en-us/kusto/query/coalesce-function
    """
    target, values = unify(compiler, node, args, "arguments")
    if target is KqlType.STRING:
        if all_constant(args):
            return literal(next((str(a.value) for a in args if a.value), ""), KqlType.STRING)
        non_empty = [exp.Nullif(this=v, expression=s("")) for v in values]
        return Typed(sql.coalesce(*non_empty, s("")), KqlType.STRING)
    return Typed(sql.coalesce(*values), target)


def empty_test(compiler: ExprCompiler, arg: Typed) -> exp.Expression:
    """isempty(): null, or a string (or a dynamic holding one) that is ""."""
    match arg.type:
        case KqlType.STRING | KqlType.GUID:
            return exp.or_(sql.is_null(arg.sql), sql.eq(arg.sql.copy(), s("")))
        case KqlType.DYNAMIC:
            return sql.eq(string_of(compiler, arg), s(""))
    return sql.is_null(arg.sql)


@function("isempty", args=1)
def _isempty(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """True for null and for "" (https://learn.microsoft.com/en-us/kusto/query/isempty-function)."""
    arg = args[0]
    if arg.is_constant:
        return literal(arg.value is None or arg.value == "", KqlType.BOOL)
    return Typed(empty_test(compiler, arg), KqlType.BOOL)


@function("isnotempty", "notempty", args=1)
def _isnotempty(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/isnotempty-function"""
    arg = args[0]
    if arg.is_constant:
        return literal(not (arg.value is None or arg.value == ""), KqlType.BOOL)
    return Typed(sql.not_(empty_test(compiler, arg)), KqlType.BOOL)


def null_test(arg: Typed) -> exp.Expression:
    """isnull(): a string is never null; a dynamic is null when it holds JSON null."""
    match arg.type:
        case KqlType.STRING:
            return exp.false()
        case KqlType.DYNAMIC:
            return exp.or_(sql.is_null(arg.sql), sql.eq(sql.json_type(sql.as_json(arg.sql.copy())), s("NULL")))
    return sql.is_null(arg.sql)


@function("isnull", args=1)
def _isnull(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/isnull-function"""
    arg = args[0]
    if arg.is_constant:
        return literal(arg.value is None and arg.type is not KqlType.STRING, KqlType.BOOL)
    return Typed(null_test(arg), KqlType.BOOL)


@function("isnotnull", "notnull", args=1)
def _isnotnull(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/isnotnull-function"""
    arg = args[0]
    if arg.is_constant:
        return literal(not (arg.value is None and arg.type is not KqlType.STRING), KqlType.BOOL)
    return Typed(sql.not_(null_test(arg)), KqlType.BOOL)


def _extreme(node_type: type[exp.Greatest] | type[exp.Least]):  # type: ignore[no-untyped-def]
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        """Nulls are ignored; null only when every argument is null."""
        target, values = unify(compiler, node, args, "arguments")
        if target is KqlType.DYNAMIC:
            raise KqlTypeError(f"{node.name}() cannot compare dynamic values", node.span, compiler.ctx.source)
        return Typed(node_type(this=values[0], expressions=values[1:], ignore_nulls=True), target)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/max-of-function, .../min-of-function
function("max_of", args=(2, 64))(_extreme(exp.Greatest))
function("min_of", args=(2, 64))(_extreme(exp.Least))


@function("not", args=1)
def _not(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/not-function"""
    condition = condition_of(compiler, node, 0, args[0])
    if args[0].is_constant and isinstance(args[0].value, bool):
        return literal(not args[0].value, KqlType.BOOL)
    return Typed(sql.not_(condition), KqlType.BOOL)
