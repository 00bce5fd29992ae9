"""A compiled query is a tree: every node has one parent, the node that holds it.

sqlglot nodes know their parent, and a node placed in two parents (a `let` value used twice, a
module-level constant) keeps only the last one: whatever then reads or rewrites the tree through
parents goes wrong. Because the trees are well formed, and because generating DuckDB SQL from
them changes nothing, `CompiledQuery.sql()` generates without copying the tree first.

Checked over the rule pack, the corpus and the case tables of the scalar and tabular tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlglot import exp

from rmmhunt import Workspace
from rmmhunt.kql.errors import KqlError
from rmmhunt.rules import builtin_rules_dir, load_rules
from tests.corpus_support import CORPORA, load_corpus
from tests.kql_cases import NOW
from tests.test_functions import ACCESS_CASES
from tests.test_functions import CASES as FUNCTION_CASES
from tests.test_operators import AGGREGATE_CASES, CORPUS_FORMS, SERIES_CASES
from tests.test_operators import CASES as OPERATOR_CASES
from tests.test_semantics import CASES as SEMANTIC_CASES


def misplaced_nodes(tree: exp.Expression) -> Iterator[exp.Expression]:
    """Nodes that appear twice in the tree, or whose parent pointer is not the node holding them."""
    seen: set[int] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        for key, value in node.args.items():
            for child in value if isinstance(value, list) else [value]:
                if not isinstance(child, exp.Expression):
                    continue
                if id(child) in seen or child.parent is not node or child.arg_key != key:
                    yield child
                seen.add(id(child))
                stack.append(child)


def queries(source: str) -> list[str]:
    if source == "pack":
        return [r.rule.query for r in load_rules(builtin_rules_dir())]
    if source == "corpus":
        return [q.query for name in CORPORA for q in load_corpus(name)]
    cases = [*FUNCTION_CASES, *ACCESS_CASES, *OPERATOR_CASES, *AGGREGATE_CASES, *SERIES_CASES, *CORPUS_FORMS]
    return [c.kql for c in [*cases, *SEMANTIC_CASES]]


@pytest.mark.parametrize("source", ["pack", "corpus", "cases"])
def test_compiled_trees_are_well_formed_and_generating_sql_leaves_them_unchanged(source: str) -> None:
    ws = Workspace(None)
    problems = []
    for query in queries(source):
        try:
            compiled = ws.compile(query, NOW)
        except KqlError:
            continue
        misplaced = [node.sql("duckdb") for node in misplaced_nodes(compiled.tree)]
        if misplaced:
            problems.append(f"{query!r}: nodes with two parents: {misplaced[:3]}")
            continue
        before = compiled.tree.copy()
        sql = compiled.sql()
        if compiled.tree != before or sql != before.sql("duckdb"):
            problems.append(f"{query!r}: generating SQL changed the tree")
    assert not problems, "\n".join(problems)
