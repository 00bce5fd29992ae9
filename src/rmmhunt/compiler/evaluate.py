"""`evaluate` plugins: bag_unpack (here) and pivot (pivot.py).

bag_unpack turns each top-level key of a dynamic column's bags into a column
(https://learn.microsoft.com/en-us/kusto/query/bag-unpack-plugin). Which columns that gives depends on the data,
and the compiler cannot see data. Two ways out, both Kusto's own:

- the documented output schema, `evaluate bag_unpack(d) : (a:string, b:long)` (or `(*, a:string)` to keep the
  input's columns), names the columns up front and compiles anywhere;
- without one, the compiler asks the workspace through the query's `Probe`: it runs SELECT DISTINCT key and
  JSON type over the relation compiled so far (with the same table filters and `now`), then builds the columns,
  sorted by name, typed as their values are when all agree (dynamic otherwise). Compiling without data (lint,
  `rmmhunt sql`) has no probe, and says that bag_unpack needs the data or an output schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler import pivot
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.relation import Relation, col, ident
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

# DuckDB's JSON_TYPE names -> the KQL type of a column whose values all have it.
_JSON_TYPES = {
    "VARCHAR": KqlType.STRING,
    "BIGINT": KqlType.LONG,
    "UBIGINT": KqlType.LONG,
    "DOUBLE": KqlType.REAL,
    "BOOLEAN": KqlType.BOOL,
}
_CONVERSIONS = {KqlType.STRING: "tostring", KqlType.LONG: "tolong", KqlType.REAL: "toreal", KqlType.BOOL: "tobool"}
_CONFLICT_RULES = ("error", "replace_source", "keep_source")


def evaluate(compiler: TabularCompiler, op: ast.Evaluate, relation: Relation) -> Relation:
    if op.call.name == "pivot":
        return pivot.pivot(compiler, op, relation)
    if op.call.name != "bag_unpack":
        raise KqlNotSupported(f"evaluate {op.call.name}()", op.call.name_span, compiler.ctx.source)
    return bag_unpack(compiler, op, relation)


def bag_unpack(compiler: TabularCompiler, op: ast.Evaluate, relation: Relation) -> Relation:
    ctx = compiler.ctx
    call = op.call
    if not call.args or not isinstance(call.args[0], ast.Name) or call.args[0].name not in relation.columns:
        raise KqlTypeError("bag_unpack() needs a dynamic column of its input first", call.span, ctx.source)
    column = call.args[0].name
    prefix, conflicts, ignored = _options(compiler, call)
    if op.schema is not None:
        wanted = [(name, kql_type, name.removeprefix(prefix)) for name, kql_type in op.schema]
    else:
        keys = _probe_keys(compiler, call, relation, column)
        wanted = [(prefix + key, kql_type, key) for key, kql_type in sorted(keys.items()) if key not in ignored]
    kept = [n for n in relation.columns if n != column] if op.schema is None or op.schema_keeps_input else []
    clashes = [name for name, _, _ in wanted if name in kept]
    if clashes and conflicts == "error":
        message = f"bag_unpack: column {clashes[0]!r} already exists; give a prefix: bag_unpack({column}, 'Prefix_')"
        raise KqlTypeError(message, call.span, ctx.source)
    if conflicts == "keep_source":
        wanted = [w for w in wanted if w[0] not in kept]
    else:
        kept = [n for n in kept if n not in {name for name, _, _ in wanted}]
    if not kept and not wanted:  # SQL has no table without columns
        message = f"bag_unpack: no column would be left (the data has no keys in {column})"
        raise KqlTypeError(message, call.span, ctx.source)
    scalar = ExprCompiler(ctx, relation.columns)
    items: list[exp.Expression] = [col(n) for n in kept]
    columns = {n: relation.columns[n] for n in kept}
    for name, kql_type, key in wanted:
        value: ast.Expr = ast.Index(call.span, call.args[0], ast.Literal(call.span, key, KqlType.STRING))
        if kql_type in _CONVERSIONS:
            value = ast.Call(call.span, _CONVERSIONS[kql_type], (value,), call.span)
        typed = scalar.compile(value)
        items.append(exp.Alias(this=typed.sql, alias=ident(name)))
        columns[name] = typed.type
    return Relation(relation.select_from(ctx.next_alias(), items), columns)


def _options(compiler: TabularCompiler, call: ast.Call) -> tuple[str, str, set[str]]:
    """bag_unpack(Column [, OutputColumnPrefix] [, columnsConflict] [, ignoredProperties]), all constants."""
    values = [ExprCompiler(compiler.ctx, {}).compile(a) for a in call.args[1:]]
    if not all(v.is_constant for v in values) or len(values) > 3:
        raise KqlTypeError("bag_unpack() takes a column and up to three constants", call.span, compiler.ctx.source)
    prefix = values[0].value if values else ""
    conflicts = values[1].value if len(values) > 1 else "error"
    ignored = values[2].value if len(values) > 2 else []
    if not isinstance(prefix, str) or conflicts not in _CONFLICT_RULES or not isinstance(ignored, list):
        message = "bag_unpack(Column, 'Prefix', 'error'|'replace_source'|'keep_source', dynamic([...]))"
        raise KqlTypeError(f"expected {message}", call.span, compiler.ctx.source)
    return prefix, str(conflicts), {str(i) for i in ignored}


def _probe_keys(compiler: TabularCompiler, call: ast.Call, relation: Relation, column: str) -> dict[str, KqlType]:
    """The keys of the column's bags in the data, each with the type its values share (dynamic if they differ)."""
    if compiler.ctx.probe is None:
        construct = "evaluate bag_unpack() without the data or an output schema such as `bag_unpack(d) : (a:string)`"
        raise KqlNotSupported(construct, call.span, compiler.ctx.source)
    bag = sql.as_json(col(column))
    keys = relation.select_from(
        compiler.ctx.next_alias(),
        [
            exp.Alias(this=exp.Explode(this=exp.JSONKeys(this=bag)), alias=ident("key")),
            exp.Alias(this=bag.copy(), alias=ident("bag")),
        ],
    ).where(sql.eq(sql.json_type(bag.copy()), sql.s("OBJECT")), copy=False)
    value_type = sql.anon("json_type", col("bag"), col("key"))
    probe = exp.Select(expressions=[col("key"), exp.Alias(this=value_type, alias=ident("type"))]).from_(
        keys.subquery(compiler.ctx.next_alias()), copy=False
    )
    found: dict[str, set[str]] = {}
    for key, json_type in compiler.ctx.probe(probe.distinct(copy=False)):
        found.setdefault(str(key), set()).add(str(json_type))
    types: dict[str, KqlType] = {}
    for key, names in found.items():
        names.discard("NULL")
        shared = {_JSON_TYPES.get(n, KqlType.DYNAMIC) for n in names}
        types[key] = shared.pop() if len(shared) == 1 else KqlType.DYNAMIC
    return types
