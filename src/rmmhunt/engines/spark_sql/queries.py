"""Query shapes Spark refuses or reads differently: a subquery inside a lambda, several explode()s in one SELECT,
row_number/lag/lead over an unordered window, UNION ALL BY NAME."""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon
from rmmhunt.engines.base import DialectError


def filter_of_subquery(node: exp.ArrayFilter) -> exp.Expression:
    """filter((SELECT array_agg(x) FROM s), v -> p(v)) as (SELECT array_agg(x) FROM s WHERE p(x)): Spark refuses
    a subquery in a higher-order function (has_any/has_all over a table) but takes a correlated one.

    Only where no column the predicate reads from the outer query is also a column of s, which would
    capture it; elsewhere Spark names the problem itself."""
    subquery, function = node.this, node.expression
    select = subquery.this if isinstance(subquery, exp.Subquery) else None
    if not (isinstance(select, exp.Select) and isinstance(function, exp.Lambda) and len(function.expressions) == 1):
        return node
    (aggregate,) = select.expressions if len(select.expressions) == 1 else (None,)
    aggregate = aggregate.this if isinstance(aggregate, exp.Alias) else aggregate
    source = select.args.get("from_")
    inner = source.this.this if source is not None and isinstance(source.this, exp.Subquery) else None
    if not (isinstance(aggregate, exp.ArrayAgg) and isinstance(inner, exp.Select)) or select.args.get("group"):
        return node
    parameter = function.expressions[0].name
    outer = {c.name for c in function.this.find_all(exp.Column) if c.name != parameter}
    if outer & set(inner.named_selects) or "*" in inner.named_selects:
        return node
    predicate = function.this.copy()
    for column in list(predicate.find_all(exp.Column)):
        if column.name == parameter and not column.table:
            column.replace(aggregate.this.copy())
    return exp.Subquery(this=select.copy().where(predicate, copy=False))


def zipped_explodes(node: exp.Select) -> exp.Expression:
    """Several explode()s in one SELECT: DuckDB zips the lists (padding the shorter with nulls), Spark would
    give their cross product. inline(arrays_zip(...)) zips them; an outer SELECT keeps the columns' order.
    Only for a plain projection (no WHERE, GROUP BY, ...) whose columns are all named."""
    exploded = [e for e in node.expressions if isinstance(e, exp.Alias) and isinstance(e.this, exp.Explode)]
    clauses = set(node.args) - {"expressions", "from_"}
    if len(exploded) < 2 or any(node.args.get(c) for c in clauses) or "*" in node.named_selects:
        return node
    lists = [exp.Coalesce(this=e.this.this, expressions=[anon("array")]) for e in exploded]  # null zips as empty
    zipped = exp.Aliases(
        this=anon("inline", anon("arrays_zip", *lists)), expressions=[e.args["alias"].copy() for e in exploded]
    )
    kept = [e for e in node.expressions if e not in exploded]
    inner = exp.Select(expressions=[*kept, zipped]).from_(node.args["from_"].this, copy=False)
    names = [exp.column(e.alias_or_name, quoted=True) for e in node.expressions]
    return exp.Select(expressions=names).from_(
        exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("_zipped")))
    )


# Window functions Spark computes only over an ordered window.
_ORDERED_WINDOW_FUNCTIONS = (exp.RowNumber, exp.Lag, exp.Lead)


def ordered_window(node: exp.Window) -> exp.Window:
    """row_number(), lag() and lead() over a window with no order, where Kusto's order is the rows' own:
    Spark needs an order, and monotonically_increasing_id() is the rows' order as they come. The offset
    of lag() and lead() must be a constant INT."""
    function = node.this
    if not isinstance(function, _ORDERED_WINDOW_FUNCTIONS):
        return node
    if isinstance(function, (exp.Lag, exp.Lead)) and function.args.get("offset") is not None:
        function.set("offset", exp.cast(function.args["offset"], exp.DataType.Type.INT))
    if not node.args.get("order"):
        node.set("order", exp.Order(expressions=[exp.Ordered(this=anon("monotonically_increasing_id"))]))
    return node


def _is_by_name(node: exp.Expression | None) -> bool:
    return isinstance(node, exp.Union) and bool(node.args.get("by_name"))


def union(node: exp.Union) -> exp.Expression:
    """UNION ALL BY NAME (search over every table), which Spark's SQL does not have, as a UNION ALL by position:
    each leg selects every column of the legs, in order of appearance, null where it lacks one. Spark takes
    the union's names from its first leg and each column's type from the legs that have it (a null takes any
    type; `search` renames a column whose type differs between tables), so the nulls after the first leg are
    bare, which keeps the SQL of all the catalog's tables to about half a megabyte. A chain of unions is
    rewritten whole, at its top."""
    if not _is_by_name(node) or (_is_by_name(node.parent) and node.arg_key == "this"):
        return node
    legs: list[exp.Expression] = []
    rest: exp.Expression = node
    while _is_by_name(rest):
        legs.insert(0, rest.expression)
        rest = rest.this
    legs.insert(0, rest)
    if not all(isinstance(leg, exp.Select) and all(_named(item) for item in leg.expressions) for leg in legs):
        raise DialectError("spark: not supported yet: UNION BY NAME of a leg whose columns are not all named")
    names = list(dict.fromkeys(item.alias_or_name for leg in legs for item in leg.expressions))
    padded = [_padded(leg, names, named=position == 0) for position, leg in enumerate(legs)]
    combined = padded[0]
    for leg in padded[1:]:
        combined = exp.Union(this=combined, expression=leg, distinct=False)
    return combined


def _padded(leg: exp.Select, names: list[str], named: bool) -> exp.Select:
    """The leg selecting each of `names` in order: its own column, or a null (named only if `named`)."""
    own = {item.alias_or_name: item for item in leg.expressions}
    items = [own[name] if name in own else _null(name, named) for name in names]
    return leg.select(*items, append=False, copy=False)


def _named(item: exp.Expression) -> bool:
    return item.alias_or_name not in ("", "*")


def _null(name: str, named: bool) -> exp.Expression:
    return exp.alias_(exp.null(), name, quoted=True) if named else exp.null()
