"""Running one rule with exclusions: the rule on the rows no exclusion removes, and, for each exclusion,
the rule on the rows it removed (so every match it hides is reported, naming it).

Exclusions remove source rows of the rule's tables, before the rule's own summarize: the seed rule
summarizes per device, so its output has no path or hash an exclusion could be tested on.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

import pyarrow as pa
from sqlglot import exp

from rmmhunt.compiler import CompiledQuery, TableFilter
from rmmhunt.compiler.functions import sql
from rmmhunt.engines.base import probe_rows
from rmmhunt.rules.model import Rule
from rmmhunt.schema import default_catalog
from rmmhunt.tuning.conditions import KEY, Columns, ConditionBuilder
from rmmhunt.tuning.model import Exclusion, ExclusionSet
from rmmhunt.tuning.outcome import RuleOutcome, Suppression

if TYPE_CHECKING:
    from rmmhunt.api import Workspace

# Answers to the small queries exclusions ask (which keys meet an exclusion's conditions in other tables,
# which exclusions remove rows), by the query's SQL, per engine (a new engine is made when the data change):
# a pack of hundreds of rules on a few tables, and a backtest's runs, ask the same ones again.
_answers: weakref.WeakKeyDictionary[object, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()

Conditions = dict[str, exp.Expression]  # table -> the condition that the exclusion holds for a row of it


def tables_read(workspace: Workspace, query: str, now: datetime) -> dict[str, Columns]:
    """The tables a query reads, with their columns (as the compiler binds them)."""
    read: dict[str, Columns] = {}

    def record(name: str, columns: Columns) -> None:
        read[name] = dict(columns)

    workspace.compile(query, now, table_filter=record)
    return read


def _any(conditions: list[exp.Expression]) -> exp.Expression | None:
    return exp.or_(*[c.copy() for c in conditions]) if conditions else None


def _table_filter(base: TableFilter | None, extra: Callable[[str], exp.Expression | None]) -> TableFilter:
    def table_filter(name: str, columns: Columns) -> exp.Expression | None:
        parts = [p for p in (base(name, columns) if base else None, extra(name)) if p is not None]
        return exp.and_(*parts) if parts else None

    return table_filter


def _only(plan: list[tuple[Exclusion, Conditions]], index: int) -> Callable[[str], exp.Expression | None]:
    """Rows exclusion `index` removes and no earlier exclusion does; all rows of tables it does not touch."""
    mine = plan[index][1]

    def extra(table: str) -> exp.Expression | None:
        if table not in mine:
            return None
        earlier = _any([conditions[table] for _, conditions in plan[:index] if table in conditions])
        condition = mine[table].copy()
        return condition if earlier is None else exp.and_(condition, sql.not_(earlier))

    return extra


def _none_of(plan: list[tuple[Exclusion, Conditions]]) -> Callable[[str], exp.Expression | None]:
    def extra(table: str) -> exp.Expression | None:
        removing = _any([conditions[table] for _, conditions in plan if table in conditions])
        return None if removing is None else sql.not_(removing)

    return extra


def _distinct_values(workspace: Workspace, query: exp.Select) -> frozenset[str]:
    """The values other than null of a query of one text column (a `conditions.Lookup`), asked once per engine."""
    engine = workspace.engine
    known = _answers.setdefault(engine, {})
    key = query.sql("duckdb")
    if key not in known:
        known[key] = frozenset(value for (value,) in probe_rows(engine, query) if value is not None)
    return known[key]


def _removing(
    workspace: Workspace,
    base_filter: TableFilter | None,
    tables: dict[str, Columns],
    candidates: list[tuple[Exclusion, Conditions]],
) -> list[tuple[Exclusion, Conditions]]:
    """The candidates that remove a row the base filter leaves, a row being the first matching one's:
    one query per table (a CASE in file order), not one per exclusion."""
    owners: set[str] = set()
    for table, columns in tables.items():
        claims = [(e.id, conditions[table]) for e, conditions in candidates if table in conditions]
        if not claims:
            continue
        owner = exp.Case(ifs=[exp.If(this=condition.copy(), true=sql.s(id_)) for id_, condition in claims])
        query = exp.select(exp.alias_(owner, KEY)).from_(exp.to_table(table, quoted=True)).distinct()
        base = base_filter(table, columns) if base_filter else None
        owners |= _distinct_values(workspace, query if base is None else query.where(base))
    return [item for item in candidates if item[0].id in owners]


def run_rule(
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    window: tuple[datetime, datetime],
    exclusions: ExclusionSet,
    base_filter: TableFilter | None = None,
    compiled: CompiledQuery | None = None,
) -> RuleOutcome:
    """The rule's matches at `now`, with what each active exclusion that applies to it set aside.

    `window` bounds the events that conditions the rule's table lacks are looked up in (by SHA1);
    `base_filter` (the scheduler's query period) restricts every read, with the exclusions' conditions.
    With no exclusion that can hold for the rule's tables, the rule runs exactly as without exclusions:
    `compiled`, when given, is its query compiled with `base_filter` (a hunt compiles every rule first).
    """

    def plain() -> pa.Table:
        return workspace.engine.execute(compiled) if compiled else workspace.query(rule.query, now, base_filter)

    applicable = [e for e in exclusions.active(now) if e.applies_to(rule)]
    if not applicable:
        return RuleOutcome(plain())
    tables = tables_read(workspace, rule.query, now)
    builder = ConditionBuilder(workspace.store or default_catalog(), window, partial(_distinct_values, workspace))
    candidates: list[tuple[Exclusion, Conditions]] = []
    for exclusion in applicable:
        conditions = {
            t: c for t, cols in tables.items() if (c := builder.exclusion(exclusion.when, t, cols)) is not None
        }
        if conditions:
            candidates.append((exclusion, conditions))
    removing = _removing(workspace, base_filter, tables, candidates)
    if not removing:
        return RuleOutcome(plain())
    kept = workspace.query(rule.query, now, _table_filter(base_filter, _none_of(removing)))
    suppressed = []
    for index, (exclusion, _) in enumerate(removing):
        matches = workspace.query(rule.query, now, _table_filter(base_filter, _only(removing, index)))
        if matches.num_rows:
            suppressed.append(Suppression(exclusion.id, matches))
    return RuleOutcome(kept, suppressed, frozenset(s.exclusion_id for s in suppressed))
