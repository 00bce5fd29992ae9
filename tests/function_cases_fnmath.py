"""Math and bitwise functions (ceiling, the logarithms and exponentials, sign, pi, isnan/isinf/isfinite, the
trigonometric functions, degrees/radians, binary_*, bitset_count_ones), checked against Microsoft's Kusto
reference.

Each function: its page's example with the documented output, then nulls, out-of-domain and edge values, over a
column so the engine computes them (constants may be folded). NaN is never in an expected row (NaN != NaN):
isnan() shows it. Infinities come from exp(1000.0) (real division by zero would do too, but not on Spark).
Where a page is silent, a comment on the case says which behaviour it pins.
"""

from __future__ import annotations

from .kql_cases import Case, doc


def fn(name: str) -> str:
    return doc(f"{name.replace('_', '-')}-function")


# Reals with a negative, zero, a fraction, a large value and a null.
REALS = "datatable(x:real)[-1.0, 0.0, 0.5, 2.0, real(null)]"
# +inf, -inf and NaN, computed by the engine.
SPECIALS = (
    'datatable(name:string, x:real)["pinf", 1000.0, "ninf", -1000.0, "nan", 0.0, "one", 1.0, "null", real(null)]'
    ' | extend v = iff(name == "nan", exp(1000.0) - exp(1000.0), iff(name == "ninf", -exp(-x), exp(x)))'
    ' | extend v = iff(name == "one", 1.0, v)'
)
INF = float("inf")

CASES: list[Case] = [
    # ================================================================ ceiling
    Case(
        "ceiling-doc-example",
        "print c1 = ceiling(-1.1), c2 = ceiling(0), c3 = ceiling(0.9)",
        ["c1", "c2", "c3"],
        [[-1.0, 0, 1.0]],
        fn("ceiling"),
        types=["real", "long", "real"],  # of the argument's type (Functions.cs: ReturnTypeKind.Parameter0)
    ),
    Case(
        "ceiling-columns",
        "datatable(r:real, i:int, l:long)[-1.1, -3, -5, 2.0, 7, 9, 2.000001, 0, 0, real(null), int(null), long(null)]"
        " | extend cr = ceiling(r), ci = ceiling(i), cl = ceiling(l)",
        ["r", "i", "l", "cr", "ci", "cl"],
        [
            [-1.1, -3, -5, -1.0, -3, -5],
            [2.0, 7, 9, 2.0, 7, 9],
            [2.000001, 0, 0, 3.0, 0, 0],
            [None, None, None, None, None, None],
        ],
        fn("ceiling"),
        types=["real", "int", "long", "real", "int", "long"],
    ),
    # ================================================================ log10, log2
    Case(
        "log10-doc-example",
        "print result = log10(5)",
        ["result"],
        [[0.6989700043360189]],
        fn("log10"),
        types=["real"],
    ),
    # Null for a negative or null argument (the page); 0 gives -infinity, as .NET's Math.Log10 (page silent).
    Case(
        "log10-columns-negative-zero-null",
        f"{REALS} | extend l = log10(x)",
        ["x", "l"],
        [[-1.0, None], [0.0, -INF], [0.5, -0.3010299956639812], [2.0, 0.3010299956639812], [None, None]],
        fn("log10"),
    ),
    Case(
        "log2-doc-example",
        "print result = log2(5)",
        ["result"],
        [[2.321928094887362]],
        fn("log2"),
        types=["real"],
    ),
    Case(
        "log2-columns-negative-zero-null",
        f"{REALS} | extend l = log2(x)",
        ["x", "l"],
        [[-1.0, None], [0.0, -INF], [0.5, -1.0], [2.0, 1.0], [None, None]],
        fn("log2"),
    ),
    # log(0) is -infinity as .NET's Math.Log (Spark's ln alone would give null).
    Case(
        "log-of-zero-is-minus-infinity",
        "datatable(x:long)[0, 1] | extend l = log(x)",
        ["x", "l"],
        [[0, -INF], [1, 0.0]],
        fn("log"),
    ),
    # ================================================================ exp2, exp10
    Case(
        "exp2-doc-example",
        "print result = exp2(3)",
        ["result"],
        [[8.0]],
        fn("exp2"),
        types=["real"],
    ),
    Case(
        "exp2-columns",
        "datatable(x:long)[-1, 0, 10, 2000, long(null)] | extend e = exp2(x)",
        ["x", "e"],
        [[-1, 0.5], [0, 1.0], [10, 1024.0], [2000, INF], [None, None]],  # beyond a real's range: +infinity
        fn("exp2"),
    ),
    Case(
        "exp10-doc-example",
        "print result = exp10(2)",
        ["result"],
        [[100.0]],
        fn("exp10"),
        types=["real"],
    ),
    Case(
        "exp10-columns",
        "datatable(x:real)[-2.0, 0.0, 3.0, 400.0, real(null)] | extend e = exp10(x)",
        ["x", "e"],
        [[-2.0, 0.01], [0.0, 1.0], [3.0, 1000.0], [400.0, INF], [None, None]],
        fn("exp10"),
    ),
    # ================================================================ sign
    Case(
        "sign-doc-example",
        "print s1 = sign(-42), s2 = sign(0), s3 = sign(11.2)",
        ["s1", "s2", "s3"],
        [[-1.0, 0.0, 1.0]],
        fn("sign"),
        types=["real", "real", "real"],  # real for any argument (Functions.cs)
    ),
    Case(
        "sign-columns",
        "datatable(l:long, r:real)[-7, -0.001, 0, 0.0, 9223372036854775807, 1e300, long(null), real(null)]"
        " | extend sl = sign(l), sr = sign(r)",
        ["l", "r", "sl", "sr"],
        [
            [-7, -0.001, -1.0, -1.0],
            [0, 0.0, 0.0, 0.0],
            [9223372036854775807, 1e300, 1.0, 1.0],
            [None, None, None, None],
        ],
        fn("sign"),
    ),
    # ================================================================ pi
    Case(
        "pi",
        "datatable(r:real)[1.0, 2.0] | extend p = pi(), c = r * pi()",
        ["r", "p", "c"],
        [[1.0, 3.141592653589793, 3.141592653589793], [2.0, 3.141592653589793, 6.283185307179586]],
        fn("pi"),
        types=["real", "real", "real"],
    ),
    # ================================================================ isnan, isinf, isfinite
    # The pages' examples, without the NaN column itself (NaN is not equal to itself, so no row could match it).
    Case(
        "isnan-doc-example",
        "range x from -1 to 1 step 1 | extend y = (-1*x) | extend div = 1.0*x/y | extend isnan=isnan(div)"
        " | project-away div",
        ["x", "y", "isnan"],
        [[-1, 1, False], [0, 0, True], [1, -1, False]],
        fn("isnan"),
    ),
    Case(
        "isinf-doc-example",
        "range x from -1 to 1 step 1 | extend y = 0.0 | extend div = 1.0*x/y | extend isinf=isinf(div)"
        " | project-away div",
        ["x", "y", "isinf"],
        [[-1, 0.0, True], [0, 0.0, False], [1, 0.0, True]],
        fn("isinf"),
    ),
    # The page shows 0 for every row, -∞, NaN and ∞ alike: none is finite.
    Case(
        "isfinite-doc-example",
        "range x from -1 to 1 step 1 | extend y = 0.0 | extend div = 1.0*x/y | extend isfinite=isfinite(div)"
        " | project-away div",
        ["x", "y", "isfinite"],
        [[-1, 0.0, False], [0, 0.0, False], [1, 0.0, False]],
        fn("isfinite"),
    ),
    # A null is neither NaN, infinite nor finite: false for all three (the pages: "false otherwise").
    Case(
        "isnan-isinf-isfinite-columns",
        f"{SPECIALS} | project name, nan = isnan(v), inf = isinf(v), finite = isfinite(v)",
        ["name", "nan", "inf", "finite"],
        [
            ["pinf", False, True, False],
            ["ninf", False, True, False],
            ["nan", True, False, False],
            ["one", False, False, True],
            ["null", False, False, False],
        ],
        fn("isfinite"),
        types=["string", "bool", "bool", "bool"],
    ),
    Case(
        "isnan-of-integers",
        "datatable(l:long, i:int)[5, 0, long(null), int(null)] | extend a = isnan(l), b = isinf(i), c = isfinite(l)",
        ["l", "i", "a", "b", "c"],
        [[5, 0, False, False, True], [None, None, False, False, False]],
        fn("isnan"),
    ),
    # ================================================================ sin, cos, tan, cot
    Case(
        "sin-doc-example",
        "print result = sin(1)",
        ["result"],
        [[0.8414709848078965]],
        fn("sin"),
        types=["real"],
    ),
    Case(
        "cos-doc-example",
        "print result = cos(1)",
        ["result"],
        [[0.5403023058681398]],
        fn("cos"),
        types=["real"],
    ),
    Case(
        "cot-doc-example",
        "print result = cot(1)",
        ["result"],
        [[0.6420926159343306]],
        fn("cot"),
        types=["real"],
    ),
    Case(
        "sin-cos-tan-cot-columns",
        f"{REALS} | extend s = sin(x), c = cos(x), t = tan(x), ct = cot(x)",
        ["x", "s", "c", "t", "ct"],
        [
            [-1.0, -0.8414709848078965, 0.5403023058681398, -1.5574077246549023, -0.6420926159343306],
            [0.0, 0.0, 1.0, 0.0, INF],  # cot(0) is 1 / tan(0): +infinity (page silent)
            [0.5, 0.479425538604203, 0.8775825618903728, 0.5463024898437905, 1.830487721712452],
            [2.0, 0.9092974268256817, -0.4161468365471424, -2.185039863261519, -0.45765755436028577],
            [None, None, None, None, None],
        ],
        fn("tan"),
    ),
    # The sine of an infinity is NaN (page silent; .NET's Math.Sin).
    Case(
        "sin-of-infinity-is-nan",
        f"{SPECIALS} | where name in ('pinf', 'ninf') | project name, s = isnan(sin(v)), c = isnan(cos(v))",
        ["name", "s", "c"],
        [["pinf", True, True], ["ninf", True, True]],
        fn("sin"),
    ),
    # ================================================================ asin, acos, atan, atan2
    # The page shows 1.2532358975033751 for asin(0.5), which is not the arc sine of 0.5 (pi / 6 = 0.5235987755982989).
    Case(
        "asin-doc-example",
        "print result = asin(0.5)",
        ["result"],
        [[0.5235987755982989]],
        fn("asin"),
        types=["real"],
    ),
    Case(
        "atan-doc-example",
        "print result = atan(0.5)",
        ["result"],
        [[0.4636476090008061]],
        fn("atan"),
        types=["real"],
    ),
    # Null outside [-1, 1] (the pages of asin and acos).
    Case(
        "asin-acos-atan-columns",
        "datatable(x:real)[-1.0, 0.0, 0.5, 1.0, 1.5, -2.0, real(null)] | extend s = asin(x), c = acos(x), t = atan(x)",
        ["x", "s", "c", "t"],
        [
            [-1.0, -1.5707963267948966, 3.141592653589793, -0.7853981633974483],
            [0.0, 0.0, 1.5707963267948966, 0.0],
            [0.5, 0.5235987755982989, 1.0471975511965979, 0.4636476090008061],
            [1.0, 1.5707963267948966, 0.0, 0.7853981633974483],
            [1.5, None, None, 0.982793723247329],
            [-2.0, None, None, -1.1071487177940904],
            [None, None, None, None],
        ],
        fn("acos"),
    ),
    Case(
        "atan2-doc-example",
        "print atan2_0 = atan2(1,1) | extend atan2_1 = atan2(0,-1) | extend atan2_2 = atan2(-1,0)",
        ["atan2_0", "atan2_1", "atan2_2"],
        [[0.7853981633974483, 3.141592653589793, -1.5707963267948966]],
        fn("atan2"),
        types=["real", "real", "real"],
    ),
    Case(
        "atan2-columns",
        "datatable(y:real, x:long)[1.0, 1, -1.0, -1, 0.0, 0, 2.0, long(null), real(null), 3] | extend a = atan2(y, x)",
        ["y", "x", "a"],
        [
            [1.0, 1, 0.7853981633974483],
            [-1.0, -1, -2.356194490192345],
            [0.0, 0, 0.0],
            [2.0, None, None],
            [None, 3, None],
        ],
        fn("atan2"),
    ),
    # ================================================================ degrees, radians
    Case(
        "degrees-doc-example",
        "print degrees0 = degrees(pi()/4), degrees1 = degrees(pi()*1.5), degrees2 = degrees(0)",
        ["degrees0", "degrees1", "degrees2"],
        [[45.0, 270.0, 0.0]],
        fn("degrees"),
        types=["real", "real", "real"],
    ),
    Case(
        "radians-doc-example",
        "print radians0 = radians(90), radians1 = radians(180), radians2 = radians(360)",
        ["radians0", "radians1", "radians2"],
        [[1.5707963267948966, 3.141592653589793, 6.283185307179586]],
        fn("radians"),
        types=["real", "real", "real"],
    ),
    Case(
        "degrees-radians-columns",
        "datatable(x:real)[-1.0, 0.0, 0.5, 2.0, real(null)] | extend d = degrees(x), r = radians(x)",
        ["x", "d", "r"],
        [
            [-1.0, -57.29577951308232, -0.017453292519943295],
            [0.0, 0.0, 0.0],
            [0.5, 28.64788975654116, 0.008726646259971648],
            [2.0, 114.59155902616465, 0.03490658503988659],
            [None, None, None],
        ],
        fn("radians"),
    ),
    # ================================================================ binary_and, binary_or, binary_xor, binary_not
    Case(
        "binary-and-or-xor-not-doc-examples",
        "print a = binary_and(6, 3), o = binary_or(5, 3), x1 = binary_xor(1, 1), x2 = binary_xor(1, 2),"
        " n = binary_not(100)",
        ["a", "o", "x1", "x2", "n"],
        [[2, 7, 0, 3, -101]],
        fn("binary_and"),
        types=["long"] * 5,
    ),
    Case(
        "binary-and-or-xor-not-columns",
        "datatable(a:long, b:int)[6, 3, -1, 255, -9223372036854775807, -1, 0, int(null), long(null), 1]"
        " | extend an = binary_and(a, b), o = binary_or(a, b), x = binary_xor(a, b), n = binary_not(b)",
        ["a", "b", "an", "o", "x", "n"],
        [
            [6, 3, 2, 7, 5, -4],
            [-1, 255, 255, -1, -256, -256],
            [-9223372036854775807, -1, -9223372036854775807, -1, 9223372036854775806, 0],
            [0, None, None, None, None, None],
            [None, 1, None, None, None, -2],
        ],
        fn("binary_xor"),
        types=["long", "int", "long", "long", "long", "long"],
    ),
    # ================================================================ binary_shift_left, binary_shift_right
    Case(
        "binary-shift-doc-examples",
        "print l = binary_shift_left(1, 2), r = binary_shift_right(1, 2)",
        ["l", "r"],
        [[4, 0]],
        fn("binary_shift_left"),
        types=["long", "long"],
    ),
    # value << (shift % 64), wrapping as a long; >> keeps the sign; a negative shift is null (the pages).
    Case(
        "binary-shift-columns",
        "datatable(v:long, s:long)[1, 63, 3, 63, -1, 1, 1, 64, 5, 66, -8, 1, -8, 65, 6, 0, 5, -1,"
        " -9223372036854775807, 1, long(null), 1, 1, long(null)]"
        " | extend l = binary_shift_left(v, s), r = binary_shift_right(v, s)",
        ["v", "s", "l", "r"],
        [
            [1, 63, -9223372036854775808, 0],
            [3, 63, -9223372036854775808, 0],
            [-1, 1, -2, -1],
            [1, 64, 1, 1],
            [5, 66, 20, 1],
            [-8, 1, -16, -4],
            [-8, 65, -16, -4],
            [6, 0, 6, 6],
            [5, -1, None, None],
            [-9223372036854775807, 1, 2, -4611686018427387904],
            [None, 1, None, None],
            [1, None, None, None],
        ],
        fn("binary_shift_right"),
    ),
    # ================================================================ infinities and NaN
    # What .NET's Math gives for them (the pages are silent): an infinity is its own ceiling, NaN stays NaN
    # through ceiling, sign, asin and the logarithms; log10(+inf) is +inf, exp10(-inf) is 0.
    Case(
        "math-of-infinities-and-nan",
        f"{SPECIALS} | where name != 'nan'"
        " | project name, c = ceiling(v), cnan = isnan(ceiling(v)), s = sign(v), snan = isnan(sign(v)),"
        " anan = isnan(asin(v)), l = log10(v), lnan = isnan(log10(v)), e = exp10(-v)",
        ["name", "c", "cnan", "s", "snan", "anan", "l", "lnan", "e"],
        [
            ["pinf", INF, False, 1.0, False, False, INF, False, 0.0],
            ["ninf", -INF, False, -1.0, False, False, None, False, INF],
            ["one", 1.0, False, 1.0, False, False, 0.0, False, 0.1],
            ["null", None, False, None, False, False, None, False, None],
        ],
        fn("ceiling"),
    ),
    Case(
        "math-of-nan",
        f"{SPECIALS} | where name == 'nan'"
        " | project c = isnan(ceiling(v)), s = isnan(sign(v)), a = isnan(asin(v)), l = isnan(log10(v)),"
        " t = isnan(tan(v)), d = isnan(degrees(v))",
        ["c", "s", "a", "l", "t", "d"],
        [[True, True, True, True, True, True]],
        fn("isnan"),
    ),
    Case(
        "ceiling-of-large-reals-and-dynamic",
        "datatable(r:real, d:dynamic)[1e300, dynamic(2.5), -4503599627370495.5, dynamic(null)]"
        " | extend cr = ceiling(r), cd = ceiling(d)",
        ["r", "d", "cr", "cd"],
        [[1e300, 2.5, 1e300, 3.0], [-4503599627370495.5, None, -4503599627370495.0, None]],
        fn("ceiling"),
        types=["real", "dynamic", "real", "real"],
    ),
    Case(
        "binary-shift-constant-counts",
        "datatable(v:long)[1, -3, long(null)] | extend a = binary_shift_left(v, 65), b = binary_shift_right(v, 64),"
        " c = binary_shift_left(v, -1), d = binary_shift_right(v, 63), e = binary_shift_left(v, int(null))",
        ["v", "a", "b", "c", "d", "e"],
        [[1, 2, 1, None, 0, None], [-3, -6, -3, None, -1, None], [None, None, None, None, None, None]],
        fn("binary_shift_left"),
        types=["long"] * 6,
    ),
    # ================================================================ bitset_count_ones
    Case(
        "bitset-count-ones-doc-example",
        "print ones = bitset_count_ones(42)",  # 42 = 32 + 8 + 2
        ["ones"],
        [[3]],
        fn("bitset_count_ones"),
        types=["long"],
    ),
    # A negative number counts the bits of its 64-bit two's complement (page silent).
    Case(
        "bitset-count-ones-columns",
        "datatable(v:long, i:int)[0, 0, -1, -1, 255, 7, -9223372036854775807, int(null), long(null), 1]"
        " | extend cv = bitset_count_ones(v), ci = bitset_count_ones(i)",
        ["v", "i", "cv", "ci"],
        [[0, 0, 0, 0], [-1, -1, 64, 64], [255, 7, 8, 3], [-9223372036854775807, None, 2, None], [None, 1, None, 1]],
        fn("bitset_count_ones"),
        types=["long", "int", "long", "long"],
    ),
]
