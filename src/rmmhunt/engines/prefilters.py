"""Cheap conditions that each of many filters implies, put in front of their OR in a shared scan.

A shared scan keeps the rows that any of a hundred rules' filters keeps. As written, DuckDB meets each row
with every filter in turn: a hundred substring tests (`CONTAINS(LOWER(col), 'needle')`, `LOWER(col) IN (...)`)
and a hundred time-window comparisons, none of which it can push into the Parquet scan. Two conditions that
every filter implies spare it most of that:

- needles: when each filter requires some needle in some text, a row passes only if one of those texts holds
  one of the needles; one RE2 alternation per text, a single pass over it;
- a window: when each filter bounds the same datetime column, a row passes only within the loosest bounds;
  a plain comparison, which the scan uses to skip files and row groups.

Implied by the OR, they change no answer when ANDed with it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlglot import exp

from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.strings import regex_escape
from rmmhunt.kql.types import KqlType

Conjuncts = frozenset[exp.Expression]  # `a AND b AND c` as {a, b, c}: implication is a subset test

# Texts and, for each, the strings one of which it holds: a row meets a condition only if some text holds one.
Requirement = dict[exp.Expression, list[str]]

# (column, is_upper_bound) -> the bound; inclusive, as implied bounds may be loosened to be.
Window = dict[tuple[exp.Expression, bool], datetime]


def implied_prefilter(filters: Collection[Conjuncts]) -> exp.Expression | None:
    """A condition each filter implies, cheap to test; None when they share nothing worth testing."""
    tests = [test for test in (needle_test(filters), window_test(filters)) if test is not None]
    return exp.and_(*tests, copy=False) if tests else None


def needle_test(filters: Iterable[Conjuncts]) -> exp.Expression | None:
    combined = _any_of(_all_of(parts) for parts in filters)
    if not combined:
        return None
    tests = [
        exp.RegexpLike(this=text.copy(), expression=exp.Literal.string("|".join(map(regex_escape, needles))))
        for text, needles in combined.items()
    ]
    return exp.or_(*tests, copy=False)


_TEXTS = (exp.Column, exp.Lower)  # a column compared with strings is a string column


def requirement(condition: exp.Expression) -> Requirement | None:
    """What a condition requires of the row's texts; None when it requires no needle."""
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return _all_of(condition.flatten())
    if isinstance(condition, exp.Or):
        return _any_of(map(requirement, condition.flatten()))
    if isinstance(condition, exp.Contains | exp.StartsWith | exp.EndsWith):
        return _needles(condition.this, [condition.expression])
    # A text equal to a needle contains it (`==`, `=~`, `in`, `in~` of strings).
    if isinstance(condition, exp.EQ) and isinstance(condition.this, _TEXTS):
        return _needles(condition.this, [condition.expression])
    if isinstance(condition, exp.In) and isinstance(condition.this, _TEXTS):
        return _needles(condition.this, condition.expressions)
    return None


def _all_of(parts: Iterable[exp.Expression]) -> Requirement | None:
    """Each part must hold, so any one part's requirement is the whole one's."""
    return next((found for found in map(requirement, parts) if found is not None), None)


def _any_of(requirements: Iterable[Requirement | None]) -> Requirement | None:
    """One of them must hold: their needles together, provided each has some."""
    combined: Requirement = {}
    for found in requirements:
        if found is None:
            return None
        for text, needles in found.items():
            known = combined.setdefault(text, [])
            known += [needle for needle in needles if needle not in known]
    return combined


def _needles(text: exp.Expression, values: list[exp.Expression]) -> Requirement | None:
    """Constant, non-empty strings only: an empty one is in every text."""
    needles = [v.this for v in values if isinstance(v, exp.Literal) and v.is_string and v.this]
    return {text: needles} if values and len(needles) == len(values) else None


def window_test(filters: Collection[Conjuncts]) -> exp.Expression | None:
    windows = [window(parts) for parts in filters]
    if not windows:
        return None
    shared = set.intersection(*(set(w) for w in windows))
    tests: list[exp.Expression] = []
    for column, upper in sorted(shared, key=lambda key: (key[0].sql(), key[1])):
        values = [w[column, upper] for w in windows]
        bound = literal(max(values) if upper else min(values), KqlType.DATETIME).sql
        tests.append(
            exp.LTE(this=column.copy(), expression=bound) if upper else exp.GTE(this=column.copy(), expression=bound)
        )
    return exp.and_(*tests, copy=False) if tests else None


def window(parts: Iterable[exp.Expression]) -> Window:
    """The datetime bounds a filter's AND-parts put on columns (`c > t`, `c <= t`, `c BETWEEN a AND b`)."""
    found: Window = {}

    def tighten(column: exp.Expression, upper: bool, value: datetime | None) -> None:
        if value is not None:
            known = found.get((column, upper))
            found[column, upper] = value if known is None else (min if upper else max)(known, value)

    for part in parts:
        part = part.unnest()
        if isinstance(part, exp.Between) and isinstance(part.this, exp.Column):
            tighten(part.this, False, _datetime(part.args["low"]))
            tighten(part.this, True, _datetime(part.args["high"]))
        elif isinstance(part, exp.GT | exp.GTE | exp.LT | exp.LTE) and isinstance(part.this, exp.Column):
            tighten(part.this, isinstance(part, exp.LT | exp.LTE), _datetime(part.expression))
    return found


def _datetime(node: exp.Expression) -> datetime | None:
    """The value of a datetime constant as the compiler writes it, CAST('...' AS TIMESTAMP)."""
    if not (isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.TIMESTAMP):
        return None
    text = node.this
    if not (isinstance(text, exp.Literal) and text.is_string):
        return None
    try:
        return datetime.fromisoformat(text.this)
    except ValueError:
        return None
