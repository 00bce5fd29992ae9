"""Hashing and IP address functions.

Hashes are of the value's tostring() form, lowercase hex; Microsoft's page shows
`hash_md5(datetime(2020-01-01))` as the MD5 of `2020-01-01T00:00:00.0000000Z`. IPv4 text is a
dotted quad with an optional `/prefix` (IP-prefix notation): the prefix masks the address, and
comparisons use the shorter of the prefixes involved. Text that does not parse gives null.
References: https://learn.microsoft.com/en-us/kusto/query/<name>-function.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlglot import exp

from rmmhunt.compiler.context import Typed
from rmmhunt.compiler.functions import sql
from rmmhunt.compiler.functions.convert import number_of, string_arg, string_of
from rmmhunt.compiler.functions.registry import INTEGERS, Handler, expect, function
from rmmhunt.compiler.functions.sql import Ref, case, n, s
from rmmhunt.kql import ast
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.scalar import ExprCompiler

# ---------------------------------------------------------------- hashes


def _hash(digest: Callable[[exp.Expression], exp.Expression]) -> Handler:
    def handler(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
        text = exp.Nullif(this=string_of(compiler, args[0]), expression=s(""))
        return Typed(sql.coalesce(digest(text), s("")), KqlType.STRING)

    return handler


# https://learn.microsoft.com/en-us/kusto/query/hash-md5-function, .../hash-sha1-function, .../hash-sha256-function
_DIGESTS: dict[str, Callable[[exp.Expression], exp.Expression]] = {
    "hash_md5": lambda text: exp.MD5(this=text),
    "hash_sha1": lambda text: exp.SHA(this=text),
    "hash_sha256": lambda text: exp.SHA2(this=text, length=n(256)),
}
for _name, _digest in _DIGESTS.items():
    function(_name, args=1)(_hash(_digest))


# ---------------------------------------------------------------- IPv4

_OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9][0-9]|[0-9])"
_IPV4 = r"^\s*" + r"\.".join([_OCTET] * 4) + r"(?:/(3[0-2]|[12][0-9]|[0-9]))?\s*$"


def _power_of_two(bits: exp.Expression) -> exp.Expression:
    return sql.bigint(exp.Pow(this=n(2), expression=bits))


def ipv4_parts(text: Ref) -> tuple[exp.Expression, exp.Expression]:
    """The address as a long and its prefix length (32 when none); both null when it does not parse."""

    def group(i: int) -> exp.Expression:
        return exp.RegexpExtract(this=text(), expression=s(_IPV4), group=n(i))

    value: exp.Expression = n(0)
    for i in range(1, 5):
        octet = sql.try_cast(group(i), KqlType.LONG)
        value = sql.add(value, sql.mul(octet, n(256 ** (4 - i)))) if i > 1 else sql.mul(octet, n(256**3))
    given = sql.try_cast(exp.Nullif(this=group(5), expression=s("")), KqlType.LONG)
    matched = exp.RegexpLike(this=text(), expression=s(_IPV4))
    prefix = case((matched, sql.coalesce(given, n(32))))
    return value, prefix


def masked(value: exp.Expression, bits: exp.Expression) -> exp.Expression:
    """The top `bits` bits of a 32-bit address, shifted down."""
    return sql.intdiv(value, _power_of_two(sql.sub(n(32), bits)))


def _ipv4_text(compiler: ExprCompiler, node: ast.Call, position: int, arg: Typed) -> exp.Expression:
    return string_arg(compiler, node, position, arg)


def _prefix_arg(
    compiler: ExprCompiler, node: ast.Call, args: list[Typed], position: int, limit: int
) -> exp.Expression | None:
    """The optional prefix argument, null outside 0..limit."""
    if len(args) <= position:
        return None
    expect(compiler, node, position, args[position], *INTEGERS)
    prefix = number_of(compiler, args[position], KqlType.LONG)

    def body(p: Ref) -> exp.Expression:
        return case((exp.Between(this=p(), low=n(0), high=n(limit)), p()))

    return sql.bind(compiler, prefix, body)


@function("parse_ipv4", args=1)
def _parse_ipv4(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """The address as a long, masked by its prefix (https://learn.microsoft.com/en-us/kusto/query/parse-ipv4-function)."""
    text = _ipv4_text(compiler, node, 0, args[0])

    def body(t: Ref) -> exp.Expression:
        value, prefix = ipv4_parts(t)

        def with_prefix(p: Ref) -> exp.Expression:
            width = _power_of_two(sql.sub(n(32), p()))
            return sql.mul(sql.intdiv(value, width), width.copy())

        return sql.bind(compiler, prefix, with_prefix)

    return Typed(sql.bigint(sql.bind(compiler, text, body)), KqlType.LONG)


def _ipv4_compare(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> exp.Expression:
    """-1, 0 or 1 comparing two IPv4 addresses over the shortest prefix; null when either does not parse."""
    first = _ipv4_text(compiler, node, 0, args[0])
    second = _ipv4_text(compiler, node, 1, args[1])
    extra = _prefix_arg(compiler, node, args, 2, 32)

    def body(a: Ref, b: Ref) -> exp.Expression:
        va, pa = ipv4_parts(a)
        vb, pb = ipv4_parts(b)
        prefixes = [pa, pb] if extra is None else [pa, pb, extra]
        bits = exp.Least(this=prefixes[0], expressions=prefixes[1:], ignore_nulls=False)

        def with_bits(m: Ref) -> exp.Expression:
            return exp.Sign(this=sql.sub(masked(va, m()), masked(vb, m())))

        return sql.bind(compiler, bits, with_bits)

    result = sql.bind(compiler, first, lambda a: sql.bind(compiler, second, lambda b: body(a, b)))
    return sql.bigint(result)


@function("ipv4_compare", args=(2, 3))
def _ipv4_compare_fn(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/ipv4-compare-function"""
    return Typed(_ipv4_compare(compiler, node, args), KqlType.LONG)


@function("ipv4_is_match", args=(2, 3))
def _ipv4_is_match(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """https://learn.microsoft.com/en-us/kusto/query/ipv4-is-match-function"""
    return Typed(sql.eq(_ipv4_compare(compiler, node, args), n(0)), KqlType.BOOL)


@function("ipv4_is_in_range", args=2)
def _ipv4_is_in_range(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """Whether the address is in the range written in IP-prefix notation.

    https://learn.microsoft.com/en-us/kusto/query/ipv4-is-in-range-function
    """
    ranges = args[1].value if args[1].is_constant and isinstance(args[1].value, list) else None
    if ranges is not None:
        from rmmhunt.compiler.literals import literal

        tests = [
            sql.eq(_ipv4_compare(compiler, node, [args[0], literal(str(r), KqlType.STRING)]), n(0)) for r in ranges
        ]
        return Typed(exp.or_(*tests) if tests else exp.false(), KqlType.BOOL)
    return Typed(sql.eq(_ipv4_compare(compiler, node, args), n(0)), KqlType.BOOL)


_PRIVATE = (
    (10 << 24, 8),
    ((172 << 24) + (16 << 16), 12),
    ((192 << 24) + (168 << 16), 16),
)  # 10/8, 172.16/12, 192.168/16


@function("ipv4_is_private", args=1)
def _ipv4_is_private(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (https://learn.microsoft.com/en-us/kusto/query/ipv4-is-private-function)."""
    text = _ipv4_text(compiler, node, 0, args[0])

    def body(t: Ref) -> exp.Expression:
        value, prefix = ipv4_parts(t)

        def with_value(v: Ref) -> exp.Expression:
            def with_prefix(p: Ref) -> exp.Expression:
                width = _power_of_two(sql.sub(n(32), p()))
                address = sql.mul(sql.intdiv(v(), width), width.copy())
                tests = [
                    sql.eq(sql.intdiv(address.copy(), n(2 ** (32 - bits))), n(network >> (32 - bits)))
                    for network, bits in _PRIVATE
                ]
                return case((sql.is_null(v()), sql.cast(exp.null(), KqlType.BOOL)), default=exp.or_(*tests))

            return sql.bind(compiler, prefix, with_prefix)

        return sql.bind(compiler, value, with_value)

    return Typed(sql.bind(compiler, text, body), KqlType.BOOL)


# ---------------------------------------------------------------- IPv6

_DOTTED_TAIL = r"(^|:)([0-9]{1,3}\.){3}[0-9]{1,3}$"
_QUAD = r"([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$"


def ipv6_parts(compiler: ExprCompiler, text: exp.Expression) -> exp.Expression:
    """STRUCT(v: the 8 groups as integers, or NULL when invalid; b: prefix length in bits).

    An IPv4 address is the IPv4-mapped `::ffff:a.b.c.d`, its prefix counting from bit 96.
    """
    cleaned = exp.RegexpReplace(this=exp.Lower(this=exp.Trim(this=text)), expression=s("%[^/]*"), replacement=s(""))

    def with_text(t: Ref) -> exp.Expression:
        address = exp.SplitPart(this=t(), delimiter=s("/"), part_index=n(1))
        slash = exp.GT(this=exp.StrPosition(this=t(), substr=s("/")), expression=n(0))
        given = sql.try_cast(
            exp.Nullif(this=exp.SplitPart(this=t(), delimiter=s("/"), part_index=n(2)), expression=s("")), KqlType.LONG
        )

        def with_address(a: Ref) -> exp.Expression:
            dotted = exp.RegexpLike(this=a(), expression=s(_DOTTED_TAIL))
            bare = exp.and_(dotted.copy(), sql.eq(exp.StrPosition(this=a(), substr=s(":")), n(0)))
            octets = [
                sql.try_cast(exp.RegexpExtract(this=a(), expression=s(_QUAD), group=n(i)), KqlType.LONG)
                for i in range(1, 5)
            ]
            octets_ok = exp.and_(*[exp.LT(this=sql.coalesce(o.copy(), n(0)), expression=n(256)) for o in octets])

            def hexed(high: exp.Expression, low: exp.Expression) -> exp.Expression:
                return exp.Lower(this=exp.Hex(this=sql.add(sql.mul(high, n(256)), low)))

            pair = sql.concat(hexed(octets[0], octets[1]), s(":"), hexed(octets[2], octets[3]))
            rewritten = case(
                (bare.copy(), sql.concat(s("::ffff:"), pair)),
                (dotted.copy(), exp.RegexpReplace(this=a(), expression=s("[0-9.]+$"), replacement=pair.copy())),
                default=a(),
            )
            limit = case((bare.copy(), n(32)), default=n(128))
            prefix_ok = case(
                (
                    slash,
                    exp.and_(exp.Not(this=sql.is_null(given)), exp.Between(this=given.copy(), low=n(0), high=limit)),
                ),
                default=exp.true(),
            )
            bits = case(
                (bare.copy(), sql.add(n(96), sql.coalesce(given.copy(), n(32)))),
                default=sql.coalesce(given.copy(), n(128)),
            )

            def with_rewritten(r: Ref) -> exp.Expression:
                def side(i: int) -> exp.Expression:
                    part = exp.SplitPart(this=r(), delimiter=s("::"), part_index=n(i))
                    return case(
                        (sql.eq(part, s("")), sql.cast(exp.Array(expressions=[]), "VARCHAR[]")),
                        default=exp.Split(this=part.copy(), expression=s(":")),
                    )

                def with_sides(left: Ref) -> exp.Expression:
                    def with_right(right: Ref) -> exp.Expression:
                        missing = sql.sub(sql.sub(n(8), exp.ArraySize(this=left())), exp.ArraySize(this=right()))
                        z = sql.fresh_name(compiler, "_z")
                        zeros = sql.list_transform(exp.GenerateSeries(start=n(1), end=missing), z, s("0"))
                        return exp.ArrayConcat(this=left(), expressions=[zeros, right()])

                    return sql.bind(compiler, side(2), with_right)

                double_colon = exp.GT(this=exp.StrPosition(this=r(), substr=s("::")), expression=n(0))
                groups = case(
                    (double_colon, sql.bind(compiler, side(1), with_sides)),
                    default=exp.Split(this=r(), expression=s(":")),
                )
                colons = sql.sub(
                    exp.Length(this=r()), exp.Length(this=exp.Replace(this=r(), expression=s("::"), replacement=s("")))
                )

                def with_groups(g: Ref) -> exp.Expression:
                    x = sql.fresh_name(compiler, "_g")
                    hexes = sql.list_filter(g(), x, exp.RegexpLike(this=exp.column(x), expression=s("^[0-9a-f]{1,4}$")))
                    valid = exp.and_(
                        sql.eq(exp.ArraySize(this=g()), n(8)),
                        sql.eq(exp.ArraySize(this=hexes), n(8)),
                        exp.LTE(this=colons, expression=n(2)),
                        prefix_ok,
                        octets_ok,
                    )
                    y = sql.fresh_name(compiler, "_g")
                    values = sql.list_transform(g(), y, sql.cast(sql.concat(s("0x"), exp.column(y)), KqlType.LONG))
                    struct = exp.Struct(
                        expressions=[
                            exp.PropertyEQ(this=exp.to_identifier("v"), expression=case((valid, values))),
                            exp.PropertyEQ(this=exp.to_identifier("b"), expression=bits),
                        ]
                    )
                    return struct

                return sql.bind(compiler, groups, with_groups)

            return sql.bind(compiler, rewritten, with_rewritten)

        return sql.bind(compiler, address, with_address)

    return sql.bind(compiler, cleaned, with_text)


def _masked_groups(compiler: ExprCompiler, groups: exp.Expression, bits: Ref) -> exp.Expression:
    """Each 16-bit group shifted down to the bits of it the prefix keeps."""
    x, i = sql.fresh_name(compiler, "_x"), sql.fresh_name(compiler, "_i")
    kept = exp.Greatest(
        this=exp.Least(
            this=sql.sub(bits(), sql.mul(sql.sub(exp.column(i), n(1)), n(16))), expressions=[n(16)], ignore_nulls=False
        ),
        expressions=[n(0)],
        ignore_nulls=False,
    )
    shifted = sql.intdiv(exp.column(x), _power_of_two(sql.sub(n(16), kept)))
    return exp.Transform(this=groups, expression=sql.lambda_([x, i], shifted))


@function("ipv6_compare", args=(2, 3))
def _ipv6_compare(compiler: ExprCompiler, node: ast.Call, args: list[Typed]) -> Typed:
    """-1, 0 or 1 comparing two IPv6 (or IPv4) addresses over the shortest prefix.

    https://learn.microsoft.com/en-us/kusto/query/ipv6-compare-function
    """
    first = ipv6_parts(compiler, string_arg(compiler, node, 0, args[0]))
    second = ipv6_parts(compiler, string_arg(compiler, node, 1, args[1]))
    extra = _prefix_arg(compiler, node, args, 2, 128)

    def body(a: Ref, b: Ref) -> exp.Expression:
        def field(ref: Ref, name: str) -> exp.Expression:
            return exp.Dot(this=ref(), expression=exp.to_identifier(name))

        prefixes = [field(a, "b"), field(b, "b")] + ([extra] if extra is not None else [])
        bits = exp.Least(this=prefixes[0], expressions=prefixes[1:], ignore_nulls=False)

        def with_bits(m: Ref) -> exp.Expression:
            left = _masked_groups(compiler, field(a, "v"), m)
            right = _masked_groups(compiler, field(b, "v"), m)

            def compared(la: Ref) -> exp.Expression:
                def against(lb: Ref) -> exp.Expression:
                    return case(
                        (exp.or_(sql.is_null(la()), sql.is_null(lb())), sql.cast(exp.null(), KqlType.LONG)),
                        (exp.LT(this=la(), expression=lb()), n(-1)),
                        (exp.GT(this=la(), expression=lb()), n(1)),
                        default=n(0),
                    )

                return sql.bind(compiler, right, against)

            return case(
                (sql.is_null(m()), sql.cast(exp.null(), KqlType.LONG)), default=sql.bind(compiler, left, compared)
            )

        return sql.bind(compiler, bits, with_bits)

    result = sql.bind(compiler, first, lambda a: sql.bind(compiler, second, lambda b: body(a, b)))
    return Typed(sql.bigint(result), KqlType.LONG)
