"""Aggregate functions for `summarize`: one entry each in AGGREGATES.

References: https://learn.microsoft.com/en-us/kusto/query/aggregation-functions and each
function's page. Default output names follow the summarize operator's page (count_, min_X, set_X).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.naming import NAME_PRESERVING_FUNCTIONS, inferred_name
from rmmhunt.compiler.sqltypes import sql_type
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


@dataclass(frozen=True, slots=True)
class Aggregate:
    """How to build one aggregate: its SQL and KQL type from compiled arguments.

    `empty` is the value Kusto gives over no rows (summarize without `by` on an empty input),
    where SQL would give NULL; a `collection` (make_set, make_bag, ...) gives it for a group that adds
    nothing too, as it always returns an array or a bag. The first `values` arguments are the values
    aggregated (two for covariance), each of one of `arg_types` when given; a `conditional` aggregate
    (sumif, make_set_if, covarianceif, ...) takes its predicate right after them.
    """

    prefix: str  # default column name is f"{prefix}_{value arguments' names}" (unless `named_after_value`)
    build: Callable[[list[Typed], Typed | None], Typed]
    min_args: int
    max_args: int
    empty: exp.Expression | None = None
    conditional: bool = False
    collection: bool = False
    arg_types: tuple[KqlType, ...] = ()
    values: int = 1
    named_after_value: bool = False  # take_anyif(EventType, ...) is EventType


def _long(node: exp.Expression) -> Typed:
    return Typed(exp.cast(node, sql_type(KqlType.LONG), copy=False), KqlType.LONG)


def _where(aggregate: exp.Expression, predicate: Typed | None) -> exp.Expression:
    """`agg FILTER (WHERE predicate)` for the *if variants (sumif, dcountif, ...)."""
    if predicate is None:
        return aggregate
    return _filtered(aggregate, predicate.sql)


def _filtered(aggregate: exp.Expression, condition: exp.Expression) -> exp.Filter:
    return exp.Filter(this=aggregate, expression=exp.Where(this=condition))


def _only_when(value: Typed, predicate: Typed | None) -> exp.Expression:
    """The value where the predicate holds, else null (for aggregates that skip nulls anyway)."""
    if predicate is None:
        return value.sql
    return exp.Case(ifs=[exp.If(this=predicate.sql, true=value.sql)])


def _sum(args: list[Typed], predicate: Typed | None) -> Typed:
    arg = args[0]
    if arg.type is KqlType.TIMESPAN:  # summed as microseconds: SQL engines cannot sum intervals
        total = _where(exp.Sum(this=sql.epoch_us(arg.sql)), predicate)
        return Typed(sql.micros(exp.cast(total, sql_type(KqlType.LONG))), KqlType.TIMESPAN)
    node = _where(exp.Sum(this=arg.sql), predicate)
    if arg.type.is_integer:
        return _long(node)  # DuckDB widens integer sums to HUGEINT
    return Typed(node, arg.type)


def _same_type(node_type: type[exp.Expression]) -> Builder:
    return lambda args, predicate: Typed(_where(node_type(this=args[0].sql), predicate), args[0].type)


def _real(node_type: type[exp.Expression]) -> Builder:
    return lambda args, predicate: Typed(_where(node_type(this=args[0].sql), predicate), KqlType.REAL)


def _take_any(args: list[Typed], predicate: Typed | None) -> Typed:
    """A value of the group, non-null (and for a string, non-empty) where the group has one
    (https://learn.microsoft.com/en-us/kusto/query/take-any-aggregation-function)."""
    value = args[0]
    present = exp.Not(this=exp.Is(this=value.sql.copy(), expression=exp.null()))
    if value.type is KqlType.STRING:
        present = exp.and_(present, exp.NEQ(this=value.sql.copy(), expression=exp.Literal.string("")))
    condition = present if predicate is None else exp.and_(present, predicate.sql.copy())
    chosen = _filtered(exp.AnyValue(this=value.sql.copy()), condition)
    if value.type is KqlType.STRING:  # only empty strings: one of them
        chosen = exp.Coalesce(this=chosen, expressions=[_where(exp.AnyValue(this=value.sql), predicate)])
    return Typed(chosen, value.type)


def _covariance(node_type: type[exp.Expression]) -> Builder:
    """Over the rows where both values are present, as SQL's covar_samp/covar_pop skip a row with a null."""
    return lambda args, predicate: Typed(
        _where(node_type(this=args[0].sql, expression=args[1].sql), predicate), KqlType.REAL
    )


def _bitwise(node_type: type[exp.Expression]) -> Builder:
    return lambda args, predicate: _long(_where(node_type(this=args[0].sql), predicate))


def _count(args: list[Typed], predicate: Typed | None) -> Typed:
    return _long(_where(exp.Count(this=args[0].sql if args else exp.Star()), predicate))


def _dcount(args: list[Typed], predicate: Typed | None) -> Typed:
    return _long(_where(exp.Count(this=exp.Distinct(expressions=[args[0].sql])), predicate))


def _limited(array: exp.Expression, args: list[Typed]) -> exp.Expression:
    """make_set(x, maxSize) / make_list(x, maxSize): at most maxSize elements.

    A list of dynamic values becomes one JSON array, so its elements keep their JSON types."""
    if len(args) >= 2:
        array = exp.Anonymous(this="list_slice", expressions=[array, exp.Literal.number(1), args[1].sql])
    return exp.cast(array, sql_type(KqlType.DYNAMIC)) if args[0].type is KqlType.DYNAMIC else array


def _collected(value: Typed) -> Typed:
    """A value as a list collects it: a dynamic one as JSON (so a list of them is a list of JSON on every
    engine, where Spark keeps JSON as text)."""
    return Typed(sql.as_json(value.sql), value.type) if value.type is KqlType.DYNAMIC else value


def _make_set(args: list[Typed], predicate: Typed | None) -> Typed:
    collected = exp.ArrayUniqueAgg(this=_only_when(_collected(args[0]), predicate))
    return Typed(_limited(collected, args), KqlType.DYNAMIC)


def _make_list(args: list[Typed], predicate: Typed | None) -> Typed:
    value = args[0]
    present = exp.Not(this=exp.Is(this=value.sql.copy(), expression=exp.null()))
    condition = present if predicate is None else exp.and_(present, predicate.sql)
    collected = exp.Filter(this=exp.ArrayAgg(this=_collected(value).sql), expression=exp.Where(this=condition))
    return Typed(_limited(collected, args), KqlType.DYNAMIC)


def _make_list_with_nulls(args: list[Typed], predicate: Typed | None) -> Typed:
    """Every value, nulls too: a dynamic null as JSON's null; any other value boxed in a struct while collected,
    as Spark's collect_list skips nulls."""
    value = args[0]
    if value.type is KqlType.DYNAMIC:
        json_null = sql.cast(sql.s("null"), KqlType.DYNAMIC)
        collected = exp.ArrayAgg(this=sql.coalesce(_collected(value).sql, json_null))
        return Typed(_limited(_where(collected, predicate), args), KqlType.DYNAMIC)
    boxed = exp.ArrayAgg(
        this=exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier("v"), expression=value.sql)])
    )
    unboxed = sql.list_transform(_where(boxed, predicate), "_boxed", exp.column("v", table="_boxed"))
    return Typed(unboxed, KqlType.DYNAMIC)


def _make_bag(args: list[Typed], predicate: Typed | None) -> Typed:
    """The union of property bags; a key in several rows keeps one of its values, whole. The fold starts from
    the bag with no keys, so a value that is not a bag adds nothing, even in a group of one row.

    https://learn.microsoft.com/en-us/kusto/query/make-bag-aggregation-function
    """
    bags = exp.Filter(
        this=exp.ArrayAgg(this=exp.cast(args[0].sql, sql_type(KqlType.DYNAMIC))),
        expression=exp.Where(
            this=predicate.sql if predicate else exp.Not(this=exp.Is(this=args[0].sql.copy(), expression=exp.null()))
        ),
    )
    merge = exp.Lambda(
        this=sql.merged_bags(exp.column("a"), exp.column("b")),
        expressions=[exp.to_identifier("a"), exp.to_identifier("b")],
    )
    return Typed(exp.Anonymous(this="list_reduce", expressions=[bags, merge, EMPTY_BAG.copy()]), KqlType.DYNAMIC)


def _percent(rank: Typed) -> float:
    """The percentile asked for: a constant between 0 and 100."""
    if not (rank.is_constant and isinstance(rank.value, int | float) and 0 <= rank.value <= 100):
        raise ValueError("the percentile must be a constant between 0 and 100")
    return rank.value


def _percentile(args: list[Typed], predicate: Typed | None) -> Typed:
    """An estimate, as Kusto's is (https://learn.microsoft.com/en-us/kusto/query/percentiles-aggregation-function)."""
    value, rank = args
    quantile = exp.ApproxQuantile(this=value.sql, quantile=exp.Literal.number(_percent(rank) / 100))
    return Typed(_where(quantile, predicate), value.type if value.type.is_numeric else KqlType.REAL)


def _pair(value: exp.Expression, weight: exp.Expression) -> exp.Struct:
    return exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier("v"), expression=value),
            exp.PropertyEQ(this=exp.to_identifier("w"), expression=weight),
        ]
    )


def _weighted_percentile(args: list[Typed], predicate: Typed | None) -> Typed:
    """The nearest-rank percentile of the values, each counted `weight` times: the smallest value whose
    cumulative weight reaches `percent`% of the total, the smallest value for 0. Exact, where Kusto estimates.

    A fold over the (value, weight) pairs in ascending order carries the last value taken and the cumulative
    weight less the threshold, both scaled by 100 so an integer percent compares exactly; it stops taking
    values once that reaches 0. The threshold starts the fold, so its lambda reads no aggregate.
    Rows with a null value or a weight that is null or not positive add nothing (the page is silent).
    https://learn.microsoft.com/en-us/kusto/query/percentilesw-aggregation-function
    """
    value, weight, rank = args
    if value.type not in WEIGHTED_PERCENTILE_TYPES:
        raise ValueError(f"cannot take percentiles of {value.type.value} values")
    if not weight.type.is_integer:
        raise ValueError(f"the weight must be int or long, not {weight.type.value}")
    percent = _percent(rank)
    counted = exp.and_(
        exp.Not(this=exp.Is(this=value.sql.copy(), expression=exp.null())),
        exp.GT(this=weight.sql.copy(), expression=ZERO.copy()),
        *([predicate.sql] if predicate else []),
    )
    pairs = exp.ArraySort(this=_filtered(exp.ArrayAgg(this=_pair(value.sql, sql.bigint(weight.sql))), counted))
    threshold = sql.mul(sql.n(percent), _filtered(exp.Sum(this=weight.sql.copy()), counted.copy()))
    start = _pair(sql.cast(exp.null(), value.type), sql.double(exp.Neg(this=sql.paren(threshold))))
    taken, pair = exp.column("v", table="_taken"), exp.column("v", table="_pair")
    reached = exp.and_(
        exp.Not(this=exp.Is(this=taken, expression=exp.null())),
        exp.GTE(this=exp.column("w", table="_taken"), expression=ZERO.copy()),
    )
    more = sql.add(exp.column("w", table="_taken"), sql.double(sql.mul(exp.column("w", table="_pair"), sql.n(100))))
    step = sql.case((reached, exp.column("_taken")), default=_pair(pair, more))
    fold = sql.anon("list_reduce", pairs, sql.lambda_(["_taken", "_pair"], step), start)
    return Typed(exp.Dot(this=fold, expression=exp.to_identifier("v")), value.type)


Builder = Callable[[list[Typed], "Typed | None"], Typed]
INTEGERS = (KqlType.INT, KqlType.LONG)
NUMBERS = (*INTEGERS, KqlType.REAL, KqlType.DECIMAL)
ZERO = exp.Literal.number(0)
NAN = literal(float("nan"), KqlType.REAL).sql  # avg() over no rows divides by 0 (the summarize page's example)
EMPTY = exp.Array(expressions=[])
WEIGHTED_PERCENTILE_TYPES = (*NUMBERS, KqlType.DATETIME, KqlType.TIMESPAN)
EMPTY_BAG = exp.cast(exp.Literal.string("{}"), sql_type(KqlType.DYNAMIC))

AGGREGATES: dict[str, Aggregate] = {
    "count": Aggregate("count", _count, 0, 1, ZERO),
    "countif": Aggregate(
        "countif", lambda args, p: _count([], args[0]), 1, 1, ZERO, conditional=False, arg_types=(KqlType.BOOL,)
    ),
    "dcount": Aggregate("dcount", _dcount, 1, 2, ZERO),
    "dcountif": Aggregate("dcountif", _dcount, 2, 3, ZERO, conditional=True),
    # Exact, where dcount estimates: here both count exactly.
    "count_distinct": Aggregate("count_distinct", _dcount, 1, 1, ZERO),
    "count_distinctif": Aggregate("count_distinctif", _dcount, 2, 2, ZERO, conditional=True),
    "sum": Aggregate("sum", _sum, 1, 1, ZERO, arg_types=(*NUMBERS, KqlType.TIMESPAN)),
    "sumif": Aggregate("sumif", _sum, 2, 2, ZERO, conditional=True, arg_types=(*NUMBERS, KqlType.TIMESPAN)),
    "avg": Aggregate("avg", _real(exp.Avg), 1, 1, NAN, arg_types=NUMBERS),
    "avgif": Aggregate("avgif", _real(exp.Avg), 2, 2, conditional=True, arg_types=NUMBERS),
    "min": Aggregate("min", _same_type(exp.Min), 1, 1),
    "minif": Aggregate("minif", _same_type(exp.Min), 2, 2, conditional=True),
    "max": Aggregate("max", _same_type(exp.Max), 1, 1),
    "maxif": Aggregate("maxif", _same_type(exp.Max), 2, 2, conditional=True),
    "take_any": Aggregate("any", _take_any, 1, 1, named_after_value=True),
    "take_anyif": Aggregate("any", _take_any, 2, 2, conditional=True, named_after_value=True),
    # 0 over no rows, with count(), sum() and dcount() (the summarize page's table of default values)
    "stdev": Aggregate("stdev", _real(exp.Stddev), 1, 1, ZERO, arg_types=NUMBERS),
    "stdevif": Aggregate("stdevif", _real(exp.Stddev), 2, 2, ZERO, conditional=True, arg_types=NUMBERS),
    "stdevp": Aggregate("stdevp", _real(exp.StddevPop), 1, 1, arg_types=NUMBERS),
    "variance": Aggregate("variance", _real(exp.Variance), 1, 1, ZERO, arg_types=NUMBERS),
    "varianceif": Aggregate("varianceif", _real(exp.Variance), 2, 2, ZERO, conditional=True, arg_types=NUMBERS),
    "variancep": Aggregate("variancep", _real(exp.VariancePop), 1, 1, arg_types=NUMBERS),
    "variancepif": Aggregate("variancepif", _real(exp.VariancePop), 2, 2, conditional=True, arg_types=NUMBERS),
    "binary_all_and": Aggregate("binary_all_and", _bitwise(exp.BitwiseAndAgg), 1, 1, arg_types=INTEGERS),
    "binary_all_or": Aggregate("binary_all_or", _bitwise(exp.BitwiseOrAgg), 1, 1, arg_types=INTEGERS),
    "binary_all_xor": Aggregate("binary_all_xor", _bitwise(exp.BitwiseXorAgg), 1, 1, arg_types=INTEGERS),
    # A sample covariance of one row is null, as SQL's, and as variance() is here (the pages are silent).
    "covariance": Aggregate("covariance", _covariance(exp.CovarSamp), 2, 2, arg_types=NUMBERS, values=2),
    "covarianceif": Aggregate(
        "covarianceif", _covariance(exp.CovarSamp), 3, 3, conditional=True, arg_types=NUMBERS, values=2
    ),
    "covariancep": Aggregate("covariancep", _covariance(exp.CovarPop), 2, 2, arg_types=NUMBERS, values=2),
    "covariancepif": Aggregate(
        "covariancepif", _covariance(exp.CovarPop), 3, 3, conditional=True, arg_types=NUMBERS, values=2
    ),
    "percentile": Aggregate("percentile", _percentile, 2, 2),
    "percentilew": Aggregate("percentile", _weighted_percentile, 3, 3),
    # make_set/make_list drop nulls; make_set drops duplicates
    # (https://learn.microsoft.com/en-us/kusto/query/make-set-aggregation-function).
    "make_set": Aggregate("set", _make_set, 1, 2, EMPTY, collection=True),
    "make_set_if": Aggregate("set", _make_set, 2, 3, EMPTY, conditional=True, collection=True),
    "make_list": Aggregate("list", _make_list, 1, 2, EMPTY, collection=True),
    "make_list_if": Aggregate("list", _make_list, 2, 3, EMPTY, conditional=True, collection=True),
    "make_list_with_nulls": Aggregate("list", _make_list_with_nulls, 1, 1, EMPTY, collection=True),
    "make_bag": Aggregate("bag", _make_bag, 1, 2, EMPTY_BAG, collection=True),
    "make_bag_if": Aggregate("bag", _make_bag, 2, 3, EMPTY_BAG, conditional=True, collection=True),
}
# Legacy spellings still common in published queries.
AGGREGATES.update(
    {
        "makeset": AGGREGATES["make_set"],
        "makelist": AGGREGATES["make_list"],
        # the deprecated spellings name their column any_X
        "any": replace(AGGREGATES["take_any"], named_after_value=False),
        "anyif": replace(AGGREGATES["take_anyif"], named_after_value=False),
    }
)

ARG_EXTREMES = {"arg_max": "max", "arg_min": "min"}
# "Deprecated aliases: argmax()" (https://learn.microsoft.com/en-us/kusto/query/arg-max-aggregation-function).
ARG_EXTREME_ALIASES = {"argmax": "arg_max", "argmin": "arg_min"}
# Aggregates the summarize compiler expands itself, beyond the one-column ones in AGGREGATES.
# percentiles(x, 50, 95) and percentilesw(x, w, 50, 95): the single form and how many arguments precede the ranks.
MULTI_PERCENTILES = {"percentiles": ("percentile", 1), "percentilesw": ("percentilew", 2)}
AGGREGATE_FORMS = frozenset({*ARG_EXTREMES, *MULTI_PERCENTILES})


def canonical_aggregate(item: ast.Assignment) -> ast.Assignment:
    """The summarize item with a deprecated alias (argmax, argmin) spelled as its current name."""
    call = item.expr
    if isinstance(call, ast.Call) and call.name in ARG_EXTREME_ALIASES:
        return replace(item, expr=replace(call, name=ARG_EXTREME_ALIASES[call.name]))
    return item


def expand_percentiles(call: ast.Call) -> list[ast.Call]:
    """`percentiles(x, 50, 95)` is `percentile(x, 50), percentile(x, 95)`; percentilesw likewise."""
    if call.name not in MULTI_PERCENTILES:
        return [call]
    single, fixed = MULTI_PERCENTILES[call.name]
    leading, ranks = call.args[:fixed], call.args[fixed:]
    return [ast.Call(call.span, single, (*leading, rank), call.name_span) for rank in ranks]


def default_name(spec: Aggregate, call: ast.Call) -> str:
    """count_, sum_X, set_X, covariance_X_Y, percentile_X_95
    (https://learn.microsoft.com/en-us/kusto/query/summarize-operator)."""
    arguments = [inferred_name(a) or "" for a in call.args[: spec.values]]
    if spec.named_after_value and arguments[0]:
        return arguments[0]
    name = "_".join([spec.prefix, *(arguments or [""])])
    if call.name in ("percentile", "percentilew") and isinstance(call.args[-1], ast.Literal):
        name += "_" + str(call.args[-1].value).replace(".", "_")
    return name


def wrapped_aggregate_name(expr: ast.Expr) -> str | None:
    """The name of an aggregate under name-preserving functions: `tostring(make_set(x))` is set_x, as in
    Kusto.Language, where tostring takes the name of its first argument (see naming.py)."""
    while isinstance(expr, ast.Call) and expr.name.lower() in NAME_PRESERVING_FUNCTIONS and expr.args:
        expr = expr.args[0]
    if isinstance(expr, ast.Call) and expr.name in AGGREGATES:
        return default_name(AGGREGATES[expr.name], expr)
    return None


def over_no_rows(spec: Aggregate, typed: Typed) -> exp.Expression | None:
    """What the aggregate gives over no rows where SQL gives NULL (0 for count and sum, [] for make_set, ...)."""
    if spec.empty is None:
        return None
    if typed.type is KqlType.TIMESPAN:
        return literal(timedelta(0), typed.type).sql
    if isinstance(typed.sql, exp.Cast) and not isinstance(spec.empty, exp.Cast):  # a list made JSON by _limited
        return exp.cast(spec.empty.copy(), typed.sql.to.copy())
    return spec.empty.copy()


def compile_aggregate(compiler: ExprCompiler, call: ast.Call) -> tuple[Aggregate, Typed]:
    """Compile one call to an aggregate (arg_max/arg_min are handled by the summarize compiler)."""
    spec = AGGREGATES[call.name]
    source = compiler.ctx.source
    if not spec.min_args <= len(call.args) <= spec.max_args:
        expected = str(spec.min_args) if spec.min_args == spec.max_args else f"{spec.min_args} to {spec.max_args}"
        raise KqlTypeError(f"{call.name}() takes {expected} arguments, not {len(call.args)}", call.span, source)
    args = [compiler.compile(a) for a in call.args]
    predicate = None
    if spec.conditional:
        predicate = args.pop(spec.values)
        if predicate.type not in (KqlType.BOOL, KqlType.DYNAMIC):
            raise KqlTypeError(
                f"the condition of {call.name}() must be bool, not {predicate.type.value}",
                call.args[spec.values].span,
                source,
            )
    for value, node in zip(args[: spec.values], call.args, strict=False):
        if spec.arg_types and value.type not in (*spec.arg_types, KqlType.DYNAMIC):
            raise KqlTypeError(f"{call.name}() cannot aggregate {value.type.value} values", node.span, source)
    if spec.prefix.startswith("dcount") and len(args) == 2 and not args[1].is_constant:
        raise KqlTypeError(f"{call.name}() accuracy must be a constant", call.args[-1].span, source)
    try:
        return spec, spec.build(args[:1] if spec.prefix.startswith("dcount") else args, predicate)
    except ValueError as error:
        raise KqlTypeError(f"{call.name}(): {error}", call.span, source) from None
