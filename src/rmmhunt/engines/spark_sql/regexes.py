"""Regular expressions on Spark: Java's syntax for what the compiler writes in RE2's (quoting, named groups,
a rewrite's group references)."""

from __future__ import annotations

import re

from sqlglot import exp

from rmmhunt.compiler.functions.sql import anon


def regexp_escape(args: list[exp.Expression]) -> exp.Expression:
    r"""Java regex quoting, as java.util.regex.Pattern.quote does it: \Q...\E, each \E inside ended and re-begun."""
    (text,) = args
    quoted = anon("replace", text, exp.Literal.string("\\E"), exp.Literal.string("\\E\\\\E\\Q"))
    return exp.Concat(expressions=[exp.Literal.string("\\Q"), quoted, exp.Literal.string("\\E")])


# An unescaped `(?P<`: an even number of backslashes (maybe none) before the parenthesis.
_RE2_NAMED_GROUP = re.compile(r"(?<!\\)((?:\\\\)*)\(\?P<")
# The nodes whose pattern (`expression`) is a regex the compiler writes in RE2's syntax.
REGEX_NODES = (exp.RegexpExtract, exp.RegexpExtractAll, exp.RegexpLike, exp.RegexpReplace, exp.RegexpSplit)


def _named_groups(node: exp.Expression) -> exp.Expression:
    """(?P<name>...) in a constant pattern as Java spells RE2's named group: (?<name>...)."""
    pattern = node.args.get("expression")
    if isinstance(pattern, exp.Literal) and pattern.is_string and "(?P<" in pattern.this:
        node.set("expression", exp.Literal.string(_RE2_NAMED_GROUP.sub(r"\1(?<", pattern.this)))
    return node


def regex(node: exp.Expression) -> exp.Expression:
    """A regex function with its pattern, and a replacement's rewrite, in Java's syntax."""
    node = _named_groups(node)
    return _rewrite(node) if isinstance(node, exp.RegexpReplace) else node


# An RE2 rewrite's group reference (\1) or escaped backslash, or a $ (Java's group reference).
_RE2_REWRITE_TOKEN = re.compile(r"\\([0-9\\])|\$")
# The same at run time, in two steps: each $ escaped, then each unescaped backslash-digit as $digit.
_JAVA_DOLLAR = (r"\$", r"\\\$")
_RE2_GROUP = (r"(?<!\\)((?:\\\\)*)\\([0-9])", r"$1\$$2")


def _java_rewrite_token(token: re.Match[str]) -> str:
    if token.group(0) == "$":
        return "\\$"
    escaped = token.group(1)
    return "$" + escaped if escaped.isdigit() else "\\\\"


def _rewrite(node: exp.RegexpReplace) -> exp.RegexpReplace:
    """An RE2 rewrite (\\1 for a group, \\\\ for a backslash) as Java writes it ($1, \\\\, and \\$ for a $)."""
    rewrite = node.args.get("replacement")
    if isinstance(rewrite, exp.Literal) and rewrite.is_string:
        node.set("replacement", exp.Literal.string(_RE2_REWRITE_TOKEN.sub(_java_rewrite_token, rewrite.this)))
    elif rewrite is not None:
        for pattern, replacement in (_JAVA_DOLLAR, _RE2_GROUP):
            rewrite = exp.RegexpReplace(
                this=rewrite, expression=exp.Literal.string(pattern), replacement=exp.Literal.string(replacement)
            )
        node.set("replacement", rewrite)
    return node
