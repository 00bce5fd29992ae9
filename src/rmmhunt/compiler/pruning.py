"""Projection pruning: each nested SELECT lists only the columns some enclosing query reads.

Most operators wrap their input in a subquery, and several list every input column (extend, join,
project-away, ...). The engines drop unread columns from their scans anyway, but DuckDB's binder binds every
listed column at every level, which is much of a query's planning time.

The pass runs once on the finished tree, top-down, in place. It knows no table's schema: what a SELECT must
keep is what the query around it reads, matched by name, case-insensitively as both engines bind names.
Whatever it cannot be sure of stays: the outermost SELECT (the query's result), a DISTINCT (its columns
decide which rows are duplicates), a branch of a UNION (its columns line up by position or by name), a SELECT
under `SELECT *` when all of it is read, an aggregate without GROUP BY (one row only while an aggregate is
left), positional GROUP/ORDER BY, a projection that changes the row count or differs each time it is worked
out (UNNEST, random()), and a computed column the SELECT itself may read by its alias (DuckDB lets WHERE,
ORDER BY and other projections do that). Any column a nested query reads counts as read by the SELECT around
it, as it may be a correlated reference.
"""

from __future__ import annotations

from collections import Counter

from sqlglot import exp

# A column a query reads: (qualifier, name), both lowercase, the qualifier "" when there is none.
# `t.*` reads every column of t: ("t", "*").
Reference = tuple[str, str]
Reads = tuple[set[Reference], list[exp.Expression]]  # what an expression reads, and the queries nested in it
Needs = frozenset[str] | None  # the output names the query around a SELECT reads; None: all of them

_ROW_CHANGING = (exp.Explode, exp.ExplodeOuter, exp.Inline, exp.Unnest, exp.Rand, exp.Randn, exp.Uuid)
_ROW_CHANGING_FUNCTIONS = frozenset({"unnest", "generate_subscripts", "random", "uuid", "gen_random_uuid"})
# The walks below read node.args directly: sqlglot's properties (node.this) cost several dict lookups each.
_LEAVES = (exp.Literal, exp.DataType)  # nothing in them reads a column
# What changes no row count and aggregates nothing, whatever it holds; a nested query's rows are its own.
_OPAQUE = (exp.Column, *_LEAVES, exp.Query)


def prune_projections(tree: exp.Query, nested_queries: bool = True) -> None:
    """Drop from every SELECT nested in `tree` the projections that no enclosing query reads.

    `nested_queries` False says no expression holds a query (IN, a scalar subquery): a SELECT with nothing
    to prune and nothing to tell its sources then need not be read at all. It only spares work: were it
    False wrongly, the queries nested in such a SELECT would be left as they are, not pruned wrongly.
    """
    pending: list[tuple[exp.Expression, Needs]] = [(tree, None)]
    while pending:
        query, needs = pending.pop()
        if isinstance(query, exp.Subquery):
            alias = query.args.get("alias")
            renames_columns = alias is not None and alias.args.get("columns")  # `AS t(a, b)` names by position
            pending.append((query.args["this"], None if renames_columns else needs))
        elif isinstance(query, exp.SetOperation):
            pending += [(query.this, None), (query.expression, None)]
        elif isinstance(query, exp.Select):
            pending += _prune_select(query, needs, nested_queries)


def _prune_select(select: exp.Select, needs: Needs, nested_queries: bool) -> list[tuple[exp.Expression, Needs]]:
    """Drop what `needs` leaves unread from `select`; what each of its subquery sources, and each query
    nested in its expressions, must then keep."""
    subqueries = _subquery_sources(select)
    prunable = needs is not None and not needs.issuperset(map(_name, select.expressions)) and not _has_star(select)
    if not (prunable or nested_queries or any(map(_uses_needs, subqueries))):
        return [(source, None) for source in subqueries]
    stars = _has_star(select)

    sources = {source.alias.lower(): source for source in subqueries}
    reads: set[Reference] = set()
    nested: list[exp.Expression] = []
    _collect(_clauses(select, sources), reads, nested)
    if prunable:
        assert needs is not None
        for columns, queries in _drop_unread(select, needs, reads):
            reads |= columns
            nested += queries
    else:
        _collect(select.expressions, reads, nested)

    unqualified = {name for table, name in reads if not table}
    # `x.f` whose x is no source here is a field of a struct column x, or a column of an enclosing query.
    unqualified |= {table for table, _ in reads if table and table not in sources}
    follow: list[tuple[exp.Expression, Needs]] = [(query, None) for query in nested]
    for alias, source in sources.items():
        qualified = {name for table, name in reads if table == alias}
        if "*" in qualified or "*" in unqualified or (stars and (needs is None or select.args.get("distinct"))):
            follow.append((source, None))
        else:
            # Under `SELECT *` what the query around reads passes through to the sources.
            passed = needs if stars and needs is not None else frozenset()
            follow.append((source, frozenset(unqualified | qualified | passed)))
    return follow


def _drop_unread(select: exp.Select, needs: frozenset[str], clause_reads: set[Reference]) -> list[Reads]:
    """Drop the projections of `select` that `needs` leaves unread and nothing else needs; what the rest read."""
    projections = select.expressions
    reads: list[Reads] = []
    for projection in projections:
        columns: set[Reference] = set()
        queries: list[exp.Expression] = []
        _collect([projection], columns, queries)
        reads.append((columns, queries))
    read_by_clauses = {name for table, name in clause_reads if not table}
    read_by_projections = Counter(name for columns, _ in reads for table, name in columns if not table)
    kept = []
    for position, projection in enumerate(projections):
        name = _name(projection)
        if name and name not in needs and _passes_column_through(projection, name):
            continue  # any other read of the name reads the source's column: the same value
        # The SELECT itself may read a value by its alias (in WHERE, ORDER BY, another projection).
        read_by_self = ("", name) in reads[position][0]
        read_here = name in read_by_clauses or read_by_projections[name] > read_by_self
        if not name or name in needs or read_here or _changes_rows(projection):
            kept.append(position)
    kept = kept or [0]
    if len(kept) == len(projections) or not _rows_unchanged_by_pruning(select):
        return reads
    select.set("expressions", [projections[i] for i in kept])
    return [reads[i] for i in kept]


def _has_star(select: exp.Select) -> bool:
    return exp.Star in map(type, select.expressions)


def _name(projection: exp.Expression) -> str:
    """The output name of a projection, lowercase; "" when the engine makes one up."""
    if type(projection) is exp.Alias:
        return projection.args["alias"].args["this"].lower()
    return _reference(projection)[1] if isinstance(projection, exp.Column) else ""


def _subquery_sources(select: exp.Select) -> list[exp.Subquery]:
    """The subqueries `select` reads from (FROM and JOINs) under an alias."""
    from_, joins = select.args.get("from_"), select.args.get("joins")
    relations = [from_.args["this"]] if from_ is not None else []
    if joins:
        relations += [join.args["this"] for join in joins]
    return [r for r in relations if type(r) is exp.Subquery and r.args.get("alias") is not None]


def _uses_needs(source: exp.Subquery) -> bool:
    """Whether what is read of a source can prune anything in it: a SELECT with a list of columns, or a
    `SELECT *` over subqueries that may have one."""
    body = source.args["this"]
    if not isinstance(body, exp.Select):
        return False
    return {*map(type, body.expressions)} != {exp.Star} or bool(_subquery_sources(body))


def _clauses(select: exp.Select, sources: dict[str, exp.Subquery]) -> list[exp.Expression]:
    """Everything in `select` but its projections and the bodies of its subquery sources."""
    parts: list[exp.Expression] = []
    source_nodes = {id(s) for s in sources.values()}
    for key, value in select.args.items():
        if key == "expressions" or value is None:
            continue
        for part in value if isinstance(value, list) else [value]:
            if isinstance(part, exp.From | exp.Join):
                parts += [child for child in part.iter_expressions() if id(child) not in source_nodes]
            elif isinstance(part, exp.Expression):
                parts.append(part)
    return parts


def _collect(roots: list[exp.Expression], columns: set[Reference], queries: list[exp.Expression]) -> None:
    """Add the columns `roots` read and the outermost queries nested in them."""
    stack = list(roots)
    while stack:
        node = stack.pop()
        if isinstance(node, exp.Column):
            columns.add(_reference(node))
        elif isinstance(node, exp.Identifier):
            if node.arg_key == "using":  # JOIN ... USING (x) reads x
                columns.add(("", node.args["this"].lower()))
        elif isinstance(node, (exp.Select, exp.SetOperation)):
            queries.append(node)
            # Any column of a nested query may be a correlated reference to this SELECT's sources.
            columns.update(_reference(c) for c in node.find_all(exp.Column))
        elif not isinstance(node, _LEAVES):
            if isinstance(node, exp.Star):  # `* REPLACE (expr AS x)` replaces the source's column x
                columns.update(("", r.alias_or_name.lower()) for r in node.args.get("replace") or ())
            for value in node.args.values():
                if type(value) is list:
                    stack += [child for child in value if isinstance(child, exp.Expression)]
                elif isinstance(value, exp.Expression):
                    stack.append(value)


def _reference(column: exp.Column) -> Reference:
    table, name = column.args.get("table"), column.args["this"]
    qualifier = table.args["this"].lower() if table is not None else ""
    return (qualifier, name.args["this"].lower() if type(name) is exp.Identifier else "*")


def _passes_column_through(projection: exp.Expression, name: str) -> bool:
    """`x` or `x AS x`: the source's column x, unchanged and unqualified."""
    column = projection.this if isinstance(projection, exp.Alias) else projection
    return isinstance(column, exp.Column) and _reference(column) == ("", name)


def _changes_rows(node: exp.Expression) -> bool:
    """Whether an expression changes how many rows there are, or differs each time it is worked out."""
    stack = [node]
    while stack:
        inner = stack.pop()
        if isinstance(inner, _ROW_CHANGING):
            return True
        if isinstance(inner, exp.Anonymous) and inner.name.lower() in _ROW_CHANGING_FUNCTIONS:
            return True
        if not isinstance(inner, _OPAQUE):
            stack += inner.iter_expressions()
    return False


def _rows_unchanged_by_pruning(select: exp.Select) -> bool:
    """Whether `select` gives the same rows, in the same order, with fewer projections."""
    if select.args.get("distinct"):
        return False
    group = select.args.get("group")
    if group is None:
        if select.args.get("having") or any(_aggregates(p) for p in select.expressions):
            return False  # an aggregate without GROUP BY: one row, or one per row once no aggregate is left
    elif group.args.get("all") or any(isinstance(key, exp.Literal) for key in group.expressions):
        return False  # GROUP BY ALL, GROUP BY 1: which projections group depends on the list
    order = select.args.get("order")
    if order is not None:
        keys = [o.this if isinstance(o, exp.Ordered) else o for o in order.expressions]
        if any(isinstance(key, exp.Literal) for key in keys):
            return False  # ORDER BY 1 sorts by a position in the list
    return True


def _aggregates(node: exp.Expression) -> bool:
    """Whether an expression aggregates rows: an aggregate function outside window functions and subqueries."""
    stack = [node]
    while stack:
        inner = stack.pop()
        if isinstance(inner, exp.AggFunc):
            return True
        if not isinstance(inner, (exp.Window, *_OPAQUE)):
            stack += inner.iter_expressions()
    return False
