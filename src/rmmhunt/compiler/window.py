"""Functions over a serialized (ordered) row set: row_number(), prev(), next(), row_cumsum(), row_rank_dense(),
row_rank_min().

The last three are windows over other windows (a running sum of "the term changed here" flags, ...), which SQL
refuses in one SELECT: `computed_apart` computes each inner window in a SELECT below, as a column. They all order
by one position per row (row_number() over the sort order), so rows that tie in the sort order keep one order.

https://learn.microsoft.com/en-us/kusto/query/row-number-function,
https://learn.microsoft.com/en-us/kusto/query/prev-function,
https://learn.microsoft.com/en-us/kusto/query/row-cumsum-function,
https://learn.microsoft.com/en-us/kusto/query/row-rank-dense-function,
https://learn.microsoft.com/en-us/kusto/query/row-rank-min-function
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import QueryContext, Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

# Each row's sum, maximum, ... over the rows before it and itself.
RUNNING = exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING", end="CURRENT ROW")


def _over(compiler: ExprCompiler, node: exp.Expression) -> exp.Window:
    order = exp.Order(expressions=[o.copy() for o in compiler.order]) if compiler.order else None
    return exp.Window(this=node, order=order)


def call_window(compiler: ExprCompiler, call: ast.Call) -> Typed:
    if call.name in ROW_FOLDS:
        return ROW_FOLDS[call.name](compiler, call)
    if call.name == "row_number":
        return row_number(compiler, call)
    args = [compiler.compile(a) for a in call.args]
    if not args or len(args) > 3:
        raise KqlTypeError(f"{call.name}() takes 1 to 3 arguments", call.span, compiler.ctx.source)
    value = args[0]
    offset = args[1].sql if len(args) > 1 else exp.Literal.number(1)
    node_type = exp.Lag if call.name == "prev" else exp.Lead
    shifted = node_type(this=value.sql, offset=offset)
    if len(args) == 3:
        shifted.set("default", args[2].sql)
    return Typed(_over(compiler, shifted), value.type)


def row_number(compiler: ExprCompiler, call: ast.Call) -> Typed:
    """StartingIndex (1 unless given) for the first row and for each row where Restart holds, one more for each
    row after it."""
    if len(call.args) > 2:
        raise compiler.type_error(f"row_number() takes 0 to 2 arguments, not {len(call.args)}", call.span)
    args = [compiler.compile(a) for a in call.args]
    start = args[0] if args else literal(1, KqlType.LONG)
    if len(args) < 2:
        number = _over(compiler, exp.RowNumber())
    elif args[1].type is not KqlType.BOOL:
        raise compiler.type_error("the restart argument of row_number() must be bool", call.args[1].span)
    else:
        position = _position(compiler)
        group = _group(position, args[1])
        number = exp.Window(
            this=exp.RowNumber(), partition_by=[group], order=exp.Order(expressions=[exp.Ordered(this=position)])
        )
    return Typed(sql.add(exp.paren(exp.Sub(this=number, expression=exp.Literal.number(1))), start.sql), KqlType.LONG)


def _position(compiler: ExprCompiler) -> exp.Window:
    """The row's place in the serialized order, from 1; the windows over it are computed apart."""
    compiler.serial_position = _over(compiler, exp.RowNumber())
    return compiler.serial_position.copy()


def _running(node: exp.Expression, position: exp.Expression, group: exp.Expression | None = None) -> exp.Window:
    return exp.Window(
        this=node,
        partition_by=[group] if group is not None else None,
        order=exp.Order(expressions=[exp.Ordered(this=position.copy())]),
        spec=RUNNING.copy(),
    )


def _flag(condition: exp.Expression) -> exp.Expression:
    return sql.case((condition, exp.Literal.number(1)), default=exp.Literal.number(0))


def _term_and_restart(compiler: ExprCompiler, call: ast.Call) -> tuple[Typed, Typed | None]:
    """The term and the optional restart flag (a bool: where true, the row starts over)."""
    if not 1 <= len(call.args) <= 2:
        raise compiler.type_error(f"{call.name}() takes 1 or 2 arguments, not {len(call.args)}", call.span)
    term = compiler.compile(call.args[0])
    restart = compiler.compile(call.args[1]) if len(call.args) == 2 else None
    if restart is not None and restart.type is not KqlType.BOOL:
        raise compiler.type_error(f"the restart argument of {call.name}() must be bool", call.args[1].span)
    return term, restart


def _first_rows(position: exp.Expression, restart: Typed | None) -> exp.Expression:
    """Where a run of rows starts: the first row, and each row whose restart flag is true."""
    first = exp.EQ(this=position.copy(), expression=exp.Literal.number(1))
    return first if restart is None else exp.or_(first, restart.sql.copy())


def _group(position: exp.Expression, restart: Typed | None) -> exp.Expression | None:
    """How many restarts came so far: rows between two restarts share it."""
    if restart is None:
        return None
    return _running(exp.Sum(this=_flag(restart.sql.copy())), position)


def _changes(term: Typed, position: exp.Expression, restart: Typed | None) -> exp.Expression:
    """Whether the row starts a rank: it starts over, or its term differs from the previous row's (nulls equal)."""
    previous = exp.Window(this=exp.Lag(this=term.sql), order=exp.Order(expressions=[exp.Ordered(this=position.copy())]))
    return exp.or_(_first_rows(position, restart), exp.NullSafeNEQ(this=term.sql.copy(), expression=previous))


def row_cumsum(compiler: ExprCompiler, call: ast.Call) -> Typed:
    """The sum of the term over the rows so far (since the last restart). A null term adds nothing, and the sum of
    no values is 0, the value the page says a restart sets it back to (the page is silent on nulls)."""
    term, restart = _term_and_restart(compiler, call)
    if term.type not in (KqlType.INT, KqlType.LONG, KqlType.REAL):
        raise compiler.type_error(f"row_cumsum() sums int, long or real, not {term.type.value}", call.args[0].span)
    position = _position(compiler)
    total = sql.coalesce(_running(exp.Sum(this=term.sql), position, _group(position, restart)), exp.Literal.number(0))
    result_type = KqlType.REAL if term.type is KqlType.REAL else KqlType.LONG
    return Typed(sql.cast(total, result_type), result_type)


def row_rank_dense(compiler: ExprCompiler, call: ast.Call) -> Typed:
    """1 for the first row (and each restart), one more at each row whose term differs from the previous row's."""
    term, restart = _term_and_restart(compiler, call)
    position = _position(compiler)
    changes = _flag(_changes(term, position, restart))
    return Typed(sql.bigint(_running(exp.Sum(this=changes), position, _group(position, restart))), KqlType.LONG)


def row_rank_min(compiler: ExprCompiler, call: ast.Call) -> Typed:
    """The row number (from 1 at the first row and at each restart) of the first row of the current run of equal
    terms: for the sorted rows the page means, the smallest row number with the row's term."""
    term, restart = _term_and_restart(compiler, call)
    position = _position(compiler)

    def last_position_where(condition: exp.Expression) -> exp.Expression:
        return _running(exp.Max(this=sql.case((condition, position.copy()))), position)

    run_start = last_position_where(_changes(term, position, restart))
    if restart is None:
        return Typed(sql.bigint(run_start), KqlType.LONG)
    restarted_at = last_position_where(_first_rows(position, restart))
    return Typed(sql.bigint(sql.add(sql.sub(run_start, restarted_at), exp.Literal.number(1))), KqlType.LONG)


ROW_FOLDS = {"row_cumsum": row_cumsum, "row_rank_dense": row_rank_dense, "row_rank_min": row_rank_min}
WINDOW_FUNCTIONS = frozenset({"row_number", "prev", "next", *ROW_FOLDS})


def computed_apart(
    ctx: QueryContext, relation: Relation, items: list[exp.Expression], position: exp.Window
) -> exp.Select:
    """SELECT items FROM relation, where each window inside another window is computed in a SELECT below, as
    a column (the same window once), as many levels down as windows nest. The rows come in `position`'s order:
    windows partitioned apart need not keep the order they were given."""
    source = relation
    names: dict[str, str] = {}
    while lifted := _lift_innermost(ctx, items):
        names.update({key: alias.alias for key, alias in lifted.items()})
        source = Relation(source.select_from(ctx.next_alias(), [exp.Star(), *lifted.values()]), source.columns)
    query = source.select_from(ctx.next_alias(), items)
    ordered_by = names.get(position.sql())
    return query.order_by(col(ordered_by), copy=False) if ordered_by else query


def _lift_innermost(ctx: QueryContext, items: list[exp.Expression]) -> dict[str, exp.Alias]:
    """The innermost windows nested in other windows, as aliased columns by their SQL; each is replaced by its
    column."""
    lifted: dict[str, exp.Alias] = {}
    for item in items:
        for window in [w for w in item.find_all(exp.Window) if _innermost_nested(w)]:
            key = window.sql()
            if key not in lifted:
                lifted[key] = exp.Alias(this=window.copy(), alias=ident(f"__rmmhunt_window{ctx.next_alias()}"))
            window.replace(col(lifted[key].alias))
    return lifted


def _innermost_nested(window: exp.Window) -> bool:
    inside_another = window.find_ancestor(exp.Window) is not None
    return inside_another and not any(isinstance(node, exp.Window) for node in window.walk() if node is not window)
