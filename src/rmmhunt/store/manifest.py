"""What was ingested, by content hash: `WS/manifest/<sha256>.json`, one small file per source file.

An entry is staged in the source file's transaction and moved into place last, so its presence
means the file's rows and quarantined records are all in the workspace.

An entry also says how far the file's complete lines went (`complete_bytes`, their SHA-256 and line
breaks): an append blob (`PT1H.json`) that grew since, with those bytes unchanged, is read on from
there; its new entry records where that read began (`start`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rmmhunt.store.transaction import MANIFEST_DIR, Transaction


@dataclass(frozen=True, slots=True)
class TableCounts:
    read: int = 0
    stored: int = 0
    quarantined: int = 0


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    sha256: str
    source: str  # absolute path when ingested
    size: int
    mtime_ns: int
    ingested_at: str  # ISO 8601 UTC
    tables: dict[str, TableCounts] = field(default_factory=dict)
    start: int = 0  # byte offset this ingest read from (0: the whole file)
    complete_bytes: int = 0  # up to the end of the last complete line (0: not resumable)
    complete_sha256: str = ""
    complete_lines: int = 0  # line breaks in those bytes

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ManifestEntry:
        data = json.loads(text)
        data["tables"] = {name: TableCounts(**counts) for name, counts in data.get("tables", {}).items()}
        return cls(**data)


class Manifest:
    """The entries of a workspace, looked up by content hash or by (path, size, mtime)."""

    def __init__(self, root: Path):
        self.directory = root / MANIFEST_DIR
        self.by_hash: dict[str, ManifestEntry] = {}
        self.by_stat: dict[tuple[str, int, int], ManifestEntry] = {}
        self.by_source: dict[str, ManifestEntry] = {}  # the entry that read furthest, per path
        if self.directory.is_dir():
            for path in self.directory.glob("*.json"):
                self.remember(ManifestEntry.from_json(path.read_text("utf-8")))

    def remember(self, entry: ManifestEntry) -> None:
        """Know an entry (after its transaction committed)."""
        self.by_hash[entry.sha256] = entry
        self.by_stat[(entry.source, entry.size, entry.mtime_ns)] = entry
        latest = self.by_source.get(entry.source)
        if latest is None or entry.complete_bytes > latest.complete_bytes:
            self.by_source[entry.source] = entry

    def known_unchanged(self, path: Path, stat: os.stat_result) -> ManifestEntry | None:
        """The entry for a file ingested before from this path, if its size and mtime are unchanged."""
        return self.by_stat.get((str(path), stat.st_size, stat.st_mtime_ns))

    def stage(self, transaction: Transaction, entry: ManifestEntry) -> None:
        transaction.path(f"{MANIFEST_DIR}/{entry.sha256}.json").write_text(entry.to_json(), "utf-8")
