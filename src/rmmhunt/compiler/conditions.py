"""AND, OR and WHERE of conditions, as sqlglot's builders make them (exp.and_, exp.or_, Select.where with
copy=False), built directly: the builders' parse checks and list handling cost more than the nodes, and every
`where`, `and`, `or` and `has` of a query comes through here."""

from __future__ import annotations

from sqlglot import exp


def _operand(node: exp.Expression) -> exp.Expression:
    """An AND or OR inside another goes in parentheses, as the builders put it."""
    return exp.Paren(this=node) if isinstance(node, exp.Connector) else node


def and_(left: exp.Expression, right: exp.Expression) -> exp.And:
    return exp.And(this=_operand(left), expression=_operand(right))


def or_(left: exp.Expression, right: exp.Expression) -> exp.Or:
    return exp.Or(this=_operand(left), expression=_operand(right))


def where(query: exp.Select, condition: exp.Expression) -> exp.Select:
    """`query` (changed in place) filtered by `condition` too: ANDed with a WHERE it already has."""
    existing = query.args.get("where")
    query.set("where", exp.Where(this=condition if existing is None else and_(existing.this, condition)))
    return query
