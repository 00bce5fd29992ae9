"""Globs of exclusions (paths, names, URLs) as anchored, case-insensitive RE2/Java regexes.

`*` matches any characters except a backslash (it stays inside one Windows path segment), `**`
matches any characters, `?` one character other than a backslash; everything else is literal.
"""

from __future__ import annotations

import re

from rmmhunt.compiler.strings import regex_escape

_TOKENS = re.compile(r"\*\*|\*|\?|[^*?]+")


class GlobError(ValueError):
    pass


def check_glob(pattern: str) -> str:
    """The pattern, or GlobError saying why it cannot be a glob."""
    if not pattern.strip():
        raise GlobError("an empty glob matches nothing useful")
    if "***" in pattern:
        raise GlobError(f"{pattern!r}: '***' is ambiguous; use '*' (one path segment) or '**' (any depth)")
    if any(ord(ch) < 32 for ch in pattern):
        raise GlobError(f"{pattern!r}: control characters (a newline?) in a glob")
    return pattern


def glob_regex_body(pattern: str) -> str:
    """The regex of one glob, without anchors or flags."""
    parts = []
    for token in _TOKENS.findall(pattern):
        if token == "**":
            parts.append(".*")
        elif token == "*":
            parts.append(r"[^\\]*")
        elif token == "?":
            parts.append(r"[^\\]")
        else:
            parts.append(regex_escape(token))
    return "".join(parts)


def globs_regex(patterns: list[str]) -> str:
    """One case-insensitive regex matching a whole value against any of the globs."""
    return "(?i)^(?:" + "|".join(glob_regex_body(p) for p in patterns) + ")$"


def glob_matches(pattern: str, value: str) -> bool:
    """The same match in Python (for rule ids and names, which are not in the data)."""
    return re.fullmatch(glob_regex_body(pattern), value, re.IGNORECASE) is not None
