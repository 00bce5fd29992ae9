"""What the compiler knows while compiling one query: the clock, names in scope, the query text."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple, Protocol

from sqlglot import exp

from rmmhunt.compiler.naming import ColumnNamer
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNameError, Span
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.relation import Relation


class _NoValue:
    def __repr__(self) -> str:
        return "NO_VALUE"


NO_VALUE = _NoValue()


class Typed(NamedTuple):  # a tuple, as lexer.Token: a query compiles dozens, and tuples are built faster
    """A compiled scalar: its SQL, its KQL type and, when known at compile time, its value."""

    sql: exp.Expression
    type: KqlType
    value: object = NO_VALUE

    @property
    def is_constant(self) -> bool:
        return self.value is not NO_VALUE


TableFilter = Callable[[str, dict[str, KqlType]], exp.Expression | None]
"""Given a table's name and columns, a condition every row read from it must meet (or None for all rows).

This is how a scheduled run restricts each table to its query period and how exclusions set rows aside,
without touching the rule's text."""


Probe = Callable[[exp.Select], list[tuple[object, ...]]]
"""Runs a small query on the data and returns its rows: how the compiler learns what only the data can tell,
such as the keys `evaluate bag_unpack(d)` turns into columns. Absent when only compiling (lint, `rmmhunt sql`)."""


class TableProvider(Protocol):
    """Where the compiler learns which tables exist and their columns (the catalog, a workspace)."""

    def table_columns(self, name: str) -> dict[str, KqlType] | None: ...

    def table_names(self) -> list[str]: ...


@dataclass
class QueryContext:
    source: str
    now: datetime  # naive UTC; the one instant `now()` means throughout the query
    tables: TableProvider
    table_filter: TableFilter | None = None
    probe: Probe | None = None
    scalars: dict[str, Typed] = field(default_factory=dict)
    relations: dict[str, Relation] = field(default_factory=dict)
    functions: dict[str, ast.FunctionDef] = field(default_factory=dict)
    namer: ColumnNamer = field(default_factory=ColumnNamer)
    alias_counter: int = 0
    # Whether an expression holds a query (`x in (T)`, toscalar(T), has_any over T): projection pruning reads
    # every SELECT only then.
    nested_queries: bool = False

    @contextmanager
    def scope(self) -> Iterator[None]:
        """Bindings made inside (function parameters, a function body's lets) vanish on exit."""
        saved = dict(self.scalars), dict(self.relations), dict(self.functions)
        try:
            yield
        finally:
            self.scalars, self.relations, self.functions = saved

    def next_alias(self) -> str:
        self.alias_counter += 1
        return f"_t{self.alias_counter}"

    def unknown(self, what: str, name: str, span: Span, candidates: list[str]) -> KqlNameError:
        return KqlNameError(f"{what} {name!r}{suggestion(name, candidates)}", span, self.source)


def suggestion(name: str, candidates: list[str]) -> str:
    """`; did you mean 'X'?` for the closest candidate, or ''."""
    lowered_name = name.lower()
    by_case = [c for c in candidates if c.lower() == lowered_name]
    # `AccountUpn` on a table that has `InitiatingProcessAccountUpn`: the longer name is the likely intent.
    by_suffix = [c for c in candidates if len(name) >= 4 and c.lower().endswith(lowered_name)]
    close = by_case or by_suffix[:1] or difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in candidates}
        close = [lowered[c] for c in difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)]
    return f"; did you mean {close[0]!r}?" if close else ""
