"""A compiled tabular expression: a SQL query and the KQL-typed columns it yields, in order."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlglot import exp

from rmmhunt.kql.types import KqlType


def ident(name: str) -> exp.Identifier:
    return exp.Identifier(this=name, quoted=True)


def col(name: str) -> exp.Column:
    return exp.Column(this=ident(name))


@dataclass(frozen=True, slots=True)
class Relation:
    query: exp.Select
    columns: dict[str, KqlType]
    # True while `query` selects plain columns from its source with no grouping, limit or ordering,
    # so a following `where` can be added to it rather than wrapping it in a new SELECT.
    filterable: bool = False
    # The sort order rows are in (after sort/top), for row_number(), prev() and next().
    order: tuple[exp.Ordered, ...] = ()
    # Columns the operator that made this relation set to parse_json(C), by C, a string column it keeps:
    # a property of one can be read from C's text, the JSON parsed once (see `mv-expand`).
    parsed_from: dict[str, str] = field(default_factory=dict)

    def select_from(self, alias: str, items: list[exp.Expression]) -> exp.Select:
        """SELECT items FROM (this) AS alias."""
        # The nodes .from_() and .subquery() would make, built directly: every operator comes through here.
        source = exp.Subquery(this=self.query, alias=exp.TableAlias(this=exp.Identifier(this=alias, quoted=False)))
        return exp.Select(expressions=items, from_=exp.From(this=source))

    def column_items(self) -> list[exp.Expression]:
        return [col(name) for name in self.columns]
