"""Small sqlglot builders the Spark rewrites share."""

from __future__ import annotations

import itertools

from sqlglot import exp

_parameter_numbers = itertools.count()


def call(name: str, *args: exp.Expression) -> exp.Anonymous:
    return exp.Anonymous(this=name, expressions=list(args))


def parameter_name() -> str:
    """A new name for a lambda's parameter: numbered for the whole run, so nested lambdas never share one."""
    return f"_json{next(_parameter_numbers)}"
