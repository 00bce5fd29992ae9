"""Functions on dynamic values, and property and index access (`d.a`, `d['a']`, `d[0]`).

In SQL a dynamic value is JSON (literals, stored columns), JSON text, or a LIST/STRUCT (results
of make_set, make_list ...): every function here reads its arguments through a cast to JSON and
returns JSON. Elements are compared by their JSON text, so `1` and `"1"` differ, as in Kusto.
References: https://learn.microsoft.com/en-us/kusto/query/<name>-function and
https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/dynamic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.conditional import empty_test
from rmmhunt.compiler.functions.convert import PARSE_JSON_NAMES, json_of, number_of, py_json, string_of
from rmmhunt.compiler.functions.registry import (
    INTEGERS,
    NUMBERS,
    STRINGS,
    all_constant,
    constant,
    expect,
    fail,
    function,
)
from rmmhunt.compiler.functions.sql import Ref, case, n, s
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.relation import col
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


def _dynamic(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    expect(compiler, node, position, arg, KqlType.DYNAMIC)
    return sql.as_json(arg.sql)


def _list(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    """An array argument as a list of JSON elements (NULL when it is not an array)."""
    expect(compiler, node, position, arg, KqlType.DYNAMIC)
    return sql.json_list(arg.sql)


def _element(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    """A scalar looked up in an array, as the minified JSON text an array element has."""
    if arg.type is KqlType.DYNAMIC:
        return exp.ParseJSON(this=sql.text(sql.as_json(arg.sql)))  # minified, as array elements are
    return json_of(compiler, arg)


def _nulls_as_json(compiler: ExprCompiler, elements: exp.Expression) -> exp.Expression:
    """A list of JSON elements (as `_list` reads them) with a JSON null element, a SQL NULL there, as the JSON
    null again: DuckDB's cast of the list to JSON would write it as `NULL`."""
    x = sql.fresh_name(compiler, "_x")
    return sql.list_transform(elements, x, sql.coalesce(exp.column(x), sql.cast(s("null"), KqlType.DYNAMIC)))


def _array_of_elements(compiler: ExprCompiler, elements: exp.Expression) -> exp.Expression:
    """A list of JSON elements as a dynamic array."""
    return sql.json_array_of(_nulls_as_json(compiler, elements))


def _constant_list(arg: Typed) -> list | None:
    return arg.value if arg.is_constant and isinstance(arg.value, list) else None


# ---------------------------------------------------------------- property and index access


def _null_if_json_null(value: exp.Expression) -> exp.Expression:
    """A JSON null read out of a value is Kusto's null."""
    return exp.Nullif(this=value, expression=sql.cast(s("null"), KqlType.DYNAMIC))


def _quoted_key(key: str) -> str:
    return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _constant_lookup(container: object, key: object) -> tuple[bool, object]:
    if isinstance(container, dict) and isinstance(key, str):
        return True, container.get(key)
    if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
        index = key + len(container) if key < 0 else key
        return True, container[index] if 0 <= index < len(container) else None
    if container is None or isinstance(key, (str, int)):
        return True, None
    return False, None


def lookup(
    compiler: ExprCompiler, obj: Typed, key: Typed, span_node: ast.Expr, *, keep_json_null: bool = False
) -> Typed:
    """obj[key] on a dynamic value: a property for a string key, an element for an integer index.

    `keep_json_null` leaves a JSON null as it is, for a caller that tells it from null itself: turning it
    into null compares the value read with 'null', and DuckDB reads it a second time to do so.
    """
    if obj.type is not KqlType.DYNAMIC:
        raise KqlTypeError(
            f"only a dynamic value has properties or elements, not a {obj.type.value}",
            span_node.span,
            compiler.ctx.source,
        )
    if obj.is_constant and key.is_constant:
        ok, value = _constant_lookup(obj.value, key.value)
        if ok:
            return literal(value, KqlType.DYNAMIC)
    extracted = exp.JSONExtract(this=sql.as_json(obj.sql), expression=_path(compiler, key, span_node))
    return Typed(extracted if keep_json_null else _null_if_json_null(extracted), KqlType.DYNAMIC)


def _lookup_in_text(
    compiler: ExprCompiler, text: Typed, key: Typed, span_node: ast.Expr, *, keep_json_null: bool
) -> Typed:
    """parse_json(text)[key] read from the text itself: one parse rather than parse_json's two and the
    lookup's third. Text that is not JSON (a dynamic string once parsed) and "" (null) have no properties."""
    path = _path(compiler, key, span_node)
    valid = sql.anon("json_valid", text.sql)
    extracted = case((valid, exp.JSONExtract(this=text.sql.copy(), expression=path)))
    return Typed(extracted if keep_json_null else _null_if_json_null(extracted), KqlType.DYNAMIC)


def _path(compiler: ExprCompiler, key: Typed, span_node: ast.Expr) -> exp.Expression:
    """The JSON path of a property (string key) or an element (integer index, negative from the end)."""
    if key.type in STRINGS:
        if key.is_constant and isinstance(key.value, str):
            return s("$." + _quoted_key(key.value))
        escaped = exp.Replace(
            this=exp.Replace(this=key.sql, expression=s("\\"), replacement=s("\\\\")),
            expression=s('"'),
            replacement=s('\\"'),
        )
        # parenthesized here rather than by the SQL generator, which would change the tree to do it
        return sql.paren(sql.concat(s('$."'), escaped, s('"')))
    if key.type in INTEGERS or key.type is KqlType.DYNAMIC:
        if key.is_constant and isinstance(key.value, int):
            return s(f"$[{key.value}]" if key.value >= 0 else f"$[#{key.value}]")
        index = number_of(compiler, key, KqlType.LONG)

        def indexed(i: Ref) -> exp.Expression:
            ahead = sql.concat(s("$["), sql.text(i()), s("]"))
            behind = sql.concat(s("$[#"), sql.text(i()), s("]"))
            return case((exp.LT(this=i(), expression=n(0)), behind), default=ahead)

        return sql.bind(compiler, index, indexed)
    raise KqlTypeError(
        f"a dynamic value is indexed by a string or an integer, not a {key.type.value}",
        span_node.span,
        compiler.ctx.source,
    )


def _parsed_text(compiler: ExprCompiler, node: ast.Expr) -> Typed | None:
    """The string `node` parses when it is parse_json(string) (or an alias) of a column: read twice, so simple."""
    if not (isinstance(node, ast.Call) and node.name in PARSE_JSON_NAMES and len(node.args) == 1):
        return None
    if node.name in compiler.ctx.functions:  # a user-defined function of that name
        return None
    text = compiler.compile(node.args[0])
    return text if text.type is KqlType.STRING and not text.is_constant and sql.is_simple(text.sql) else None


def _access(compiler: ExprCompiler, obj: ast.Expr, key: Typed, node: ast.Expr, keep_json_null: bool) -> Typed:
    text = _parsed_text(compiler, obj)
    if text is not None:
        return _lookup_in_text(compiler, text, key, node, keep_json_null=keep_json_null)
    return lookup(compiler, compiler.compile(obj), key, node, keep_json_null=keep_json_null)


@dataclass(frozen=True, slots=True)
class ConstantPathRead:
    """`d.key`, `d[n]` or `parse_json(text).key` with a constant key: the document read and the path read."""

    document: exp.Expression  # JSON; or the text parse_json reads, when `valid` is set
    path: str
    valid: exp.Expression | None  # whether the text is JSON: text that is not has no properties

    def element_texts(self) -> exp.Expression:
        """The texts of the elements of the array at the path (tostring's, as `->>` gives them), in one parse
        of the document; an empty list or null when there is no array there."""
        read = exp.JSONExtractScalar(this=self.document.copy(), expression=s(self.path + "[*]"))
        return case((self.valid.copy(), read)) if self.valid is not None else read


def constant_path_read(compiler: ExprCompiler, node: ast.Expr) -> ConstantPathRead | None:
    """`node` as a ConstantPathRead when it is one, else None."""
    if isinstance(node, ast.Member):
        key = literal(node.name, KqlType.STRING)
    elif isinstance(node, ast.Index):
        key = compiler.compile(node.index)
    else:
        return None
    path = _path(compiler, key, node) if key.is_constant else None
    if not isinstance(path, exp.Literal):
        return None
    text = _parsed_text(compiler, node.obj)
    if text is not None:
        return ConstantPathRead(text.sql, path.this, sql.anon("json_valid", text.sql.copy()))
    obj = compiler.compile(node.obj)
    if obj.type is not KqlType.DYNAMIC or obj.is_constant:
        return None
    return ConstantPathRead(sql.as_json(obj.sql), path.this, None)


def member_access(compiler: ExprCompiler, node: ast.Member, *, keep_json_null: bool = False) -> Typed:
    """`d.name`: the property `name` of a dynamic bag (null when absent)."""
    return _access(compiler, node.obj, literal(node.name, KqlType.STRING), node, keep_json_null)


def index_access(compiler: ExprCompiler, node: ast.Index, *, keep_json_null: bool = False) -> Typed:
    """`d['name']`, `d[col]`, `d[0]`, `d[-1]` (from the end)."""
    return _access(compiler, node.obj, compiler.compile(node.index), node, keep_json_null)


# ---------------------------------------------------------------- arrays


@function("array_length", args=1)
def _array_length(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Null when the value is not an array (https://learn.microsoft.com/en-us/kusto/query/array-length-function)."""
    if args[0].is_constant:
        value = args[0].value
        return literal(len(value) if isinstance(value, list) else None, KqlType.LONG)
    return Typed(sql.bigint(exp.ArraySize(this=_list(compiler, node, 0, args[0]))), KqlType.LONG)


@function("array_slice", args=3)
def _array_slice(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Elements start..end, both inclusive and 0-based, negative counting from the end.

    https://learn.microsoft.com/en-us/kusto/query/array-slice-function
    """
    items = _list(compiler, node, 0, args[0])
    for position in (1, 2):
        expect(compiler, node, position, args[position], *INTEGERS)
    first, last = (number_of(compiler, a, KqlType.LONG) for a in args[1:])

    def body(ref: Ref) -> exp.Expression:
        length = exp.ArraySize(this=ref())

        def absolute(index: exp.Expression) -> exp.Expression:
            return case(
                (exp.LT(this=index, expression=n(0)), sql.add(index.copy(), length.copy())), default=index.copy()
            )

        x, i = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_i")
        position = sql.sub(exp.column(i), n(1))  # the lambda's index is 1-based
        inside = exp.Between(this=position, low=absolute(first), high=absolute(last))
        return _array_of_elements(compiler, exp.ArrayFilter(this=ref(), expression=sql.lambda_([x, i], inside)))

    return Typed(sql.bind(compiler, items, body), KqlType.DYNAMIC)


@function("array_reverse", args=1)
def _array_reverse(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The elements in reverse order; null when the value is not an array.

    https://learn.microsoft.com/en-us/kusto/query/array-reverse-function
    """
    items = _list(compiler, node, 0, args[0])
    if args[0].is_constant:
        value = args[0].value
        return literal(value[::-1] if isinstance(value, list) else None, KqlType.DYNAMIC)
    return Typed(_array_of_elements(compiler, sql.anon("list_reverse", items)), KqlType.DYNAMIC)


def _is_json_number(kind: exp.Expression) -> exp.Expression:
    """Whether a json_type() names a number."""
    return exp.In(this=kind, expressions=[s("BIGINT"), s("UBIGINT"), s("DOUBLE")])


def _sort_key(element: exp.Expression, index: exp.Expression, nulls_last: exp.Expression) -> exp.Expression:
    """What an element sorts by: its type's group (nulls first or last; numbers, strings, the rest), its value
    within the group, then its position, so that elements the order does not tell apart keep theirs."""
    kind = sql.json_type(element.copy())
    is_number = _is_json_number(kind)
    is_string = sql.eq(kind.copy(), s("VARCHAR"))
    group = case(
        # a JSON null element is NULL in DuckDB's list, the text null in Spark's
        (exp.or_(sql.is_null(element.copy()), sql.eq(kind.copy(), s("NULL"))), case((nulls_last, n(4)), default=n(0))),
        (is_number, n(1)),
        (is_string, n(2)),
        default=n(3),
    )
    number = case((is_number.copy(), sql.double(sql.json_text(element.copy()))), default=n(0.0))
    text = case((is_string.copy(), sql.json_text(element.copy())), default=s(""))
    fields = {"g": group, "v": number, "t": text, "i": index}
    return exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in fields.items()])


def _sort_handler(descending: bool):  # type: ignore[no-untyped-def]
    """array_sort_asc / array_sort_desc of one array, nulls last unless the optional bool says otherwise.

    Descending sorts the keys in reverse with the group and position negated: the groups keep their order and
    equal elements theirs. Elements outside numbers and strings (bools, bags, arrays) keep their order; the pages
    do not say how Kusto orders them among themselves.
    """

    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        items = _list(compiler, node, 0, args[0])
        if len(args) > 1 and args[-1].type is KqlType.BOOL:
            nulls_last = sql.coalesce(args[-1].sql, exp.true())
            arrays = args[:-1]
        else:
            nulls_last, arrays = exp.true(), args
        for position in range(1, len(arrays)):
            expect(compiler, node, position, arrays[position], KqlType.DYNAMIC)
        if len(arrays) > 1:  # several outputs: a tuple the compiler has no column expansion for
            raise KqlNotSupported(f"{node.name}() of several arrays", node.span, compiler.ctx.source)
        sign = n(-1) if descending else n(1)

        def body(ref: Ref) -> exp.Expression:
            x, i, k = (sql.fresh_name(compiler, p) for p in ("_x", "_i", "_k"))
            position = exp.column(i)
            key = _sort_key(exp.column(x), sql.mul(position, sign.copy()), nulls_last.copy())
            if descending:
                key.expressions[0].set("expression", sql.mul(key.expressions[0].expression, n(-1)))
            keys = exp.Transform(this=ref(), expression=sql.lambda_([x, i], key))
            ordered = exp.ArraySort(this=keys, asc=exp.false()) if descending else exp.ArraySort(this=keys)
            index = sql.mul(exp.Dot(this=exp.column(k), expression=exp.to_identifier("i")), sign.copy())
            return _array_of_elements(compiler, sql.list_transform(ordered, k, sql.element(ref(), index)))

        return Typed(sql.bind(compiler, items, body), KqlType.DYNAMIC)

    handler.__name__ = "_array_sort_desc" if descending else "_array_sort_asc"
    return handler


# https://learn.microsoft.com/en-us/kusto/query/array-sort-asc-function (and array-sort-desc-function)
function("array_sort_asc", args=(1, 2))(_sort_handler(descending=False))
function("array_sort_desc", args=(1, 2))(_sort_handler(descending=True))


@function("array_sum", args=1)
def _array_sum(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The sum of the elements as a real; null when one is not a number (a null element included) or the value
    is not an array. The page is silent on an empty array: 0 here, the sum of no numbers.

    https://learn.microsoft.com/en-us/kusto/query/array-sum-function
    """
    items = _list(compiler, node, 0, args[0])
    x, total = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_s")
    element = exp.column(x)
    number = case((_is_json_number(sql.json_type(element)), sql.double(sql.json_text(element.copy()))))
    numbers = sql.list_transform(items, x, number)
    step = sql.lambda_([total, x], sql.add(exp.column(total), exp.column(x)))
    return Typed(sql.anon("list_reduce", numbers, step, sql.double(n(0))), KqlType.REAL)


def _truth(element: exp.Expression) -> exp.Expression:
    """A condition element as a bool: a bool as it is, a number true unless 0, anything else null."""
    kind = sql.json_type(element)
    return case(
        (sql.eq(kind, s("BOOLEAN")), sql.eq(sql.json_text(element.copy()), s("true"))),
        (_is_json_number(kind.copy()), exp.NEQ(this=sql.double(sql.json_text(element.copy())), expression=n(0))),
    )


def _choice(compiler: ExprCompiler, arg: Typed, index: exp.Expression) -> exp.Expression:
    """The value array_iff takes at a 1-based index: an array's element there (null past its end), or the value
    itself when it is not an array."""
    if arg.type is not KqlType.DYNAMIC:
        return json_of(compiler, arg)
    value = sql.as_json(arg.sql)
    is_array = sql.eq(sql.json_type(value), s("ARRAY"))
    return case((is_array, sql.element(sql.json_list(value.copy()), index)), default=value.copy())


@function("array_iff", "array_iif", args=3)
def _array_iff(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Per element of the condition array, when_true's or when_false's value (each an array or one value);
    null where the condition is neither a bool nor a number, and null when the condition is not an array.

    https://learn.microsoft.com/en-us/kusto/query/array-iff-function
    """
    conditions = _list(compiler, node, 0, args[0])
    x, i = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_i")
    truth = _truth(exp.column(x))
    chosen = case(
        (truth, _choice(compiler, args[1], exp.column(i))),
        (sql.not_(truth.copy()), _choice(compiler, args[2], exp.column(i))),
    )
    values = exp.Transform(this=conditions, expression=sql.lambda_([x, i], chosen))
    return Typed(_array_of_elements(compiler, values), KqlType.DYNAMIC)


def _split_points(compiler: ExprCompiler, node: ast.Call, arg: Typed) -> exp.Expression:
    """array_split's indices as a list of longs: one integer, or an array of them (an element that is not a
    number is a null index)."""
    if arg.type is not KqlType.DYNAMIC:
        expect(compiler, node, 1, arg, *INTEGERS)
        return exp.Array(expressions=[number_of(compiler, arg, KqlType.LONG)])
    x = sql.fresh_name(compiler, "_x")
    element = exp.column(x)
    index = case((_is_json_number(sql.json_type(element)), sql.bigint(sql.double(sql.json_text(element.copy())))))
    return sql.list_transform(sql.json_list(sql.as_json(arg.sql)), x, index)


@function("array_split", args=2)
def _array_split(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The arrays [0..i1), [i1..i2), ... [iN..length); a negative index counts from the end. The page is silent
    on indices out of range or out of order: they are clamped to the array, and a range that ends before it
    starts is empty.

    https://learn.microsoft.com/en-us/kusto/query/array-split-function
    """
    items = _list(compiler, node, 0, args[0])
    points = _split_points(compiler, node, args[1])

    def body(ref: Ref) -> exp.Expression:
        length = exp.ArraySize(this=ref())
        p = sql.fresh_name(compiler, "_p")
        point = exp.column(p)
        absolute = case(
            (exp.LT(this=point, expression=n(0)), sql.add(point.copy(), length.copy())), default=point.copy()
        )
        clamped = exp.Least(
            this=exp.Greatest(this=absolute, expressions=[n(0)], ignore_nulls=False),
            expressions=[length.copy()],
            ignore_nulls=False,
        )
        inner = sql.list_transform(points, p, clamped)
        bounds = exp.ArrayConcat(
            this=exp.Array(expressions=[sql.bigint(n(0))]),
            expressions=[inner, exp.Array(expressions=[sql.bigint(length.copy())])],
        )

        def sliced(b: Ref) -> exp.Expression:
            k, x, i = (sql.fresh_name(compiler, name) for name in ("_k", "_x", "_i"))
            start = sql.element(b(), exp.column(k))
            end = sql.element(b(), sql.add(exp.column(k), n(1)))
            position = sql.sub(exp.column(i), n(1))  # the lambda's index is 1-based
            inside = exp.and_(exp.GTE(this=position, expression=start), exp.LT(this=position.copy(), expression=end))
            part = exp.ArrayFilter(this=ref(), expression=sql.lambda_([x, i], inside))
            parts = exp.GenerateSeries(start=n(1), end=sql.sub(exp.ArraySize(this=b()), n(1)))
            return sql.list_transform(parts, k, _nulls_as_json(compiler, part))

        return case((sql.not_(sql.is_null(ref())), sql.json_array_of(sql.bind(compiler, bounds, sliced))))

    return Typed(sql.bind(compiler, items, body), KqlType.DYNAMIC)


def _move_handler(rotate: bool, direction: int):  # type: ignore[no-untyped-def]
    """array_shift_* and array_rotate_*: each element taken from `count` places to its right (left for
    `direction` -1; a negative count turns the other way). Rotating wraps around; shifting takes
    default_value, null unless given, past either end. The shift pages say the default is null or an empty
    string "depending on the type of elements" without saying which type gives which: null here."""

    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        items = _list(compiler, node, 0, args[0])
        expect(compiler, node, 1, args[1], *INTEGERS)
        count = sql.mul(number_of(compiler, args[1], KqlType.LONG), n(direction))
        fallback = json_of(compiler, args[2]) if len(args) > 2 else sql.cast(s("null"), KqlType.DYNAMIC)

        def body(ref: Ref) -> exp.Expression:
            length = exp.ArraySize(this=ref())
            x, i = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_i")
            source = sql.add(sql.sub(exp.column(i), n(1)), count.copy())  # 0-based; the lambda's index is 1-based
            if rotate:
                size = exp.Nullif(this=length, expression=n(0))
                wrapped = sql.mod(sql.add(sql.mod(source, size), size.copy()), size.copy())
                taken = sql.element(ref(), sql.add(wrapped, n(1)))
            else:
                inside = exp.and_(exp.GTE(this=source, expression=n(0)), exp.LT(this=source.copy(), expression=length))
                taken = case((inside, sql.element(ref(), sql.add(source.copy(), n(1)))), default=fallback.copy())
            moved = exp.Transform(this=ref(), expression=sql.lambda_([x, i], taken))
            return _array_of_elements(compiler, moved)

        return Typed(sql.bind(compiler, items, body), KqlType.DYNAMIC)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/array-shift-left-function (and -right, array-rotate-left, -right)
_MOVES = {
    "array_shift_left": (False, 1),
    "array_shift_right": (False, -1),
    "array_rotate_left": (True, 1),
    "array_rotate_right": (True, -1),
}
for _name, (_rotate, _direction) in _MOVES.items():
    function(_name, args=2 if _rotate else (2, 3))(_move_handler(_rotate, _direction))


@function("pack_array", args=(1, 1024), raw=True)
def _pack_array(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """An array of the values; `pack_array(*)` packs every column.

    https://learn.microsoft.com/en-us/kusto/query/pack-array-function
    """
    if len(node.args) == 1 and isinstance(node.args[0], ast.Star):
        values = [compiler.compile(ast.Name(node.args[0].span, name)) for name in compiler.columns]
    else:
        values = [compiler.compile(a) for a in node.args]
    if all_constant(values):
        return literal([py_json(v.value, v.type) for v in values], KqlType.DYNAMIC)
    return Typed(exp.JSONArray(expressions=[json_of(compiler, v) for v in values]), KqlType.DYNAMIC)


@function("array_concat", args=(1, 64))
def _array_concat(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/array-concat-function"""
    lists = [_list(compiler, node, i, a) for i, a in enumerate(args)]
    constants = [_constant_list(a) for a in args]
    if all(c is not None for c in constants):
        return literal([x for c in constants for x in c], KqlType.DYNAMIC)  # type: ignore[union-attr]
    joined = lists[0] if len(lists) == 1 else exp.ArrayConcat(this=lists[0], expressions=lists[1:])
    return Typed(_array_of_elements(compiler, joined), KqlType.DYNAMIC)


def _set_function(name: str, keep: str):  # type: ignore[no-untyped-def]
    """set_union / set_intersect / set_difference over two or more arrays; order of first appearance."""

    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        lists = [_list(compiler, node, i, a) for i, a in enumerate(args)]
        constants = [_constant_list(a) for a in args]
        if all(c is not None for c in constants):
            return literal(_py_set(keep, constants), KqlType.DYNAMIC)  # type: ignore[arg-type]
        if keep == "union":
            base = exp.ArrayConcat(this=lists[0], expressions=lists[1:])
            return Typed(_array_of_elements(compiler, sql.ordered_distinct(compiler, base)), KqlType.DYNAMIC)
        x = sql.fresh_name(compiler, "_x")
        others = [sql.coalesce(other, sql.empty_json_list()) for other in lists[1:]]
        tests = [exp.ArrayContains(this=other, expression=exp.column(x)) for other in others]
        if keep == "intersect":
            predicate: exp.Expression = exp.and_(*tests)
        else:
            predicate = exp.and_(*[sql.not_(t) for t in tests])
        kept = sql.list_filter(sql.ordered_distinct(compiler, lists[0]), x, predicate)
        return Typed(_array_of_elements(compiler, kept), KqlType.DYNAMIC)

    handler.__name__ = f"_{name}"
    return handler


def _py_set(keep: str, lists: list[list]) -> list:
    def key(v: object) -> str:
        return json.dumps(v, sort_keys=True)

    first, rest = lists[0], lists[1:]
    pool = first + [x for other in rest for x in other] if keep == "union" else first
    seen: set[str] = set()
    out = []
    others = [{key(x) for x in other} for other in rest]
    for value in pool:
        k = key(value)
        if k in seen:
            continue
        if keep == "intersect" and not all(k in o for o in others):
            continue
        if keep == "difference" and any(k in o for o in others):
            continue
        seen.add(k)
        out.append(value)
    return out


# https://learn.microsoft.com/en-us/kusto/query/set-union-function (and set-intersect-, set-difference-)
function("set_union", args=(2, 64))(_set_function("set_union", "union"))
function("set_intersect", args=(2, 64))(_set_function("set_intersect", "intersect"))
function("set_difference", args=(2, 64))(_set_function("set_difference", "difference"))


@function("set_has_element", args=2)
def _set_has_element(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/set-has-element-function"""
    items = _list(compiler, node, 0, args[0])
    return Typed(exp.ArrayContains(this=items, expression=_element(compiler, node, 1, args[1])), KqlType.BOOL)


@function("array_index_of", args=(2, 5))
def _array_index_of(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Zero-based position of a value, -1 when absent, null for an invalid length or occurrence.

    A negative start counts from the end; length -1 is unlimited.
    https://learn.microsoft.com/en-us/kusto/query/array-index-of-function
    """
    items = _list(compiler, node, 0, args[0])
    value = _element(compiler, node, 1, args[1])
    extras = []
    for position in range(2, len(args)):
        expect(compiler, node, position, args[position], *INTEGERS)
        extras.append(number_of(compiler, args[position], KqlType.LONG))
    start = extras[0] if len(extras) > 0 else n(0)
    length = extras[1] if len(extras) > 1 else n(-1)
    occurrence = extras[2] if len(extras) > 2 else n(1)

    def body(items_ref: Ref) -> exp.Expression:
        size = exp.ArraySize(this=items_ref())
        offset = case(
            (
                exp.LT(this=start, expression=n(0)),
                exp.Greatest(this=sql.add(size, start.copy()), expressions=[n(0)], ignore_nulls=False),
            ),
            default=start.copy(),
        )

        def with_offset(off: Ref) -> exp.Expression:
            end = case(
                (sql.eq(length.copy(), n(-1)), exp.ArraySize(this=items_ref())),
                default=exp.Least(
                    this=exp.ArraySize(this=items_ref()),
                    expressions=[sql.add(off(), length.copy())],
                    ignore_nulls=False,
                ),
            )
            i = sql.fresh_name(compiler, "_i")
            candidates = exp.GenerateSeries(start=off(), end=sql.sub(end, n(1)))
            at = sql.eq(sql.element(items_ref(), sql.add(exp.column(i), n(1))), value.copy())
            hits = sql.list_filter(candidates, i, at)
            found = sql.coalesce(sql.element(hits, occurrence.copy()), n(-1))
            invalid = exp.or_(
                exp.LT(this=length.copy(), expression=n(-1)), exp.LT(this=occurrence.copy(), expression=n(0))
            )
            return case((exp.or_(invalid, sql.is_null(items_ref())), sql.cast(exp.null(), KqlType.LONG)), default=found)

        return sql.bind(compiler, offset, with_offset)

    return Typed(sql.bigint(sql.bind(compiler, items, body)), KqlType.LONG)


@function("zip", args=(2, 16))
def _zip(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Arrays of the elements at each index; shorter arrays pad with null.

    https://learn.microsoft.com/en-us/kusto/query/zip-function
    """
    lists = [_list(compiler, node, i, a) for i, a in enumerate(args)]
    constants = [_constant_list(a) for a in args]
    if all(c is not None for c in constants):
        longest = max(len(c) for c in constants)  # type: ignore[arg-type]
        rows = [[c[i] if i < len(c) else None for c in constants] for i in range(longest)]  # type: ignore[index,arg-type]
        return literal(rows, KqlType.DYNAMIC)

    def body(refs: list[Ref]) -> exp.Expression:
        i = sql.fresh_name(compiler, "_i")
        sizes = [exp.ArraySize(this=r()) for r in refs]
        longest = exp.Greatest(this=sizes[0], expressions=sizes[1:], ignore_nulls=True)
        row = exp.Array(expressions=[sql.element(r(), exp.column(i)) for r in refs])
        return sql.json_array_of(sql.list_transform(exp.GenerateSeries(start=n(1), end=longest), i, row))

    return Typed(_bind_all(compiler, lists, body), KqlType.DYNAMIC)


def _bind_all(compiler: ExprCompiler, values: list[exp.Expression], body) -> exp.Expression:  # type: ignore[no-untyped-def]
    refs: list[Ref] = []

    def step(index: int) -> exp.Expression:
        if index == len(values):
            return body(refs)

        def bound(ref: Ref) -> exp.Expression:
            refs.append(ref)
            return step(index + 1)

        return sql.bind(compiler, values[index], bound)

    return step(0)


# ---------------------------------------------------------------- property bags


@function("bag_keys", args=1)
def _bag_keys(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The root keys of a bag; null for anything else (https://learn.microsoft.com/en-us/kusto/query/bag-keys-function)."""
    if args[0].is_constant:
        value = args[0].value
        return literal(list(value) if isinstance(value, dict) else None, KqlType.DYNAMIC)
    bag = _dynamic(compiler, node, 0, args[0])

    def body(b: Ref) -> exp.Expression:
        is_bag = sql.eq(sql.json_type(b()), s("OBJECT"))
        return case((is_bag, sql.json_array_of(exp.JSONKeys(this=b()))))

    return Typed(sql.bind(compiler, bag, body), KqlType.DYNAMIC)


@function("bag_pack", "pack", args=(0, 128))
def _bag_pack(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A bag from alternating keys and values (https://learn.microsoft.com/en-us/kusto/query/pack-function)."""
    if len(args) % 2:
        raise KqlTypeError(
            f"{node.name}() takes key/value pairs (an even number of arguments)", node.span, compiler.ctx.source
        )
    keys = args[0::2]
    for position, key in enumerate(keys):
        expect(compiler, node, 2 * position, key, *STRINGS)
    if all_constant(args):
        return literal(
            {str(k.value): py_json(v.value, v.type) for k, v in zip(keys, args[1::2], strict=True)}, KqlType.DYNAMIC
        )
    pairs = [
        exp.JSONKeyValue(this=string_of(compiler, k), expression=json_of(compiler, v))
        for k, v in zip(keys, args[1::2], strict=True)
    ]
    return Typed(exp.JSONObject(expressions=pairs), KqlType.DYNAMIC)


# Kusto caps range() at this many elements.
RANGE_LIMIT = 1_048_576


@function("range", args=(2, 3))
def _range(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """start, start + step, ... up to stop (inclusive), as an array; numbers only here.

    https://learn.microsoft.com/en-us/kusto/query/range-function
    """
    step = args[2] if len(args) == 3 else literal(1, KqlType.LONG)
    for position, arg in enumerate([*args[:2], step]):
        if arg.type in (KqlType.DATETIME, KqlType.TIMESPAN):
            raise KqlNotSupported("range() of datetimes or timespans", node.args[position].span, compiler.ctx.source)
        expect(compiler, node, position, arg, *NUMBERS)
    start, stop = args[0], args[1]
    integral = all(a.type in INTEGERS for a in (start, stop, step))
    element_type = KqlType.LONG if integral else KqlType.REAL
    first, last, by = (number_of(compiler, a, element_type) for a in (start, stop, step))
    span = sql.sub(last, first)
    # Floored, not truncated: range(0, -1, 2) is empty; a zero step gives null.
    count = sql.bigint(exp.Floor(this=exp.Div(this=sql.double(span), expression=exp.Nullif(this=by, expression=n(0)))))
    capped = exp.Least(this=count, expressions=[n(RANGE_LIMIT - 1)])
    i = sql.fresh_name(compiler, "_i")
    values = sql.list_transform(
        exp.GenerateSeries(start=n(0), end=capped, step=n(1)),
        i,
        sql.add(first.copy(), sql.mul(exp.column(i), by.copy())),
    )
    return Typed(sql.json_array_of(values), KqlType.DYNAMIC)


@function("pack_all", args=(0, 1))
def _pack_all(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A bag of every column of the row; `pack_all(true)` leaves out null and empty ones.

    https://learn.microsoft.com/en-us/kusto/query/pack-all-function
    """
    skip_empty = False
    if args:
        expect(compiler, node, 0, args[0], KqlType.BOOL)
        skip_empty = bool(constant(compiler, node, 0, args[0], "ignore_null_empty"))
    columns = [(name, Typed(col(name), kql_type)) for name, kql_type in compiler.columns.items()]
    return _bag_of_columns(compiler, columns, skip_empty=skip_empty)


@function("bag_pack_columns", args=(1, 128), raw=True)
def _bag_pack_columns(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """A bag keyed by the named columns (https://learn.microsoft.com/en-us/kusto/query/bag-pack-columns-function)."""
    columns = []
    for position, arg in enumerate(node.args):
        if not isinstance(arg, ast.Name):
            raise fail(compiler, node, position, f"argument {position + 1} must be a column name")
        columns.append((arg.name, compiler.compile(arg)))
    return _bag_of_columns(compiler, columns, skip_empty=False)


def _bag_of_columns(compiler: ExprCompiler, columns: list[tuple[str, Typed]], *, skip_empty: bool) -> Typed:
    if not skip_empty:
        pairs = [exp.JSONKeyValue(this=s(name), expression=json_of(compiler, value)) for name, value in columns]
        return Typed(exp.JSONObject(expressions=pairs), KqlType.DYNAMIC)
    # Members as JSON text, an empty value's member NULL: concat_ws leaves NULLs out.
    members = [
        case(
            (
                sql.not_(empty_test(compiler, Typed(value.sql.copy(), value.type, value.value))),
                sql.concat(s(json.dumps(name) + ":"), sql.text(json_of(compiler, value))),
            )
        )
        for name, value in columns
    ]
    text = sql.concat(s("{"), sql.anon("concat_ws", s(","), *members), s("}"))
    return Typed(sql.cast(text, KqlType.DYNAMIC), KqlType.DYNAMIC)


@function("bag_merge", args=(2, 64))
def _bag_merge(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """One bag with every key; the leftmost bag holding a key gives its value.

    https://learn.microsoft.com/en-us/kusto/query/bag-merge-function
    """
    bags = [_dynamic(compiler, node, i, a) for i, a in enumerate(args)]
    if all(a.is_constant and isinstance(a.value, (dict, type(None))) for a in args):
        merged: dict = {}
        for a in reversed(args):
            merged.update(a.value or {})  # type: ignore[arg-type]
        ordered = {k: merged[k] for a in args for k in (a.value or {})}  # type: ignore[attr-defined]
        return literal(ordered, KqlType.DYNAMIC)
    return Typed(sql.merged_bags(*bags), KqlType.DYNAMIC)


@function("extract_json", "extractjson", args=(2, 3), raw=True)
def _extract_json(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The element at a JSONPath in JSON text, as a string unless `typeof(T)` says otherwise.

    https://learn.microsoft.com/en-us/kusto/query/extract-json-function
    """
    from rmmhunt.compiler.functions.convert import convert, type_literal

    path, source = (compiler.compile(a) for a in node.args[:2])
    target = type_literal(compiler, node.args[2]) if len(node.args) == 3 else KqlType.STRING
    if target is None:
        raise KqlTypeError(
            "argument 3 of extract_json() must be a type literal such as typeof(long)",
            node.args[2].span,
            compiler.ctx.source,
        )
    expect(compiler, node, 0, path, *STRINGS)
    document = sql.as_json(
        exp.TryCast(this=source.sql, to=exp.DataType.build("JSON")) if source.type in STRINGS else source.sql
    )
    element = Typed(exp.Anonymous(this="json_extract", expressions=[document, path.sql]), KqlType.DYNAMIC)
    if target is KqlType.DYNAMIC:
        return element
    return Typed(convert(compiler, element, target), target)
