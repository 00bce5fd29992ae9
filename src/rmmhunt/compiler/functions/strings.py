"""String functions: tolower ... parse_command_line.

Each follows its page, https://learn.microsoft.com/en-us/kusto/query/<name>-function. Strings are
never null in Kusto: a function that yields a string yields "" where SQL would give NULL.
Regular expressions are RE2 in both Kusto and DuckDB; `(?<name>...)` is respelled `(?P<name>...)`,
the only named-group form DuckDB's RE2 reads.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import (
    convert,
    json_of,
    number_of,
    py_json,
    py_string,
    real_of,
    string_arg,
    string_of,
    type_literal,
)
from rmmhunt.compiler.functions.registry import (
    INTEGERS,
    NUMBERS,
    all_constant,
    constant,
    constant_int,
    constant_string,
    expect,
    fail,
    function,
)
from rmmhunt.compiler.functions.sql import Ref, case, n, s
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.strings import regex_escape
from rmmhunt.kql import ast
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

# ---------------------------------------------------------------- regular expressions

_NAMED_GROUP = re.compile(r"\(\?<(?![=!])")


def re2(pattern: str) -> str:
    """Kusto's regex as DuckDB's RE2 reads it."""
    return _NAMED_GROUP.sub("(?P<", pattern)


def _outside_classes(pattern: str) -> tuple[list[tuple[int, str]], bool]:
    """A regex's characters outside escapes and [classes], with their positions; and whether a class is left open.

    A `]` first in a class (`[]a]`, `[^]a]`) is a literal, as RE2 reads it.
    """
    outside: list[tuple[int, str]] = []
    i, in_class = 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":
                i += 1
            elif pattern[i + 1 : i + 3] == "^]":
                i += 2
        else:
            outside.append((i, c))
        i += 1
    return outside, in_class


def capture_groups(pattern: str) -> list[str | None]:
    """The capturing groups of a regex, in order: each group's name, or None when unnamed."""
    groups: list[str | None] = []
    for i, c in _outside_classes(pattern)[0]:
        if c != "(":
            continue
        named = re.match(r"\?P?<([A-Za-z_][A-Za-z0-9_]*)>", pattern[i + 1 :])
        if named:
            groups.append(named.group(1))
        elif not pattern.startswith("?", i + 1):
            groups.append(None)
    return groups


def regex_arg(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    """A regex argument: a constant is respelled for RE2 and checked to compile."""
    if arg.is_constant and isinstance(arg.value, str):
        pattern = re2(arg.value)
        _check_regex(compiler, node, position, pattern)
        return s(pattern)
    expect(compiler, node, position, arg, KqlType.STRING)
    return string_of(compiler, arg)


def _check_regex(compiler: ExprCompiler, node: ast.Call, position: int, pattern: str) -> None:
    """Reject a regex whose groups or classes are unbalanced (RE2 would fail at run time)."""
    outside, open_class = _outside_classes(pattern)
    depth = 0
    for _, c in outside:
        depth += (c == "(") - (c == ")")
        if depth < 0:
            break
    if depth != 0 or open_class:
        raise fail(compiler, node, position, f"invalid regular expression {pattern!r}")


def _escaped_needle(needle: Typed, text: exp.Expression) -> exp.Expression:
    if needle.is_constant and isinstance(needle.value, str):
        return s(regex_escape(needle.value))
    return sql.anon("regexp_escape", text)


# ---------------------------------------------------------------- case, length, concatenation


def _fold_string(args: list[Typed], fn) -> Typed | None:  # type: ignore[no-untyped-def]
    if not all_constant(args):
        return None
    return literal(fn(*[py_string(a.value, a.type) for a in args]), KqlType.STRING)


@function("tolower", args=1)
def _tolower(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/tolower-function"""
    text = string_arg(compiler, node, 0, args[0])
    return _fold_string(args, str.lower) or Typed(exp.Lower(this=text), KqlType.STRING)


@function("toupper", args=1)
def _toupper(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/toupper-function"""
    text = string_arg(compiler, node, 0, args[0])
    return _fold_string(args, str.upper) or Typed(exp.Upper(this=text), KqlType.STRING)


@function("strlen", args=1)
def _strlen(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Characters (code points) in the string (https://learn.microsoft.com/en-us/kusto/query/strlen-function)."""
    text = string_arg(compiler, node, 0, args[0])
    if args[0].is_constant:
        return literal(len(py_string(args[0].value, args[0].type)), KqlType.LONG)
    return Typed(sql.bigint(exp.Length(this=text)), KqlType.LONG)


@function("strcat", args=(1, 64))
def _strcat(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Every argument's tostring() form (https://learn.microsoft.com/en-us/kusto/query/strcat-function)."""
    folded = _fold_string(args, lambda *parts: "".join(parts))
    if folded is not None:
        return folded
    return Typed(sql.concat(*[string_of(compiler, a) for a in args]), KqlType.STRING)


@function("strcat_delim", args=(3, 65))
def _strcat_delim(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/strcat-delim-function"""
    folded = _fold_string(args, lambda delim, *parts: delim.join(parts))
    if folded is not None:
        return folded
    delim = string_of(compiler, args[0])
    parts: list[exp.Expression] = []
    for position, arg in enumerate(args[1:]):
        if position:
            parts.append(delim.copy())
        parts.append(string_of(compiler, arg))
    return Typed(sql.concat(*parts), KqlType.STRING)


@function("strcat_array", args=2)
def _strcat_array(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """An array's elements as text, joined by a delimiter (https://learn.microsoft.com/en-us/kusto/query/strcat-array-function)."""
    expect(compiler, node, 0, args[0], KqlType.DYNAMIC)
    x = sql.fresh_name(compiler, "_x")
    texts = sql.list_transform(sql.json_list(args[0].sql), x, sql.coalesce(sql.json_text(exp.column(x)), s("")))
    joined = exp.ArrayToString(this=texts, expression=string_arg(compiler, node, 1, args[1]))
    return Typed(sql.coalesce(joined, s("")), KqlType.STRING)


@function("reverse", args=1)
def _reverse(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The tostring() form reversed (https://learn.microsoft.com/en-us/kusto/query/reverse-function)."""
    folded = _fold_string(args, lambda t: t[::-1])
    if folded is not None:
        return folded
    return Typed(exp.Reverse(this=string_of(compiler, args[0])), KqlType.STRING)


# ---------------------------------------------------------------- substrings and positions


def _int_arg(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    expect(compiler, node, position, arg, *INTEGERS)
    return number_of(compiler, arg, KqlType.LONG)


@function("substring", args=(2, 3))
def _substring(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """0-based; a negative start counts from the end, and one before the beginning gives "".

    https://learn.microsoft.com/en-us/kusto/query/substring-function
    """
    text = string_arg(compiler, node, 0, args[0])
    start = _int_arg(compiler, node, 1, args[1])
    length = _int_arg(compiler, node, 2, args[2]) if len(args) == 3 else None
    if all_constant(args) and all(a.value is not None for a in args[1:]):
        value = py_string(args[0].value, args[0].type)
        offset = args[1].value + len(value) if args[1].value < 0 else args[1].value  # type: ignore[operator]
        if offset < 0:
            return literal("", KqlType.STRING)
        end = None if length is None else offset + max(args[2].value, 0)  # type: ignore[call-overload,operator]
        return literal(value[offset:end], KqlType.STRING)

    def body(t: Ref) -> exp.Expression:
        if args[1].is_constant and isinstance(args[1].value, int) and args[1].value >= 0:
            offset: exp.Expression = n(args[1].value)
        else:
            offset = sql.bind(
                compiler,
                start,
                lambda st: case(
                    (exp.LT(this=st(), expression=n(0)), sql.add(exp.Length(this=t()), st())), default=st()
                ),
            )

        def taken(off: Ref) -> exp.Expression:
            if length is None:
                part: exp.Expression = exp.Substring(this=t(), start=sql.add(off(), n(1)))
            else:
                clamped = exp.Greatest(this=length, expressions=[n(0)], ignore_nulls=False)
                part = exp.Substring(this=t(), start=sql.add(off(), n(1)), length=clamped)
            return case((exp.LT(this=off(), expression=n(0)), s("")), default=part)

        return sql.bind(compiler, offset, taken)

    return Typed(sql.coalesce(sql.bind(compiler, text, body), s("")), KqlType.STRING)


@function("indexof", args=(2, 5))
def _indexof(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Zero-based index of the first (or n-th) occurrence, -1 when absent.

    Both strings may be of any type (tostring() is applied). With `start` and `length` the match
    must lie within `length + 1` characters from `start`, which is what the page's examples show
    (`indexof("abcdefg","cde",1,2)` is -1, `indexof("abcdefgabcdefg","cde",1,10,2)` is 9).
    A negative start counts from the end; `length` -1 is unlimited; a length below -1 or a
    negative occurrence is null. https://learn.microsoft.com/en-us/kusto/query/indexof-function
    """
    text = string_of(compiler, args[0])
    needle = string_of(compiler, args[1])
    if len(args) == 2:
        if all_constant(args):
            return literal(
                py_string(args[0].value, args[0].type).find(py_string(args[1].value, args[1].type)), KqlType.LONG
            )
        return Typed(sql.bigint(sql.sub(exp.StrPosition(this=text, substr=needle), n(1))), KqlType.LONG)
    start = _int_arg(compiler, node, 2, args[2])
    length = _int_arg(compiler, node, 3, args[3]) if len(args) > 3 else n(-1)
    occurrence = _int_arg(compiler, node, 4, args[4]) if len(args) > 4 else n(1)
    first_only = len(args) < 5 or (args[4].is_constant and args[4].value == 1)

    def body(t: Ref) -> exp.Expression:
        offset_value = case(
            (
                exp.LT(this=start, expression=n(0)),
                exp.Greatest(this=sql.add(exp.Length(this=t()), start.copy()), expressions=[n(0)], ignore_nulls=False),
            ),
            default=start.copy(),
        )

        def with_offset(off: Ref) -> exp.Expression:
            whole = exp.Substring(this=t(), start=sql.add(off(), n(1)))
            limited = exp.Substring(this=t(), start=sql.add(off(), n(1)), length=sql.add(length.copy(), n(1)))
            window = case((sql.eq(length.copy(), n(-1)), whole), default=limited)
            if first_only:
                position = sql.sub(exp.StrPosition(this=window, substr=needle.copy()), n(1))
                found = exp.GTE(this=position, expression=n(0))
                at = sql.add(off(), position.copy())
            else:
                escaped = _escaped_needle(args[1], needle.copy())
                repeat = sql.text(sql.sub(occurrence.copy(), n(1)))
                pattern = sql.concat(s("(?s)^((?:.*?"), escaped, s("){"), repeat, s("}.*?)"), escaped.copy())
                found = exp.RegexpLike(this=window, expression=pattern)
                prefix = exp.RegexpExtract(this=window.copy(), expression=pattern.copy(), group=n(1))
                at = sql.add(off(), exp.Length(this=prefix))
            invalid = exp.or_(
                exp.LT(this=length.copy(), expression=n(-1)), exp.LT(this=occurrence.copy(), expression=n(0))
            )
            return case(
                (invalid, sql.cast(exp.null(), KqlType.LONG)),
                (exp.LT(this=occurrence.copy(), expression=n(1)), n(-1)),
                (found, at),
                default=n(-1),
            )

        return sql.bind(compiler, offset_value, with_offset)

    return Typed(sql.bigint(sql.bind(compiler, text, body)), KqlType.LONG)


def _can_overlap(needle: str) -> bool:
    """Whether two occurrences of `needle` can overlap (it has a proper prefix that is also a suffix)."""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


@function("countof", args=(2, 3))
def _countof(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Occurrences of a substring (which may overlap) or of a regex (which do not).

    https://learn.microsoft.com/en-us/kusto/query/countof-function
    """
    kind = constant_string(compiler, node, 2, args[2], "kind").lower() if len(args) == 3 else "normal"
    if kind not in ("normal", "regex"):
        raise fail(compiler, node, 2, f"kind must be 'normal' or 'regex', not {kind!r}")
    text = string_arg(compiler, node, 0, args[0])
    if kind == "regex":
        pattern = regex_arg(compiler, node, 1, args[1])
        matches = exp.RegexpExtractAll(this=text, expression=pattern, group=n(0))
        return Typed(sql.bigint(exp.ArraySize(this=matches)), KqlType.LONG)
    needle = string_arg(compiler, node, 1, args[1])
    if args[1].is_constant and isinstance(args[1].value, str):
        value = args[1].value
        if value == "":
            return literal(0, KqlType.LONG)
        if not _can_overlap(value):

            def count(t: Ref) -> exp.Expression:
                dropped = exp.Length(this=exp.Replace(this=t(), expression=s(value), replacement=s("")))
                return sql.intdiv(sql.sub(exp.Length(this=t()), dropped), n(len(value)))

            return Typed(sql.bigint(sql.bind(compiler, text, count)), KqlType.LONG)

    def positions(t: Ref) -> exp.Expression:
        def with_needle(m: Ref) -> exp.Expression:
            i = sql.fresh_name(compiler, "_i")
            last = sql.add(sql.sub(exp.Length(this=t()), exp.Length(this=m())), n(1))
            starts = exp.GenerateSeries(start=n(1), end=last)
            at = sql.eq(exp.Substring(this=t(), start=exp.column(i), length=exp.Length(this=m())), m())
            hits = exp.ArraySize(this=sql.list_filter(starts, i, at))
            return case((sql.eq(exp.Length(this=m()), n(0)), n(0)), default=hits)

        return sql.bind(compiler, needle, with_needle)

    return Typed(sql.bigint(sql.bind(compiler, text, positions)), KqlType.LONG)


# ---------------------------------------------------------------- split and replace


@function("split", args=(2, 3))
def _split(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """An array of the parts; with an index, an array of that one part or [] when out of range.

    https://learn.microsoft.com/en-us/kusto/query/split-function
    """
    text = string_arg(compiler, node, 0, args[0])
    delimiter = string_arg(compiler, node, 1, args[1])
    if all_constant(args[:2]) and py_string(args[1].value, args[1].type):
        parts = py_string(args[0].value, args[0].type).split(py_string(args[1].value, args[1].type))
        if len(args) == 2:
            return literal(parts, KqlType.DYNAMIC)
        if args[2].is_constant and isinstance(args[2].value, int):
            index = args[2].value
            return literal(parts[index : index + 1] if index >= 0 else [], KqlType.DYNAMIC)
    parts_sql = exp.Split(this=text, expression=delimiter)
    if len(args) == 2:
        return Typed(sql.json_array_of(parts_sql), KqlType.DYNAMIC)
    index = _int_arg(compiler, node, 2, args[2])

    def pick(i: Ref) -> exp.Expression:
        one = exp.ArraySlice(this=parts_sql, start=sql.add(i(), n(1)), end=sql.add(i(), n(1)))
        return case(
            (exp.LT(this=i(), expression=n(0)), sql.cast(s("[]"), KqlType.DYNAMIC)), default=sql.json_array_of(one)
        )

    return Typed(sql.bind(compiler, index, pick), KqlType.DYNAMIC)


@function("replace_string", args=3)
def _replace_string(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """All non-overlapping matches replaced (https://learn.microsoft.com/en-us/kusto/query/replace-string-function)."""
    text, lookup, rewrite = (string_arg(compiler, node, i, a) for i, a in enumerate(args))
    if all_constant(args) and py_string(args[1].value, args[1].type):
        return literal(
            py_string(args[0].value, args[0].type).replace(
                py_string(args[1].value, args[1].type), py_string(args[2].value, args[2].type)
            ),
            KqlType.STRING,
        )
    return Typed(exp.Replace(this=text, expression=lookup, replacement=rewrite), KqlType.STRING)


@function("replace_regex", args=3)
def _replace_regex(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """All matches replaced; `\\1` in the rewrite is the first group (https://learn.microsoft.com/en-us/kusto/query/replace-regex-function)."""
    text = string_arg(compiler, node, 0, args[0])
    pattern = regex_arg(compiler, node, 1, args[1])
    rewrite = string_arg(compiler, node, 2, args[2])
    replaced = exp.RegexpReplace(this=text, expression=pattern, replacement=rewrite, modifiers=s("g"))
    return Typed(replaced, KqlType.STRING)


_TRIM_WRAPPERS = {"trim": "^({0})|({0})$", "trim_start": "^({0})", "trim_end": "({0})$"}


@function("trim", "trim_start", "trim_end", args=2)
def _trim(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Removes the leading and/or trailing match of a regex.

    Kusto anchors the regex in a group and removes every match of the result: one match at each
    end. https://learn.microsoft.com/en-us/kusto/query/trim-function
    """
    wrapper = _TRIM_WRAPPERS[node.name]
    text = string_arg(compiler, node, 1, args[1])
    if args[0].is_constant and isinstance(args[0].value, str):
        if args[0].value == "":
            raise fail(compiler, node, 0, "the regex must not be empty")
        pattern: exp.Expression = s(wrapper.format(re2(args[0].value)))
        _check_regex(compiler, node, 0, re2(args[0].value))
    else:
        regex = string_arg(compiler, node, 0, args[0])
        pieces = wrapper.split("{0}")
        parts: list[exp.Expression] = [s(pieces[0])]
        for piece in pieces[1:]:
            parts += [regex.copy(), s(piece)]
        pattern = sql.concat(*parts)
    trimmed = exp.RegexpReplace(this=text, expression=pattern, replacement=s(""), modifiers=s("g"))
    return Typed(trimmed, KqlType.STRING)


# ---------------------------------------------------------------- regex extraction


@function("extract", args=(3, 4), raw=True)
def _extract(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """One capture group of the first match; "" when there is none, or null when converted to `typeof(T)`.

    https://learn.microsoft.com/en-us/kusto/query/extract-function
    """
    target = type_literal(compiler, node.args[3]) if len(node.args) == 4 else None
    regex, group, source = (compiler.compile(a) for a in node.args[:3])
    if len(node.args) == 4 and target is None:
        raise fail(compiler, node, 3, "argument 4 must be a type literal such as typeof(long)")
    pattern = regex_arg(compiler, node, 0, regex)
    expect(compiler, node, 1, group, *INTEGERS)
    index = constant_int(compiler, node, 1, group, "capture group")
    if regex.is_constant and isinstance(regex.value, str):
        count = len(capture_groups(regex.value))
        if not 0 <= index <= count:
            raise fail(compiler, node, 1, f"the regex has {count} capture groups, so group {index} does not exist")
    text = string_arg(compiler, node, 2, source)
    extracted = exp.RegexpExtract(this=text, expression=pattern, group=n(index))
    if target is None or target is KqlType.STRING:
        return Typed(extracted, KqlType.STRING)
    return Typed(convert(compiler, Typed(extracted, KqlType.STRING), target), target)


@function("extract_all", args=(2, 3))
def _extract_all(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Every match's capture groups; null when nothing matches.

    One group gives a flat array, several an array per match. The regex must be a constant with
    1 to 16 capture groups; `captureGroups` picks groups by number or name.
    https://learn.microsoft.com/en-us/kusto/query/extract-all-function
    """
    regex, source = args[0], args[-1]
    raw = constant_string(compiler, node, 0, regex, "regex")
    groups = capture_groups(raw)
    if not 1 <= len(groups) <= 16:
        raise fail(compiler, node, 0, f"the regex must have 1 to 16 capture groups, not {len(groups)}")
    pattern = regex_arg(compiler, node, 0, regex)
    wanted = list(range(1, len(groups) + 1))
    if len(args) == 3:
        selection = constant(compiler, node, 1, args[1], "captureGroups")
        if not isinstance(selection, list):
            raise fail(compiler, node, 1, "captureGroups must be a dynamic array such as dynamic([1, 2])")
        picked: list[int] = []
        for item in selection:
            if isinstance(item, str) and item in groups:
                picked.append(groups.index(item) + 1)
            elif isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= len(groups):
                picked.append(item)
            else:
                raise fail(compiler, node, 1, f"{item!r} is not a capture group of the regex")
        wanted = picked or wanted
    text = string_arg(compiler, node, len(args) - 1, source)
    if len(wanted) == 1:
        matches: exp.Expression = exp.RegexpExtractAll(this=text, expression=pattern, group=n(wanted[0]))
    else:
        m = sql.fresh_name(compiler, "_m")
        anchored = s("^(?:" + re2(raw) + ")$")
        row = exp.Array(
            expressions=[exp.RegexpExtract(this=exp.column(m), expression=anchored.copy(), group=n(g)) for g in wanted]
        )
        matches = sql.list_transform(exp.RegexpExtractAll(this=text, expression=pattern, group=n(0)), m, row)

    def shaped(found: Ref) -> exp.Expression:
        return case((exp.GT(this=exp.ArraySize(this=found()), expression=n(0)), sql.json_array_of(found())))

    return Typed(sql.bind(compiler, matches, shaped), KqlType.DYNAMIC)


# ---------------------------------------------------------------- decoding


@function("url_decode", args=1)
def _url_decode(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Percent-decoding; "" when the result is not UTF-8 (https://learn.microsoft.com/en-us/kusto/query/url-decode-function)."""
    text = string_arg(compiler, node, 0, args[0])
    return Typed(sql.coalesce(exp.Try(this=sql.anon("url_decode", text)), s("")), KqlType.STRING)


@function("base64_decode_tostring", "base64_decodestring", args=1)
def _base64_decode_tostring(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """UTF-8 text of base64; "" for invalid base64 or UTF-8.

    https://learn.microsoft.com/en-us/kusto/query/base64-decode-tostring-function
    """
    text = string_arg(compiler, node, 0, args[0])
    decoded = exp.Try(this=exp.Decode(this=exp.FromBase64(this=text), charset=s("utf-8")))
    return Typed(sql.coalesce(decoded, s("")), KqlType.STRING)


@function("base64_encode_tostring", "base64_encodestring", args=1)
def _base64_encode_tostring(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Base64 of the text's UTF-8 bytes; base64_encodestring is its deprecated alias.

    https://learn.microsoft.com/en-us/kusto/query/base64-encode-tostring-function
    """
    text = string_arg(compiler, node, 0, args[0])
    return Typed(exp.ToBase64(this=exp.Encode(this=text, charset=s("utf-8"))), KqlType.STRING)


# ---------------------------------------------------------------- parsing into dynamic values

_SCHEME = r"^([A-Za-z][A-Za-z0-9+.\-]*)://"


@function("parse_path", args=1)
def _parse_path(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A file path's parts as a bag (https://learn.microsoft.com/en-us/kusto/query/parse-path-function)."""
    text = string_arg(compiler, node, 0, args[0])

    def extract(value: exp.Expression, pattern: str, group: int = 1) -> exp.Expression:
        return exp.RegexpExtract(this=value, expression=s(pattern), group=n(group))

    def body(p: Ref) -> exp.Expression:
        rest = exp.RegexpReplace(this=p(), expression=s(_SCHEME), replacement=s(""))

        def parts(r: Ref) -> exp.Expression:
            directory = extract(r(), r"^(.*)[\\/]")
            last = extract(r(), r"([^\\/]*)$")
            filename = extract(last, r"^([^:]*)")
            fields = {
                "Scheme": extract(p(), _SCHEME),
                "RootPath": extract(r(), r"^(?:\\\\\?\\)?([A-Za-z]:)"),
                "DirectoryPath": directory,
                "DirectoryName": extract(directory.copy(), r"([^\\/]*)$"),
                "Filename": filename,
                "Extension": extract(filename.copy(), r"\.([^.]*)$"),
                "AlternateDataStreamName": extract(last.copy(), r":(.*)$"),
            }
            struct = exp.Struct(
                expressions=[
                    exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=v) for k, v in fields.items()
                ]
            )
            return sql.cast(struct, KqlType.DYNAMIC)

        return sql.bind(compiler, rest, parts)

    return Typed(sql.bind(compiler, text, body), KqlType.DYNAMIC)


_URL = (
    r"^([A-Za-z][A-Za-z0-9+.\-]*)://"
    r"(?:([^:@/?#]*):([^@/?#]*)@)?"
    r"(\[[^\]]*\]|[^:/?#]*)"
    r"(?::([0-9]*))?"
    r"([^?#]*)"
    r"(?:\?([^#]*))?"
    r"(?:#(.*))?$"
)
_URL_GROUPS = {"Scheme": 1, "Username": 2, "Password": 3, "Host": 4, "Port": 5, "Path": 6, "Query": 7, "Fragment": 8}


def _query_bag(compiler: ExprCompiler, query: exp.Expression) -> exp.Expression:
    """A URL query's `key=value` pairs as a bag of their (undecoded) values; a repeated key holds an array.

    A pair with no key or no value is left out.
    """

    def with_pairs(pairs: Ref) -> exp.Expression:
        p, k, q = sql.fresh_name(compiler, "_p"), sql.fresh_name(compiler, "_k"), sql.fresh_name(compiler, "_q")

        def key(name: str) -> exp.Expression:
            eq_at = exp.StrPosition(this=exp.column(name), substr=s("="))
            return exp.Substring(this=exp.column(name), start=n(1), length=sql.sub(eq_at, n(1)))

        def value(name: str) -> exp.Expression:
            eq_at = exp.StrPosition(this=exp.column(name), substr=s("="))
            return exp.Substring(this=exp.column(name), start=sql.add(eq_at, n(1)))

        keys = exp.ArraySort(this=exp.ArrayDistinct(this=sql.list_transform(pairs(), p, key(p))))
        values = sql.list_transform(sql.list_filter(pairs(), q, sql.eq(key(q), exp.column(k))), q, value(q))
        one = sql.eq(exp.ArraySize(this=values), n(1))
        entry_value = case((one, sql.to_json(sql.element(values.copy(), n(1)))), default=sql.to_json(values.copy()))
        entry = exp.Struct(
            expressions=[
                exp.PropertyEQ(this=exp.to_identifier("k"), expression=exp.column(k)),
                exp.PropertyEQ(this=exp.to_identifier("v"), expression=entry_value),
            ]
        )
        return sql.cast(exp.MapFromEntries(this=sql.list_transform(keys, k, entry)), KqlType.DYNAMIC)

    pair = sql.fresh_name(compiler, "_p")
    eq_at = exp.StrPosition(this=exp.column(pair), substr=s("="))
    useful = exp.and_(
        exp.GT(this=eq_at, expression=n(1)), exp.GT(this=exp.Length(this=exp.column(pair)), expression=eq_at.copy())
    )
    pairs = sql.list_filter(exp.Split(this=query, expression=s("&")), pair, useful)
    return sql.bind(compiler, pairs, with_pairs)


def _bag(fields: dict[str, exp.Expression]) -> exp.Expression:
    struct = exp.Struct(
        expressions=[exp.PropertyEQ(this=exp.to_identifier(k, quoted=True), expression=v) for k, v in fields.items()]
    )
    return sql.cast(struct, KqlType.DYNAMIC)


@function("parse_url", args=1)
def _parse_url(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """An absolute URL's parts as a bag; every part "" when the text is not such a URL.

    Query parameters become a bag of their (undecoded) values; a repeated key holds an array.
    https://learn.microsoft.com/en-us/kusto/query/parse-url-function
    """
    text = string_arg(compiler, node, 0, args[0])

    def body(u: Ref) -> exp.Expression:
        def group(name: str) -> exp.Expression:
            return exp.RegexpExtract(this=u(), expression=s(_URL), group=n(_URL_GROUPS[name]))

        fields: dict[str, exp.Expression] = {}
        for name in ("Scheme", "Host", "Port", "Path", "Username", "Password"):
            fields[name] = group(name)
        lone_slash = exp.and_(
            sql.eq(fields["Path"].copy(), s("/")), exp.Not(this=exp.RegexpLike(this=u(), expression=s("[?#]")))
        )
        fields["Path"] = case((lone_slash, s("")), default=fields["Path"])
        fields["Query Parameters"] = _query_bag(compiler, group("Query"))
        fields["Fragment"] = group("Fragment")
        return _bag(fields)

    return Typed(sql.bind(compiler, text, body), KqlType.DYNAMIC)


@function("parse_urlquery", args=1)
def _parse_urlquery(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A URL query's parameters as {"Query Parameters": {...}}, read as parse_url reads a URL's query.

    https://learn.microsoft.com/en-us/kusto/query/parse-url-query-function
    """
    text = string_arg(compiler, node, 0, args[0])
    return Typed(_bag({"Query Parameters": _query_bag(compiler, text)}), KqlType.DYNAMIC)


@function("parse_command_line", args=2)
def _parse_command_line(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The arguments of a Windows command line, split as CommandLineToArgvW does.

    Whitespace outside quotes separates arguments; `"` toggles quoting; 2n backslashes before a
    quote are n backslashes (and the quote toggles), 2n+1 are n backslashes and a literal quote;
    other backslashes are literal. https://learn.microsoft.com/en-us/kusto/query/parse-command-line-function
    """
    parser = constant_string(compiler, node, 1, args[1], "parser type")
    if parser.lower() != "windows":
        raise fail(compiler, node, 1, f"the only parser type is 'windows', not {parser!r}")
    text = string_arg(compiler, node, 0, args[0])
    acc, ch = sql.fresh_name(compiler, "_a"), sql.fresh_name(compiler, "_c")

    def field(name: str) -> exp.Expression:
        return exp.Dot(this=exp.column(acc), expression=exp.to_identifier(name))

    def backslashes(count: exp.Expression) -> exp.Expression:
        return exp.Repeat(this=s("\\"), times=count)

    c = exp.column
    is_backslash = sql.eq(c(ch), s("\\"))
    is_quote = sql.eq(c(ch), s('"'))
    is_space = exp.and_(exp.In(this=c(ch), expressions=[s(" "), s("\t")]), sql.not_(field("q")))
    pending_even = sql.eq(sql.mod(field("b"), n(2)), n(0))
    flushed = sql.concat(field("c"), backslashes(field("b")))
    step = {
        "a": case(
            (exp.and_(is_space.copy(), field("g")), exp.ArrayAppend(this=field("a"), expression=flushed.copy())),
            default=field("a"),
        ),
        "c": case(
            (is_backslash.copy(), field("c")),
            (
                is_quote.copy(),
                sql.concat(
                    field("c"),
                    backslashes(sql.intdiv(field("b"), n(2))),
                    case((pending_even.copy(), s("")), default=s('"')),
                ),
            ),
            (is_space.copy(), s("")),
            default=sql.concat(flushed.copy(), c(ch)),
        ),
        "g": case((is_space.copy(), exp.false()), (sql.eq(c(ch), s("")), field("g")), default=exp.true()),
        "q": case((exp.and_(is_quote.copy(), pending_even.copy()), sql.not_(field("q"))), default=field("q")),
        "b": case((is_backslash.copy(), sql.add(field("b"), n(1))), default=n(0)),
    }

    def struct(values: dict[str, exp.Expression]) -> exp.Expression:
        return exp.Struct(
            expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in values.items()]
        )

    initial = struct(
        {
            "a": sql.cast(exp.Array(expressions=[]), "VARCHAR[]"),
            "c": s(""),
            "g": exp.false(),
            "q": exp.false(),
            "b": sql.cast(n(0), KqlType.LONG),
        }
    )
    chars = exp.Split(this=text, expression=s(""))
    reduced = exp.Reduce(this=chars, initial=initial, merge=sql.lambda_([acc, ch], struct(step)))

    def finish(state: Ref) -> exp.Expression:
        def get(name: str) -> exp.Expression:
            return exp.Dot(this=state(), expression=exp.to_identifier(name))

        last = sql.concat(get("c"), backslashes(get("b")))
        result = case((get("g"), exp.ArrayAppend(this=get("a"), expression=last)), default=get("a"))
        return sql.json_array_of(result)

    return Typed(sql.bind(compiler, reduced, finish), KqlType.DYNAMIC)


@function("replace", args=3)
def _replace_legacy(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The deprecated replace(regex, rewrite, text): replace_regex with its arguments in another order.

    https://learn.microsoft.com/en-us/kusto/query/replace-function
    """
    regex, rewrite, text = node.args
    reordered = ast.Call(node.span, "replace_regex", (text, regex, rewrite), node.name_span)
    return _replace_regex(compiler, reordered, [args[2], args[0], args[1]])


@function("extractall", args=(2, 3))
def _extractall_legacy(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The deprecated spelling of extract_all, same arguments."""
    return _extract_all(compiler, node, args)


# ---------------------------------------------------------------- comparison and repetition


@function("strcmp", args=2)
def _strcmp(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """-1, 0 or 1 by ordinal order (the page's examples give exactly these values).

    Both engines compare UTF-8 bytes, which orders as code points do.
    https://learn.microsoft.com/en-us/kusto/query/strcmp-function
    """
    first = string_arg(compiler, node, 0, args[0])
    second = string_arg(compiler, node, 1, args[1])
    if all_constant(args):
        a, b = (py_string(arg.value, arg.type) for arg in args)
        return literal((a > b) - (a < b), KqlType.INT)
    order = case(
        (exp.LT(this=first, expression=second), n(-1)),
        (exp.GT(this=first.copy(), expression=second.copy()), n(1)),
        default=n(0),
    )
    return Typed(sql.cast(order, KqlType.INT), KqlType.INT)


# strrep's page: a multiplier above 1024 repeats the text 1024 times.
_MAX_REPETITIONS = 1024


@function("strrep", args=(2, 3))
def _strrep(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The tostring() form repeated, joined by a delimiter; "" for a multiplier below 1 or null (the page
    requires 1 or more and is silent about the rest).

    https://learn.microsoft.com/en-us/kusto/query/strrep-function
    """
    text = string_of(compiler, args[0])
    times = _int_arg(compiler, node, 1, args[1])
    delimiter = string_of(compiler, args[2]) if len(args) == 3 else s("")
    if all_constant(args) and args[1].value is not None:
        count = min(max(args[1].value, 0), _MAX_REPETITIONS)  # type: ignore[call-overload]
        parts = [py_string(args[0].value, args[0].type)] * count
        separator = py_string(args[2].value, args[2].type) if len(args) == 3 else ""
        return literal(separator.join(parts), KqlType.STRING)
    i = sql.fresh_name(compiler, "_i")
    capped = sql.at_most(times, _MAX_REPETITIONS)
    copies = sql.list_transform(exp.GenerateSeries(start=n(1), end=capped, step=n(1)), i, text)
    return Typed(sql.coalesce(exp.ArrayToString(this=copies, expression=delimiter), s("")), KqlType.STRING)


@function("repeat", args=2)
def _repeat(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """An array of `count` copies of a value; empty for 0, null for a negative (or null) count.

    https://learn.microsoft.com/en-us/kusto/query/repeat-function
    """
    value, count = args
    if value.type is KqlType.DYNAMIC:
        raise fail(compiler, node, 0, "argument 1 must be a scalar, not dynamic")
    times = _int_arg(compiler, node, 1, count)
    if all_constant(args):
        if count.value is None or count.value < 0:  # type: ignore[operator]
            return literal(None, KqlType.DYNAMIC)
        return literal([py_json(value.value, value.type)] * count.value, KqlType.DYNAMIC)  # type: ignore[operator]
    i = sql.fresh_name(compiler, "_i")
    copies = sql.list_transform(exp.GenerateSeries(start=n(1), end=times, step=n(1)), i, json_of(compiler, value))
    negative = exp.LT(this=times.copy(), expression=n(0))
    return Typed(case((negative, sql.dynamic_null()), default=sql.json_array_of(copies)), KqlType.DYNAMIC)


@function("translate", args=3)
def _translate(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Each character of the search list in `source` replaced by the one at its place in the replacement list.

    A shorter replacement list repeats its last character (`translate("abc", "x", "abc")` is "xxx"); an empty
    one deletes the characters. SQL's TRANSLATE deletes the unmatched ones, so the list is padded first.
    https://learn.microsoft.com/en-us/kusto/query/translate-function
    """
    search = string_arg(compiler, node, 0, args[0])
    replacement = string_arg(compiler, node, 1, args[1])
    source = string_arg(compiler, node, 2, args[2])
    if args[0].is_constant and args[1].is_constant:
        wanted, given = (py_string(a.value, a.type) for a in args[:2])
        padded: exp.Expression = s(given + given[-1:] * (len(wanted) - len(given)))
    else:
        missing = exp.Greatest(
            this=sql.sub(exp.Length(this=search.copy()), exp.Length(this=replacement.copy())),
            expressions=[n(0)],
            ignore_nulls=False,
        )
        last = exp.Right(this=replacement.copy(), expression=n(1))
        padded = sql.concat(replacement, exp.Repeat(this=last, times=missing))
    return Typed(exp.Translate(this=source, from_=search, to=padded), KqlType.STRING)


# RE2's QuoteMeta (Kusto's regexes are RE2): every ASCII character but a letter, digit or _ gets a backslash.
_REGEX_META = r"([\x00-/:-@\[-^`{-\x7f])"


@function("regex_quote", args=1)
def _regex_quote(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The text with its regex characters escaped (https://learn.microsoft.com/en-us/kusto/query/regex-quote-function)."""
    text = string_arg(compiler, node, 0, args[0])
    if args[0].is_constant:
        value = py_string(args[0].value, args[0].type)
        return literal(re.sub(_REGEX_META, r"\\\1", value), KqlType.STRING)
    quoted = exp.RegexpReplace(this=text, expression=s(_REGEX_META), replacement=s("\\\\\\1"), modifiers=s("g"))
    return Typed(quoted, KqlType.STRING)


@function("indexof_regex", args=(2, 5))
def _indexof_regex(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Zero-based index of the first (or n-th) match of a regex, -1 when absent; matches do not overlap.

    Null for a negative start, a negative occurrence or a length below -1; `length` -1 is unlimited.
    Each match is found with the text skipped before it, `(?s:(.*?))(?:regex)`, so the n-th starts after the
    first n-1 of these and its own skipped text. https://learn.microsoft.com/en-us/kusto/query/indexof-regex-function
    """
    text = string_arg(compiler, node, 0, args[0])
    pattern = sql.concat(s("(?s:(.*?))(?:"), regex_arg(compiler, node, 1, args[1]), s(")"))
    start = _int_arg(compiler, node, 2, args[2]) if len(args) > 2 else n(0)
    length = _int_arg(compiler, node, 3, args[3]) if len(args) > 3 else n(-1)
    occurrence = _int_arg(compiler, node, 4, args[4]) if len(args) > 4 else n(1)

    def body(occ: Ref) -> exp.Expression:
        whole = exp.Substring(this=text, start=sql.add(start.copy(), n(1)))
        limited = exp.Substring(this=text.copy(), start=sql.add(start.copy(), n(1)), length=length.copy())
        window = case((sql.eq(length.copy(), n(-1)), whole), default=limited)

        def at(w: Ref) -> exp.Expression:
            matched = exp.RegexpExtractAll(this=w(), expression=pattern.copy(), group=n(0))
            skipped = exp.RegexpExtractAll(this=w(), expression=pattern.copy(), group=n(1))
            before = exp.ArrayToString(
                this=sql.anon("list_slice", matched.copy(), n(1), sql.sub(occ(), n(1))), expression=s("")
            )
            found = exp.GTE(this=exp.ArraySize(this=matched), expression=occ())
            position = sql.add(exp.Length(this=before), exp.Length(this=sql.element(skipped, occ())))
            return case((found, sql.add(start.copy(), position)), default=n(-1))

        invalid = exp.or_(
            exp.LT(this=start.copy(), expression=n(0)),
            exp.LT(this=length.copy(), expression=n(-1)),
            exp.LT(this=occ(), expression=n(0)),
        )
        return case(
            (invalid, sql.cast(exp.null(), KqlType.LONG)),
            (exp.LT(this=occ(), expression=n(1)), n(-1)),
            default=sql.bind(compiler, window, at),
        )

    return Typed(sql.bigint(sql.bind(compiler, occurrence, body)), KqlType.LONG)


@function("string_size", args=1)
def _string_size(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Bytes of the text's UTF-8 (strlen counts code points) (https://learn.microsoft.com/en-us/kusto/query/string-size-function)."""
    text = string_arg(compiler, node, 0, args[0])
    if args[0].is_constant:
        return literal(len(py_string(args[0].value, args[0].type).encode()), KqlType.LONG)
    return Typed(sql.bigint(sql.anon("octet_length", exp.Encode(this=text, charset=s("utf-8")))), KqlType.LONG)


@function("isutf8", args=1)
def _isutf8(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Whether the text is valid UTF-8: always, here. DuckDB's text is valid UTF-8 by construction, and the
    compiler's byte decodings give null for invalid UTF-8 on both engines.

    https://learn.microsoft.com/en-us/kusto/query/isutf8-function
    """
    string_arg(compiler, node, 0, args[0])
    return literal(True, KqlType.BOOL)


# The first CSV record: quoted fields may hold commas, line breaks and doubled quotes; a line break ends it.
_CSV_RECORD = r'^(?:"(?:[^"]|"")*"|[^"\r\n])*'
# Each field after a comma (the record is read with a comma put first): quoted, or up to the next comma.
_CSV_FIELD = r',("(?:[^"]|"")*"|[^,]*)'


@function("parse_csv", args=1)
def _parse_csv(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The fields of the text's first CSV record, as a string array; a quoted field loses its quotes and
    `""` in it is `"`. https://learn.microsoft.com/en-us/kusto/query/parse-csv-function
    """
    text = string_arg(compiler, node, 0, args[0])
    record = exp.RegexpExtract(this=text, expression=s(_CSV_RECORD), group=n(0))
    fields = exp.RegexpExtractAll(this=sql.concat(s(","), record), expression=s(_CSV_FIELD), group=n(1))
    f = sql.fresh_name(compiler, "_f")
    field = exp.column(f)
    quoted = exp.RegexpLike(this=field, expression=s(r'^"(?:[^"]|"")*"$'))
    inner = exp.Substring(this=field.copy(), start=n(2), length=sql.sub(exp.Length(this=field.copy()), n(2)))
    unquoted = exp.Replace(this=inner, expression=s('""'), replacement=s('"'))
    values = sql.list_transform(fields, f, case((quoted, unquoted), default=field.copy()))
    return Typed(sql.json_array_of(values), KqlType.DYNAMIC)


# One to four parts of 1 to 8 digits, separated by dots.
_VERSION = r"^([0-9]{1,8})(?:\.([0-9]{1,8}))?(?:\.([0-9]{1,8}))?(?:\.([0-9]{1,8}))?$"


@function("parse_version", args=1)
def _parse_version(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A version as a decimal with 8 digits a part (`1.2` is 1 00000002 00000000 00000000); missing parts are
    trailing zeros; null when the text is not such a version.

    https://learn.microsoft.com/en-us/kusto/query/parse-version-function
    """
    text = string_arg(compiler, node, 0, args[0])

    def body(t: Ref) -> exp.Expression:
        parts = [exp.RegexpExtract(this=t(), expression=s(_VERSION), group=n(i)) for i in range(1, 5)]
        digits = sql.concat(*[sql.lpad(part, 8) for part in parts])
        valid = exp.RegexpLike(this=t(), expression=s(_VERSION))
        return case((valid, sql.cast(digits, "DECIMAL(38, 0)")))

    return Typed(sql.bind(compiler, text, body), KqlType.DECIMAL)


# format_bytes's units, each 1024 times the one before.
_BYTE_UNITS = ("Bytes", "KB", "MB", "GB", "TB", "PB", "EB")


@function("format_bytes", args=(1, 3))
def _format_bytes(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A size in bytes as text in the given unit, or in the largest unit it reaches when none (or "") is given,
    rounded to `precision` decimals (0 by default). Both must be constants here.

    The decimals are always written (pinned: "%.{precision}f"; the page's examples have no trailing zero to
    tell); null gives "". https://learn.microsoft.com/en-us/kusto/query/format-bytes-function
    """
    expect(compiler, node, 0, args[0], *NUMBERS)
    precision = constant_int(compiler, node, 1, args[1], "precision") if len(args) > 1 else 0
    unit = constant_string(compiler, node, 2, args[2], "units") if len(args) > 2 else ""
    units = {name.lower(): power for power, name in enumerate(_BYTE_UNITS)}
    if unit and unit.lower() not in units:
        raise fail(compiler, node, 2, f"units must be one of {', '.join(_BYTE_UNITS)}, not {unit!r}")
    if not 0 <= precision <= 15:
        raise fail(compiler, node, 1, f"precision must be from 0 to 15, not {precision}")
    size = real_of(compiler, args[0])

    def formatted(x: Ref, power: int) -> exp.Expression:
        scaled = exp.Div(this=x(), expression=sql.double(n(1024**power)))
        return sql.concat(sql.anon("printf", s(f"%.{precision}f"), scaled), s(" " + _BYTE_UNITS[power]))

    def body(x: Ref) -> exp.Expression:
        absent = (sql.is_null(x()), s(""))  # Spark's printf writes a null as "null"
        if unit:
            return case(absent, default=formatted(x, units[unit.lower()]))
        reaches = [
            (exp.GTE(this=exp.Abs(this=x()), expression=sql.double(n(1024**power))), formatted(x, power))
            for power in range(len(_BYTE_UNITS) - 1, 0, -1)
        ]
        return case(absent, *reaches, default=formatted(x, 0))

    return Typed(sql.bind(compiler, size, body), KqlType.STRING)


def _constant_list(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed, what: str) -> list[object]:
    value = constant(compiler, node, position, arg, what)
    if not isinstance(value, list):
        raise fail(compiler, node, position, f"argument {position + 1} ({what}) must be a dynamic array constant")
    return value


@function("replace_strings", args=3)
def _replace_strings(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Every lookup replaced by its rewrite; an earlier lookup takes precedence: its matches are replaced first and
    the later lookups only apply to the text between them (the page's `Thwas` example). A lookup that is not a
    string (or is "") is ignored; a match whose rewrite is not a string stays as it is. Both arrays must be
    constants here. https://learn.microsoft.com/en-us/kusto/query/replace-strings-function
    """
    text = string_arg(compiler, node, 0, args[0])
    lookups = _constant_list(compiler, node, 1, args[1], "lookups")
    rewrites = _constant_list(compiler, node, 2, args[2], "rewrites")
    pairs: list[tuple[str, str]] = []
    for i, lookup in enumerate(lookups):
        if isinstance(lookup, str) and lookup:
            rewrite = rewrites[i] if i < len(rewrites) else None
            pairs.append((lookup, rewrite if isinstance(rewrite, str) else lookup))
    return Typed(_replaced_in_order(compiler, text, pairs), KqlType.STRING)


def _replaced_in_order(compiler: ExprCompiler, text: exp.Expression, pairs: list[tuple[str, str]]) -> exp.Expression:
    """The text split at the first lookup's matches, each piece replaced by the rest, joined by its rewrite."""
    if not pairs:
        return text
    (lookup, rewrite), rest = pairs[0], pairs[1:]
    pieces = exp.Split(this=text, expression=s(lookup))
    if rest:
        p = sql.fresh_name(compiler, "_p")
        pieces = sql.list_transform(pieces, p, _replaced_in_order(compiler, exp.column(p), rest))
    return exp.ArrayToString(this=pieces, expression=s(rewrite))
