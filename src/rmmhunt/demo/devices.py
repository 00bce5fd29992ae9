"""The demo's devices: thousands of generated ones (ws-/lt-/srv-NNNNN) plus the named devices that the
planted activity, the look-alikes and the seed's scenarios use, all in one DuckDB table `devices` that
every background generator samples from (so the named devices have ordinary background activity too)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import duckdb
import pyarrow as pa


def planted_device_id(key: str) -> str:
    """The DeviceId of a named device: stable, and unlike any generated one."""
    return hashlib.sha1(f"planted-{key}".encode()).hexdigest()


_GENERATED_SQL = """
CREATE TABLE devices AS
SELECT d,
       substr(sha256('device-' || d), 1, 40) AS device_id,
       CASE d % 10 WHEN 0 THEN 'srv-' WHEN 1 THEN 'lt-' ELSE 'ws-' END
           || lpad(CAST(d AS VARCHAR), 5, '0') || '.contoso.local' AS device_name
FROM range($count) r(d)
"""


def create_devices(con: duckdb.DuckDBPyConnection, count: int, named: Iterable[tuple[str, str]]) -> None:
    """Table `devices(d, device_id, device_name)`: `count` generated devices, then the named (id, name) pairs
    (each id once), numbered on from `count`."""
    con.execute(_GENERATED_SQL, {"count": count})
    unique = dict(named)
    known = pa.table(
        {
            "d": pa.array(range(count, count + len(unique)), pa.int64()),
            "device_id": list(unique),
            "device_name": list(unique.values()),
        }
    )
    con.register("named_devices", known)
    con.execute("INSERT INTO devices SELECT d, device_id, device_name FROM named_devices")
    con.unregister("named_devices")
