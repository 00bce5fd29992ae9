"""Scalar expressions: AST -> typed SQL, with Kusto's semantics and compile-time constant folding."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlglot import exp

from rmmhunt.compiler import conditions, dynamic, functions, strings, udf, window
from rmmhunt.compiler.aggregates import AGGREGATES, compile_aggregate
from rmmhunt.compiler.context import QueryContext, Typed
from rmmhunt.compiler.functions import dynamic as dynamic_functions
from rmmhunt.compiler.functions import sql as sql_helpers
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.relation import col
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported, KqlTypeError, Span
from rmmhunt.kql.types import KqlType

STRING_OPERATOR_NAMES = {
    "has": ("term", False),
    "has_cs": ("term", True),
    "hasprefix": ("prefix", False),
    "hasprefix_cs": ("prefix", True),
    "hassuffix": ("suffix", False),
    "hassuffix_cs": ("suffix", True),
    "contains": ("contains", False),
    "contains_cs": ("contains", True),
    "startswith": ("startswith", False),
    "startswith_cs": ("startswith", True),
    "endswith": ("endswith", False),
    "endswith_cs": ("endswith", True),
}

COMPARISONS: dict[str, type[exp.Expression]] = {
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
    "==": exp.EQ,
    # Kusto: `null != 1` is true, unlike SQL (https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/null-values)
    "!=": exp.NullSafeNEQ,
    "<>": exp.NullSafeNEQ,
}


def _operand(sql: exp.Expression) -> exp.Expression:
    """A boolean operand of a comparison, parenthesized: SQL has no chained comparisons (a = b = c)."""
    return exp.paren(sql) if isinstance(sql, exp.Predicate | exp.Connector | exp.Not) else sql


def _comparable(a: KqlType, b: KqlType) -> bool:
    if a == b or KqlType.DYNAMIC in (a, b):
        return True
    if KqlType.BOOL in (a, b) and (a.is_integer or b.is_integer):  # IsLocalAdmin == 1
        return True
    if a.is_numeric and b.is_numeric:
        return True
    return {a, b} <= {KqlType.STRING, KqlType.GUID}


class ExprCompiler:
    """Compiles scalar expressions against the columns of one input relation.

    `overrides` maps names defined earlier in the same operator (extend a=..., b=a+1) to their SQL.
    """

    def __init__(
        self,
        ctx: QueryContext,
        columns: dict[str, KqlType],
        overrides: dict[str, Typed] | None = None,
        order: tuple[exp.Ordered, ...] = (),
        allow_aggregates: bool = False,
    ):
        self.ctx = ctx
        self.allow_aggregates = allow_aggregates  # inside summarize: count() * 2, tostring(make_set(x))
        self.columns = columns
        self.overrides = overrides if overrides is not None else {}
        self.order = order  # the input's sort order, for row_number()/prev()/next()
        # Each row's place in the order, set by row_cumsum() and the like: see window.computed_apart.
        self.serial_position: exp.Window | None = None

    def type_error(self, message: str, span: Span) -> KqlTypeError:
        return KqlTypeError(message, span, self.ctx.source)

    def compile(self, node: ast.Expr) -> Typed:
        handler = _HANDLERS.get(type(node))
        if handler is None:
            raise KqlNotSupported(type(node).__name__.lower(), node.span, self.ctx.source)
        return handler(self, node)

    def compile_bool(self, node: ast.Expr) -> Typed:
        typed = self.compile(node)
        if typed.type not in (KqlType.BOOL, KqlType.DYNAMIC):
            raise self.type_error(f"expected a bool expression but this is {typed.type.value}", node.span)
        return typed

    # ------------------------------------------------------------ leaves

    def name(self, node: ast.Name) -> Typed:
        bound = self.overrides.get(node.name)
        if bound is None and node.name not in self.columns:
            bound = self.ctx.scalars.get(node.name)
        if bound is not None:  # a node has one parent: each use of a bound value gets its own copy
            return Typed(bound.sql.copy(), bound.type, bound.value)
        if node.name in self.columns:
            return Typed(col(node.name), self.columns[node.name])
        if node.name.lower() == "null":
            raise self.type_error("a bare null has no type; write a typed null such as string(null)", node.span)
        candidates = [*self.columns, *self.overrides, *self.ctx.scalars]
        raise self.ctx.unknown("column or name", node.name, node.span, candidates)

    def literal(self, node: ast.Literal) -> Typed:
        if node.type is KqlType.STRING and node.value is None:
            return literal("", KqlType.STRING)  # Kusto strings are never null
        return literal(node.value, node.type)

    def star(self, node: ast.Star) -> Typed:
        raise self.type_error("'*' is only allowed as an argument of arg_max/arg_min", node.span)

    # ------------------------------------------------------------ operators

    def unary(self, node: ast.Unary) -> Typed:
        operand = self.compile(node.operand)
        if not (operand.type.is_numeric or operand.type is KqlType.TIMESPAN):
            raise self.type_error(f"unary {node.op} needs a number or timespan, not {operand.type.value}", node.span)
        if node.op == "+":
            return operand
        if operand.is_constant and operand.value is not None:
            return literal(-operand.value, operand.type)  # type: ignore[operator]
        return Typed(exp.Neg(this=operand.sql), operand.type)

    def binary(self, node: ast.Binary) -> Typed:
        op = node.op
        if op in ("and", "or"):
            left, right = self.compile_bool(node.left), self.compile_bool(node.right)
            combine = conditions.and_ if op == "and" else conditions.or_
            return Typed(combine(left.sql, right.sql), KqlType.BOOL)
        left, right = self.compile(node.left), self.compile(node.right)
        if op in ("+", "-", "*", "/", "%"):
            return self.arithmetic(node, left, right)
        negated = op.startswith("!") and op not in ("!=", "!~")
        base = op[1:] if negated else op
        if base in STRING_OPERATOR_NAMES:
            result = self.string_operator(node, base, left, right)
        elif base in ("=~", "!~"):
            left, right = dynamic.coerce(left, KqlType.STRING), dynamic.coerce(right, KqlType.STRING)
            self.require_strings(node, left, right)
            equal = exp.EQ(this=exp.Lower(this=left.sql), expression=self.lowered(right))
            result = equal if base == "=~" else exp.Not(this=equal)
        elif base == "matches regex":
            left = dynamic.coerce(left, KqlType.STRING)
            self.require_strings(node, left, right)
            result = exp.RegexpLike(this=left.sql, expression=right.sql)
        elif base in COMPARISONS:
            left, right = dynamic.coerce(left, right.type), dynamic.coerce(right, left.type)
            if not _comparable(left.type, right.type):
                raise self.type_error(f"cannot compare {left.type.value} with {right.type.value} using {op}", node.span)
            result = self.comparison(base, left, right)
        else:
            raise KqlNotSupported(f"operator {op}", node.span, self.ctx.source)
        return Typed(exp.Not(this=exp.paren(result)) if negated else result, KqlType.BOOL)

    def comparison(self, op: str, left: Typed, right: Typed) -> exp.Expression:
        """`null == 1` is false and `null == null` is null in Kusto; SQL would say null for both.

        Strings are never null, so string equality stays plain `=` (what Parquet pruning needs).
        """
        left, right = (
            Typed(_operand(left.sql), left.type, left.value),
            Typed(_operand(right.sql), right.type, right.value),
        )
        if op != "==" or strings.is_stringish(left) or strings.is_stringish(right):
            return COMPARISONS[op](this=left.sql, expression=right.sql)
        same = exp.NullSafeEQ(this=left.sql, expression=right.sql)
        if any(side.is_constant and side.value is not None for side in (left, right)):
            return same
        both_null = exp.and_(
            exp.Is(this=left.sql.copy(), expression=exp.null()), exp.Is(this=right.sql.copy(), expression=exp.null())
        )
        return exp.Case(ifs=[exp.If(this=both_null, true=exp.null())], default=same)

    def lowered(self, t: Typed) -> exp.Expression:
        if t.is_constant and isinstance(t.value, str):
            return exp.Literal.string(t.value.lower())
        return exp.Lower(this=t.sql)

    def require_strings(self, node: ast.Binary, *operands: Typed) -> None:
        for operand in operands:
            if not strings.is_stringish(operand):
                raise self.type_error(f"{node.op} needs string operands, not {operand.type.value}", node.span)

    def string_operator(self, node: ast.Binary, base: str, left: Typed, right: Typed) -> exp.Expression:
        left, right = dynamic.coerce(left, KqlType.STRING), dynamic.coerce(right, KqlType.STRING)
        self.require_strings(node, left, right)
        kind, case_sensitive = STRING_OPERATOR_NAMES[base]
        if kind in ("contains", "startswith", "endswith"):
            return strings.substring_predicate(kind, left, right, case_sensitive)
        return strings.term_predicate(
            left, right, case_sensitive, prefix_only=kind == "prefix", suffix_only=kind == "suffix"
        )

    def arithmetic(self, node: ast.Binary, left: Typed, right: Typed) -> Typed:
        result_type = arithmetic_type(node.op, left.type, right.type)
        if result_type is None:
            raise self.type_error(f"cannot apply {node.op} to {left.type.value} and {right.type.value}", node.span)
        if left.is_constant and right.is_constant and left.value is not None and right.value is not None:
            folded = fold_arithmetic(node.op, left.value, right.value, result_type)
            if isinstance(folded, int) and result_type.is_integer:
                folded = (folded + 2**63) % 2**64 - 2**63  # long arithmetic wraps around
            if folded is not None:
                return literal(folded, result_type)
        a, b = left.sql, right.sql
        sql: exp.Expression
        if node.op == "/" and left.type is KqlType.TIMESPAN and right.type is KqlType.TIMESPAN:
            sql = exp.Div(
                this=sql_helpers.epoch_us(a), expression=exp.cast(sql_helpers.epoch_us(b), sql_type(KqlType.REAL))
            )
        elif node.op == "/" and left.type.is_integer and right.type.is_integer:
            sql = exp.IntDiv(this=a, expression=b)  # Kusto truncates integer division
        elif result_type is KqlType.TIMESPAN and node.op in ("*", "/"):
            span, factor = (a, b) if left.type is KqlType.TIMESPAN else (b, a)
            product = (exp.Mul if node.op == "*" else exp.Div)(
                this=exp.cast(sql_helpers.epoch_us(span), sql_type(KqlType.REAL)), expression=factor
            )
            # Beyond a timespan's range the result is null rather than a failed query.
            in_range = exp.LT(this=exp.Abs(this=product.copy()), expression=exp.Literal.number(9.2e18))
            sql = exp.Case(
                ifs=[exp.If(this=in_range, true=sql_helpers.micros(exp.cast(product, sql_type(KqlType.LONG))))]
            )
        elif node.op == "%":
            # Kusto's modulo is never negative: 0 <= a % b < abs(b)
            divisor = exp.Abs(this=b)
            sql = exp.Mod(
                this=exp.paren(exp.Add(this=exp.Mod(this=a, expression=b), expression=divisor)),
                expression=divisor.copy(),
            )
        else:
            node_type = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul, "/": exp.Div}[node.op]
            sql = node_type(this=a, expression=b)
            if node.op == "/":
                sql.meta[sql_helpers.REAL_DIVISION] = True
        return Typed(exp.paren(sql), result_type)

    def in_list(self, node: ast.InList) -> Typed:
        left = self.compile(node.left)
        if len(node.items) == 1 and self.is_table(node.items[0]):
            return self.in_subquery(node, left)
        if len(node.items) == 1:
            only = self.compile(node.items[0])
            if only.type is KqlType.DYNAMIC and not only.is_constant:
                return self.in_array(node, left, only)
        items: list[Typed] = []
        for item in node.items:
            typed = self.compile(item)
            if typed.type is KqlType.DYNAMIC and typed.is_constant and isinstance(typed.value, list):
                items.extend(literal(v, _json_type(v)) for v in _flatten(typed.value))  # arrays flatten
            else:
                items.append(typed)
        for item in items:
            if item.value is None and item.is_constant:
                continue
            if not _comparable(left.type, item.type):
                raise self.type_error(f"cannot compare {left.type.value} with {item.type.value} in 'in'", node.span)
        if items and left.type is KqlType.DYNAMIC:
            left = dynamic.coerce(left, items[0].type)
        if not items:
            result: exp.Expression = exp.false()
        elif node.case_insensitive:
            result = exp.In(this=exp.Lower(this=left.sql), expressions=[self.lowered(i) for i in items])
        else:
            result = exp.In(this=left.sql, expressions=[i.sql for i in items])
            if not strings.is_stringish(left):  # a null is in no list: false, and !in is true
                result = exp.Coalesce(this=result, expressions=[exp.false()])
        return Typed(exp.Not(this=exp.paren(result)) if node.negated else result, KqlType.BOOL)

    def in_array(self, node: ast.InList, left: Typed, array: Typed) -> Typed:
        """`x in (arr)` where arr is a dynamic array computed at run time (e.g. toscalar(... make_list(x)))."""
        element_type = KqlType.STRING if left.type in (KqlType.GUID, KqlType.DYNAMIC) else left.type
        values = exp.cast(dynamic.as_json(array), exp.DataType.build(f"{sql_type(element_type).sql('duckdb')}[]"))
        needle = dynamic.coerce(left, element_type).sql
        if node.case_insensitive:
            values = exp.Anonymous(
                this="list_transform",
                expressions=[
                    values,
                    exp.Lambda(this=exp.Lower(this=exp.column("v")), expressions=[exp.to_identifier("v")]),
                ],
            )
            needle = exp.Lower(this=needle)
        result = exp.Coalesce(this=exp.ArrayContains(this=values, expression=needle), expressions=[exp.false()])
        return Typed(exp.Not(this=exp.paren(result)) if node.negated else result, KqlType.BOOL)

    def is_table(self, node: ast.Expr) -> bool:
        if isinstance(node, ast.TabularExpr):
            return True
        return isinstance(node, ast.Name) and node.name in self.ctx.relations and node.name not in self.columns

    def names_table(self, node: ast.Expr) -> bool:
        """Whether an argument denotes a table (a tabular expression, a table or let name, a tabular function)."""
        from rmmhunt.compiler.tabular import TabularCompiler

        if self.is_table(node):
            return True
        is_column = isinstance(node, ast.Name) and node.name in self.columns
        return not is_column and TabularCompiler(self.ctx).names_relation(node)

    def subquery(self, node: ast.Expr) -> tuple[exp.Select, KqlType]:
        """A tabular expression's first column, as a subquery."""
        from rmmhunt.compiler.tabular import TabularCompiler

        tabular = TabularCompiler(self.ctx)
        relation = tabular.compile(tabular.as_tabular(node))
        first, first_type = next(iter(relation.columns.items()))
        self.ctx.nested_queries = True
        return relation.select_from(self.ctx.next_alias(), [col(first)]), first_type

    def subquery_values(self, node: ast.Expr, element_type: KqlType) -> tuple[exp.Select, KqlType]:
        """A table's first column as a subquery of values; an array column contributes its elements."""
        query, item_type = self.subquery(node)
        if item_type is KqlType.DYNAMIC and element_type is not KqlType.DYNAMIC:
            item_type = KqlType.STRING if element_type is KqlType.GUID else element_type
            column = query.expressions[0]
            array_type = exp.DataType.build(f"{sql_type(item_type).sql('duckdb')}[]")
            elements = exp.cast(dynamic.as_json(Typed(column.copy(), KqlType.DYNAMIC)), array_type)
            column.replace(exp.alias_(exp.Explode(this=elements), "value", quoted=True))
        return query, item_type

    def in_subquery(self, node: ast.InList, left: Typed) -> Typed:
        """`x in (T)`: membership in the first column of a table; an array column's elements count."""
        query, item_type = self.subquery_values(node.items[0], left.type)
        column = query.expressions[0]
        values = column.unalias().copy()
        column.replace(exp.Lower(this=values) if node.case_insensitive else values)
        left = dynamic.coerce(left, item_type)
        if not _comparable(left.type, item_type):
            raise self.type_error(f"cannot compare {left.type.value} with {item_type.value} in 'in'", node.span)
        needle = exp.Lower(this=left.sql) if node.case_insensitive else left.sql
        result = exp.In(this=needle, query=exp.Subquery(this=query))
        return Typed(exp.Not(this=exp.paren(result)) if node.negated else result, KqlType.BOOL)

    def tabular_expr(self, node: ast.TabularExpr) -> Typed:
        raise self.type_error("a table is not allowed here; use toscalar() for a single value", node.span)

    def between(self, node: ast.Between) -> Typed:
        """Inclusive at both ends; `t between (t0 .. 1d)` reads the upper bound as t0 + 1d.

        https://learn.microsoft.com/en-us/kusto/query/between-operator
        """
        value, low, high = self.compile(node.left), self.compile(node.low), self.compile(node.high)
        if value.type is KqlType.DATETIME and low.type is KqlType.DATETIME and high.type is KqlType.TIMESPAN:
            high = self.arithmetic(ast.Binary(node.span, "+", node.low, node.high), low, high)
        for bound in (low, high):
            if not _comparable(value.type, bound.type) or value.type in (KqlType.STRING, KqlType.BOOL):
                raise self.type_error(
                    f"between needs numbers, datetimes or timespans, not {value.type.value} and {bound.type.value}",
                    node.span,
                )
        result: exp.Expression = exp.Between(this=value.sql, low=low.sql, high=high.sql)
        return Typed(exp.Not(this=exp.paren(result)) if node.negated else result, KqlType.BOOL)

    def call(self, node: ast.Call) -> Typed:
        if node.name in self.ctx.functions:
            return udf.call_scalar_function(self, node)
        if node.name in window.WINDOW_FUNCTIONS:
            return window.call_window(self, node)
        if node.name in ("has_any", "has_all"):
            return self.has_any_all(node)
        if self.allow_aggregates and node.name in AGGREGATES:
            return compile_aggregate(ExprCompiler(self.ctx, self.columns), node)[1]
        if node.name == "toscalar":
            if len(node.args) != 1:
                raise self.type_error("toscalar() takes one argument", node.span)
            if not self.names_table(node.args[0]):  # toscalar of a value is that value, as in Kusto.Language
                return self.compile(node.args[0])
            query, first_type = self.subquery(node.args[0])
            return Typed(exp.Subquery(this=query.limit(1, copy=False)), first_type)
        return functions.call_scalar(self, node)

    def has_any_all(self, node: ast.Call) -> Typed:
        """`x has_any (a, b)` / `has_all`: whole-term matches of any/all needles; arrays flatten.

        https://learn.microsoft.com/en-us/kusto/query/has-anyoperator
        """
        text = dynamic.coerce(self.compile(node.args[0]), KqlType.STRING)
        if not strings.is_stringish(text):
            raise self.type_error(f"{node.name} needs a string on its left, not {text.type.value}", node.span)
        if len(node.args) == 2 and self.is_table(node.args[1]):
            return self.has_any_all_table(node, text)
        needles: list[Typed] = []
        for item in node.args[1:]:
            typed = self.compile(item)
            if typed.type is KqlType.DYNAMIC and typed.is_constant and isinstance(typed.value, list):
                needles.extend(literal(str(v), KqlType.STRING) for v in _flatten(typed.value))
            else:
                needles.append(dynamic.coerce(typed, KqlType.STRING))
        if not needles:
            return Typed(exp.false() if node.name == "has_any" else exp.true(), KqlType.BOOL)
        constants = [n.value for n in needles if n.is_constant and isinstance(n.value, str)]
        if node.name == "has_any" and len(constants) == len(needles):
            return Typed(strings.any_term_predicate(text, constants, case_sensitive=False), KqlType.BOOL)
        predicates = [strings.term_predicate(text, n, case_sensitive=False) for n in needles]
        combine = exp.or_ if node.name == "has_any" else exp.and_
        return Typed(exp.paren(combine(*predicates)), KqlType.BOOL)

    def has_any_all_table(self, node: ast.Call, text: Typed) -> Typed:
        """`x has_any (T)`: the needles are the first column of T (an array column's elements), read once."""
        query, item_type = self.subquery_values(node.args[1], KqlType.STRING)
        if item_type not in (KqlType.STRING, KqlType.GUID):
            raise self.type_error(f"{node.name} needs a table of strings, not of {item_type.value}", node.args[1].span)
        values = query.expressions[0]
        values.replace(exp.alias_(values.unalias().copy(), "needle", quoted=True))
        needles = exp.Subquery(
            this=exp.select(exp.ArrayAgg(this=col("needle"))).from_(query.subquery(self.ctx.next_alias()))
        )
        name = sql_helpers.fresh_name(self, "_n")
        matches = strings.term_predicate(text, Typed(exp.column(name), KqlType.STRING), case_sensitive=False)
        if node.name == "has_any":
            hits = exp.ArraySize(this=sql_helpers.list_filter(needles, name, matches))
            found: exp.Expression = exp.GT(this=hits, expression=exp.Literal.number(0))
            return Typed(exp.Coalesce(this=found, expressions=[exp.false()]), KqlType.BOOL)
        missing = exp.Not(this=exp.Coalesce(this=matches, expressions=[exp.false()]))  # a null text has no term
        misses = exp.ArraySize(this=sql_helpers.list_filter(needles, name, missing))
        every = exp.EQ(this=misses, expression=exp.Literal.number(0))
        return Typed(exp.Coalesce(this=every, expressions=[exp.true()]), KqlType.BOOL)

    def member(self, node: ast.Member) -> Typed:
        """`d.a` on a dynamic value (https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/dynamic)."""
        return dynamic_functions.member_access(self, node)

    def index(self, node: ast.Index) -> Typed:
        return dynamic_functions.index_access(self, node)


_HANDLERS: dict[type, Callable[[ExprCompiler, ast.Expr], Typed]] = {
    ast.Name: ExprCompiler.name,
    ast.Literal: ExprCompiler.literal,
    ast.Star: ExprCompiler.star,
    ast.Unary: ExprCompiler.unary,
    ast.Binary: ExprCompiler.binary,
    ast.InList: ExprCompiler.in_list,
    ast.Between: ExprCompiler.between,
    ast.Call: ExprCompiler.call,
    ast.Member: ExprCompiler.member,
    ast.TabularExpr: ExprCompiler.tabular_expr,
    ast.Index: ExprCompiler.index,
}  # type: ignore[dict-item]


def arithmetic_type(op: str, a: KqlType, b: KqlType) -> KqlType | None:
    """Result type of a binary arithmetic operator, per Kusto's numerical operators page."""
    if a.is_numeric and b.is_numeric:
        if op == "/" and a.is_integer and b.is_integer:
            return KqlType.LONG
        for wider in (KqlType.REAL, KqlType.DECIMAL, KqlType.LONG):
            if wider in (a, b):
                return wider
        return KqlType.INT
    pair = (a, b)
    table = {
        ("-", KqlType.DATETIME, KqlType.DATETIME): KqlType.TIMESPAN,
        ("+", KqlType.DATETIME, KqlType.TIMESPAN): KqlType.DATETIME,
        ("-", KqlType.DATETIME, KqlType.TIMESPAN): KqlType.DATETIME,
        ("+", KqlType.TIMESPAN, KqlType.DATETIME): KqlType.DATETIME,
        ("+", KqlType.TIMESPAN, KqlType.TIMESPAN): KqlType.TIMESPAN,
        ("-", KqlType.TIMESPAN, KqlType.TIMESPAN): KqlType.TIMESPAN,
    }
    if (op, *pair) in table:
        return table[(op, *pair)]
    if op == "/" and a is KqlType.TIMESPAN and b is KqlType.TIMESPAN:
        return KqlType.REAL
    if op in ("*", "/") and a is KqlType.TIMESPAN and b.is_numeric:
        return KqlType.TIMESPAN
    if op == "*" and a.is_numeric and b is KqlType.TIMESPAN:
        return KqlType.TIMESPAN
    return None


def fold_arithmetic(op: str, a: object, b: object, result_type: KqlType) -> object | None:
    """Evaluate constant arithmetic at compile time (so `now(-5d)` becomes a plain timestamp)."""
    try:
        if op == "+":
            return a + b  # type: ignore[operator]
        if op == "-":
            return a - b  # type: ignore[operator]
        if op == "*":
            return a * b  # type: ignore[operator]
        if op == "/":
            if result_type is KqlType.LONG:
                quotient = abs(a) // abs(b)  # type: ignore[arg-type, operator]
                return quotient if (a >= 0) == (b > 0) else -quotient  # type: ignore[operator]
            return a / b  # type: ignore[operator]
        if op == "%":
            return a % abs(b)  # type: ignore[operator, arg-type]
    except (ZeroDivisionError, OverflowError, TypeError):
        return None
    return None


def _flatten(values: list) -> list:
    out: list = []
    for v in values:
        out.extend(_flatten(v) if isinstance(v, list) else [v])
    return out


def _json_type(value: object) -> KqlType:
    if isinstance(value, bool):
        return KqlType.BOOL
    if isinstance(value, int):
        return KqlType.LONG
    if isinstance(value, float):
        return KqlType.REAL
    if isinstance(value, str):
        return KqlType.STRING
    if isinstance(value, datetime):
        return KqlType.DATETIME
    return KqlType.DYNAMIC
