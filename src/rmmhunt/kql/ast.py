"""The KQL syntax tree. Every node keeps the span of text it was parsed from."""

from __future__ import annotations

from dataclasses import dataclass, field

from rmmhunt.kql.errors import Span
from rmmhunt.kql.types import KqlType

# ---------------------------------------------------------------- scalar expressions


@dataclass(frozen=True, slots=True)
class Expr:
    span: Span


@dataclass(frozen=True, slots=True)
class Literal(Expr):
    value: object  # None is the typed null, e.g. datetime(null)
    type: KqlType


@dataclass(frozen=True, slots=True)
class Name(Expr):
    name: str


@dataclass(frozen=True, slots=True)
class Star(Expr):
    pass


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    op: str  # "-", "+"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """Arithmetic, comparison, logic and string operators (`has`, `!contains_cs`, ...)."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class InList(Expr):
    left: Expr
    items: tuple[Expr, ...]
    negated: bool
    case_insensitive: bool


@dataclass(frozen=True, slots=True)
class Between(Expr):
    left: Expr
    low: Expr
    high: Expr
    negated: bool


@dataclass(frozen=True, slots=True)
class Call(Expr):
    name: str
    args: tuple[Expr, ...]
    name_span: Span


@dataclass(frozen=True, slots=True)
class Member(Expr):
    """`obj.name` on a dynamic value."""

    obj: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Index(Expr):
    """`obj[index]` on a dynamic value."""

    obj: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Assignment:
    """`Name = expr` in project, extend, summarize and print; `name` is None when unnamed."""

    name: str | None
    expr: Expr
    span: Span


# ---------------------------------------------------------------- tabular expressions


@dataclass(frozen=True, slots=True)
class Tabular:
    span: Span


@dataclass(frozen=True, slots=True)
class TableRef(Tabular):
    name: str


@dataclass(frozen=True, slots=True)
class Datatable(Tabular):
    columns: tuple[tuple[str, KqlType], ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Print(Tabular):
    items: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class Pipeline(Tabular):
    source: Tabular
    operators: tuple[Operator, ...]


# ---------------------------------------------------------------- tabular operators


@dataclass(frozen=True, slots=True)
class Operator:
    span: Span


@dataclass(frozen=True, slots=True)
class Where(Operator):
    predicate: Expr


@dataclass(frozen=True, slots=True)
class Project(Operator):
    items: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class Extend(Operator):
    items: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class Summarize(Operator):
    aggregates: tuple[Assignment, ...]
    by: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class SortKey:
    expr: Expr
    descending: bool
    nulls_first: bool


@dataclass(frozen=True, slots=True)
class Sort(Operator):
    keys: tuple[SortKey, ...]


@dataclass(frozen=True, slots=True)
class Take(Operator):
    count: Expr


@dataclass(frozen=True, slots=True)
class Top(Operator):
    count: Expr
    keys: tuple[SortKey, ...]


@dataclass(frozen=True, slots=True)
class Count(Operator):
    pass


@dataclass(frozen=True, slots=True)
class Distinct(Operator):
    items: tuple[Assignment, ...]  # empty tuple means `distinct *`


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr | Tabular
    span: Span


@dataclass(frozen=True, slots=True)
class Query:
    lets: tuple[Let, ...]
    body: Tabular
    source: str = field(repr=False, compare=False, default="")
