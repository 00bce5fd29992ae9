"""Series decomposition functions, named as not supported rather than unknown.

They all detect the series' period by default (Seasonality -1) with series_periods_detect, whose algorithm
Microsoft does not publish (https://learn.microsoft.com/en-us/kusto/query/series-periods-detect-function
gives its parameters and limits only), so their baselines, flags and scores could not be Kusto's.
https://learn.microsoft.com/en-us/kusto/query/series-decompose-anomalies-function
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions.registry import function
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlNotSupported

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler


@function(
    "series_decompose",
    "series_decompose_anomalies",
    "series_decompose_forecast",
    "series_periods_detect",
    args=(1, 7),
)
def _series_decomposition(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    construct = f"{node.name}() (it rests on series_periods_detect, whose algorithm Microsoft does not publish)"
    raise KqlNotSupported(construct, node.name_span, compiler.ctx.source)
