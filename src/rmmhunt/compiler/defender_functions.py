"""Defender's built-in hunting functions that read workspace tables, defined as KQL over those tables.

`AssignedIPAddresses(x [, y])`: the latest IP addresses assigned to device x (its DeviceId or DeviceName) as of
y (default: now), with Timestamp, IPAddress, IPType, NetworkAdapterType and ConnectedNetworks
(https://learn.microsoft.com/en-us/defender-xdr/advanced-hunting-assignedipaddresses-function). They are read
from DeviceNetworkInfo, which reports each adapter's addresses: each adapter's last report up to y, one row per
address in it. The columns keep DeviceNetworkInfo's types (the page calls NetworkAdapterType and
ConnectedNetworks int, but describes ConnectedNetworks as JSON, as DeviceNetworkInfo holds both: strings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rmmhunt.compiler.literals import literal
from rmmhunt.compiler.relation import Relation
from rmmhunt.compiler.scalar import ExprCompiler
from rmmhunt.kql import ast
from rmmhunt.kql.errors import KqlTypeError
from rmmhunt.kql.parser import parse
from rmmhunt.kql.types import KqlType

if TYPE_CHECKING:
    from rmmhunt.compiler.tabular import TabularCompiler

DEVICE, AS_OF = "__rmmhunt_device", "__rmmhunt_as_of"
ASSIGNED_IP_ADDRESSES = parse(
    f"""DeviceNetworkInfo
    | where (DeviceId == {DEVICE} or DeviceName == {DEVICE}) and Timestamp <= {AS_OF}
    | summarize arg_max(Timestamp, *) by DeviceId, NetworkAdapterName
    | mv-expand Address = todynamic(IPAddresses)
    | project Timestamp, IPAddress = tostring(Address.IPAddress), IPType = tostring(Address.AddressType),
        NetworkAdapterType, ConnectedNetworks"""
).body


def assigned_ip_addresses(compiler: TabularCompiler, call: ast.Call) -> Relation:
    ctx = compiler.ctx
    if not 1 <= len(call.args) <= 2:
        raise KqlTypeError("AssignedIPAddresses() takes a device and, optionally, a time", call.span, ctx.source)
    scalar = ExprCompiler(ctx, {})
    device = scalar.compile(call.args[0])
    as_of = scalar.compile(call.args[1]) if len(call.args) == 2 else literal(ctx.now, KqlType.DATETIME)
    for value, node, kql_type in ((device, call.args[0], KqlType.STRING), (as_of, call.args[-1], KqlType.DATETIME)):
        if value.type is not kql_type:
            message = f"AssignedIPAddresses() needs a {kql_type.value} here, not {value.type.value}"
            raise KqlTypeError(message, node.span, ctx.source)
    with ctx.scope():
        ctx.relations.pop("DeviceNetworkInfo", None)
        ctx.functions.pop("DeviceNetworkInfo", None)
        ctx.scalars[DEVICE], ctx.scalars[AS_OF] = device, as_of
        return compiler.compile(ASSIGNED_IP_ADDRESSES)
