"""Real queries run (issue 3): the public KQL corpus in tests/data/corpus (see SOURCE.md there).

Every query either runs or fails with an rmmhunt KqlError; any other exception is an rmmhunt bug. The number
of queries that run must not fall below what it was when the floor was last raised, on an empty workspace
and on a small generated one (three rows per table, see tests/corpus_support.py).

`python scripts/corpus_report.py` prints the failures grouped by error. When rmmhunt runs more of the
corpus, raise MIN_RUNNING to the new count (it can only go up).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scripts.extract_corpus import split_queries

from rmmhunt import Workspace
from rmmhunt.compiler import CompiledQuery
from tests.corpus_support import (
    CORPORA,
    CorpusQuery,
    Outcome,
    build_generated_workspace,
    compile_all,
    load_corpus,
    run_all,
)

CORPUS_SIZE = {"defender_hunting_queries": 575, "rmm_tools": 367}

# How many queries of each corpus run, per workspace, as measured when last raised.
MIN_RUNNING = {
    ("defender_hunting_queries", "empty"): 535,
    ("defender_hunting_queries", "generated"): 534,
    ("rmm_tools", "empty"): 231,
    ("rmm_tools", "generated"): 231,
}

# Queries that fail with something other than a KqlError today: rmmhunt bugs (a SQL error from the engine
# instead of a result or a KqlError). Remove an entry once its query runs or fails with a KqlError.
KNOWN_NON_KQL_ERRORS = {
    # `next(Timestamp, 1, 0)`: a long default for a datetime, cast by DuckDB only when there are rows.
    ("defender:General queries/Device uptime calculation.md#1", "generated"): "BIGINT -> TIMESTAMP",
}


@pytest.fixture(scope="module")
def corpora() -> dict[str, list[CorpusQuery]]:
    return {name: load_corpus(name) for name in CORPORA}


@pytest.fixture(scope="module")
def compiled(corpora: dict[str, list[CorpusQuery]]) -> dict[str, CompiledQuery | BaseException]:
    """Every query compiled once; both workspaces run the same compiled queries."""
    result: dict[str, CompiledQuery | BaseException] = {}
    for queries in corpora.values():
        result.update(compile_all(queries))
    return result


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    path: Path = tmp_path_factory.mktemp("corpus") / "ws"
    return {"empty": Workspace(None), "generated": build_generated_workspace(path)}


def test_corpus_files_are_complete(corpora: dict[str, list[CorpusQuery]]) -> None:
    for name, queries in corpora.items():
        assert len(queries) == CORPUS_SIZE[name]
        assert len({q.id for q in queries}) == len(queries)
        assert all(q.query.strip() and q.source_line >= 1 for q in queries)


@pytest.mark.parametrize("workspace", ["empty", "generated"])
@pytest.mark.parametrize("corpus", CORPORA)
def test_corpus_runs(
    corpus: str,
    workspace: str,
    corpora: dict[str, list[CorpusQuery]],
    compiled: dict[str, CompiledQuery | BaseException],
    workspaces: dict[str, Workspace],
) -> None:
    queries = corpora[corpus]
    outcomes = run_all(workspaces[workspace], queries, compiled)

    unexpected = [o for o in outcomes if o.status == "other" and not _known(o, workspace)]
    assert not unexpected, "queries failing with something other than a KqlError:\n" + "\n".join(
        f"  {o.query.id}: {o.message.splitlines()[0]}" for o in unexpected
    )
    still_known = {(o.query.id, workspace) for o in outcomes if o.status == "other"}
    fixed = [key for key in KNOWN_NON_KQL_ERRORS if key[1] == workspace and key[0] in _ids(queries)]
    fixed = [key for key in fixed if key not in still_known]
    assert not fixed, f"fixed, remove from KNOWN_NON_KQL_ERRORS: {fixed}"

    running = sum(o.status == "ok" for o in outcomes)
    assert running >= MIN_RUNNING[(corpus, workspace)], (
        f"{corpus} on the {workspace} workspace: {running} of {len(outcomes)} run, "
        f"below {MIN_RUNNING[(corpus, workspace)]}; see `python scripts/corpus_report.py`"
    )


def _known(outcome: Outcome, workspace: str) -> bool:
    expected = KNOWN_NON_KQL_ERRORS.get((outcome.query.id, workspace))
    return expected is not None and expected in outcome.message


def _ids(queries: list[CorpusQuery]) -> set[str]:
    return {q.id for q in queries}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Two queries, the second after a blank line: two entries, each with its own first line.
        ("T\n| take 1\n\nU\n| count", [(10, "T\n| take 1"), (13, "U\n| count")]),
        # A comment paragraph heads the query after it; `let`, `print` and a function call start queries.
        ("T\n\n// next\nlet x = 1;\nU", [(10, "T"), (12, "// next\nlet x = 1;\nU")]),
        ("T\n\nprint x = 1\n\nF('a')", [(10, "T"), (12, "print x = 1"), (14, "F('a')")]),
        # Blank lines inside one query: after `let` statements, before a pipe, after an open operand.
        ("let a = 1;\n\nT", [(10, "let a = 1;\n\nT")]),
        ("T\n\n| where x\n \n| take 1", [(10, "T\n\n| where x\n \n| take 1")]),
        ("T\n| join (\n\nU\n) on k", [(10, "T\n| join (\n\nU\n) on k")]),
        ("T | where a == 1 and // why\n\nb == 2", [(10, "T | where a == 1 and // why\n\nb == 2")]),
    ],
)
def test_extractor_splits_texts_holding_several_queries(text: str, expected: list[tuple[int, str]]) -> None:
    assert split_queries(10, text) == expected
