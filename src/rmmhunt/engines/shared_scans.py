"""Shared scans: the rules of one hunt that filter the same table read it once between them.

A pack has hundreds of rules over a few tables, and each begins by filtering its table (`T | where ...`)
down to a fraction of a percent of it. Scanning T once for the rows that any rule's filter keeps, into a
temporary table, and running every rule on those rows reads T once instead of once per rule; each rule
still applies its own filter, so it gets exactly the rows it would get from T.

A read is a `SELECT <columns or *> FROM T WHERE W` in a compiled tree (the compiler's form of `T | where`).
A query's read may use T's shared rows when W implies one of the filters they were kept for (every
conjunct of that filter is a conjunct of W: a rule run again with an exclusion's condition added still
qualifies) and when every column the query names is among the shared columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlglot import exp

from rmmhunt.engines.base import Engine, EngineError
from rmmhunt.engines.prefilters import Conjuncts, implied_prefilter
from rmmhunt.kql.types import KqlType

# More rows than this and the shared rows are not worth holding (the rules' filters keep most of the
# table): the table is then scanned per rule, as without sharing.
ROW_CAP = 1_000_000

# A filter with one of these is not a pure function of the row, or reads beyond it.
NOT_ROW_LOCAL = (exp.Subquery, exp.Select, exp.Rand, exp.Uuid, exp.Window, exp.AggFunc)


@dataclass(frozen=True, slots=True)
class Read:
    select: exp.Select
    table: str
    conjuncts: Conjuncts


@dataclass
class SharedTable:
    table: str
    name: str
    # Each distinct filter, with the condition it came from (for the shared query's SQL, in the rule's order).
    filters: dict[Conjuncts, exp.Expression] = field(default_factory=dict)
    columns: set[str] | None = field(default_factory=set)  # None: every column of the table

    def covers(self, read: Read, named: set[str] | None) -> bool:
        if self.columns is not None and (named is None or not named <= self.columns):
            return False
        return any(f <= read.conjuncts for f in self.filters)


def conjuncts(condition: exp.Expression) -> Conjuncts:
    """The parts of `a AND (b AND c)`: a, b, c."""
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return conjuncts(condition.this) | conjuncts(condition.expression)
    return frozenset([condition])


def nodes(tree: exp.Expression) -> Iterator[exp.Expression]:
    """Every node of the tree, depth first (a plain stack: several times cheaper than sqlglot's walk)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for value in node.args.values():
            if isinstance(value, exp.Expression):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, exp.Expression))


def as_read(select: exp.Select, is_table: Callable[[str], bool]) -> Read | None:
    """The select as a filtered read of a named table that shared rows could stand in for, if it is one."""
    source = select.args.get("from_")
    where = select.args.get("where")
    if source is None or where is None or not isinstance(source.this, exp.Table):
        return None
    table = source.this
    if not isinstance(table.this, exp.Identifier) or table.args.get("alias") or not is_table(table.name):
        return None
    clauses = ("joins", "group", "having", "qualify", "order", "limit", "offset", "distinct", "laterals")
    if any(select.args.get(c) for c in clauses):
        return None
    if not all(isinstance(i, (exp.Star, exp.Column)) and not i.args.get("table") for i in select.expressions):
        return None
    if where.find(*NOT_ROW_LOCAL) or any(c.args.get("table") for c in where.find_all(exp.Column)):
        return None
    return Read(select, table.name, conjuncts(where.this))


@dataclass(frozen=True, slots=True)
class Survey:
    """What sharing needs to know of one query, found in one pass over its tree."""

    reads: list[Read]
    # A superset of the columns the query reads from its tables: every name in it. None when it may read
    # columns it does not name: a read's rows passed on whole (the query's result, a union's branch, an IN
    # list), any other `*`, or a row read whole through its relation's alias.
    named: set[str] | None


def survey(tree: exp.Expression, is_table: Callable[[str], bool]) -> Survey:
    selects: list[exp.Select] = []
    stars: list[exp.Star] = []
    unqualified: set[str] = set()
    names: set[str] = set()
    aliases: set[str] = set()
    for node in nodes(tree):
        kind = type(node)
        if kind is exp.Identifier:
            names.add(node.name)
        elif kind is exp.Column and not node.table:
            unqualified.add(node.name)
        elif kind is exp.Select:
            selects.append(node)
        elif kind is exp.Star:
            stars.append(node)
        elif kind is exp.TableAlias:
            aliases.add(node.name)
    found = [read for select in selects if (read := as_read(select, is_table)) is not None]
    return Survey(found, None if _reads_unnamed(found, stars) or unqualified & aliases else names)


def _reads_unnamed(found: list[Read], stars: list[exp.Star]) -> bool:
    for read in found:
        parent = read.select.parent
        passed_on = not (isinstance(parent, exp.Subquery) and isinstance(parent.parent, (exp.From, exp.Join)))
        if passed_on and any(isinstance(item, exp.Star) for item in read.select.expressions):
            return True
    read_selects = {id(read.select) for read in found}
    return any(not isinstance(star.parent, exp.Count) and id(star.parent) not in read_selects for star in stars)


def path_to(node: exp.Expression) -> list[tuple[str, int | None]]:
    """How to reach `node` from its root: each step an argument name and, in a list, the position."""
    steps = []
    while node.parent is not None:
        steps.append((node.arg_key, node.index))
        node = node.parent
    return steps[::-1]


def follow(root: exp.Expression, path: list[tuple[str, int | None]]) -> exp.Expression:
    node = root
    for key, index in path:
        value = node.args[key]
        node = value[index] if index is not None else value
    return node


class SharedScans:
    """The shared tables of one hunt, and the rewriting of a query's reads to use them."""

    def __init__(self, table_columns: Callable[[str], dict[str, KqlType] | None]):
        self.table_columns = table_columns
        self.tables: dict[str, SharedTable] = {}
        self.surveys: dict[int, tuple[exp.Expression, Survey]] = {}  # the planned trees', by id(tree)

    def is_table(self, name: str) -> bool:
        return self.table_columns(name) is not None

    def survey(self, tree: exp.Expression) -> Survey:
        known = self.surveys.get(id(tree))
        return known[1] if known is not None and known[0] is tree else survey(tree, self.is_table)

    def plan(self, trees: Iterable[exp.Expression]) -> list[SharedTable]:
        """A shared table for each table that two or more of the queries' reads filter."""
        planned: dict[str, SharedTable] = {}
        counts: dict[str, int] = {}
        for tree in trees:
            found = self.survey(tree)
            self.surveys[id(tree)] = (tree, found)
            for read in found.reads:
                shared = planned.setdefault(read.table, SharedTable(read.table, f"rmmhunt_shared_{read.table}"))
                counts[read.table] = counts.get(read.table, 0) + 1
                shared.filters.setdefault(read.conjuncts, read.select.args["where"].this)
                if shared.columns is not None:
                    shared.columns = None if found.named is None else shared.columns | found.named
        return [shared for table, shared in planned.items() if counts[table] > 1]

    def query(self, shared: SharedTable) -> exp.Select:
        """The rows of the table that any of the filters keeps, capped one past ROW_CAP."""
        columns = self.table_columns(shared.table) or {}
        wanted = [c for c in columns if shared.columns is None or c in shared.columns]
        condition = exp.or_(*[where.copy() for where in shared.filters.values()])
        prefilter = implied_prefilter(shared.filters)
        if prefilter is not None:
            condition = exp.and_(prefilter, condition, copy=False)
        return (
            exp.select(*[exp.column(c, quoted=True) for c in wanted])
            .from_(exp.to_table(shared.table, quoted=True))
            .where(condition, copy=False)
            .limit(ROW_CAP + 1)
        )

    def redirect(self, tree: exp.Expression) -> exp.Expression:
        """The tree with each read the shared tables cover reading them (a copy; `tree` is not changed)."""
        if not self.tables:
            return tree
        found = self.survey(tree)
        covered = [r for r in found.reads if r.table in self.tables and self.tables[r.table].covers(r, found.named)]
        if not covered:
            return tree
        copy = tree.copy()
        for read in covered:
            source = follow(copy, path_to(read.select)).args["from_"].this
            source.set("this", exp.to_identifier(self.tables[read.table].name, quoted=True))
        return copy

    def clear(self) -> None:
        self.tables.clear()
        self.surveys.clear()


@contextmanager
def sharing(engine: Engine, trees: Iterable[exp.Expression]) -> Iterator[None]:
    """While inside, the engine runs the reads of these queries (and of any other query whose reads they
    cover) on shared tables, made here and dropped on leaving."""
    scans = engine.scans
    made = []
    try:
        for shared in scans.plan(trees):
            try:
                rows = engine.materialize(shared.name, scans.query(shared))
            except EngineError:
                continue  # the rules read the table themselves, and meet the same error there if it is theirs
            made.append(shared.name)
            if rows <= ROW_CAP:
                scans.tables[shared.table] = shared
        yield
    finally:
        scans.clear()
        for name in made:
            engine.drop(name)
