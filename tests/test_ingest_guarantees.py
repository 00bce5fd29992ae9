"""Nothing twice (manifest by content hash), crash safety (staged transactions), the CLI's accounting."""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.store import WorkspaceError, WorkspaceStore, transaction
from rmmhunt.store.transaction import STAGING, workspace_lock

DATA = Path(__file__).parent / "data" / "ingest"
STREAM = DATA / "streaming-mixed.json"
SENTINEL = DATA / "sentinel-export.json"
RMMHUNT = [sys.executable, "-m", "rmmhunt.cli"]


def count(ws: Workspace, table: str = "DeviceFileCertificateInfo") -> int:
    return ws.query(f"{table} | count").to_pylist()[0]["Count"]


def manifest_entries(ws: Workspace) -> list[dict[str, object]]:
    assert ws.path is not None
    return [json.loads(p.read_text("utf-8")) for p in sorted((ws.path / "manifest").glob("*.json"))]


def test_same_file_twice_adds_nothing_and_force_adds_again(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    first = ws.ingest(None, [STREAM])
    assert [f.status for f in first.files] == ["ingested"] and count(ws) == 1
    again = ws.ingest(None, [STREAM])
    assert [f.status for f in again.files] == ["unchanged"] and again.rows == 0 and count(ws) == 1
    copy = tmp_path / "copy-of-PT1H.json"
    shutil.copy(STREAM, copy)
    duplicate = ws.ingest(None, [copy])
    assert [f.status for f in duplicate.files] == ["duplicate"] and count(ws) == 1
    assert "same content as" in duplicate.files[0].notes[0]
    forced = ws.ingest(None, [STREAM], force=True)
    assert [f.status for f in forced.files] == ["ingested"] and count(ws) == 2
    [entry] = manifest_entries(ws)
    assert entry["source"] == str(STREAM.absolute())
    assert entry["tables"]["DeviceNetworkEvents"] == {"read": 2, "stored": 2, "quarantined": 0}


def test_a_grown_directory_ingests_only_the_new_files(tmp_path: Path) -> None:
    export = tmp_path / "export"
    (export / "h=08").mkdir(parents=True)
    shutil.copy(STREAM, export / "h=08" / "PT1H.json")
    ws = Workspace(tmp_path / "ws", create=True)
    assert ws.ingest(None, [export]).rows == 4
    (export / "h=09").mkdir()
    shutil.copy(SENTINEL, export / "h=09" / "PT1H.json")
    report = ws.ingest(None, [export])
    assert [(Path(f.name).parent.name, f.status) for f in report.files] == [("h=08", "unchanged"), ("h=09", "ingested")]
    assert report.rows == 2 and count(ws) == 2
    assert len(manifest_entries(ws)) == 2


def test_a_changed_file_is_ingested_again(tmp_path: Path) -> None:
    source = tmp_path / "PT1H.json"
    source.write_text(STREAM.read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    ws = Workspace(tmp_path / "ws", create=True)
    ws.ingest(None, [source])
    with source.open("a", encoding="utf-8") as handle:  # an append blob grows during the hour
        handle.write(STREAM.read_text("utf-8").splitlines()[1] + "\n")
    report = ws.ingest(None, [source])
    assert [f.status for f in report.files] == ["ingested"]
    assert count(ws) == 1 and count(ws, "DeviceNetworkEvents") == 1  # the first line was not read again


def test_staged_files_and_renames_are_flushed_to_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flushed: list[tuple[Path, bool]] = []  # (path, whether the commit journal existed then)
    flush = transaction.fsync

    def recording(path: Path) -> None:
        journals = list((tmp_path / "ws" / STAGING).glob(f"*/{transaction.JOURNAL}"))
        flushed.append((path, bool(journals)))
        flush(path)

    monkeypatch.setattr(transaction, "fsync", recording)
    ws = Workspace(tmp_path / "ws", create=True)
    ws.ingest(None, [SENTINEL])
    root = tmp_path / "ws"
    published = [p.relative_to(root) for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")]
    published.remove(Path("rmmhunt-workspace.json"))
    # staged files are WS/.staging/<id>/files/<path in the workspace>
    staged_before_journal = {
        Path(*p.parts[p.parts.index("files") + 1 :]) for p, journal in flushed if STAGING in p.parts and not journal
    }
    assert set(published) == staged_before_journal
    directories = {p for p, _ in flushed if p.is_dir()}
    assert {root / r.parent for r in published} <= directories


KILLED_INGEST = """
import sys
from pathlib import Path
import rmmhunt.store.tables as tables
from rmmhunt.ingest import Ingester
from rmmhunt.store import WorkspaceStore
tables.ROW_GROUP_ROWS = 500  # write row groups early, so staged files exist long before the commit
Ingester(WorkspaceStore(sys.argv[1]), batch_bytes=1 << 16).run([Path(sys.argv[2])])
print("finished")
"""


def big_streaming_file(path: Path, records: int) -> None:
    line = json.loads(STREAM.read_text("utf-8").splitlines()[0])
    with path.open("w", encoding="utf-8") as handle:
        for i in range(records):
            line["properties"]["ReportId"] = i
            line["properties"]["Timestamp"] = f"2026-11-{1 + i % 28:02d}T08:00:00.0000000Z"
            handle.write(json.dumps(line) + "\n")


def test_an_ingest_killed_midway_leaves_the_workspace_as_before(tmp_path: Path) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    ws.ingest(None, [SENTINEL])
    assert ws.path is not None
    before = sorted(str(p.relative_to(ws.path)) for p in ws.path.rglob("*") if p.is_file())
    big = tmp_path / "big.json"
    big_streaming_file(big, 60_000)
    child = subprocess.Popen([sys.executable, "-c", KILLED_INGEST, str(ws.path), str(big)], stdout=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list((ws.path / STAGING).glob("*/files/tables/*/*/*.parquet")):
        assert child.poll() is None, "the ingest ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    # As before that file began: the same rows, and no manifest entry for it.
    reopened = Workspace(ws.path)
    assert count(reopened) == 1
    assert [e["source"] for e in manifest_entries(reopened)] == [str(SENTINEL.absolute())]
    after = sorted(str(p.relative_to(ws.path)) for p in ws.path.rglob("*") if p.is_file())
    assert [p for p in after if not p.startswith(STAGING) and p != ".lock"] == [p for p in before if p != ".lock"]
    # The next ingest drops what the killed one staged and loads the file whole.
    report = reopened.ingest(None, [big])
    assert report.rows == 60_000 and count(reopened) == 60_001
    assert not list((ws.path / STAGING).glob("*"))


def test_a_crash_after_the_commit_point_is_finished_by_the_next_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace(tmp_path / "ws", create=True)
    assert ws.store is not None and ws.path is not None
    moves = 0
    real_replace = os.replace

    def crash_on_second_move(source: str, target: str) -> None:
        nonlocal moves
        if str(source).startswith(str(ws.path / STAGING)):
            moves += 1
            if moves == 2:
                raise KeyboardInterrupt  # the process dies between two renames
        real_replace(source, target)

    monkeypatch.setattr("rmmhunt.store.transaction.os.replace", crash_on_second_move)
    with pytest.raises(KeyboardInterrupt):
        ws.ingest(None, [STREAM])
    monkeypatch.setattr("rmmhunt.store.transaction.os.replace", real_replace)
    assert list((ws.path / STAGING).glob("*/COMMIT"))
    reopened = Workspace(ws.path)  # opening the workspace finishes the committed transaction
    assert count(reopened) == 1 and count(reopened, "DeviceNetworkEvents") == 2
    assert len(manifest_entries(reopened)) == 1
    assert not list((ws.path / STAGING).glob("*"))


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    store = WorkspaceStore(tmp_path / "ws", create=True)
    with workspace_lock(store.root), pytest.raises(WorkspaceError, match="another rmmhunt process is writing"):
        Workspace(store.root).ingest(None, [STREAM])


# ---------------------------------------------------------------- the command


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "200", "PATH": "/usr/bin:/bin"}
    return subprocess.run([*RMMHUNT, *args], capture_output=True, text=True, timeout=120, env=env)


def test_cli_prints_read_equals_stored_plus_quarantined(tmp_path: Path) -> None:
    bad = tmp_path / "PT1H.json"
    lines = STREAM.read_text("utf-8").splitlines()
    bad.write_text("\n".join([lines[0], lines[1][:100], lines[2]]) + "\n", "utf-8")
    ws = tmp_path / "ws"
    result = run("ingest", "--into", str(ws), str(bad), str(tmp_path / "missing.json"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{tmp_path / 'missing.json'}: cannot read: No such file or directory" in result.stderr
    assert "DeviceFileCertificateInfo: 1 read = 1 stored + 0 quarantined" in result.stderr
    assert "DeviceNetworkEvents: 1 read = 1 stored + 0 quarantined" in result.stderr
    assert "(no table): 1 read = 0 stored + 1 quarantined" in result.stderr
    assert "records/s" not in result.stderr  # no progress bar without a terminal
    listing = run("quarantine", "--data", str(ws), "--format", "json")
    assert listing.returncode == 0
    payload = json.loads(listing.stdout)
    assert payload["columns"] == ["source", "line", "record", "table", "reason", "raw"]
    [[source, line, record, table, reason, raw]] = payload["rows"]
    assert (source, line, record, table) == (str(bad), 2, None, "")
    assert reason.startswith("not valid JSON: Unterminated string") and raw == lines[1][:100]
    again = run("ingest", "--into", str(ws), str(bad))
    assert again.returncode == 0 and "PT1H.json: unchanged" in again.stderr


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pseudo-terminal test")
@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_on_a_terminal_unless_quiet(tmp_path: Path, quiet: bool) -> None:
    big = tmp_path / "big.json"
    big_streaming_file(big, 20_000)
    args = [*RMMHUNT, "ingest", "--into", str(tmp_path / "ws"), str(big), *(["--quiet"] if quiet else [])]
    leader, follower = pty.openpty()
    env = {"COLUMNS": "160", "PATH": "/usr/bin:/bin", "TERM": "xterm"}
    child = subprocess.Popen(args, stdin=follower, stdout=follower, stderr=follower, env=env)
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        try:
            chunk = os.read(leader, 65536) if ready else b""
        except OSError:
            chunk = b""
        if not chunk:
            break
        seen += chunk
    child.wait(timeout=60)
    os.close(leader)
    text = seen.decode("utf-8", "replace")
    assert child.returncode == 0, text
    assert "20,000 read = 20,000 stored + 0 quarantined" in text
    assert ("records" in text and "quarantined" in text.split("read =")[0]) is not quiet
