"""Scalar functions: one entry each in FUNCTIONS, reached through `call_scalar`.

Aggregates live in `aggregates.py`. One module per family; importing this package registers them
all. References per function: https://learn.microsoft.com/en-us/kusto/query/<name>-function
"""

# Registration happens on import; the order is irrelevant (no name is registered twice).
from rmmhunt.compiler.functions import (
    conditional,
    convert,
    datetimes,
    dynamic,
    encoding,
    mathematics,
    network,
    series_analysis,
    strings,
)
from rmmhunt.compiler.functions.dynamic import index_access, lookup, member_access
from rmmhunt.compiler.functions.registry import FUNCTIONS, Function, call_scalar, expect, function

__all__ = [
    "FUNCTIONS",
    "Function",
    "call_scalar",
    "conditional",
    "convert",
    "datetimes",
    "dynamic",
    "encoding",
    "expect",
    "function",
    "index_access",
    "lookup",
    "mathematics",
    "member_access",
    "network",
    "series_analysis",
    "strings",
]
