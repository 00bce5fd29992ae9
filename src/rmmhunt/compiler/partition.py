"""partition: a subquery run on the rows of each value of a column, the results put together.

The subquery runs on every partition at once (grouped_subquery.py), grouped by a hidden copy of the column,
so `partition by K (top 1 by T)` is the first row by T of each K. Hints (hint.strategy, hint.shufflekey, ...)
only say how Kusto spreads the work and change no row. https://learn.microsoft.com/en-us/kusto/query/partition-operator
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.grouped_subquery import run_per_group
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.reshape import select_columns
from rmmhunt.kql import ast

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

KEY = "__rmmhunt_partition"


def partition(compiler: TabularCompiler, op: ast.Partition, relation: Relation) -> Relation:
    if op.column not in relation.columns:
        raise compiler.ctx.unknown("column", op.column, op.column_span, list(relation.columns))
    keyed = Relation(
        relation.select_from(compiler.ctx.next_alias(), [exp.Star(), exp.Alias(this=col(op.column), alias=ident(KEY))]),
        {**relation.columns, KEY: relation.columns[op.column]},
        order=relation.order,
    )
    result = run_per_group(compiler, op.subquery, keyed, [KEY], (), KEY, "partition")
    return select_columns(compiler, result, [n for n in result.columns if n != KEY], op.span)
