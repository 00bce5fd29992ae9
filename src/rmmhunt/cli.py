"""The `rmmhunt` command: argument parsing only; every command is a library call."""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console
from rich.table import Table

from rmmhunt import output, runner
from rmmhunt.alerts import write_run
from rmmhunt.alerts.model import AlertRun, rule_summaries
from rmmhunt.api import HuntResult, Workspace
from rmmhunt.compiler.compile import utc_now
from rmmhunt.demo.evaluate import evaluate_demo, print_evaluation
from rmmhunt.demo.scenarios import seed_exclusions_path
from rmmhunt.demo.workspace import DEFAULT_DAYS, DEFAULT_DEVICES, build_demo_workspace
from rmmhunt.errors import RmmhuntError
from rmmhunt.ingest.progress import IngestProgress
from rmmhunt.rules import builtin_rules_dir, load_rules
from rmmhunt.rules.lint import lint_paths
from rmmhunt.rules.schedule import parse_duration
from rmmhunt.tuning import Suppression, load_exclusions

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Hunt for abuse of remote-management (RMM) tools with Sentinel KQL rules, on your own telemetry.",
)
stdout = Console()
stderr = Console(stderr=True)
DEMO_OUTPUT = Path("rmmhunt-demo")  # where `demo` writes its alerts and report unless told


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


# A str, not a Path: a workspace URI (s3a://...) must keep its "//".
DataOption = Annotated[str | None, typer.Option("--data", help="Workspace directory (or URI, with --engine spark).")]
NowOption = Annotated[
    str | None, typer.Option("--now", help="Fix now() (ISO 8601, UTC) to replay exports; default: the clock.")
]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]
ExclusionsOption = Annotated[
    Path | None,
    typer.Option("--exclusions", help="Exclusions YAML: sanctioned uses whose matches are reported as suppressed."),
]
RulesOption = Annotated[
    Path | None, typer.Option("--rules", help="Rule YAML file or directory (default: the built-in pack).")
]


class EngineName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


EngineOption = Annotated[
    EngineName, typer.Option("--engine", help="Run on embedded DuckDB, or as Spark SQL on a Spark session.")
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option("--spark-master", metavar="URL", help="Spark master for --engine spark (default: local[2])."),
]
MemoryLimitOption = Annotated[
    str | None,
    typer.Option(
        "--memory-limit",
        metavar="SIZE",
        help="Cap DuckDB's memory (such as 2GB); what does not fit spills to the workspace's .spill directory.",
    ),
]


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
    engine: EngineOption = EngineName.duckdb,
    spark_master: SparkMasterOption = None,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Run a KQL query on a workspace."""
    workspace = Workspace(data, engine.value, spark_master=spark_master, memory_limit=memory_limit)
    result = workspace.query(read_query(text), parse_now(now))
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
    data: Annotated[str, typer.Option("--data", help="Workspace directory (or URI, with --engine spark).")],
    rules: Annotated[
        Path | None, typer.Option("--rules", help="Rule YAML file or directory (default: built-in)")
    ] = None,
    now: NowOption = None,
    format: FormatOption = Format.table,
    engine: EngineOption = EngineName.duckdb,
    spark_master: SparkMasterOption = None,
    memory_limit: MemoryLimitOption = None,
    exclusions: ExclusionsOption = None,
) -> None:
    """Run hunting rules (Sentinel rule YAML) on a workspace."""
    workspace = Workspace(data, engine.value, spark_master=spark_master, memory_limit=memory_limit)
    if exclusions is None:
        results = workspace.hunt(rules or builtin_rules_dir(), parse_now(now))
        suppressed: dict[str, list[Suppression]] = {}
    else:
        loaded = load_rules(rules or builtin_rules_dir())
        outcomes = runner.hunt(workspace, loaded, parse_now(now) or utc_now(), load_exclusions(exclusions))
        results = [HuntResult(item, outcome.kept) for item, outcome in outcomes]
        suppressed = {item.rule.id: outcome.suppressed for item, outcome in outcomes}
    if format is Format.json:
        payload = [
            {
                "rule": {"id": r.rule.rule.id, "name": r.rule.rule.title, "file": str(r.rule.path)},
                **output.to_json_object(r.table),
                **(
                    {
                        "suppressed": [
                            {"exclusion": s.exclusion_id, **output.to_json_object(s.table)}
                            for s in suppressed.get(r.rule.rule.id, [])
                        ]
                    }
                    if exclusions
                    else {}
                ),
            }
            for r in results
        ]
        print_json(payload)
        return
    if format is Format.csv:
        for r in results:
            sys.stdout.write(f"# rule {r.rule.rule.id}: {r.rule.rule.title}\n{output.to_csv(r.table)}")
            for s in suppressed.get(r.rule.rule.id, []):
                sys.stdout.write(f"# suppressed by exclusion {s.exclusion_id}\n{output.to_csv(s.table)}")
        return
    print_hunt(results)
    print_suppressed(results, suppressed)


def print_suppressed(results: list[HuntResult], suppressed: dict[str, list[Suppression]]) -> None:
    """The rows each exclusion set aside, under the rule and the exclusion's id."""
    for r in results:
        for s in suppressed.get(r.rule.rule.id, []):
            title = f"Suppressed by exclusion {s.exclusion_id}: {r.rule.rule.title}  [dim]({r.rule.rule.id})[/dim]"
            output.print_table(s.table, stdout, title=title)
    count = sum(s.table.num_rows for entries in suppressed.values() for s in entries)
    if count:
        stdout.print(f"[bold yellow]{count} matching rows suppressed by exclusions.[/bold yellow]")


def print_hunt(results: list[HuntResult]) -> None:
    """A table per rule that matched, then one line for the whole run."""
    matched = [r for r in results if r.table.num_rows]
    for r in matched:
        output.print_table(r.table, stdout, title=f"{r.rule.rule.title}  [dim]({r.rule.rule.id})[/dim]")
    rows = sum(r.table.num_rows for r in matched)
    stdout.print(
        f"[bold]{len(results)} rules run: {len(matched)} matched ({rows} rows), "
        f"{len(results) - len(matched)} found nothing.[/bold]"
    )


def parse_time(value: str, option: str) -> datetime:
    """A required time option: parse_now's error, naming the option."""
    try:
        parsed = parse_now(value)
    except typer.BadParameter as error:
        raise typer.BadParameter(error.message, param_hint=option) from None
    if parsed is None:
        raise typer.BadParameter("a time is required", param_hint=option)
    return parsed


def parse_every(value: str) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--every") from None


@app.command("run")
def run_rules(
    data: Annotated[Path, typer.Option("--data", help="Workspace directory.")],
    out: Annotated[Path, typer.Option("--out", help="Directory for alerts.jsonl, alerts.csv and report.html.")],
    rules: RulesOption = None,
    exclusions: ExclusionsOption = None,
    now: NowOption = None,
    engine: EngineOption = EngineName.duckdb,
    spark_master: SparkMasterOption = None,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Run the rules once, as Sentinel would at --now, and write the alerts and an HTML report."""
    workspace = Workspace(data, engine.value, spark_master=spark_master, memory_limit=memory_limit)
    excluded = load_exclusions(exclusions) if exclusions else None
    result = runner.run(workspace, load_rules(rules or builtin_rules_dir()), parse_now(now) or utc_now(), excluded)
    print_run(result, write_run(result, out))


def print_run(result: AlertRun, written: dict[str, Path]) -> None:
    """Alerts per rule, the matches exclusions suppressed, exclusions that expired or matched nothing."""
    summaries = rule_summaries(result)
    per_rule = Table(title="Alerts per rule", title_justify="left")
    for header in ("Rule", "Severity", "Alerts", "Devices", "Suppressed"):
        per_rule.add_column(header, justify="right" if header in ("Alerts", "Devices", "Suppressed") else "left")
    for s in summaries:
        per_rule.add_row(s.rule.name, s.rule.severity or "", str(s.alerts), str(s.devices), str(s.suppressed))
    if summaries:
        stdout.print(per_rule)
    if result.suppressed:
        suppressed = Table(title="Suppressed by exclusions", title_justify="left")
        for header in ("Exclusion", "Owner", "Rule", "Devices"):
            suppressed.add_column(header)
        for alert in result.suppressed:
            owner = result.exclusions[alert.exclusion].owner if alert.exclusion in result.exclusions else ""
            suppressed.add_row(alert.exclusion or "", owner, alert.rule.name, ", ".join(alert.devices))
        stdout.print(suppressed)
    stdout.print(
        f"[bold]{len(result.rules)} rules run: {len(result.raised)} alerts from "
        f"{sum(1 for s in summaries if s.alerts)} rules, {len(result.suppressed)} suppressed.[/bold]"
    )
    for label, ids in (("expired", result.expired), ("unused", result.unused)):
        for exclusion_id in ids:
            note = result.exclusions[exclusion_id]
            stdout.print(f"[yellow]{label} exclusion {exclusion_id} ({note.place})[/yellow]", highlight=False)
    stdout.print(f"Wrote {', '.join(str(p) for p in written.values())}", markup=False, highlight=False)


@app.command()
def backtest(
    data: Annotated[Path, typer.Option("--data", help="Workspace directory.")],
    rules: Annotated[Path, typer.Option("--rules", help="Rule YAML file or directory.")],
    start: Annotated[str, typer.Option("--from", help="When the rules are enabled (ISO 8601, UTC).")],
    end: Annotated[str, typer.Option("--to", help="End of the history (ISO 8601, UTC).")],
    exclusions: ExclusionsOption = None,
    every: Annotated[
        str, typer.Option("--every", help="Step between runs of hunting queries (5m, 1h, 1d, PT1H, ...).")
    ] = "1d",
    per_run: Annotated[bool, typer.Option("--per-run", help="One line per run instead of per rule.")] = False,
    format: FormatOption = Format.table,
    engine: EngineOption = EngineName.duckdb,
    spark_master: SparkMasterOption = None,
    memory_limit: MemoryLimitOption = None,
) -> None:
    """Run each rule as if it had been scheduled over a history: how often it would have fired."""
    step, first, last = parse_every(every), parse_time(start, "--from"), parse_time(end, "--to")
    workspace = Workspace(data, engine.value, spark_master=spark_master, memory_limit=memory_limit)
    excluded = load_exclusions(exclusions) if exclusions else None
    result = runner.backtest(workspace, load_rules(rules), first, last, every=step, exclusions=excluded)
    table = result.runs_table() if per_run else result.totals_table()
    if format is Format.json:
        print_json({**output.to_json_object(table), "expired": result.expired, "unused": result.unused})
    elif format is Format.csv:
        sys.stdout.write(output.to_csv(table))
    else:
        output.print_table(table, stdout, title="Backtest runs" if per_run else "Backtest per rule")
        totals = result.totals()
        stdout.print(
            f"[bold]{sum(t.runs for t in totals)} runs, {sum(t.fired for t in totals)} fired, "
            f"{sum(t.alerts for t in totals)} alerts, {sum(t.suppressed for t in totals)} suppressed.[/bold]"
        )
        for label, ids in (("expired", result.expired), ("unused", result.unused)):
            for exclusion_id in ids:
                stdout.print(f"[yellow]{label} exclusion {exclusion_id}[/yellow]", highlight=False)


@app.command()
def ingest(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Export files or directory trees: Defender streaming API JSON, Log Analytics / Sentinel rows, "
            "Advanced Hunting CSV or JSON, Graph runHuntingQuery JSON, or Parquet / CSV / JSON lines of one "
            "--table; each also .gz or inside a .zip.",
        ),
    ],
    into: Annotated[Path, typer.Option("--into", help="Workspace directory (created if missing).")],
    table: Annotated[
        str | None,
        typer.Option("--table", help="Table of records that do not name theirs, e.g. DeviceProcessEvents."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Ingest files again that were ingested before.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Load telemetry exports into a workspace: every record stored or quarantined, each file once."""
    workspace = Workspace(into, create=True)
    if quiet or not stderr.is_terminal:
        report = workspace.ingest(table, list(paths), force=force)
    else:
        with IngestProgress(stderr) as progress:
            report = workspace.ingest(table, list(paths), force=force, progress=progress)
    for problem in report.problems:
        stderr.print(str(problem), markup=False, highlight=False, style="red" if problem.error else "yellow")
    for result in report.files:
        for note in result.notes:
            stderr.print(note, markup=False, highlight=False, style="yellow")
        if result.status != "ingested" and not quiet:
            stderr.print(f"{result.name}: {result.status}", markup=False, highlight=False, style="dim")
    for name, counts in report.tables.items():
        stderr.print(
            f"{name or '(no table)'}: {counts.read:,} read = {counts.stored:,} stored + {counts.quarantined:,} "
            "quarantined",
            markup=False,
            highlight=False,
        )
    stderr.print(f"{report.rows:,} rows stored in {into}", markup=False, highlight=False)
    if report.quarantined:
        stderr.print(f"{report.quarantined:,} records quarantined: see `rmmhunt quarantine --data {into}`")
    if report.errors:
        raise typer.Exit(1)


@app.command()
def quarantine(
    data: Annotated[Path, typer.Option("--data", help="Workspace directory.")],
    format: FormatOption = Format.table,
) -> None:
    """List the records ingest set aside: file, line, record index, table, reason and the raw record."""
    listing = Workspace(data).quarantine()
    if format is Format.json:
        print_json(output.to_json_object(listing))
    elif format is Format.csv:
        sys.stdout.write(output.to_csv(listing))
    else:
        shown = [v if v is None or len(v) <= 100 else v[:99] + "…" for v in listing.column("raw").to_pylist()]
        listing = listing.set_column(listing.num_columns - 1, listing.schema.field("raw"), pa.array(shown, pa.string()))
        output.print_table(listing, stdout, title="Quarantined records")


@app.command()
def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Where to write the sample workspace (default: a temporary one).")
    ] = None,
    now: NowOption = None,
    devices: Annotated[int, typer.Option(min=1, help="Number of sample devices.")] = DEFAULT_DEVICES,
    days: Annotated[int, typer.Option(min=1, help="Days of sample telemetry.")] = DEFAULT_DAYS,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for alerts.jsonl, alerts.csv and report.html.")
    ] = DEMO_OUTPUT,
    evaluate: Annotated[
        bool,
        typer.Option(
            "--evaluate",
            help="Score the rules on the planted RMM activity (recall and precision per tool and kind); "
            "exit 1 if a planted tool is missed or a look-alike or benign device raises an alert.",
        ),
    ] = False,
) -> None:
    """Build a sample workspace, run the built-in rules (the seed hunt and the RMM pack) with the seed's exclusions
    on it, and write the alerts and the HTML report."""
    instant = parse_now(now) or datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with tempfile.TemporaryDirectory(prefix="rmmhunt-demo-") as scratch:
        target = directory or Path(scratch) / "workspace"
        with stderr.status("Generating sample telemetry..."):
            written = build_demo_workspace(target, instant, devices=devices, days=days)
        for name, count in written.items():
            stderr.print(f"{name}: {count:,} rows for {devices:,} devices over {days} days in {target}")
        if evaluate:
            evaluation = evaluate_demo(Workspace(target), instant)
            print_evaluation(evaluation, stdout)
            if not evaluation.passed:
                raise typer.Exit(1)
            return
        exclusions = load_exclusions(seed_exclusions_path())
        with stderr.status("Running the built-in rules..."):
            result = runner.run(Workspace(target), load_rules(builtin_rules_dir()), instant, exclusions)
        print_run(result, write_run(result, out))


@app.command()
def lint(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH...", help="Rule YAML or Markdown files, or directories of them.")
    ],
) -> None:
    """Check rule files: YAML layout, the Sentinel rule schema, and each query against the schema catalog."""
    report = lint_paths(paths)
    for problem in report.problems:
        sys.stdout.write(f"{problem}\n")
    stderr.print(report.summary(), markup=False, highlight=False)
    if report.problems:
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except RmmhuntError as error:
        stderr.print(str(error), markup=False, highlight=False, style="red")
        sys.exit(2)


if __name__ == "__main__":
    main()
