"""Which Spark values hold JSON texts, and how deep in arrays they sit.

Spark has no JSON type: DuckDB's JSON, JSON[] and JSON[][] are a string, an array of strings and an array
of arrays of strings on Spark, as plain text and lists of text are. Turned into one dynamic value, a JSON
text must be kept as it is and plain text quoted, so the Spark dialect marks the nodes it makes JSON texts
of (`mark`), and `json_depth` follows the marks through the list functions the compiler builds on them.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

JSON_DEPTH = "json_depth"  # meta mark: 0 a JSON text, 1 an array of JSON texts, 2 an array of those, ...

# List functions whose result holds the elements of their first argument (sqlglot nodes and the Spark
# functions the dialect writes for DuckDB's).
_SAME_ELEMENTS = (exp.ArrayFilter, exp.ArraySlice, exp.ArrayConcat, exp.ArrayDistinct, exp.Filter, exp.Paren)
_SAME_ELEMENTS_CALLS = frozenset({"filter", "slice", "array_distinct", "reverse"})
_ELEMENT_CALLS = frozenset({"try_element_at", "element_at"})


def mark(node: exp.Expression, depth: int) -> exp.Expression:
    node.meta[JSON_DEPTH] = depth
    return node


def json_depth(node: exp.Expression) -> int | None:
    """How deep the JSON texts sit in the value (0: it is one), or None when it holds no JSON text known."""
    if JSON_DEPTH in node.meta:
        return node.meta[JSON_DEPTH]
    if isinstance(node, exp.Cast) and node.to.is_type(exp.DataType.Type.JSON):
        return 0  # DuckDB's cast to JSON not rewritten yet: a lambda is rewritten before the list it walks
    if isinstance(node, exp.Column):
        return _parameter_depth(node)
    if isinstance(node, exp.Bracket):
        return _inner(json_depth(node.this))
    if isinstance(node, _SAME_ELEMENTS):
        return json_depth(node.this)
    if isinstance(node, exp.Anonymous):
        return _call_depth(node)
    if isinstance(node, exp.Transform):
        return _outer(json_depth(node.expression.this))
    if isinstance(node, (exp.Array, exp.ArrayAgg)):
        items = node.expressions if isinstance(node, exp.Array) else [node.this]
        return _outer(_common([json_depth(item) for item in items]))
    if isinstance(node, (exp.Coalesce, exp.If, exp.Case, exp.Nullif)):
        return _common([json_depth(branch) for branch in _branches(node) if not _is_empty(branch)])
    return None


def _call_depth(node: exp.Anonymous) -> int | None:
    name = node.name.lower()
    if not node.expressions:
        return None
    if name in _ELEMENT_CALLS:
        return _inner(json_depth(node.expressions[0]))
    if name in _SAME_ELEMENTS_CALLS:
        return json_depth(node.expressions[0])
    if name == "transform" and isinstance(node.expressions[-1], exp.Lambda):
        return _outer(json_depth(node.expressions[-1].this))
    return None


def _parameter_depth(column: exp.Column) -> int | None:
    """A lambda's element parameter holds the elements of the list its function walks (and so does a
    reduction's accumulator)."""
    for ancestor in _ancestors(column):
        if not isinstance(ancestor, exp.Lambda):
            continue
        names = [p.name for p in ancestor.expressions]
        if column.name not in names:
            continue
        function = ancestor.parent
        if isinstance(function, exp.Anonymous) and function.name.lower() == "list_reduce":
            return _inner(json_depth(function.expressions[0]))  # the accumulator holds an element too
        if names.index(column.name) != 0 or function is None:
            return None
        if isinstance(function, (exp.Transform, exp.ArrayFilter)):
            return _inner(json_depth(function.this))
        if isinstance(function, exp.Anonymous) and function.name.lower() in {"transform", "filter"}:
            return _inner(json_depth(function.expressions[0]))
        return None
    return None


def _ancestors(node: exp.Expression) -> Iterator[exp.Expression]:
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def _branches(node: exp.Expression) -> list[exp.Expression]:
    if isinstance(node, exp.Coalesce):
        return [node.this, *node.expressions]
    if isinstance(node, exp.Nullif):
        return [node.this]
    if isinstance(node, exp.If):
        return [b for b in (node.args.get("true"), node.args.get("false")) if b is not None]
    return [*(i.args["true"] for i in node.args["ifs"]), *filter(None, [node.args.get("default")])]


def _is_empty(node: exp.Expression) -> bool:
    """null or an empty array: a branch any list type can take."""
    while isinstance(node, (exp.Cast, exp.Paren)):
        node = node.this
    if isinstance(node, exp.Null):
        return True
    if isinstance(node, exp.Array) and not node.expressions:
        return True
    return isinstance(node, exp.Anonymous) and node.name.lower() == "array" and not node.expressions


def _common(depths: list[int | None]) -> int | None:
    return depths[0] if depths and depths[0] is not None and all(d == depths[0] for d in depths) else None


def _inner(depth: int | None) -> int | None:
    return depth - 1 if depth else None


def _outer(depth: int | None) -> int | None:
    return None if depth is None else depth + 1
