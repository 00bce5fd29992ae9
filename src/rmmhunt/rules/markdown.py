"""The fenced code blocks of a Markdown file: where hunting-query write-ups keep their queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# Fences may be indented (a block inside a list item); the closing fence uses the opening's character,
# at least as many times.
_FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>`{3,}|~{3,})[ ]*(?P<info>[^`\s]*)[^`]*$")


@dataclass(frozen=True, slots=True)
class FencedBlock:
    line: int  # 1-based line of the opening fence
    indent: int  # columns of indentation of the opening fence, removed from the body's lines
    info: str  # the info string's first word: kql, kusto, or '' for none
    body: list[str]  # the lines between the fences

    @property
    def text(self) -> str:
        return "\n".join(self.body)


def fenced_blocks(text: str) -> Iterator[FencedBlock]:
    """Every fenced code block of `text` (lines split on "\\n"); a block left open runs to the end."""
    lines = text.split("\n")
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
        yield FencedBlock(i + 1, indent, opening["info"], body)
        i = end + 1
