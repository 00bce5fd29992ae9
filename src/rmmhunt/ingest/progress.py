"""A rich progress bar for ingest: bytes read, records per second, records quarantined."""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class _RecordsColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        records = task.fields.get("records", 0)
        elapsed = task.elapsed or 0.0
        rate = f"{records / elapsed:,.0f}/s" if elapsed > 0 else "-"
        quarantined = task.fields.get("quarantined", 0)
        return Text(f"{records:,} records {rate}  {quarantined:,} quarantined", style="progress.data.speed")


class IngestProgress:
    """`rmmhunt.ingest.Progress` on a terminal; a context manager that shows the bar while open."""

    def __init__(self, console: Console):
        self.bar = Progress(
            TextColumn("{task.description}", table_column=None),
            BarColumn(),
            DownloadColumn(),
            _RecordsColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("ingest", total=None, records=0, quarantined=0)
        self.records = 0
        self.quarantined = 0

    def __enter__(self) -> IngestProgress:
        self.bar.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.bar.stop()

    def start(self, total_bytes: int) -> None:
        self.bar.update(self.task, total=total_bytes)

    def file(self, name: str) -> None:
        shown = name if len(name) <= 40 else "…" + name[-39:]
        self.bar.update(self.task, description=shown)

    def advance(self, nbytes: int = 0, records: int = 0, quarantined: int = 0) -> None:
        self.records += records
        self.quarantined += quarantined
        self.bar.update(self.task, advance=nbytes, records=self.records, quarantined=self.quarantined)
