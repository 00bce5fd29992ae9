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

Each query is written as one JSON object per line: {"id", "source_path", "source_line", "query"};
`source_line` is the 1-based line of the query's first line in the source file. Line endings are
normalised to "\\n", a fenced block's indentation is removed, the text is otherwise verbatim.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

DEFENDER_REPO = "microsoft/Microsoft-365-Defender-Hunting-Queries"
JISCHELL_REPO = "jischell-msft/RemoteManagementMonitoringTools"
DEFENDER_SKIP = {"00-query-submission-template.md"}
JISCHELL_SKIP_PREFIXES = ("_Templates/", ".github/")

_FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})[ ]*(?P<info>[^`\s]*)[^`]*$")
_QUERY_KEY = re.compile(r"^query:[ ]*[|>][-+0-9]*[ ]*(#.*)?$")


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
    lines = text.split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^[ ]*{re.escape(fence[0])}{{{len(fence)},}}[ ]*$")
        end = i + 1
        while end < len(lines) and not closing.match(lines[end]):
            end += 1
        body = [line[min(indent, len(line) - len(line.lstrip(" "))) :] for line in lines[i + 1 : end]]
        query = "\n".join(body).strip("\n")
        if query.strip():
            first = i + 1 + next(n for n, line in enumerate(body) if line.strip())
            blocks.append((first + 1, query))
        i = end + 1
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


def entry(corpus: str, path: str, index: int, line: int, query: str) -> dict[str, object]:
    return {"id": f"{corpus}:{path}#{index}", "source_path": path, "source_line": line, "query": query}


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
                out.append(entry("defender", path, 1, first + 1, text.strip("\n")))
        elif path.endswith(".md"):
            for n, (line, query) in enumerate(markdown_blocks(read_text(git_dir, commit, path)), 1):
                out.append(entry("defender", path, n, line, query))
    return out


def extract_jischell(git_dir: Path, commit: str) -> list[dict[str, object]]:
    out = []
    for path in list_files(git_dir, commit):
        if path.startswith(JISCHELL_SKIP_PREFIXES):
            continue
        if path.endswith((".yaml", ".yml")):
            found = yaml_query(read_text(git_dir, commit, path))
            if found:
                out.append(entry("rmm", path, 1, *found))
        elif path.endswith(".md"):
            for n, (line, query) in enumerate(markdown_blocks(read_text(git_dir, commit, path)), 1):
                out.append(entry("rmm", path, n, line, query))
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
- Extracted: every fenced code block of every Markdown file ({defender_md}) and every `.txt` file, one
  query each ({defender_txt}); `00-query-submission-template.md` is skipped.

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
