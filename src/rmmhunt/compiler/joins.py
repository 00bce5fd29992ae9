"""Operators that combine tables: join, lookup, union.

https://learn.microsoft.com/en-us/kusto/query/join-operator,
https://learn.microsoft.com/en-us/kusto/query/lookup-operator,
https://learn.microsoft.com/en-us/kusto/query/union-operator
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.naming import unique
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

ROW_NUMBER = "__rmmhunt_row"


def qualified(name: str, table: str) -> exp.Column:
    return exp.Column(this=ident(name), table=ident(table))


def _aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def _check_keys(compiler: TabularCompiler, keys: tuple[ast.JoinKey, ...], left: Relation, right: Relation) -> None:
    for key in keys:
        for side, name, relation in (("left", key.left, left), ("right", key.right, right)):
            if name not in relation.columns:
                raise compiler.ctx.unknown(
                    f"column on the {side} side of the join:", name, key.span, list(relation.columns)
                )
        left_type, right_type = left.columns[key.left], right.columns[key.right]
        if left_type != right_type and not (left_type.is_numeric and right_type.is_numeric):
            raise KqlTypeError(
                f"join key types differ: {key.left} is {left_type.value}, {key.right} is {right_type.value}",
                key.span,
                compiler.ctx.source,
            )


def _unique_left(compiler: TabularCompiler, left: Relation, keys: tuple[ast.JoinKey, ...]) -> exp.Expression:
    """innerunique keeps one left row per join key before joining."""
    numbered = exp.Window(this=exp.RowNumber(), partition_by=[col(k.left) for k in keys])
    inner = left.select_from(compiler.ctx.next_alias(), [exp.Star(), _aliased(numbered, ROW_NUMBER)])
    outer = exp.Select(expressions=left.column_items()).from_(inner.subquery(compiler.ctx.next_alias()), copy=False)
    return outer.where(exp.EQ(this=col(ROW_NUMBER), expression=exp.Literal.number(1)), copy=False)


# kind -> (SQL join side, SQL join kind, which sides' columns are output)
_JOIN_SQL = {
    "innerunique": (None, None, "both"),
    "inner": (None, None, "both"),
    "leftouter": ("LEFT", None, "both"),
    "rightouter": ("RIGHT", None, "both"),
    "fullouter": ("FULL", None, "both"),
    "leftsemi": ("LEFT", "SEMI", "left"),
    "leftanti": ("LEFT", "ANTI", "left"),
    "rightsemi": ("LEFT", "SEMI", "right"),
    "rightanti": ("LEFT", "ANTI", "right"),
}


def join(compiler: TabularCompiler, op: ast.Join, left: Relation) -> Relation:
    right = compiler.compile(op.right)
    _check_keys(compiler, op.on, left, right)
    side, kind, output = _JOIN_SQL[op.kind]
    keys = op.on
    left_sql: exp.Expression = _unique_left(compiler, left, keys) if op.kind == "innerunique" else left.query
    if op.kind in ("rightsemi", "rightanti"):  # a right semi/anti join is the left one, mirrored
        left, right = right, left
        left_sql = left.query
        keys = tuple(ast.JoinKey(k.right, k.left, k.span) for k in keys)
    la, ra = compiler.ctx.next_alias(), compiler.ctx.next_alias()
    condition = exp.and_(*[exp.EQ(this=qualified(k.left, la), expression=qualified(k.right, ra)) for k in keys])
    columns: dict[str, KqlType] = {}
    items: list[exp.Expression] = []
    for name, kql_type in left.columns.items():
        columns[name] = kql_type
        items.append(_aliased(qualified(name, la), name))
    if output == "both":
        for name, kql_type in right.columns.items():
            out = unique(name, set(columns))
            columns[out] = kql_type
            items.append(_aliased(qualified(name, ra), out))
    sql_join = exp.Join(this=right.query.subquery(ra), on=condition, side=side, kind=kind)
    query = exp.Select(expressions=items).from_(left_sql.subquery(la), copy=False)
    query.append("joins", sql_join)
    return Relation(query, columns)


def lookup(compiler: TabularCompiler, op: ast.Lookup, left: Relation) -> Relation:
    """Like a left outer join, but the right side's key columns are not repeated."""
    right = compiler.compile(op.right)
    _check_keys(compiler, op.on, left, right)
    la, ra = compiler.ctx.next_alias(), compiler.ctx.next_alias()
    condition = exp.and_(*[exp.EQ(this=qualified(k.left, la), expression=qualified(k.right, ra)) for k in op.on])
    right_keys = {k.right for k in op.on}
    columns = dict(left.columns)
    items: list[exp.Expression] = [_aliased(qualified(n, la), n) for n in left.columns]
    for name, kql_type in right.columns.items():
        if name in right_keys:
            continue
        out = unique(name, set(columns))
        columns[out] = kql_type
        items.append(_aliased(qualified(name, ra), out))
    sql_join = exp.Join(this=right.query.subquery(ra), on=condition, side="LEFT" if op.kind == "leftouter" else None)
    query = exp.Select(expressions=items).from_(left.query.subquery(la), copy=False)
    query.append("joins", sql_join)
    return Relation(query, columns)


def _pattern_tables(compiler: TabularCompiler, node: ast.TablePattern) -> list[tuple[str, Relation]]:
    regex = re.compile("^" + ".*".join(re.escape(p) for p in node.pattern.split("*")) + "$")
    names = sorted(n for n in [*compiler.ctx.tables.table_names(), *compiler.ctx.relations] if regex.match(n))
    return [(n, compiler.table(ast.TableRef(node.span, n))) for n in names]


def _legs(compiler: TabularCompiler, union: ast.Union, piped: Relation | None) -> list[tuple[str, Relation]]:
    legs: list[tuple[str, Relation]] = [("union_arg0", piped)] if piped is not None else []
    for position, table in enumerate(union.tables, start=len(legs)):
        if isinstance(table, ast.TablePattern):
            legs.extend(_pattern_tables(compiler, table))
        else:
            name = table.name if isinstance(table, ast.TableRef) else f"union_arg{position}"
            legs.append((name, compiler.compile(table)))
    return legs


def outer_columns(legs: list[Relation]) -> tuple[dict[str, KqlType], set[str]]:
    """The columns of an outer union, in order of appearance, and the names that differ in type between legs:
    each of those becomes one column per type, named X_long, X_string (https://learn.microsoft.com/en-us/kusto/query/union-operator)."""
    types: dict[str, set[KqlType]] = {}
    for relation in legs:
        for name, kql_type in relation.columns.items():
            types.setdefault(name, set()).add(kql_type)
    conflicting = {name for name, found in types.items() if len(found) > 1}
    columns: dict[str, KqlType] = {}
    for relation in legs:
        for name, kql_type in relation.columns.items():
            columns.setdefault(f"{name}_{kql_type.value}" if name in conflicting else name, kql_type)
    return columns, conflicting


def union(compiler: TabularCompiler, node: ast.Union, piped: Relation | None = None) -> Relation:
    """UNION ALL of every leg, each projected onto the combined columns (null where a leg lacks one)."""
    legs = _legs(compiler, node, piped)
    if not legs:
        raise KqlTypeError("union matched no tables", node.span, compiler.ctx.source)
    columns, conflicting = outer_columns([relation for _, relation in legs])
    if node.kind == "inner":
        shared = set.intersection(*(set(r.columns) for _, r in legs))
        if conflicting & shared:
            name = sorted(conflicting & shared)[0]
            message = f"union kind=inner: column {name!r} has a different type in different tables"
            raise KqlTypeError(message, node.span, compiler.ctx.source)
        columns = {n: t for n, t in legs[0][1].columns.items() if n in shared}
    if node.withsource:
        columns = {node.withsource: KqlType.STRING, **columns}
    selects: list[exp.Select] = []
    for leg_name, relation in legs:
        items: list[exp.Expression] = []
        renamed = {f"{n}_{t.value}": n for n, t in relation.columns.items() if n in conflicting}
        for name, kql_type in columns.items():
            if name == node.withsource:
                items.append(_aliased(literal(leg_name, KqlType.STRING).sql, name))
            elif name in renamed:
                items.append(_aliased(col(renamed[name]), name))
            elif name in relation.columns and name not in conflicting:
                items.append(col(name))
            else:
                items.append(_aliased(exp.Cast(this=exp.null(), to=sql_type(kql_type)), name))
        selects.append(relation.select_from(compiler.ctx.next_alias(), items))
    combined: exp.Expression = selects[0]
    for select in selects[1:]:
        combined = exp.Union(this=combined, expression=select, distinct=False)
    if isinstance(combined, exp.Select):
        return Relation(combined, columns)
    query = exp.Select(expressions=[exp.Star()]).from_(
        combined.subquery(compiler.ctx.next_alias(), copy=False), copy=False
    )
    return Relation(query, columns)


def union_operator(compiler: TabularCompiler, op: ast.UnionOp, relation: Relation) -> Relation:
    return union(compiler, op.union, relation)


def register(operators: dict, sources: dict) -> None:
    operators.update({ast.Join: join, ast.Lookup: lookup, ast.UnionOp: union_operator})
    sources.update({ast.Union: union, ast.TablePattern: lambda c, n: union(c, ast.Union(n.span, (n,), "outer", None))})
