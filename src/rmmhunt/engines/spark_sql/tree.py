"""Names for the lambda parameters the Spark rewrites add."""

from __future__ import annotations

import itertools

_parameter_numbers = itertools.count()


def parameter_name() -> str:
    """A new name for a lambda's parameter: numbered for the whole run, so nested lambdas never share one."""
    return f"_json{next(_parameter_numbers)}"
