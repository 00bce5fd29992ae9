"""Running one rule with exclusions: the rule on the rows no exclusion removes, and, for each exclusion,
the rule on the rows it removed (so every match it hides is reported, naming it).

Exclusions remove source rows of the rule's tables, before the rule's own summarize: the seed rule
summarizes per device, so its output has no path or hash an exclusion could be tested on.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import CompiledQuery, TableFilter
from rmmhunt.compiler.functions import sql
from rmmhunt.kql.types import KqlType
from rmmhunt.rules.model import Rule
from rmmhunt.schema import default_catalog
from rmmhunt.tuning.conditions import Columns, ConditionBuilder
from rmmhunt.tuning.model import Exclusion, ExclusionSet
from rmmhunt.tuning.outcome import RuleOutcome, Suppression

if TYPE_CHECKING:
    from rmmhunt.api import Workspace

# Whether an exclusion removes any row of a table, per engine (a new engine is made when the data change):
# a pack of hundreds of rules on a few tables asks the same question many times.
_removes_rows: weakref.WeakKeyDictionary[object, dict[str, bool]] = weakref.WeakKeyDictionary()

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


def _removes_any(
    workspace: Workspace, now: datetime, table_filter: TableFilter, tables: dict[str, Columns], touched: Conditions
) -> bool:
    """Whether the filter leaves any row of a table the exclusion touches (one cheap LIMIT 1 query per table)."""
    engine = workspace.engine
    known = _removes_rows.setdefault(engine, {})
    for table in touched:
        condition = table_filter(table, tables[table])
        source = exp.Table(this=exp.to_identifier(table, quoted=True))
        probe = exp.select(exp.alias_(exp.Literal.number(1), "hit")).from_(source)
        probe = probe.where(condition).limit(1) if condition is not None else probe.limit(1)
        key = probe.sql("duckdb")
        if key not in known:
            known[key] = engine.execute(CompiledQuery(probe, {"hit": KqlType.LONG}, now)).num_rows > 0
        if known[key]:
            return True
    return False


def run_rule(
    workspace: Workspace,
    rule: Rule,
    now: datetime,
    window: tuple[datetime, datetime],
    exclusions: ExclusionSet,
    base_filter: TableFilter | None = None,
) -> RuleOutcome:
    """The rule's matches at `now`, with what each active exclusion that applies to it set aside.

    `window` bounds the events that conditions the rule's table lacks are looked up in (by SHA1);
    `base_filter` (the scheduler's query period) restricts every read, with the exclusions' conditions.
    With no exclusion that can hold for the rule's tables, the rule runs exactly as without exclusions.
    """
    applicable = [e for e in exclusions.active(now) if e.applies_to(rule)]
    if not applicable:
        return RuleOutcome(workspace.query(rule.query, now, base_filter))
    tables = tables_read(workspace, rule.query, now)
    builder = ConditionBuilder(workspace.store or default_catalog(), window)
    candidates: list[tuple[Exclusion, Conditions]] = []
    for exclusion in applicable:
        conditions = {
            t: c for t, cols in tables.items() if (c := builder.exclusion(exclusion.when, t, cols)) is not None
        }
        if conditions:
            candidates.append((exclusion, conditions))
    removing = [
        item
        for index, item in enumerate(candidates)
        if _removes_any(workspace, now, _table_filter(base_filter, _only(candidates, index)), tables, item[1])
    ]
    if not removing:
        return RuleOutcome(workspace.query(rule.query, now, base_filter))
    kept = workspace.query(rule.query, now, _table_filter(base_filter, _none_of(removing)))
    suppressed = []
    for index, (exclusion, _) in enumerate(removing):
        matches = workspace.query(rule.query, now, _table_filter(base_filter, _only(removing, index)))
        if matches.num_rows:
            suppressed.append(Suppression(exclusion.id, matches))
    return RuleOutcome(kept, suppressed, frozenset(s.exclusion_id for s in suppressed))
