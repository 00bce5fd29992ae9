"""All-or-nothing changes to a workspace: staged files, a commit journal, recovery after a crash.

A transaction writes every new file under `WS/.staging/<id>/files/<path in the workspace>`. Commit
writes the journal `WS/.staging/<id>/COMMIT` (the list of paths, written to a temporary name and
renamed: the commit point), then renames each staged file into place, manifest entries last, and
removes the staging directory. A process killed before the commit point leaves only a staging
directory, which the next writer deletes; one killed after it leaves a journal, which the next
writer finishes. Either way the workspace is as before the transaction began, or as after it.

Writers hold the workspace lock (`WS/.lock`), so a recovery never touches a live transaction.

Against power loss, not only a killed process: the staged files are flushed to the disk (fsync)
before the journal is written, and the directories the renames changed after they are made, so the
journal never refers to data the disk does not hold and a published transaction stays published.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from rmmhunt.errors import RmmhuntError

STAGING = ".staging"
LOCK = ".lock"
JOURNAL = "COMMIT"
MANIFEST_DIR = "manifest"


class WorkspaceError(RmmhuntError):
    pass


def write_atomically(path: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name beside it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def fsync(path: Path) -> None:
    """Flush a file, or on POSIX a directory (its entries: renames), to the disk."""
    if sys.platform == "win32" and path.is_dir():  # pragma: no cover - Windows cannot open a directory
        return
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _lock_file(handle: IO[bytes]) -> bool:
    """Take an exclusive lock on an open file without waiting; False if another process holds it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextmanager
def workspace_lock(root: Path, *, required: bool = True) -> Iterator[bool]:
    """Hold the workspace's writer lock while the block runs; the lock goes with the file handle.

    If another process holds it: an error when `required`, else the block runs holding nothing (False).
    """
    with open(root / LOCK, "a+b") as handle:
        if _lock_file(handle):
            yield True
        elif required:
            raise WorkspaceError(f"{root}: another rmmhunt process is writing to this workspace")
        else:
            yield False


class Transaction:
    """Files staged for one atomic change; `commit()` publishes them, `abort()` forgets them."""

    def __init__(self, root: Path):
        self.root = root
        self.directory = root / STAGING / uuid.uuid4().hex
        (self.directory / "files").mkdir(parents=True)
        self.staged: list[str] = []
        self.committed = False

    def path(self, relative: str) -> Path:
        """Where to write the file that will appear at `WS/<relative>` on commit."""
        target = self.directory / "files" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if relative not in self.staged:
            self.staged.append(relative)
        return target

    def commit(self) -> None:
        # Manifest entries move last: a file is recorded as ingested only once its data is in place.
        ordered = sorted(self.staged, key=lambda p: p.startswith(f"{MANIFEST_DIR}/"))
        payload = json.dumps(ordered).encode()

        def write_journal(path: Path) -> None:
            with open(path, "wb") as handle:
                handle.write(payload)
                handle.flush()
                os.fsync(handle.fileno())

        for relative in ordered:
            fsync(self.directory / "files" / relative)
        write_atomically(self.directory / JOURNAL, write_journal)
        fsync(self.directory)
        self.committed = True
        _publish(self.root, self.directory, ordered)

    def abort(self) -> None:
        """Forget the staged files; past the commit point, leave them for `recover` to finish."""
        if not self.committed:
            shutil.rmtree(self.directory, ignore_errors=True)


def _publish(root: Path, directory: Path, relatives: list[str]) -> None:
    """Move staged files into place (idempotent: a file already moved is skipped), then drop the stage."""
    changed: set[Path] = set()
    for relative in relatives:
        staged = directory / "files" / relative
        if staged.exists():
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            changed.update(d for d in target.parents if d.is_relative_to(root))  # new directories too
    for parent in sorted(changed):
        fsync(parent)
    shutil.rmtree(directory, ignore_errors=True)


def recover(root: Path) -> None:
    """Finish committed transactions and delete uncommitted ones. The caller holds the lock."""
    staging = root / STAGING
    if not staging.is_dir():
        return
    for directory in sorted(staging.iterdir()):
        journal = directory / JOURNAL
        if journal.is_file():
            _publish(root, directory, json.loads(journal.read_text("utf-8")))
        else:
            shutil.rmtree(directory, ignore_errors=True)
