#!/usr/bin/env python3
"""Extract the KQL corpus of issue 3 from two public repositories into tests/data/corpus/.

    python scripts/extract_corpus.py DEFENDER_GIT_DIR JISCHELL_GIT_DIR [--out tests/data/corpus]

DEFENDER_GIT_DIR is a clone (or bare git directory) of microsoft/Microsoft-365-Defender-Hunting-Queries,
JISCHELL_GIT_DIR one of jischell-msft/RemoteManagementMonitoringTools. Both are read at their HEAD commit
with `git` (no work tree needed). The output is deterministic: files in path order, queries in file order.

- Defender: every fenced code block of every Markdown file and every `.txt` file (a whole file is one
  query), except the query-submission template.
- jischell: the `query: |` block scalar of every rule YAML and every fenced code block of every Markdown
  file, except `_Templates/` (placeholders such as `%%NAME%%`, not queries).

A text that holds several queries one after another, separated by blank lines, is split into one entry per
query, as Kusto's query editors run one query of several at a time
(https://learn.microsoft.com/azure/data-explorer/web-ui-query-overview#write-and-run-queries). A blank line
only ends a query when the text before it is complete and the text after it starts a new one (see
`split_queries`): many single queries have blank lines inside too (after `let` statements, before a `| join`).

Each query is written as one JSON object per line: {"id", "source_path", "source_line", "query"}; the id is
`<corpus>:<path>#<n>`, the n-th query of the file. `source_line` is the 1-based line of the query's first
line in the source file. Line endings are normalised to "\\n", a fenced block's indentation is removed, the
text is otherwise verbatim.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from rmmhunt.rules.markdown import fenced_blocks

DEFENDER_REPO = "microsoft/Microsoft-365-Defender-Hunting-Queries"
JISCHELL_REPO = "jischell-msft/RemoteManagementMonitoringTools"
# The submission template holds placeholders; the Power BI readme is prose, not a query.
DEFENDER_SKIP = {"00-query-submission-template.md", "M365-PowerBi Dashboard/readme.txt"}
JISCHELL_SKIP_PREFIXES = ("_Templates/", ".github/")

_QUERY_KEY = re.compile(r"^query:[ ]*[|>][-+0-9]*[ ]*(#.*)?$")
# A line that can start a query: `let`, an operator that starts one (`print`, `search`, ...), a lone name (a
# table) that a pipe or the line end follows, or a call of a tabular function.
_QUERY_START = re.compile(r"^\s*(let|print|search|find|union|range|datatable)\b|^\s*[A-Za-z_]\w*\s*($|\||\()")
# A line after which the query must go on: it ends a statement (`;`), or it ends with a pipe, an open
# bracket or an operator still waiting for its operand.
_GOES_ON = re.compile(r"(;|\||,|\(|\[|\{|=|\band|\bor|\bby|\bon)\s*$")


def git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout


def resolve_git_dir(path: str) -> Path:
    p = Path(path)
    return p / ".git" if (p / ".git").exists() else p


def head_commit(git_dir: Path) -> str:
    return git(git_dir, "rev-parse", "HEAD").decode().strip()


def list_files(git_dir: Path, commit: str) -> list[str]:
    out = git(git_dir, "ls-tree", "-r", "-z", "--name-only", commit)
    return sorted(p.decode("utf-8") for p in out.split(b"\0") if p)


def read_text(git_dir: Path, commit: str, path: str) -> str:
    data = git(git_dir, "cat-file", "blob", f"{commit}:{path}")
    text = data.decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown_blocks(text: str) -> list[tuple[int, str]]:
    """(1-based line of the block's first line, block text) for every fenced code block."""
    blocks = []
    for block in fenced_blocks(text):
        query = block.text.strip("\n")
        if query.strip():
            first = block.line + next(n for n, line in enumerate(block.body) if line.strip())
            blocks.append((first + 1, query))
    return blocks


def yaml_query(text: str) -> tuple[int, str] | None:
    """The top-level `query: |` block scalar, read by indentation (the files are not all valid YAML)."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if not _QUERY_KEY.match(line):
            continue
        body: list[str] = []
        indent: int | None = None
        for following in lines[i + 1 :]:
            if not following.strip():
                body.append("")
                continue
            width = len(following) - len(following.lstrip(" "))
            if indent is None:
                indent = width
            if width < indent or width == 0:
                break
            body.append(following[indent:])
        query = "\n".join(body).strip("\n")
        if not query.strip():
            return None
        return i + 2 + next(n for n, b in enumerate(body) if b.strip()), query
    return None


def _code(line: str) -> str:
    """The line without its `//` comment (a `//` inside a string literal is rare in the corpus: it only
    makes a line look like code that goes on, which keeps two queries together, never splits one)."""
    return re.sub(r"//.*$", "", line).rstrip()


def split_queries(line: int, text: str) -> list[tuple[int, str]]:
    """The queries of a text that starts at `line`: (first line, query text) each, verbatim. The text is cut
    at a blank line when the code before it is complete (its last line does not go on) and the next
    paragraph's first code line starts a query; a paragraph of comments only stays with the query after it."""
    rows = text.split("\n")
    paragraphs: list[tuple[int, int]] = []  # [first, end) row ranges of the non-blank runs
    for i, row in enumerate(rows):
        if not row.strip():
            continue
        if paragraphs and paragraphs[-1][1] == i:
            paragraphs[-1] = (paragraphs[-1][0], i + 1)
        else:
            paragraphs.append((i, i + 1))
    queries: list[tuple[int, int]] = []
    for first, end in paragraphs:
        code = [c for c in map(_code, rows[first:end]) if c.strip()]
        before = [c for c in map(_code, rows[queries[-1][0] : queries[-1][1]]) if c.strip()] if queries else []
        if queries and not (before and code and _QUERY_START.match(code[0]) and not _GOES_ON.search(before[-1])):
            queries[-1] = (queries[-1][0], end)
        else:
            queries.append((first, end))
    return [(line + first, "\n".join(rows[first:end])) for first, end in queries]


def file_entries(corpus: str, path: str, texts: list[tuple[int, str]]) -> list[dict[str, object]]:
    """One entry per query of a file's texts (code blocks, a whole file, a YAML query), numbered from 1."""
    queries = [query for line, text in texts for query in split_queries(line, text)]
    return [
        {"id": f"{corpus}:{path}#{n}", "source_path": path, "source_line": line, "query": query}
        for n, (line, query) in enumerate(queries, 1)
    ]


def extract_defender(git_dir: Path, commit: str) -> list[dict[str, object]]:
    out = []
    for path in list_files(git_dir, commit):
        if path in DEFENDER_SKIP:
            continue
        if path.endswith(".txt"):
            text = read_text(git_dir, commit, path)
            lines = text.split("\n")
            if text.strip():
                first = next(n for n, line in enumerate(lines) if line.strip())
                out += file_entries("defender", path, [(first + 1, text.strip("\n"))])
        elif path.endswith(".md"):
            out += file_entries("defender", path, markdown_blocks(read_text(git_dir, commit, path)))
    return out


def extract_jischell(git_dir: Path, commit: str) -> list[dict[str, object]]:
    out = []
    for path in list_files(git_dir, commit):
        if path.startswith(JISCHELL_SKIP_PREFIXES):
            continue
        if path.endswith((".yaml", ".yml")):
            found = yaml_query(read_text(git_dir, commit, path))
            if found:
                out += file_entries("rmm", path, [found])
        elif path.endswith(".md"):
            out += file_entries("rmm", path, markdown_blocks(read_text(git_dir, commit, path)))
    return out


SOURCE_MD = """\
# The KQL corpus (issue 3, "Real queries run")

Extracted by `scripts/extract_corpus.py` from two public repositories, both under the MIT licence; the
queries are stored verbatim (line endings normalised to LF, code-block indentation removed) as test data
for `tests/test_corpus.py` and `scripts/corpus_report.py`.

## `defender_hunting_queries.jsonl`: {defender_count} queries

- Repository: https://github.com/{defender_repo}
- Commit: `{defender_commit}`
- Licence: MIT, Copyright (c) Microsoft Corporation
- Extracted: every fenced code block of every Markdown file ({defender_md}) and every `.txt` file
  ({defender_txt}); `00-query-submission-template.md` and the prose `M365-PowerBi Dashboard/readme.txt` are
  skipped. A text holding several queries separated by blank lines gives one entry per query.

## `rmm_tools.jsonl`: {jischell_count} queries

- Repository: https://github.com/{jischell_repo}
- Commit: `{jischell_commit}`
- Licence: MIT, Copyright (c) 2023 J Schell
- Extracted: the `query:` of every rule YAML ({jischell_yaml}) and every fenced code block of every
  Markdown file ({jischell_md}); `_Templates/` is skipped (placeholders, not queries).

Each line is `{{"id", "source_path", "source_line", "query"}}`; `source_line` is the 1-based line in the
source file where the query starts. Regenerate with

```sh
python scripts/extract_corpus.py <Microsoft-365-Defender-Hunting-Queries git dir> \\
    <RemoteManagementMonitoringTools git dir> --out tests/data/corpus
```
"""


def write_jsonl(path: Path, items: list[dict[str, object]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for item in items:
            f.write(json.dumps(item, ensure_ascii=False, sort_keys=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("defender", help="git dir of microsoft/Microsoft-365-Defender-Hunting-Queries")
    parser.add_argument("jischell", help="git dir of jischell-msft/RemoteManagementMonitoringTools")
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent.parent / "tests/data/corpus"))
    args = parser.parse_args(argv)
    defender_dir, jischell_dir = resolve_git_dir(args.defender), resolve_git_dir(args.jischell)
    defender_commit, jischell_commit = head_commit(defender_dir), head_commit(jischell_dir)
    defender = extract_defender(defender_dir, defender_commit)
    jischell = extract_jischell(jischell_dir, jischell_commit)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "defender_hunting_queries.jsonl", defender)
    write_jsonl(out / "rmm_tools.jsonl", jischell)

    def count(items: list[dict[str, object]], suffix: tuple[str, ...]) -> str:
        return f"{sum(1 for i in items if str(i['source_path']).endswith(suffix))} queries"

    (out / "SOURCE.md").write_text(
        SOURCE_MD.format(
            defender_repo=DEFENDER_REPO,
            defender_commit=defender_commit,
            defender_count=len(defender),
            defender_md=count(defender, (".md",)),
            defender_txt=count(defender, (".txt",)),
            jischell_repo=JISCHELL_REPO,
            jischell_commit=jischell_commit,
            jischell_count=len(jischell),
            jischell_yaml=count(jischell, (".yaml", ".yml")),
            jischell_md=count(jischell, (".md",)),
        ),
        encoding="utf-8",
    )
    print(f"{len(defender)} Defender queries, {len(jischell)} jischell queries -> {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
