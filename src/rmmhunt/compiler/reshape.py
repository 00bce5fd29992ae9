"""Operators that reshape rows and columns: project-away/keep/reorder/rename, mv-expand, parse,
serialize, as, render, sample, sample-distinct, getschema, invoke."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import dynamic
from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.expansion import element_type, elements, first_nonempty, reads_text, typed
from rmmhunt.compiler.functions import dynamic as dynamic_functions
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.naming import inferred_name
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.compiler.strings import regex_escape
from rmmhunt.compiler.udf import call_tabular_function
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError, Span
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler


def _aliased(sql: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=sql, alias=ident(name))


def matching(compiler: TabularCompiler, pattern: ast.NamePattern, relation: Relation) -> list[str]:
    """Columns a name or wildcard pattern selects; a plain name must exist."""
    if "*" not in pattern.pattern:
        if pattern.pattern not in relation.columns:
            raise compiler.ctx.unknown("column", pattern.pattern, pattern.span, list(relation.columns))
        return [pattern.pattern]
    regex = re.compile("^" + ".*".join(re.escape(p) for p in pattern.pattern.split("*")) + "$")
    return [n for n in relation.columns if regex.match(n)]


def select_columns(compiler: TabularCompiler, relation: Relation, names: list[str], span: Span) -> Relation:
    if not names:
        raise KqlTypeError("no columns would be left", span, compiler.ctx.source)
    columns = {n: relation.columns[n] for n in names}
    return Relation(relation.select_from(compiler.ctx.next_alias(), [col(n) for n in names]), columns)


def project_away(compiler: TabularCompiler, op: ast.ProjectAway, relation: Relation) -> Relation:
    away = {n for p in op.patterns for n in matching(compiler, p, relation)}
    return select_columns(compiler, relation, [n for n in relation.columns if n not in away], op.span)


def project_keep(compiler: TabularCompiler, op: ast.ProjectKeep, relation: Relation) -> Relation:
    keep = {n for p in op.patterns for n in matching(compiler, p, relation)}
    return select_columns(compiler, relation, [n for n in relation.columns if n in keep], op.span)


def project_reorder(compiler: TabularCompiler, op: ast.ProjectReorder, relation: Relation) -> Relation:
    first: list[str] = []
    for pattern in op.patterns:
        first += [n for n in matching(compiler, pattern, relation) if n not in first]
    return select_columns(compiler, relation, first + [n for n in relation.columns if n not in first], op.span)


def project_rename(compiler: TabularCompiler, op: ast.ProjectRename, relation: Relation) -> Relation:
    renamed: dict[str, str] = {}
    for new, old, span in op.renames:
        if old not in relation.columns:
            raise compiler.ctx.unknown("column", old, span, list(relation.columns))
        renamed[old] = new
    columns = {renamed.get(n, n): t for n, t in relation.columns.items()}
    items = [_aliased(col(n), renamed[n]) if n in renamed else col(n) for n in relation.columns]
    return Relation(relation.select_from(compiler.ctx.next_alias(), items), columns)


def named_items(compiler: TabularCompiler, op: ast.MvExpand | ast.MvApply) -> tuple[ast.MvExpandItem, ...]:
    """Each item with its output name: given, or the column the expression reads (parse_json(x) -> x)."""
    items = []
    for item in op.items:
        expr = item.expr
        while isinstance(expr, ast.Call) and expr.name in ("parse_json", "todynamic", "parsejson") and expr.args:
            expr = expr.args[0]
        name = item.name or inferred_name(expr)
        if name is None:
            raise KqlTypeError(
                "expanding this expression needs a name: Name = expression", item.expr.span, compiler.ctx.source
            )
        items.append(ast.MvExpandItem(name, item.expr, item.to_type))
    return tuple(items)


def mv_expand(compiler: TabularCompiler, op: ast.MvExpand, relation: Relation) -> Relation:
    """One row per array element or bag property; several columns expand side by side (shorter ones padded
    with null). What each value expands into is `expansion.elements`.

    https://learn.microsoft.com/en-us/kusto/query/mv-expand-operator
    """
    op = ast.MvExpand(op.span, named_items(compiler, op), op.item_index, op.limit, op.bag_kind)
    if op.limit is not None or op.item_index is not None:
        return _mv_expand_indexed(compiler, op, relation)
    staged, lists = _staged_lists(compiler, op, relation, op.bag_kind)
    expanded = {item.name: exp.Explode(this=items) for item, items in zip(op.items, lists, strict=True)}
    items = [col(n) if n not in expanded else _aliased(expanded[n], n) for n in relation.columns]
    items += [_aliased(e, n) for n, e in expanded.items() if n not in relation.columns]
    types = {item.name: element_type(item.to_type) for item in op.items}
    inner = Relation(staged.select_from(compiler.ctx.next_alias(), items), {**relation.columns, **types})
    return _cast_expanded(compiler, inner, op)


def _staged_lists(
    compiler: TabularCompiler, op: ast.MvExpand | ast.MvApply, relation: Relation, bag_kind: str
) -> tuple[Relation, list[exp.Expression]]:
    """`relation` with what each item's expansion reads in a hidden column of its own, and each item's list
    (`expansion.elements`) over it. The column is the item's value: the expansion reads it in several places,
    and DuckDB would work it out for each. When the item is text read at a constant path (`d.Tags to
    typeof(string)`) the column is the texts of the array there, read in one parse of the document, and the
    value is only worked out for the rows that have no such array."""
    scalar = ExprCompiler(compiler.ctx, relation.columns)
    hidden: dict[str, exp.Expression] = {}
    lists: list[exp.Expression] = []
    for k, item in enumerate(op.items):
        expr = _from_parsed_text(item.expr, relation.parsed_from)
        name = f"__rmmhunt_value{k}"
        read = dynamic_functions.constant_path_read(scalar, expr) if reads_text(item.to_type) else None
        value = dynamic.as_json(_item_value(scalar, expr))
        if read is None:
            hidden[name] = value
            lists.append(elements(compiler, col(name), item.to_type, bag_kind, item.expr))
        else:
            hidden[name] = read.element_texts()
            otherwise = elements(compiler, value, item.to_type, bag_kind, item.expr)
            lists.append(first_nonempty(col(name), otherwise))
    query = relation.select_from(
        compiler.ctx.next_alias(), [*relation.column_items(), *(_aliased(v, n) for n, v in hidden.items())]
    )
    return Relation(query, {**relation.columns, **dict.fromkeys(hidden, KqlType.DYNAMIC)}), lists


def _item_value(scalar: ExprCompiler, expr: ast.Expr) -> Typed:
    """An item's value; a JSON null read out of a bag or array is left as it is: the expansion makes it null."""
    if isinstance(expr, ast.Member):
        return dynamic_functions.member_access(scalar, expr, keep_json_null=True)
    if isinstance(expr, ast.Index):
        return dynamic_functions.index_access(scalar, expr, keep_json_null=True)
    return scalar.compile(expr)


def _from_parsed_text(expr: ast.Expr, parsed_from: dict[str, str]) -> ast.Expr:
    """`F.a[0]` as `parse_json(C).a[0]` when F is parse_json(C); anything else as it is."""
    if not isinstance(expr, ast.Member | ast.Index):
        return expr
    obj = expr.obj
    if isinstance(obj, ast.Name) and obj.name in parsed_from:
        obj = ast.Call(obj.span, "parse_json", (ast.Name(obj.span, parsed_from[obj.name]),), obj.span)
    else:
        obj = _from_parsed_text(obj, parsed_from)
    return replace(expr, obj=obj)


def _cast_expanded(compiler: TabularCompiler, relation: Relation, op: ast.MvExpand | ast.MvApply) -> Relation:
    """Expanded text as each item's `to typeof(T)`."""
    targets = {i.name: i.to_type for i in op.items if i.to_type and reads_text(i.to_type)}
    if not targets:
        return relation
    items = []
    for name in relation.columns:
        if name in targets:
            items.append(_aliased(typed(col(name), targets[name]).sql, name))
        else:
            items.append(col(name))
    columns = {n: targets.get(n, t) for n, t in relation.columns.items()}
    return Relation(relation.select_from(compiler.ctx.next_alias(), items), columns)


def _mv_expand_indexed(compiler: TabularCompiler, op: ast.MvExpand, relation: Relation) -> Relation:
    """mv-expand with_itemindex / limit: expand index positions, then pick elements by position."""
    expanded = expand_by_position(compiler, op, relation, op.item_index or HIDDEN_INDEX)
    if op.item_index:
        return expanded
    return select_columns(compiler, expanded, [n for n in expanded.columns if n != HIDDEN_INDEX], op.span)


HIDDEN_INDEX = "__rmmhunt_index"


def expand_by_position(
    compiler: TabularCompiler, op: ast.MvExpand | ast.MvApply, relation: Relation, index_name: str
) -> Relation:
    """One row per position of the longest array, each array's element there (null past its end) and the
    0-based position as `index_name`, kept below `op.limit` when there is one. Items must be named (`named_items`).
    mv-apply expands as mv-expand does by default (https://learn.microsoft.com/en-us/kusto/query/mv-apply-operator)."""
    bag_kind = op.bag_kind if isinstance(op, ast.MvExpand) else "bag"
    staged, lists = _staged_lists(compiler, op, relation, bag_kind)
    arrays = {f"__rmmhunt_array{k}": items for k, items in enumerate(lists)}
    lengths = [exp.Anonymous(this="len", expressions=[col(a)]) for a in arrays]
    longest = lengths[0] if len(lengths) == 1 else exp.Greatest(this=lengths[0], expressions=lengths[1:])
    positions = exp.Anonymous(this="range", expressions=[longest])
    with_arrays = staged.select_from(
        compiler.ctx.next_alias(), [*relation.column_items(), *(_aliased(a, n) for n, a in arrays.items())]
    )
    staged_positions = exp.Select(expressions=[exp.Star(), _aliased(exp.Explode(this=positions), index_name)]).from_(
        with_arrays.subquery(compiler.ctx.next_alias()), copy=False
    )
    one_based = exp.Add(this=col(index_name), expression=exp.Literal.number(1))
    picked = {
        item.name: sql.element(col(array), one_based.copy()) for item, array in zip(op.items, arrays, strict=True)
    }
    items = [_aliased(picked[n], n) if n in picked else col(n) for n in relation.columns]
    items += [_aliased(e, n) for n, e in picked.items() if n not in relation.columns]
    items.append(col(index_name))
    types = {item.name: element_type(item.to_type) for item in op.items}
    columns = {**relation.columns, **types, index_name: KqlType.LONG}
    query = exp.Select(expressions=items).from_(staged_positions.subquery(compiler.ctx.next_alias()), copy=False)
    if op.limit is not None:
        limit = ExprCompiler(compiler.ctx, {}).compile(op.limit)
        query = query.where(exp.LT(this=col(index_name), expression=limit.sql), copy=False)
    return _cast_expanded(compiler, Relation(query, columns), op)


def parse(compiler: TabularCompiler, op: ast.Parse, relation: Relation) -> Relation:
    """parse / parse-where: one regular expression with a group per extracted column.

    https://learn.microsoft.com/en-us/kusto/query/parse-operator
    """
    if op.kind == "relaxed":
        raise KqlNotSupported("parse kind=relaxed", op.span, compiler.ctx.source)
    source = ExprCompiler(compiler.ctx, relation.columns).compile(op.source)
    text = dynamic.coerce(source, KqlType.STRING).sql if source.type is KqlType.DYNAMIC else source.sql
    pattern, captures = _parse_pattern(op)
    flags = "".join(sorted(set(op.flags.replace("U", "")) & set("ims")))
    full = (f"(?{flags})" if flags else "") + pattern
    extracted: dict[str, Typed] = {}
    for group, capture in enumerate(captures, start=1):
        value = exp.RegexpExtract(
            this=text.copy(), expression=exp.Literal.string(full), group=exp.Literal.number(group)
        )
        if capture.type is KqlType.STRING:
            extracted[capture.name] = Typed(value, KqlType.STRING)
        else:
            typed = exp.TryCast(
                this=exp.Nullif(this=value, expression=exp.Literal.string("")), to=sql_type(capture.type)
            )
            extracted[capture.name] = Typed(typed, capture.type)
    kept = [n for n in relation.columns if n not in extracted]
    items: list[exp.Expression] = [col(n) for n in kept] + [_aliased(t.sql, n) for n, t in extracted.items()]
    columns = {n: relation.columns[n] for n in kept} | {n: t.type for n, t in extracted.items()}
    query = relation.select_from(compiler.ctx.next_alias(), items)
    if op.where:
        query = query.where(exp.RegexpLike(this=text.copy(), expression=exp.Literal.string(full)), copy=False)
    return Relation(query, columns)


def _parse_pattern(op: ast.Parse) -> tuple[str, list[ast.ParseCapture]]:
    """The regular expression for a parse pattern; in simple mode text parts match literally."""
    pieces: list[str] = []
    captures: list[ast.ParseCapture] = []
    parts = list(op.parts)
    for position, part in enumerate(parts):
        if part is None:
            pieces.append("(?:.*?)" if position < len(parts) - 1 else "(?:.*)")
        elif isinstance(part, str):
            pieces.append(part if op.kind == "regex" else regex_escape(part))
        else:
            captures.append(part)
            pieces.append("(.*)" if position == len(parts) - 1 else "(.*?)")
    prefix = "" if op.kind == "regex" else "^"
    return prefix + "".join(pieces) + ("" if op.kind == "regex" else "$"), captures


def serialize(compiler: TabularCompiler, op: ast.Serialize, relation: Relation) -> Relation:
    if not op.items:
        return relation
    return compiler.extend(ast.Extend(op.span, op.items), relation)


def as_operator(compiler: TabularCompiler, op: ast.As, relation: Relation) -> Relation:
    compiler.ctx.relations[op.name] = relation
    return Relation(relation.query.copy(), relation.columns, relation.filterable, relation.order)


def render(compiler: TabularCompiler, op: ast.Render, relation: Relation) -> Relation:
    return relation


def whole_number(compiler: TabularCompiler, node: ast.Expr) -> int:
    count = ExprCompiler(compiler.ctx, {}).compile(node)
    if not (count.is_constant and isinstance(count.value, int) and count.value >= 0):
        raise KqlTypeError("expected a non-negative whole number", node.span, compiler.ctx.source)
    return count.value


def sample(compiler: TabularCompiler, op: ast.Sample, relation: Relation) -> Relation:
    query = relation.select_from(compiler.ctx.next_alias(), [exp.Star()])
    return Relation(
        query.order_by(exp.Rand(), copy=False).limit(whole_number(compiler, op.count), copy=False), relation.columns
    )


def sample_distinct(compiler: TabularCompiler, op: ast.SampleDistinct, relation: Relation) -> Relation:
    projected = compiler.project(ast.Project(op.span, (ast.Assignment(None, op.column, op.column.span),)), relation)
    return Relation(
        projected.query.distinct(copy=False).limit(whole_number(compiler, op.count), copy=False), projected.columns
    )


def getschema(compiler: TabularCompiler, op: ast.GetSchema, relation: Relation) -> Relation:
    """One row per column: ColumnName, ColumnOrdinal, DataType, ColumnType.

    https://learn.microsoft.com/en-us/kusto/query/getschema-operator
    """
    dotnet = {
        KqlType.BOOL: "System.SByte",
        KqlType.DATETIME: "System.DateTime",
        KqlType.DYNAMIC: "System.Object",
        KqlType.GUID: "System.Guid",
        KqlType.INT: "System.Int32",
        KqlType.LONG: "System.Int64",
        KqlType.REAL: "System.Double",
        KqlType.DECIMAL: "System.Data.SqlTypes.SqlDecimal",
        KqlType.STRING: "System.String",
        KqlType.TIMESPAN: "System.TimeSpan",
    }
    values: list[ast.Expr] = []
    for ordinal, (name, kql_type) in enumerate(relation.columns.items()):
        for value, value_type in (
            (name, KqlType.STRING),
            (ordinal, KqlType.LONG),
            (dotnet[kql_type], KqlType.STRING),
            (kql_type.value, KqlType.STRING),
        ):
            values.append(ast.Literal(op.span, value, value_type))
    schema = (
        ("ColumnName", KqlType.STRING),
        ("ColumnOrdinal", KqlType.LONG),
        ("DataType", KqlType.STRING),
        ("ColumnType", KqlType.STRING),
    )
    return compiler.datatable(ast.Datatable(op.span, schema, tuple(values)))


def invoke(compiler: TabularCompiler, op: ast.Invoke, relation: Relation) -> Relation:
    if op.call.name not in compiler.ctx.functions:
        raise KqlNotSupported(f"invoke {op.call.name}()", op.call.name_span, compiler.ctx.source)
    return call_tabular_function(compiler, op.call, relation)


def register(operators: dict) -> None:
    operators.update(
        {
            ast.ProjectAway: project_away,
            ast.ProjectKeep: project_keep,
            ast.ProjectReorder: project_reorder,
            ast.ProjectRename: project_rename,
            ast.MvExpand: mv_expand,
            ast.Parse: parse,
            ast.Serialize: serialize,
            ast.As: as_operator,
            ast.Render: render,
            ast.Sample: sample,
            ast.SampleDistinct: sample_distinct,
            ast.GetSchema: getschema,
            ast.Invoke: invoke,
        }
    )
