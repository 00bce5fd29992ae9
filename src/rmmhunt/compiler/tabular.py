"""Tabular operators: each turns the relation before it into a new relation."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from rmmhunt.compiler import (
    conditions,
    defender_functions,
    evaluate,
    joins,
    mv_apply,
    partition,
    reshape,
    search,
    series,
    top_nested,
    window,
)
from rmmhunt.compiler.aggregates import (
    AGGREGATE_FORMS,
    AGGREGATES,
    ARG_EXTREMES,
    canonical_aggregate,
    compile_aggregate,
    default_name,
    expand_percentiles,
    over_no_rows,
    wrapped_aggregate_name,
)
from rmmhunt.compiler.context import QueryContext, Typed
from rmmhunt.compiler.functions.convert import PARSE_JSON_NAMES
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.naming import inferred_name, unique
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.compiler.udf import call_tabular_function
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNameError, KqlNotSupported, KqlTypeError
from rmmhunt.kql.types import KqlType


def aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def _calls_aggregate(node: object) -> bool:
    """Whether an expression calls an aggregate function anywhere inside it."""
    if isinstance(node, ast.Call) and node.name in AGGREGATES:
        return True
    if isinstance(node, ast.Expr):
        return any(_calls_aggregate(getattr(node, f)) for f in node.__dataclass_fields__ if f != "span")
    if isinstance(node, tuple):
        return any(_calls_aggregate(n) for n in node)
    return False


def _has_window(node: exp.Expression) -> bool:
    """node.find(exp.Window), without its chain of generators (bfs, walk, find_all, iter_expressions) per node."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, exp.Window):
            return True
        for value in current.args.values():
            for child in value if isinstance(value, list) else (value,):
                if isinstance(child, exp.Expression):
                    stack.append(child)
    return False


def _column_names(node: exp.Expression) -> set[str]:
    return {c.name for c in node.find_all(exp.Column)}


class TabularCompiler:
    def __init__(self, ctx: QueryContext):
        self.ctx = ctx

    def compile(self, node: ast.Tabular) -> Relation:
        handler = _SOURCES.get(type(node))
        if handler is None:
            raise KqlNotSupported(type(node).__name__.lower(), node.span, self.ctx.source)
        return handler(self, node)

    def as_tabular(self, node: ast.Expr | ast.Tabular) -> ast.Tabular:
        """An argument or let value that must be a table: a tabular expression, a table name, materialize(T)."""
        if isinstance(node, ast.Tabular):
            return node
        if isinstance(node, ast.TabularExpr):
            return node.tabular
        if isinstance(node, ast.Name):
            return ast.TableRef(node.span, node.name)
        if isinstance(node, ast.Call) and node.name == "materialize" and len(node.args) == 1:
            return self.as_tabular(node.args[0])
        if isinstance(node, ast.Call) and (node.name == "_GetWatchlist" or self.calls_tabular_function(node)):
            return ast.TabularCall(node.span, node)
        raise KqlTypeError("expected a table here", node.span, self.ctx.source)

    def calls_tabular_function(self, node: ast.Call) -> bool:
        """A call to a user-defined function whose body is a table (`let F = (x:string) { T | where ... }`)."""
        definition = self.ctx.functions.get(node.name)
        return definition is not None and isinstance(definition.body, ast.Tabular | ast.TabularExpr)

    def names_relation(self, node: ast.Expr | ast.Tabular | ast.FunctionDef) -> bool:
        """Whether a let value is tabular: a table expression, or a name/materialize() that denotes one."""
        if isinstance(node, ast.Tabular | ast.TabularExpr):
            return True
        if isinstance(node, ast.Call):
            return node.name in ("materialize", "_GetWatchlist") or self.calls_tabular_function(node)
        if isinstance(node, ast.Name):
            name = node.name
            return name in self.ctx.relations or (
                name not in self.ctx.scalars and self.ctx.tables.table_columns(name) is not None
            )
        return False

    def bind_let(self, let: ast.Let) -> None:
        ctx = self.ctx
        for bindings in (ctx.scalars, ctx.relations, ctx.functions):
            bindings.pop(let.name, None)
        if isinstance(let.value, ast.FunctionDef):
            ctx.functions[let.name] = let.value
        elif self.names_relation(let.value):
            ctx.relations[let.name] = self.compile(self.as_tabular(let.value))
        else:
            assert isinstance(let.value, ast.Expr)
            ctx.scalars[let.name] = ExprCompiler(ctx, {}).compile(let.value)

    # ------------------------------------------------------------ sources

    def table(self, node: ast.TableRef) -> Relation:
        if node.name in self.ctx.functions:
            return call_tabular_function(self, ast.Call(node.span, node.name, (), node.span))
        if node.name in self.ctx.relations:
            bound = self.ctx.relations[node.name]
            return Relation(bound.query.copy(), bound.columns, bound.filterable)
        columns = self.ctx.tables.table_columns(node.name)
        if columns is None:
            candidates = [*self.ctx.tables.table_names(), *self.ctx.relations]
            raise self.ctx.unknown("table", node.name, node.span, candidates)
        query = exp.Select(expressions=[exp.Star()], from_=exp.From(this=exp.Table(this=ident(node.name))))
        condition = self.ctx.table_filter(node.name, columns) if self.ctx.table_filter else None
        if condition is not None:
            query = conditions.where(query, condition)
        return Relation(query, dict(columns), filterable=True)

    def tabular_call(self, node: ast.TabularCall) -> Relation:
        call = node.call
        if call.name in self.ctx.functions:
            return call_tabular_function(self, call)
        if call.name == "materialize":
            return self.compile(self.as_tabular(call))
        if call.name == "_GetWatchlist":
            return self.watchlist(call)
        if call.name == "AssignedIPAddresses":
            return defender_functions.assigned_ip_addresses(self, call)
        raise KqlNotSupported(f"function {call.name}()", call.name_span, self.ctx.source)

    def watchlist(self, call: ast.Call) -> Relation:
        """`_GetWatchlist('Name')`: a Sentinel watchlist of the workspace (see rmmhunt.tuning.watchlists)."""
        name = ExprCompiler(self.ctx, {}).compile(call.args[0]) if len(call.args) == 1 else None
        if name is None or not name.is_constant or not isinstance(name.value, str):
            message = "_GetWatchlist() takes one constant string, the watchlist's name"
            raise KqlTypeError(message, call.span, self.ctx.source)
        # Only a workspace has watchlists; the bare catalog (no workspace) has none.
        names = self.ctx.tables.watchlist_names() if hasattr(self.ctx.tables, "watchlist_names") else []
        if name.value not in names:
            known = f"the workspace has: {', '.join(names)}" if names else "the workspace has none (watchlists/*.csv)"
            raise KqlNameError(f"watchlist {name.value!r} not found; {known}", call.span, self.ctx.source)
        columns = self.ctx.tables.watchlist_columns(name.value)
        view = exp.Table(this=ident(self.ctx.tables.watchlist_view(name.value)))
        return Relation(exp.Select(expressions=[exp.Star()]).from_(view, copy=False), dict(columns), filterable=True)

    def range(self, node: ast.Range) -> Relation:
        """`range x from a to b step s`: inclusive of b (https://learn.microsoft.com/en-us/kusto/query/range-operator)."""
        scalar = ExprCompiler(self.ctx, {})
        start, stop, step = (scalar.compile(e) for e in (node.start, node.stop, node.step))
        series = exp.Anonymous(this="generate_series", expressions=[start.sql, stop.sql, step.sql])
        unnested = exp.Explode(this=series)
        return Relation(exp.Select(expressions=[aliased(unnested, node.name)]), {node.name: start.type})

    def pipeline(self, node: ast.Pipeline) -> Relation:
        relation = self.compile(node.source)
        for operator in node.operators:
            relation = self.apply(operator, relation)
        return relation

    def apply(self, operator: ast.Operator, relation: Relation) -> Relation:
        handler = OPERATORS.get(type(operator))
        if handler is None:
            raise KqlNotSupported(type(operator).__name__.lower(), operator.span, self.ctx.source)
        return handler(self, operator, relation)

    def datatable(self, node: ast.Datatable) -> Relation:
        width = len(node.columns)
        scalar = ExprCompiler(self.ctx, {})
        rows: list[exp.Tuple] = []
        for start in range(0, len(node.values), width):
            cells = []
            for (name, kql_type), value in zip(node.columns, node.values[start : start + width], strict=True):
                typed = scalar.compile(value)
                if not typed.is_constant:
                    raise KqlTypeError(
                        f"datatable values must be constants (column {name})", value.span, self.ctx.source
                    )
                cells.append(self.datatable_cell(name, kql_type, typed, value))
            rows.append(exp.Tuple(expressions=cells))
        columns = dict(node.columns)
        if not rows:
            items = [aliased(exp.cast(exp.null(), sql_type(t)), n) for n, t in node.columns]
            return Relation(exp.Select(expressions=items).where(exp.false(), copy=False), columns)
        names = [n for n, _ in node.columns]
        values = exp.Values(
            expressions=rows, alias=exp.TableAlias(this=ident(self.ctx.next_alias()), columns=[ident(n) for n in names])
        )
        items = [aliased(exp.cast(col(n), sql_type(t)), n) for n, t in node.columns]
        return Relation(exp.Select(expressions=items).from_(values, copy=False), columns)

    def datatable_cell(self, column: str, kql_type: KqlType, typed: Typed, node: ast.Expr) -> exp.Expression:
        """A datatable value as its column's type: numbers widen, anything else must match."""
        value = typed.value
        if value is None:
            return literal("" if kql_type is KqlType.STRING else None, kql_type).sql
        fits = typed.type == kql_type or (typed.type.is_numeric and kql_type.is_numeric) or kql_type is KqlType.DYNAMIC
        if not fits:
            raise KqlTypeError(
                f"datatable column {column} is {kql_type.value}, but this value is {typed.type.value}",
                node.span,
                self.ctx.source,
            )
        if kql_type.is_integer and isinstance(value, float):
            value = int(value)
        return literal(value, kql_type).sql

    def print(self, node: ast.Print) -> Relation:
        scalar = ExprCompiler(self.ctx, {})
        columns: dict[str, KqlType] = {}
        items: list[exp.Expression] = []
        for position, item in enumerate(node.items):
            typed = scalar.compile(item.expr)
            name = unique(item.name or inferred_name(item.expr) or f"print_{position}", set(columns))
            columns[name] = typed.type
            items.append(aliased(typed.sql, name))
        return Relation(exp.Select(expressions=items), columns)

    # ------------------------------------------------------------ operators

    def wrap(self, relation: Relation, items: list[exp.Expression] | None = None) -> exp.Select:
        return relation.select_from(self.ctx.next_alias(), items or [exp.Star()])

    def select(self, scalar: ExprCompiler, relation: Relation, items: list[exp.Expression]) -> exp.Select:
        """SELECT items FROM relation, items `scalar` compiled: windows over windows are computed apart."""
        if scalar.serial_position is not None:
            return window.computed_apart(self.ctx, relation, items, scalar.serial_position)
        return self.wrap(relation, items)

    def where(self, op: ast.Where, relation: Relation) -> Relation:
        scalar = ExprCompiler(self.ctx, relation.columns, order=relation.order)
        predicate = scalar.compile_bool(op.predicate)
        if _has_window(predicate.sql):  # `serialize | where row_number() == n`: SQL filters windows a level up
            keep = "__rmmhunt_keep"
            numbered = Relation(
                self.select(scalar, relation, [exp.Star(), aliased(predicate.sql, keep)]), relation.columns
            )
            query = self.wrap(numbered, relation.column_items()).where(col(keep), copy=False)
            return Relation(query, relation.columns, order=relation.order)
        if relation.filterable:  # the relation is this operator's to change, as wrap() takes it
            query = conditions.where(relation.query, predicate.sql)
            return Relation(query, relation.columns, filterable=True, order=relation.order)
        return Relation(
            conditions.where(self.wrap(relation), predicate.sql),
            relation.columns,
            filterable=True,
            order=relation.order,
        )

    def project(self, op: ast.Project, relation: Relation) -> Relation:
        scalar = ExprCompiler(self.ctx, relation.columns, order=relation.order)
        columns: dict[str, KqlType] = {}
        items: list[exp.Expression] = []
        for item in op.items:
            typed = scalar.compile(item.expr)
            name = item.name or inferred_name(item.expr) or self.ctx.namer.next(set(relation.columns) | set(columns))
            if name in columns:
                raise KqlTypeError(f"column {name!r} is projected twice", item.span, self.ctx.source)
            columns[name] = typed.type
            items.append(aliased(typed.sql, name))
        return Relation(self.select(scalar, relation, items), columns)

    def extend(self, op: ast.Extend, relation: Relation) -> Relation:
        """Later items see earlier ones; an existing name moves to the end with its new value.

        https://learn.microsoft.com/en-us/kusto/query/extend-operator
        """
        defined: dict[str, Typed] = {}
        sources: dict[str, ast.Expr] = {}
        scalar = ExprCompiler(self.ctx, relation.columns, defined, order=relation.order)
        for item in op.items:
            typed = scalar.compile(item.expr)
            name = item.name or inferred_name(item.expr) or self.ctx.namer.next(set(relation.columns) | set(defined))
            defined.pop(name, None)
            defined[name] = typed
            sources[name] = item.expr
        kept = [n for n in relation.columns if n not in defined]
        still_ordered = not any(n in defined for o in relation.order for n in _column_names(o))
        columns = {n: relation.columns[n] for n in kept} | {n: t.type for n, t in defined.items()}
        items: list[exp.Expression] = [col(n) for n in kept]
        items += [aliased(t.sql, n) for n, t in defined.items()]
        parsed_from = {
            name: text
            for name, expr in sources.items()
            if (text := self._parsed_column(expr)) in kept and relation.columns[text] is KqlType.STRING
        }
        order = relation.order if still_ordered else ()
        return Relation(self.select(scalar, relation, items), columns, order=order, parsed_from=parsed_from)

    def _parsed_column(self, expr: ast.Expr) -> str | None:
        """C when `expr` is parse_json(C) (or an alias) of a column C."""
        if not (isinstance(expr, ast.Call) and expr.name in PARSE_JSON_NAMES and len(expr.args) == 1):
            return None
        text = expr.args[0]
        return text.name if isinstance(text, ast.Name) and expr.name not in self.ctx.functions else None

    def summarize(self, op: ast.Summarize, relation: Relation) -> Relation:
        scalar = ExprCompiler(self.ctx, relation.columns)
        columns: dict[str, KqlType] = {}
        items: list[exp.Expression] = []
        group: list[exp.Expression] = []
        for item in op.by:
            typed = scalar.compile(item.expr)
            name = unique(item.name or inferred_name(item.expr) or self.ctx.namer.next(set(columns)), set(columns))
            columns[name] = typed.type
            items.append(aliased(typed.sql, name))
            group.append(typed.sql.copy())
        # arg_max/arg_min pack their row into a struct that an outer SELECT unpacks into columns.
        unpack: list[tuple[str, str, str]] = []  # (output name, struct column, field)
        for item in map(canonical_aggregate, op.aggregates):
            call = item.expr
            if item.names and not (isinstance(call, ast.Call) and call.name in ARG_EXTREMES):
                raise KqlNotSupported("(A, B) = ... other than arg_max/arg_min", item.span, self.ctx.source)
            if not isinstance(call, ast.Call) or (call.name not in AGGREGATES and call.name not in AGGREGATE_FORMS):
                if not _calls_aggregate(call):
                    raise KqlTypeError(
                        "summarize needs an aggregate function such as count() or max(x) here",
                        item.expr.span,
                        self.ctx.source,
                    )
                # an expression over aggregates, such as tostring(make_set(x)) or count() * 2
                typed = ExprCompiler(self.ctx, relation.columns, allow_aggregates=True).compile(item.expr)
                name = item.name or wrapped_aggregate_name(item.expr) or self.ctx.namer.next(set(columns))
                name = unique(name, set(columns))
                columns[name] = typed.type
                items.append(aliased(typed.sql, name))
                continue
            if call.name in ARG_EXTREMES:
                struct_name = f"_{call.name}{len(unpack)}"
                fields = self.arg_extreme(scalar, item, relation, columns, struct_name, unpack)
                items.append(aliased(fields, struct_name))
                continue
            for single in expand_percentiles(call):
                spec, typed = compile_aggregate(scalar, single)
                name = unique(item.name or default_name(spec, single), set(columns))
                sql = typed.sql
                # no `by`: one row even over no rows; a collection is never null, even for a group
                empty = over_no_rows(spec, typed) if spec.collection or not op.by else None
                if empty is not None:
                    sql = exp.Coalesce(this=sql, expressions=[empty])
                columns[name] = typed.type
                items.append(aliased(sql, name))
        query = self.wrap(relation, items)
        if group:
            query.set("group", exp.Group(expressions=group))  # as .group_by() builds it, without a Group per key
        if not unpack:
            return Relation(query, columns)
        unpacked = {name: (struct_col, field) for name, struct_col, field in unpack}
        final: list[exp.Expression] = [
            aliased(exp.Dot(this=col(unpacked[n][0]), expression=ident(unpacked[n][1])), n) if n in unpacked else col(n)
            for n in columns
        ]
        outer = exp.Select(expressions=final).from_(query.subquery(self.ctx.next_alias(), copy=False), copy=False)
        return Relation(outer, columns)

    def arg_extreme(
        self,
        scalar: ExprCompiler,
        item: ast.Assignment,
        relation: Relation,
        columns: dict[str, KqlType],
        struct_name: str,
        unpack: list[tuple[str, str, str]],
    ) -> exp.Expression:
        """arg_max(expr, cols...) / arg_min: the row where expr is largest/smallest.

        Output: the expression under its name, then the requested columns (`*`: all others not
        already in the output). https://learn.microsoft.com/en-us/kusto/query/arg-max-aggregation-function
        """
        call = item.expr
        assert isinstance(call, ast.Call)
        if not call.args:
            raise KqlTypeError(f"{call.name}() needs an expression to maximize", call.span, self.ctx.source)
        target = scalar.compile(call.args[0])
        target_name = unique(item.name or inferred_name(call.args[0]) or f"{ARG_EXTREMES[call.name]}_", set(columns))
        picked: list[tuple[str, Typed]] = [(target_name, target)]
        for position, arg in enumerate(call.args[1:], start=1):
            if isinstance(arg, ast.Star):
                for name, kql_type in relation.columns.items():
                    if name not in columns and name not in {p[0] for p in picked}:
                        picked.append((name, Typed(col(name), kql_type)))
                continue
            typed = scalar.compile(arg)
            default = f"{ARG_EXTREMES[call.name]}_{target_name}_arg{position}"
            picked.append((unique(inferred_name(arg) or default, set(columns) | {p[0] for p in picked}), typed))
        if item.names:  # (A, B) = arg_max(...) names the output columns in order
            if len(item.names) > len(picked):
                raise KqlTypeError(f"{len(item.names)} names for {len(picked)} columns", item.span, self.ctx.source)
            picked = [(new, typed) for new, (_, typed) in zip(item.names, picked, strict=False)] + picked[
                len(item.names) :
            ]
        fields = [f"f{i}" for i in range(len(picked))]
        struct = exp.Struct(
            expressions=[
                exp.PropertyEQ(this=ident(f), expression=t.sql) for f, (_, t) in zip(fields, picked, strict=True)
            ]
        )
        for f, (name, typed) in zip(fields, picked, strict=True):
            columns[name] = typed.type
            unpack.append((name, struct_name, f))
        node = exp.ArgMax if call.name == "arg_max" else exp.ArgMin
        return node(this=struct, expression=target.sql.copy())

    def sort(self, op: ast.Sort, relation: Relation) -> Relation:
        scalar = ExprCompiler(self.ctx, relation.columns)
        keys = [(scalar.compile(k.expr), k) for k in op.keys]
        # A constant key orders nothing (and SQL would read a constant as a column position).
        order = [
            exp.Ordered(this=t.sql, desc=k.descending, nulls_first=k.nulls_first) for t, k in keys if not t.is_constant
        ]
        if not order:
            return relation
        query = self.wrap(relation).order_by(*order, copy=False)
        return Relation(query, relation.columns, order=tuple(o.copy() for o in order))

    def take(self, op: ast.Take, relation: Relation) -> Relation:
        count = ExprCompiler(self.ctx, {}).compile(op.count)
        if not (count.is_constant and count.type.is_integer and isinstance(count.value, int) and count.value >= 0):
            raise KqlTypeError("take/limit needs a non-negative whole number", op.count.span, self.ctx.source)
        query = relation.query
        if query.args.get("order") is not None and query.args.get("limit") is None:
            return Relation(query.copy().limit(count.value, copy=False), relation.columns, order=relation.order)
        return Relation(self.wrap(relation).limit(count.value, copy=False), relation.columns, order=relation.order)

    def top(self, op: ast.Top, relation: Relation) -> Relation:
        sorted_relation = self.sort(ast.Sort(op.span, op.keys), relation)
        return self.take(ast.Take(op.span, op.count), sorted_relation)

    def count(self, op: ast.Count, relation: Relation) -> Relation:
        count = exp.cast(exp.Count(this=exp.Star()), sql_type(KqlType.LONG))
        return Relation(self.wrap(relation, [aliased(count, "Count")]), {"Count": KqlType.LONG})

    def distinct(self, op: ast.Distinct, relation: Relation) -> Relation:
        if not op.items:
            return Relation(self.wrap(relation).distinct(copy=False), relation.columns)
        projected = self.project(ast.Project(op.span, op.items), relation)
        return Relation(projected.query.distinct(copy=False), projected.columns)


_SOURCES: dict[type, Callable[[TabularCompiler, ast.Tabular], Relation]] = {
    ast.TableRef: TabularCompiler.table,
    ast.TabularCall: TabularCompiler.tabular_call,
    ast.Range: TabularCompiler.range,
    ast.Pipeline: TabularCompiler.pipeline,
    ast.Datatable: TabularCompiler.datatable,
    ast.Print: TabularCompiler.print,
}  # type: ignore[dict-item]

# Operator families in other modules (joins.py, reshape.py) add their entries here.
OPERATORS: dict[type, Callable[[TabularCompiler, ast.Operator, Relation], Relation]] = {
    ast.Where: TabularCompiler.where,
    ast.Project: TabularCompiler.project,
    ast.Extend: TabularCompiler.extend,
    ast.Summarize: TabularCompiler.summarize,
    ast.Sort: TabularCompiler.sort,
    ast.Take: TabularCompiler.take,
    ast.Top: TabularCompiler.top,
    ast.Count: TabularCompiler.count,
    ast.Distinct: TabularCompiler.distinct,
}  # type: ignore[dict-item]

joins.register(OPERATORS, _SOURCES)
reshape.register(OPERATORS)
OPERATORS[ast.MakeSeries] = series.make_series
OPERATORS[ast.MvApply] = mv_apply.mv_apply
OPERATORS[ast.Partition] = partition.partition
OPERATORS[ast.Evaluate] = evaluate.evaluate
OPERATORS[ast.TopNested] = top_nested.top_nested
OPERATORS[ast.SearchOp] = search.search_operator
_SOURCES[ast.Search] = search.search
_SOURCES[ast.Find] = search.find
