"""mv-apply: a subquery run on each row's expansion, compiled as one SQL query.

Each input row gets a number; its arrays expand by position (as `mv-expand with_itemindex` does) into rows
that carry the number, and the subquery then runs per number (grouped_subquery.py). The row's other
columns travel along (summarize keeps them with take_any, projections keep them), so the result is the
row's unexpanded columns followed by the subquery's. https://learn.microsoft.com/en-us/kusto/query/mv-apply-operator
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.grouped_subquery import run_per_group
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.reshape import HIDDEN_INDEX, expand_by_position, named_items, select_columns
from rmmhunt.kql import ast
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
    order = (exp.Ordered(this=col(index)),)
    current = run_per_group(compiler, op.subquery, current, carried, order, ROW, "mv-apply")
    hidden = {ROW, HIDDEN_INDEX}
    names = [n for n in numbered.columns if n in carried and n in current.columns and n not in hidden]
    names += [n for n in current.columns if n not in carried and n not in hidden]
    return select_columns(compiler, current, names, op.span)
