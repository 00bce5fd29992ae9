"""The `rmmhunt` command: argument parsing only; every command is a library call."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from rmmhunt import output
from rmmhunt.api import Workspace
from rmmhunt.demo.workspace import DEFAULT_DAYS, DEFAULT_DEVICES, build_demo_workspace
from rmmhunt.errors import RmmhuntError
from rmmhunt.rules import builtin_rules_dir, load_rules

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Hunt for abuse of remote-management (RMM) tools with Sentinel KQL rules, on your own telemetry.",
)
stdout = Console()
stderr = Console(stderr=True)


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_now(value: str | None) -> datetime | None:
    """ISO 8601; a value without an offset is UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not an ISO 8601 time such as 2026-11-27T12:00:00Z") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


DataOption = Annotated[Path | None, typer.Option("--data", help="Workspace directory.")]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Fix now() (ISO 8601, UTC) to replay exports; default: the clock.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]


def print_json(payload: object) -> None:
    sys.stdout.write(json.dumps(payload, ensure_ascii=False) + "\n")


def read_query(query: str) -> str:
    return sys.stdin.read() if query == "-" else query


@app.command()
def query(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="KQL text, or - to read it from standard input.")],
    data: DataOption = None,
    now: NowOption = None,
    format: FormatOption = Format.table,
) -> None:
    """Run a KQL query on a workspace."""
    result = Workspace(data).query(read_query(text), parse_now(now))
    if format is Format.json:
        print_json(output.to_json_object(result))
    elif format is Format.csv:
        sys.stdout.write(output.to_csv(result))
    else:
        output.print_table(result, stdout)


@app.command()
def sql(
    text: Annotated[str, typer.Argument(metavar="QUERY", help="KQL text, or - to read it from standard input.")],
    data: DataOption = None,
    now: NowOption = None,
    dialect: Annotated[str, typer.Option(help="SQL dialect to print (any sqlglot dialect).")] = "duckdb",
) -> None:
    """Show the SQL a KQL query compiles to."""
    compiled = Workspace(data).compile(read_query(text), parse_now(now))
    sys.stdout.write(compiled.sql(dialect, pretty=True) + "\n")


@app.command()
def hunt(
    data: Annotated[Path, typer.Option("--data", help="Workspace directory.")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rule YAML file or directory (default: built-in)")
    ] = None,
    now: NowOption = None,
    format: FormatOption = Format.table,
) -> None:
    """Run hunting rules (Sentinel rule YAML) on a workspace."""
    results = Workspace(data).hunt(rules or builtin_rules_dir(), parse_now(now))
    if format is Format.json:
        payload = [
            {
                "rule": {"id": r.rule.rule.id, "name": r.rule.rule.title, "file": str(r.rule.path)},
                **output.to_json_object(r.table),
            }
            for r in results
        ]
        print_json(payload)
        return
    for r in results:
        if format is Format.csv:
            sys.stdout.write(f"# rule {r.rule.rule.id}: {r.rule.rule.title}\n{output.to_csv(r.table)}")
        else:
            output.print_table(r.table, stdout, title=f"{r.rule.rule.title}  [dim]({r.rule.rule.id})[/dim]")


@app.command()
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Parquet, CSV or JSON-lines files of one table.")],
    into: Annotated[Path, typer.Option("--into", help="Workspace directory (created if missing).")],
    table: Annotated[str, typer.Option("--table", help="Table the files hold, e.g. DeviceProcessEvents.")],
) -> None:
    """Load telemetry files into a workspace."""
    report = Workspace(into, create=True).ingest(table, list(files))
    for path, count in report.rows_by_file.items():
        stderr.print(f"{path}: {count} rows")
    stderr.print(f"[bold]{report.table}[/bold]: {report.rows} rows stored in {into}")


@app.command()
def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write the sample workspace (default: a temporary one).")
    ] = None,
    now: NowOption = None,
    devices: Annotated[int, typer.Option(min=1, help="Number of sample devices.")] = DEFAULT_DEVICES,
    days: Annotated[int, typer.Option(min=1, help="Days of sample telemetry.")] = DEFAULT_DAYS,
) -> None:
    """Build a sample workspace and run the seed hunt (Remote Utilities file signatures) on it."""
    instant = parse_now(now) or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="rmmhunt-demo-") as scratch:
        target = directory or Path(scratch) / "workspace"
        with stderr.status("Generating sample telemetry..."):
            written = build_demo_workspace(target, instant, devices=devices, days=days)
        for name, count in written.items():
            stderr.print(f"{name}: {count:,} rows for {devices:,} devices over {days} days in {target}")
        rules = load_rules(builtin_rules_dir())
        for r in Workspace(target).hunt(rules, instant):
            output.print_table(r.table, stdout, title=f"{r.rule.rule.title}  [dim]({r.rule.rule.id})[/dim]")


def main() -> None:
    try:
        app()
    except RmmhuntError as error:
        stderr.print(str(error), markup=False, highlight=False, style="red")
        sys.exit(2)


if __name__ == "__main__":
    main()
