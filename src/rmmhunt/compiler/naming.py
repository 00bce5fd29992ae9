"""Kusto's rules for the names of columns the query does not name.

Reference: https://learn.microsoft.com/en-us/kusto/query/summarize-operator (count_, min_X, set_X),
https://learn.microsoft.com/en-us/kusto/query/print-operator (print_N),
https://learn.microsoft.com/en-us/kusto/query/extend-operator (Column1, ...).
"""

from __future__ import annotations

from rmmhunt.kql import ast

# Functions whose result takes the name of their first argument (`by bin(Timestamp, 1h)` -> Timestamp).
NAME_PRESERVING_FUNCTIONS = frozenset({"bin", "floor", "tostring", "todatetime", "tolong", "toint", "bin_at"})


def inferred_name(expr: ast.Expr) -> str | None:
    """The name Kusto infers for an expression, or None when it invents one (Column1, ...)."""
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Member):
        return expr.name
    if isinstance(expr, ast.Index) and isinstance(expr.index, ast.Literal) and isinstance(expr.index.value, str):
        return expr.index.value
    if isinstance(expr, ast.Call) and expr.name.lower() in NAME_PRESERVING_FUNCTIONS and expr.args:
        return inferred_name(expr.args[0])
    return None


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
