"""Kusto's rules for the names of columns the query does not name.

Reference: https://learn.microsoft.com/en-us/kusto/query/summarize-operator (count_, min_X, set_X),
https://learn.microsoft.com/en-us/kusto/query/print-operator (print_N),
https://learn.microsoft.com/en-us/kusto/query/extend-operator (Column1, ...). The pages say only "a name derived
from the expression"; the derivation is that of Microsoft's own parser, Kusto.Language
(https://github.com/microsoft/Kusto-Query-Language, Binder_Projection.cs GetExpressionResultName): a property
of a dynamic value is named after the path (`d.a` -> d_a, `d['a']` -> d_a), and the functions whose
ResultNameKind is FirstArgument in Functions.cs take the name of their first argument.
"""

from __future__ import annotations

from rmmhunt.kql import ast

# Functions whose result takes the name of their first argument (`by bin(Timestamp, 1h)` -> Timestamp).
NAME_PRESERVING_FUNCTIONS = frozenset(
    {
        *("bin", "bin_at", "floor", "startofday", "round", "ceiling", "abs", "pow", "sqrt", "exp", "log", "log10"),
        *("log2", "exp2", "exp10", "sin", "cos", "tan", "asin", "acos", "atan", "atan2"),
        *("binary_and", "binary_or", "binary_xor", "binary_not", "binary_shift_left", "binary_shift_right"),
        *("bitset_count_ones",),
        *("tostring", "todatetime", "totimespan", "tolong", "toint", "toreal", "todouble", "tobool", "toboolean"),
        *("todecimal", "toguid", "tohex", "todynamic", "toobject", "parse_json", "parsejson", "parse_xml"),
        *("parse_csv", "split", "format_datetime", "format_timespan", "format_bytes"),
    }
)


def inferred_name(expr: ast.Expr) -> str | None:
    """The name Kusto infers for an expression, or None when it invents one (Column1, ...)."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Member):
        return _path(expr.obj, expr.name)
    if isinstance(expr, ast.Index) and isinstance(expr.index, ast.Literal):
        key = expr.index.value
        if isinstance(key, str) or (isinstance(key, int) and not isinstance(key, bool)):
            return _path(expr.obj, str(key))
    if isinstance(expr, ast.Call) and expr.name == "ingestion_time":
        return "$IngestionTime"
    if isinstance(expr, ast.Call) and expr.name.lower() in NAME_PRESERVING_FUNCTIONS and expr.args:
        return inferred_name(expr.args[0])
    return None


def _path(container: ast.Expr, key: str) -> str:
    """`d.a` is d_a, `d.a[0]` is d_a_0; a container with no name of its own (`pack(...).a`) adds nothing."""
    prefix = inferred_name(container)
    return f"{prefix}_{key}" if prefix else key


def unique(name: str, taken: set[str]) -> str:
    """`name`, or `name1`, `name2`, ... when it is taken."""
    if name not in taken:
        return name
    n = 1
    while f"{name}{n}" in taken:
        n += 1
    return f"{name}{n}"


class ColumnNamer:
    """Hands out Column1, Column2, ... for one query, skipping names in use."""

    def __init__(self) -> None:
        self.counter = 0

    def next(self, taken: set[str]) -> str:
        while True:
            self.counter += 1
            name = f"Column{self.counter}"
            if name not in taken:
                return name
