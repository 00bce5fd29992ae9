#!/usr/bin/env python3
"""Run the KQL corpus (tests/data/corpus) and print, per corpus and workspace, how many queries run and the
failures grouped by error pattern, most common first, each with a count and example query ids.

    python scripts/corpus_report.py [--workspace empty|generated|both] [--corpus NAME] [--examples N]
                                    [--show PATTERN]

`--show PATTERN` prints the full error (with its caret) of every failing query whose group contains PATTERN.
Writes nothing but a temporary workspace (for `generated`), removed on exit.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.corpus_support import (
    CORPORA,
    Outcome,
    build_generated_workspace,
    compile_all,
    failure_pattern,
    load_corpus,
    run_all,
)

from rmmhunt import Workspace
from rmmhunt.kql.errors import KqlError


def report(title: str, outcomes: list[Outcome], examples: int, show: str | None, seconds: float) -> None:
    total = len(outcomes)
    ok = sum(o.status == "ok" for o in outcomes)
    kql = sum(o.status == "kql" for o in outcomes)
    other = total - ok - kql
    rate = 100.0 * ok / total if total else 0.0
    print(f"== {title}: {total} queries, {ok} run ({rate:.1f}%), {kql} KqlError, {other} other errors [{seconds:.1f}s]")
    groups: dict[tuple[str, str], list[Outcome]] = defaultdict(list)
    for o in outcomes:
        if o.status != "ok":
            groups[(o.status, failure_pattern(o.message))].append(o)
    for (status, pattern), members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        ids = ", ".join(m.query.id for m in members[:examples])
        marker = "" if status == "kql" else " [NOT A KqlError]"
        print(f"{len(members):5d}  {pattern}{marker}\n       e.g. {ids}")
        if show is not None and show in pattern:
            for m in members:
                error = m.error
                text = error.render(m.query.id) if isinstance(error, KqlError) else m.message
                print("       ---- " + text.replace("\n", "\n       "))
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workspace", choices=["empty", "generated", "both"], default="both")
    parser.add_argument("--corpus", choices=CORPORA, action="append")
    parser.add_argument("--examples", type=int, default=1, help="example ids per group (default 1)")
    parser.add_argument("--show", help="print every full error of the groups containing this text")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="rmmhunt-corpus-") as tmp:
        workspaces: list[tuple[str, Workspace]] = []
        if args.workspace in ("empty", "both"):
            workspaces.append(("empty workspace", Workspace(None)))
        if args.workspace in ("generated", "both"):
            workspaces.append(("generated workspace", build_generated_workspace(Path(tmp) / "ws")))
        for name in args.corpus or CORPORA:
            queries = load_corpus(name)
            start = time.perf_counter()
            compiled = compile_all(queries)
            compile_seconds = time.perf_counter() - start
            for label, ws in workspaces:
                start = time.perf_counter()
                outcomes = run_all(ws, queries, compiled)
                seconds = compile_seconds + time.perf_counter() - start
                report(f"{name} on the {label}", outcomes, args.examples, args.show, seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
