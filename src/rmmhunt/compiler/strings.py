"""Kusto's string predicates as SQL.

Reference: https://learn.microsoft.com/en-us/kusto/query/datatypes-string-operators
A term is a maximal run of alphanumeric characters; `has` matches whole terms, case-insensitively;
`contains`, `startswith`, `endswith` are case-insensitive substrings; the `_cs` forms respect case.
"""

from __future__ import annotations

from sqlglot import exp

from rmmhunt.compiler import conditions
from rmmhunt.compiler.context import Typed
from rmmhunt.kql.types import KqlType

NON_ALNUM = "[^0-9A-Za-z]"
_REGEX_ESCAPES = str.maketrans({ch: "\\" + ch for ch in r"\.^$|?*+()[]{}-/#&~"})


def regex_escape(text: str) -> str:
    """Escape for RE2 (the dialect both Kusto and DuckDB use)."""
    return text.translate(_REGEX_ESCAPES)


def _fold(expr: exp.Expression, case_sensitive: bool) -> exp.Expression:
    return expr if case_sensitive else exp.Lower(this=expr)


def _needle(needle: Typed, case_sensitive: bool) -> exp.Expression:
    if needle.is_constant and isinstance(needle.value, str):
        return exp.Literal.string(needle.value if case_sensitive else needle.value.lower())
    return _fold(needle.sql, case_sensitive)


def substring_predicate(kind: str, text: Typed, needle: Typed, case_sensitive: bool) -> exp.Expression:
    """contains / startswith / endswith."""
    node = {"contains": exp.Contains, "startswith": exp.StartsWith, "endswith": exp.EndsWith}[kind]
    return node(this=_fold(text.sql, case_sensitive), expression=_needle(needle, case_sensitive))


def term_predicate(
    text: Typed, needle: Typed, case_sensitive: bool, *, prefix_only: bool = False, suffix_only: bool = False
) -> exp.Expression:
    """has / hasprefix / hassuffix: the needle must start (and/or end) at a term boundary.

    A cheap substring test runs first so the regular expression only sees candidate rows.
    """
    check_left = not suffix_only
    check_right = not prefix_only
    if needle.is_constant and isinstance(needle.value, str):
        value = needle.value
        if value == "":
            return exp.true()
        prefilter = substring_predicate("contains", text, needle, case_sensitive)
        if not (check_left and value[0].isalnum()) and not (check_right and value[-1].isalnum()):
            return prefilter  # no term boundary to check: a substring test is the whole answer
        pattern = term_pattern(value, case_sensitive, left=check_left, right=check_right)
        matches = exp.RegexpLike(this=text.sql.copy(), expression=exp.Literal.string(pattern))
        return conditions.and_(prefilter, matches)
    # As term_pattern does for a constant: a boundary is checked only at an alphanumeric edge of the needle.
    parts: list[exp.Expression] = [exp.Literal.string("" if case_sensitive else "(?i)")]
    if check_left:
        parts.append(_boundary_if_alnum(needle.sql, "^[0-9A-Za-z]", f"(?:^|{NON_ALNUM})"))
    parts.append(exp.Anonymous(this="regexp_escape", expressions=[needle.sql.copy()]))
    if check_right:
        parts.append(_boundary_if_alnum(needle.sql, "[0-9A-Za-z]$", f"(?:$|{NON_ALNUM})"))
    return exp.RegexpLike(this=text.sql, expression=exp.Concat(expressions=parts))


def _boundary_if_alnum(needle: exp.Expression, edge: str, boundary: str) -> exp.Expression:
    is_alnum = exp.RegexpLike(this=needle.copy(), expression=exp.Literal.string(edge))
    return exp.Case(ifs=[exp.If(this=is_alnum, true=exp.Literal.string(boundary))], default=exp.Literal.string(""))


def term_pattern(value: str, case_sensitive: bool, *, left: bool = True, right: bool = True) -> str:
    """The regular expression for `has value`: a term boundary on each (checked) alphanumeric edge."""
    before = f"(?:^|{NON_ALNUM})" if left and value[:1].isalnum() else ""
    after = f"(?:$|{NON_ALNUM})" if right and value[-1:].isalnum() else ""
    return ("" if case_sensitive else "(?i)") + before + regex_escape(value) + after


def any_term_predicate(text: Typed, values: list[str], case_sensitive: bool) -> exp.Expression:
    """has_any over constant needles: one alternation, so the text is scanned once."""
    if any(v == "" for v in values):
        return exp.true()
    alternatives = "|".join(term_pattern(v, True) for v in values)
    pattern = ("" if case_sensitive else "(?i)") + f"(?:{alternatives})"
    return exp.RegexpLike(this=text.sql, expression=exp.Literal.string(pattern))


def is_stringish(t: Typed) -> bool:
    return t.type in (KqlType.STRING, KqlType.GUID, KqlType.DYNAMIC)
