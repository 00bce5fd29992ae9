"""A subquery run on each group of rows at once, in one SQL query: mv-apply's subquery runs per input row,
partition's per key. The group is a key column; summarize groups by it too, take/top keep the first rows of
each group (a window over it), the other operators see one row at a time and work on all groups unchanged.
`carried` columns (the key among them) travel along through projections and summaries.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.naming import inferred_name
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.reshape import matching, select_columns
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

Orders = tuple[exp.Ordered, ...]


def _project(
    compiler: TabularCompiler, op: ast.Project, relation: Relation, carried: list[str], order: Orders, key: str
):
    names = {item.name or inferred_name(item.expr) for item in op.items}
    extra = tuple(ast.Assignment(None, ast.Name(op.span, n), op.span) for n in carried if n not in names)
    return compiler.project(ast.Project(op.span, op.items + extra), relation), ()


def _project_patterns(
    compiler: TabularCompiler, op: ast.Operator, relation: Relation, carried: list[str], order, key: str
):
    """project-away / project-keep: the carried columns stay whatever the patterns say."""
    chosen = {n for p in op.patterns for n in matching(compiler, p, relation)}
    keep = isinstance(op, ast.ProjectKeep)
    names = [n for n in relation.columns if n in carried or (n in chosen) == keep]
    return select_columns(compiler, relation, names, op.span), order


def _summarize(compiler: TabularCompiler, op: ast.Summarize, relation: Relation, carried: list[str], order, key: str):
    """Grouped by the key too; the other carried columns come along as take_any()."""
    named = {item.name or inferred_name(item.expr) for item in (*op.by, *op.aggregates)}
    by = (ast.Assignment(None, ast.Name(op.span, key), op.span), *op.by)
    kept = tuple(
        ast.Assignment(n, ast.Call(op.span, "take_any", (ast.Name(op.span, n),), op.span), op.span)
        for n in carried
        if n != key and n not in named
    )
    return compiler.summarize(ast.Summarize(op.span, op.aggregates + kept, by), relation), ()


def _count(compiler: TabularCompiler, op: ast.Count, relation: Relation, carried: list[str], order, key: str):
    count = ast.Assignment("Count", ast.Call(op.span, "count", (), op.span), op.span)
    return _summarize(compiler, ast.Summarize(op.span, (count,), ()), relation, carried, order, key)


def _distinct(compiler: TabularCompiler, op: ast.Distinct, relation: Relation, carried: list[str], order, key: str):
    if not op.items:
        return Relation(compiler.wrap(relation).distinct(copy=False), relation.columns), ()
    projected, _ = _project(compiler, ast.Project(op.span, op.items), relation, carried, order, key)
    return Relation(projected.query.distinct(copy=False), projected.columns), ()


def _sort(compiler: TabularCompiler, op: ast.Sort, relation: Relation, carried: list[str], order, key: str):
    """Rows of different groups are not ordered against each other; the order serves a later take."""
    scalar = ExprCompiler(compiler.ctx, relation.columns)
    keys = tuple(
        exp.Ordered(this=scalar.compile(k.expr).sql, desc=k.descending, nulls_first=k.nulls_first) for k in op.keys
    )
    return relation, keys


def _take(compiler: TabularCompiler, op: ast.Take, relation: Relation, carried: list[str], order, key: str):
    """The first n rows of each group, in its current order."""
    count = ExprCompiler(compiler.ctx, {}).compile(op.count)
    if not (count.is_constant and isinstance(count.value, int) and count.value >= 0):
        raise KqlTypeError("take/limit needs a non-negative whole number", op.count.span, compiler.ctx.source)
    usable = tuple(o.copy() for o in order if all(c.name in relation.columns for c in o.find_all(exp.Column)))
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col(key)],
        order=exp.Order(expressions=list(usable)) if usable else None,
    )
    position = "__rmmhunt_position"
    ranked = relation.select_from(
        compiler.ctx.next_alias(), [exp.Star(), exp.Alias(this=window, alias=ident(position))]
    )
    query = exp.Select(expressions=relation.column_items()).from_(
        ranked.subquery(compiler.ctx.next_alias()), copy=False
    )
    query = query.where(exp.LTE(this=col(position), expression=exp.Literal.number(count.value)), copy=False)
    return Relation(query, relation.columns), order


def _top(compiler: TabularCompiler, op: ast.Top, relation: Relation, carried: list[str], order, key: str):
    _, keys = _sort(compiler, ast.Sort(op.span, op.keys), relation, carried, order, key)
    return _take(compiler, ast.Take(op.span, op.count), relation, carried, keys, key)


_PER_GROUP: dict[type, Callable] = {
    ast.Project: _project,
    ast.ProjectAway: _project_patterns,
    ast.ProjectKeep: _project_patterns,
    ast.Summarize: _summarize,
    ast.Count: _count,
    ast.Distinct: _distinct,
    ast.Sort: _sort,
    ast.Take: _take,
    ast.Top: _top,
}
# Operators that see one row at a time, so they work on the expansion unchanged.
_ROW_BY_ROW = frozenset({ast.Where, ast.Extend, ast.Parse, ast.MvExpand, ast.ProjectRename, ast.ProjectReorder})


def run_per_group(
    compiler: TabularCompiler,
    subquery: tuple[ast.Operator, ...],
    relation: Relation,
    carried: list[str],
    order: Orders,
    key: str,
    where: str,
) -> Relation:
    """The subquery's operators applied to each group of `key`; `where` names the operator in errors."""
    for step in subquery:
        handler = _PER_GROUP.get(type(step))
        if handler is not None:
            relation, order = handler(compiler, step, relation, carried, order, key)
            continue
        if type(step) not in _ROW_BY_ROW:
            name = type(step).__name__.lower()
            raise KqlNotSupported(f"{name} inside {where}", step.span, compiler.ctx.source)
        relation = compiler.apply(step, relation)
        order = relation.order or order
    return relation
