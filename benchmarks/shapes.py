"""Three heavier hunting shapes: rmmhunt against hand-written DuckDB SQL for the same answer, same rows.

    python -m benchmarks shapes [--rows 1M 10M] [--repeat 5] [--dir DIR]

- join: every process joined to the connections it made (DeviceId and ProcessId =
  InitiatingProcessId), connections and distinct URLs per file name;
- mv-expand: the `Tags` array of each process's JSON AdditionalFields, one row per tag, counted;
- bin: connections and distinct devices per hour and action type over a week.

Each hand-written query is the fastest of its variants in the same run; median of N, warm (the
connection and views already there), interleaved.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import duckdb

from benchmarks.data import NETWORK, NOW, PROCESS
from benchmarks.query import (
    canonical,
    connect,
    console,
    generated_workspaces,
    interleaved_medians,
    print_table,
    sized_parser,
)
from rmmhunt import Workspace

WEEK = NOW - timedelta(days=7)  # the start of `ago(7d)` at NOW


@dataclass(frozen=True)
class Shape:
    name: str
    kql: str
    handwritten: dict[str, str]  # variant -> SQL over read_parquet($process) / read_parquet($network)


SHAPES = [
    Shape(
        "join",
        """DeviceProcessEvents
| project DeviceId, ProcessId, FileName
| join kind=inner (
    DeviceNetworkEvents
    | project DeviceId, InitiatingProcessId, RemoteUrl
  ) on DeviceId, $left.ProcessId == $right.InitiatingProcessId
| summarize Connections = count(), Urls = dcount(RemoteUrl) by FileName""",
        {
            "hash join": """
                SELECT p.FileName, count(*) AS Connections, count(DISTINCT n.RemoteUrl) AS Urls
                FROM read_parquet($process) AS p
                JOIN read_parquet($network) AS n
                  ON p.DeviceId = n.DeviceId AND p.ProcessId = n.InitiatingProcessId
                GROUP BY p.FileName""",
        },
    ),
    Shape(
        "mv-expand",
        """DeviceProcessEvents
| where Timestamp > ago(7d)
| extend Fields = parse_json(AdditionalFields)
| mv-expand Tag = Fields.Tags to typeof(string)
| summarize Processes = count(), Devices = dcount(DeviceId) by Tag""",
        {
            "json list cast": """
                SELECT Tag, count(*) AS Processes, count(DISTINCT DeviceId) AS Devices
                FROM (SELECT DeviceId, unnest(CAST(json_extract(AdditionalFields, '$.Tags') AS VARCHAR[])) AS Tag
                      FROM read_parquet($process) WHERE Timestamp > $week)
                GROUP BY Tag""",
            "json path [*]": """
                SELECT Tag, count(*) AS Processes, count(DISTINCT DeviceId) AS Devices
                FROM (SELECT DeviceId, unnest(json_extract_string(AdditionalFields, '$.Tags[*]')) AS Tag
                      FROM read_parquet($process) WHERE Timestamp > $week)
                GROUP BY Tag""",
        },
    ),
    Shape(
        "bin(Timestamp, 1h)",
        """DeviceNetworkEvents
| where Timestamp > ago(7d)
| summarize Connections = count(), Devices = dcount(DeviceId) by bin(Timestamp, 1h), ActionType""",
        {
            "date_trunc": """
                SELECT date_trunc('hour', Timestamp) AS Timestamp, ActionType,
                       count(*) AS Connections, count(DISTINCT DeviceId) AS Devices
                FROM read_parquet($network) WHERE Timestamp > $week
                GROUP BY ALL""",
            "time_bucket": """
                SELECT time_bucket(INTERVAL 1 HOUR, Timestamp) AS Timestamp, ActionType,
                       count(*) AS Connections, count(DISTINCT DeviceId) AS Devices
                FROM read_parquet($network) WHERE Timestamp > $week
                GROUP BY ALL""",
        },
    ),
]


def size_rows(label: str, path: Path, repeat: int) -> list[list[str]]:
    workspace = Workspace(path)
    store = workspace.store
    assert store is not None
    files = {
        "process": [str(p) for p in store.table_files(PROCESS)],
        "network": [str(p) for p in store.table_files(NETWORK)],
    }
    con = connect()
    rows = []
    for shape in SHAPES:

        def hand(sql: str) -> duckdb.DuckDBPyRelation:
            wanted = {k: v for k, v in {**files, "week": WEEK}.items() if f"${k}" in sql}
            return con.sql(sql, params=wanted).to_arrow_table()

        ours = canonical(workspace.query(shape.kql, NOW))
        differ = [v for v, sql in shape.handwritten.items() if canonical(hand(sql)) != ours]
        runs = {variant: (lambda sql=sql: hand(sql)) for variant, sql in shape.handwritten.items()}
        times = interleaved_medians({**runs, "rmmhunt": lambda shape=shape: workspace.query(shape.kql, NOW)}, repeat)
        best = min(shape.handwritten, key=lambda v: times[v][0])
        rows.append(
            [
                label,
                shape.name,
                f"{times[best][0]:.0f} ±{times[best][1] / 2:.0f} ({best})",
                f"{times['rmmhunt'][0]:.0f} ±{times['rmmhunt'][1] / 2:.0f}",
                f"{times['rmmhunt'][0] / times[best][0]:.2f}",
                f"{len(ours)} rows",
                "yes" if not differ else f"NO ({', '.join(differ)})",
            ]
        )
    return rows


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = sized_parser("shapes", __doc__, ["1M", "10M"], 5)
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    console.print(f"duckdb {duckdb.__version__}; median of {args.repeat}; ± is half the spread (max - min)")
    table_rows = []
    for label, path in generated_workspaces(args.dir, args.rows, (PROCESS, NETWORK)):
        table_rows += size_rows(label, path, args.repeat)
    print_table(
        "heavier shapes: rmmhunt (parse + compile + run) / best hand-written DuckDB SQL, ms",
        ["rows per table", "shape", "hand-written", "rmmhunt", "ratio", "answer", "same rows"],
        table_rows,
    )
