"""What one dynamic value expands into under mv-expand and mv-apply: a SQL list, an element per row.

https://learn.microsoft.com/en-us/kusto/query/mv-expand-operator: an array gives its elements; a property
bag its properties, each as a single-entry bag (kind=bag, the default) or as a [key, value] array
(kind=array); null gives one null row; an empty array or bag gives no row; any other value is itself, once.

With `to typeof(T)` the elements are read straight out of the JSON as text, as tostring() gives them (a
string unquoted, anything else its JSON text), and a T other than string is cast from that text once
expanded: no element goes back through JSON. The common case, an array, is one cast of the value; the
others are only worked out for the rows whose value is not an array.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import dynamic
from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.dynamic import lookup
from rmmhunt.compiler.functions.sql import s
from rmmhunt.kql import ast
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


def reads_text(to_type: KqlType | None) -> bool:
    """Whether the elements are text (for `to typeof(T)`) rather than dynamic values."""
    return to_type is not None and to_type is not KqlType.DYNAMIC


def element_type(to_type: KqlType | None) -> KqlType:
    """The type of the expanded elements before `typed` casts them."""
    return KqlType.STRING if reads_text(to_type) else KqlType.DYNAMIC


def typed(element: exp.Expression, to_type: KqlType | None) -> Typed:
    """An expanded element as the item's `to typeof(T)` (dynamic when there is none)."""
    if to_type is None or to_type is KqlType.DYNAMIC:
        return Typed(element, KqlType.DYNAMIC)
    if to_type is KqlType.STRING:  # strings are never null: a null element is ""
        return Typed(sql.coalesce(element, s("")), KqlType.STRING)
    return dynamic.from_text(element, to_type)


def elements(
    compiler: ExprCompiler, value: exp.Expression, to_type: KqlType | None, bag_kind: str, node: ast.Expr
) -> exp.Expression:
    """The list `value` expands into. `value` is read in several places, so it should be a column."""
    document = sql.as_json(value)
    text = reads_text(to_type)
    array = sql.try_cast(document, "VARCHAR[]") if text else sql.json_list(document)
    itself = sql.json_text(document.copy()) if text else exp.Nullif(this=document.copy(), expression=_json_null())
    is_bag = sql.eq(sql.json_type(document.copy()), s("OBJECT"))
    others = sql.case(
        (is_bag, _bag_entries(compiler, document, bag_kind, text, node)),
        default=exp.Array(expressions=[itself]),
    )
    return sql.coalesce(array, others)


def first_nonempty(items: exp.Expression, otherwise: exp.Expression) -> exp.Expression:
    """`items` (a column) when it has any element, else `otherwise`, which is only worked out for those rows."""
    has_any = exp.GT(this=exp.ArraySize(this=items), expression=exp.Literal.number(0))
    return sql.case((has_any, items.copy()), default=otherwise)


def _json_null() -> exp.Expression:
    return sql.cast(s("null"), KqlType.DYNAMIC)


def _bag_entries(compiler: ExprCompiler, bag: exp.Expression, kind: str, text: bool, node: ast.Expr) -> exp.Expression:
    """Each property of a bag as {"key":value} (kind=bag) or ["key",value] (kind=array), as JSON text,
    built as text so that Spark, which holds dynamic values as JSON text, says it the same way."""
    key = sql.fresh_name(compiler, "_k")
    member = lookup(compiler, Typed(bag.copy(), KqlType.DYNAMIC), Typed(exp.column(key), KqlType.STRING), node)
    value_text = sql.coalesce(sql.text(member.sql), s("null"))  # a JSON null member is null once looked up
    opening, between, closing = ("{", ":", "}") if kind == "bag" else ("[", ",", "]")
    entry = sql.concat(s(opening), sql.text(sql.to_json(exp.column(key))), s(between), value_text, s(closing))
    return sql.list_transform(exp.JSONKeys(this=bag.copy()), key, entry if text else sql.cast(entry, KqlType.DYNAMIC))
