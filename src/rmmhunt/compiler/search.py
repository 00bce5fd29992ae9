"""search and find: a predicate over several tables at once.

`search in (T1, ...) Predicate` is the union of the tables with a `$table` column,
filtered by the predicate, where a bare string term matches any string column: "x" as `has`, "x*" as `hasprefix`,
"*x" as `hassuffix`, "*x*" as `contains` (`_cs` with kind=case_sensitive). `search` without `in` searches every
table of the workspace: each table is filtered on its own columns first and the results are put together by
column name (UNION ALL BY NAME), since padding some 65 tables to the 800 columns of all of them makes megabytes
of SQL. A table that lacks a column the predicate names has no matching row (the predicate cannot hold on it).
https://learn.microsoft.com/en-us/kusto/query/search-operator

`find in (T1, ...) where Predicate [project a, b]` is the union with a `source_` column, filtered; without
`project` its columns are those the predicate names or every table has, then `pack_`, a bag of the others. https://learn.microsoft.com/en-us/kusto/query/find-operator
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import joins
from rmmhunt.compiler.relation import Relation, col
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNameError, Span
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

PACK_LIMIT = 64  # bag_pack takes 64 key/value pairs; wider bags are merged from several
JOIN_LIMIT = 64  # strcat_delim's parts
SEPARATOR = "\x01"


def search(compiler: TabularCompiler, node: ast.Search) -> Relation:
    op = ast.SearchOp(node.span, node.predicate, node.case_sensitive)
    if not node.tables:
        return _search_every_table(compiler, op)
    relation = joins.union(compiler, ast.Union(node.span, node.tables, "outer", "$table"))
    return search_operator(compiler, op, relation)


def _search_every_table(compiler: TabularCompiler, op: ast.SearchOp) -> Relation:
    legs: list[tuple[str, Relation]] = []
    missing: list[KqlNameError] = []
    for name in compiler.ctx.tables.table_names():
        table = compiler.compile(ast.TableRef(op.span, name))
        try:
            legs.append((name, search_operator(compiler, op, table)))
        except KqlNameError as error:  # the predicate names a column this table lacks
            missing.append(error)
            nothing = ast.Where(op.span, ast.Literal(op.span, False, KqlType.BOOL))
            legs.append((name, compiler.where(nothing, table)))
    if len(missing) == len(legs):  # a name no table has is a mistake, not a search with no result
        raise missing[0]
    columns, conflicting = joins.outer_columns([leg for _, leg in legs])
    selects = []
    for name, leg in legs:
        items: list[exp.Expression] = [exp.alias_(exp.Literal.string(name), "$table", quoted=True)]
        for column, kql_type in leg.columns.items():
            renamed = f"{column}_{kql_type.value}" if column in conflicting else column
            items.append(exp.alias_(col(column), renamed, quoted=True) if renamed != column else col(column))
        selects.append(leg.select_from(compiler.ctx.next_alias(), items))
    combined: exp.Expression = selects[0]
    for select in selects[1:]:
        combined = exp.Union(this=combined, expression=select, distinct=False, by_name=True)
    columns = {"$table": KqlType.STRING, **columns}
    query = exp.Select(expressions=[col(n) for n in columns]).from_(
        combined.subquery(compiler.ctx.next_alias(), copy=False), copy=False
    )
    return Relation(query, columns)


def search_operator(compiler: TabularCompiler, op: ast.SearchOp, relation: Relation) -> Relation:
    strings = [n for n, t in relation.columns.items() if t is KqlType.STRING and n != "$table"]
    predicate = _with_terms(op.predicate, strings, op.case_sensitive)
    return compiler.where(ast.Where(op.span, predicate), relation)


def _with_terms(node: ast.Expr, columns: list[str], case_sensitive: bool) -> ast.Expr:
    """The predicate with each bare string term (in a boolean position) turned into a match on every column."""
    if isinstance(node, ast.Literal) and node.type is KqlType.STRING and isinstance(node.value, str):
        return _any_column_matches(node, columns, case_sensitive)
    if isinstance(node, ast.Binary) and node.op in ("and", "or"):
        left, right = (_with_terms(n, columns, case_sensitive) for n in (node.left, node.right))
        return ast.Binary(node.span, node.op, left, right)
    if isinstance(node, ast.Call) and node.name == "not" and len(node.args) == 1:
        return ast.Call(node.span, node.name, (_with_terms(node.args[0], columns, case_sensitive),), node.name_span)
    return node


def _any_column_matches(term: ast.Literal, columns: list[str], case_sensitive: bool) -> ast.Expr:
    text = str(term.value)
    starts, ends = text.startswith("*"), text.endswith("*") and len(text) > 1
    operator = {(False, False): "has", (False, True): "hasprefix", (True, False): "hassuffix"}.get(
        (starts, ends), "contains"
    )
    bare = ast.Literal(term.span, text.strip("*"), KqlType.STRING)
    operator += "_cs" if case_sensitive else ""
    if not columns:
        return ast.Literal(term.span, False, KqlType.BOOL)
    return ast.Binary(term.span, operator, _joined(term.span, columns), bare)


def _joined(span: Span, columns: list[str]) -> ast.Expr:
    """The columns' text joined by a separator no term holds, so that one match on it is a match in any column
    (terms are runs of letters and digits; the separator ends them) and the SQL stays one test, not hundreds."""
    empty = ast.Literal(span, "", KqlType.STRING)
    # A leg of the union that lacks a column gives null there, and null would void the whole join.
    parts: list[ast.Expr] = [ast.Call(span, "coalesce", (ast.Name(span, n), empty), span) for n in columns]
    separator = ast.Literal(span, SEPARATOR, KqlType.STRING)
    while len(parts) > 1:
        chunks = [parts[i : i + JOIN_LIMIT] for i in range(0, len(parts), JOIN_LIMIT)]
        parts = [c[0] if len(c) == 1 else ast.Call(span, "strcat_delim", (separator, *c), span) for c in chunks]
    return parts[0]


def find(compiler: TabularCompiler, node: ast.Find) -> Relation:
    union = ast.Union(node.span, node.tables, "outer", node.withsource)
    relation = compiler.where(ast.Where(node.span, node.predicate), joins.union(compiler, union))
    if node.project is not None:
        names = (node.withsource, *node.project)
        items = tuple(ast.Assignment(None, ast.Name(node.span, n), node.span) for n in names)
        return compiler.project(ast.Project(node.span, items), relation)
    legs = [joins.union(compiler, ast.Union(node.span, (t,), "outer", None)).columns for t in node.tables]
    named = {n.name for n in _names(node.predicate)}
    shown = [
        n
        for n in relation.columns
        if n == node.withsource or n in named or all(leg.get(n) == relation.columns[n] for leg in legs)
    ]
    rest = [n for n in relation.columns if n not in shown]
    items = [ast.Assignment(None, ast.Name(node.span, n), node.span) for n in shown]
    items.append(ast.Assignment("pack_", _bag_of(node.span, rest), node.span))
    return compiler.project(ast.Project(node.span, tuple(items)), relation)


def _names(node: object) -> list[ast.Name]:
    if isinstance(node, ast.Name):
        return [node]
    if isinstance(node, ast.Expr):
        return [n for f in node.__dataclass_fields__ if f != "span" for n in _names(getattr(node, f))]
    if isinstance(node, tuple):
        return [n for item in node for n in _names(item)]
    return []


def _bag_of(span: Span, columns: list[str]) -> ast.Expr:
    """A bag of the columns: bag_pack, merged in chunks past its argument limit."""
    chunks: list[ast.Expr] = []
    for start in range(0, len(columns), PACK_LIMIT):
        args: list[ast.Expr] = []
        for name in columns[start : start + PACK_LIMIT]:
            args += [ast.Literal(span, name, KqlType.STRING), ast.Name(span, name)]
        chunks.append(ast.Call(span, "bag_pack", tuple(args), span))
    if not chunks:
        return ast.Call(span, "bag_pack", (), span)
    return chunks[0] if len(chunks) == 1 else ast.Call(span, "bag_merge", tuple(chunks), span)
