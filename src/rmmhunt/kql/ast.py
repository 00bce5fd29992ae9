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
class TabularExpr(Expr):
    """A tabular expression in a scalar position: `x in (T | project y)`, `toscalar(T | count)`."""

    tabular: Tabular


@dataclass(frozen=True, slots=True)
class Assignment:
    """`Name = expr` in project, extend, summarize and print; `name` is None when unnamed."""

    name: str | None
    expr: Expr
    span: Span
    names: tuple[str, ...] = ()  # `(A, B) = arg_max(...)`: one name per output column


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
class Range(Tabular):
    """`range x from a to b step c`."""

    name: str
    start: Expr
    stop: Expr
    step: Expr


@dataclass(frozen=True, slots=True)
class Union(Tabular):
    """`union [kind=...] [withsource=Col] T1, T2, ...` (as a source; the operator form prepends its input)."""

    tables: tuple[Tabular, ...]
    kind: str  # "outer" or "inner"
    withsource: str | None


@dataclass(frozen=True, slots=True)
class Search(Tabular):
    """`search [kind=case_sensitive] [in (T1, ...)] Predicate`; `tables` empty means every table."""

    tables: tuple[Tabular, ...]
    predicate: Expr
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class Find(Tabular):
    """`find [withsource=Col] in (T1, ...) where Predicate [project a, b]`; `project` None is the default columns."""

    tables: tuple[Tabular, ...]
    predicate: Expr
    project: tuple[str, ...] | None
    withsource: str


@dataclass(frozen=True, slots=True)
class TablePattern(Tabular):
    """A wildcard table name in union: `Device*Events`."""

    pattern: str


@dataclass(frozen=True, slots=True)
class TabularCall(Tabular):
    """A call of a user-defined tabular function as a source: `f(1, "x")`."""

    call: Call


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
class TopNestedLevel:
    """`top-nested [N] of [Name =] Expr [with others = Const] by [Name =] Aggregation [asc|desc]`."""

    count: Expr | None  # None: every distinct value
    value: Assignment
    others: Expr | None
    aggregate: Assignment
    descending: bool


@dataclass(frozen=True, slots=True)
class TopNested(Operator):
    levels: tuple[TopNestedLevel, ...]


@dataclass(frozen=True, slots=True)
class Count(Operator):
    pass


@dataclass(frozen=True, slots=True)
class Distinct(Operator):
    items: tuple[Assignment, ...]  # empty tuple means `distinct *`


@dataclass(frozen=True, slots=True)
class NamePattern:
    """A column name or a wildcard pattern such as `Initiating*`."""

    pattern: str
    span: Span


@dataclass(frozen=True, slots=True)
class ProjectAway(Operator):
    patterns: tuple[NamePattern, ...]


@dataclass(frozen=True, slots=True)
class ProjectKeep(Operator):
    patterns: tuple[NamePattern, ...]


@dataclass(frozen=True, slots=True)
class ProjectReorder(Operator):
    patterns: tuple[NamePattern, ...]


@dataclass(frozen=True, slots=True)
class ProjectRename(Operator):
    renames: tuple[tuple[str, str, Span], ...]  # (new name, old name, span)


@dataclass(frozen=True, slots=True)
class JoinKey:
    left: str
    right: str
    span: Span


@dataclass(frozen=True, slots=True)
class Join(Operator):
    kind: str
    right: Tabular
    on: tuple[JoinKey, ...]


@dataclass(frozen=True, slots=True)
class Lookup(Operator):
    kind: str
    right: Tabular
    on: tuple[JoinKey, ...]


@dataclass(frozen=True, slots=True)
class UnionOp(Operator):
    union: Union


@dataclass(frozen=True, slots=True)
class MvExpandItem:
    name: str | None  # None: named after the expression (`mv-expand parse_json(x)` expands into x)
    expr: Expr
    to_type: KqlType | None


@dataclass(frozen=True, slots=True)
class MvExpand(Operator):
    items: tuple[MvExpandItem, ...]
    item_index: str | None
    limit: Expr | None
    bag_kind: str = "bag"  # kind= / bagexpansion=: a bag's properties as single-entry bags or [key, value] arrays


@dataclass(frozen=True, slots=True)
class Evaluate(Operator):
    """`evaluate plugin(args) [: (Name:type, ...)]`; `schema` is the declared output, `*` first keeps the input's."""

    call: Call
    schema: tuple[tuple[str, KqlType], ...] | None
    schema_keeps_input: bool


@dataclass(frozen=True, slots=True)
class SearchOp(Operator):
    """`T | search [kind=case_sensitive] Predicate`."""

    predicate: Expr
    case_sensitive: bool


@dataclass(frozen=True, slots=True)
class MvApply(Operator):
    """`mv-apply [with_itemindex=i] items [limit n] on (subquery)`: `subquery` runs on each row's expansion."""

    items: tuple[MvExpandItem, ...]
    item_index: str | None
    limit: Expr | None
    subquery: tuple[Operator, ...]


@dataclass(frozen=True, slots=True)
class Partition(Operator):
    """`partition [hint.x=y] by Column (subquery)`: `subquery` runs on the rows of each value of Column."""

    column: str
    column_span: Span
    subquery: tuple[Operator, ...]


@dataclass(frozen=True, slots=True)
class ParseCapture:
    name: str
    type: KqlType
    span: Span


@dataclass(frozen=True, slots=True)
class Parse(Operator):
    """`parse [kind=...] expr with "text" Col:type * ...`; `where` is True for parse-where."""

    kind: str
    source: Expr
    parts: tuple[str | ParseCapture | None, ...]  # text, capture, or None for `*`
    flags: str
    where: bool


@dataclass(frozen=True, slots=True)
class MakeSeries(Operator):
    """`make-series Agg [default=D], ... on Axis [from a] [to b] step s [by ...]`."""

    aggregates: tuple[tuple[Assignment, Expr | None], ...]  # (aggregate, default)
    axis: Expr
    start: Expr | None
    end: Expr | None
    step: Expr
    by: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class Serialize(Operator):
    items: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class As(Operator):
    name: str


@dataclass(frozen=True, slots=True)
class Render(Operator):
    pass


@dataclass(frozen=True, slots=True)
class Sample(Operator):
    count: Expr


@dataclass(frozen=True, slots=True)
class SampleDistinct(Operator):
    count: Expr
    column: Expr


@dataclass(frozen=True, slots=True)
class GetSchema(Operator):
    pass


@dataclass(frozen=True, slots=True)
class Invoke(Operator):
    call: Call


# ---------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    type: KqlType | None  # None: a tabular parameter, `T:(*)`
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class FunctionDef:
    """`(params) { let ...; body }`: a user-defined scalar or tabular function."""

    parameters: tuple[Parameter, ...]
    lets: tuple[Let, ...]
    body: Expr | Tabular
    span: Span


@dataclass(frozen=True, slots=True)
class Let:
    name: str
    value: Expr | Tabular | FunctionDef
    span: Span


@dataclass(frozen=True, slots=True)
class Query:
    lets: tuple[Let, ...]
    body: Tabular
    source: str = field(repr=False, compare=False, default="")
