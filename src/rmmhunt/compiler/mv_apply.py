"""mv-apply: a subquery run on each row's expansion, compiled as one SQL query.

Each input row gets a number; its arrays expand by position (as `mv-expand with_itemindex` does) into rows
that carry the number, and each operator of the subquery then works per number: summarize groups by it,
take/top keep the first rows of each number (a window), the other operators are row by row. The row's other
columns travel along (summarize keeps them with take_any, projections keep them), so the result is the
row's unexpanded columns followed by the subquery's. https://learn.microsoft.com/en-us/kusto/query/mv-apply-operator
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.naming import inferred_name
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.reshape import HIDDEN_INDEX, expand_by_position, matching, named_items, select_columns
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

ROW = "__rmmhunt_row"


def mv_apply(compiler: TabularCompiler, op: ast.MvApply, relation: Relation) -> Relation:
    op = ast.MvApply(op.span, named_items(compiler, op), op.item_index, op.limit, op.subquery)
    numbered = Relation(
        relation.select_from(
            compiler.ctx.next_alias(), [exp.Star(), exp.Alias(this=exp.Window(this=exp.RowNumber()), alias=ident(ROW))]
        ),
        {**relation.columns, ROW: KqlType.LONG},
    )
    index = op.item_index or HIDDEN_INDEX
    current = expand_by_position(compiler, op, numbered, index)
    expanded = {item.name for item in op.items} | {index}
    # A column expanded under another name leaves the input (`e = m` drops m).
    consumed = {i.expr.name for i in op.items if isinstance(i.expr, ast.Name)} - expanded
    current = select_columns(compiler, current, [n for n in current.columns if n not in consumed], op.span)
    carried = [n for n in current.columns if n not in expanded]  # the row's other columns, and its number
    order: tuple[exp.Ordered, ...] = (exp.Ordered(this=col(index)),)
    for step in op.subquery:
        handler = _PER_ROW.get(type(step))
        if handler is not None:
            current, order = handler(compiler, step, current, carried, order)
            continue
        if type(step) not in _ROW_BY_ROW:
            name = type(step).__name__.lower()
            raise KqlNotSupported(f"{name} inside mv-apply", step.span, compiler.ctx.source)
        current = compiler.apply(step, current)
        order = current.order or order
    hidden = {ROW, HIDDEN_INDEX}
    names = [n for n in numbered.columns if n in carried and n in current.columns and n not in hidden]
    names += [n for n in current.columns if n not in carried and n not in hidden]
    return select_columns(compiler, current, names, op.span)


Orders = tuple[exp.Ordered, ...]


def _keep_carried(relation: Relation, carried: list[str]) -> list[str]:
    return [n for n in carried if n not in relation.columns]


def _project(compiler: TabularCompiler, op: ast.Project, relation: Relation, carried: list[str], order: Orders):
    names = {item.name or inferred_name(item.expr) for item in op.items}
    extra = tuple(ast.Assignment(None, ast.Name(op.span, n), op.span) for n in carried if n not in names)
    return compiler.project(ast.Project(op.span, op.items + extra), relation), ()


def _project_patterns(compiler: TabularCompiler, op: ast.Operator, relation: Relation, carried: list[str], order):
    """project-away / project-keep: the carried columns stay whatever the patterns say."""
    chosen = {n for p in op.patterns for n in matching(compiler, p, relation)}
    keep = isinstance(op, ast.ProjectKeep)
    names = [n for n in relation.columns if n in carried or (n in chosen) == keep]
    return select_columns(compiler, relation, names, op.span), order


def _summarize(compiler: TabularCompiler, op: ast.Summarize, relation: Relation, carried: list[str], order):
    """Grouped by the row's number too; the row's other columns come along as take_any()."""
    named = {item.name or inferred_name(item.expr) for item in (*op.by, *op.aggregates)}
    by = (ast.Assignment(None, ast.Name(op.span, ROW), op.span), *op.by)
    kept = tuple(
        ast.Assignment(n, ast.Call(op.span, "take_any", (ast.Name(op.span, n),), op.span), op.span)
        for n in carried
        if n != ROW and n not in named
    )
    return compiler.summarize(ast.Summarize(op.span, op.aggregates + kept, by), relation), ()


def _count(compiler: TabularCompiler, op: ast.Count, relation: Relation, carried: list[str], order):
    count = ast.Assignment("Count", ast.Call(op.span, "count", (), op.span), op.span)
    return _summarize(compiler, ast.Summarize(op.span, (count,), ()), relation, carried, order)


def _distinct(compiler: TabularCompiler, op: ast.Distinct, relation: Relation, carried: list[str], order):
    if not op.items:
        return Relation(compiler.wrap(relation).distinct(copy=False), relation.columns), ()
    projected, _ = _project(compiler, ast.Project(op.span, op.items), relation, carried, order)
    return Relation(projected.query.distinct(copy=False), projected.columns), ()


def _sort(compiler: TabularCompiler, op: ast.Sort, relation: Relation, carried: list[str], order):
    """Rows of different input rows are not ordered against each other; the order serves a later take."""
    scalar = ExprCompiler(compiler.ctx, relation.columns)
    keys = tuple(
        exp.Ordered(this=scalar.compile(k.expr).sql, desc=k.descending, nulls_first=k.nulls_first) for k in op.keys
    )
    return relation, keys


def _take(compiler: TabularCompiler, op: ast.Take, relation: Relation, carried: list[str], order):
    """The first n rows of each input row's subtable, in its current order."""
    count = ExprCompiler(compiler.ctx, {}).compile(op.count)
    if not (count.is_constant and isinstance(count.value, int) and count.value >= 0):
        raise KqlTypeError("take/limit needs a non-negative whole number", op.count.span, compiler.ctx.source)
    usable = tuple(o.copy() for o in order if all(c.name in relation.columns for c in o.find_all(exp.Column)))
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=[col(ROW)],
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


def _top(compiler: TabularCompiler, op: ast.Top, relation: Relation, carried: list[str], order):
    _, keys = _sort(compiler, ast.Sort(op.span, op.keys), relation, carried, order)
    return _take(compiler, ast.Take(op.span, op.count), relation, carried, keys)


_PER_ROW: dict[type, Callable] = {
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
