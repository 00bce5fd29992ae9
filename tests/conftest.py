"""Shared fixtures: a fixed clock and a small demo workspace built once per session."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from rmmhunt import Workspace
from rmmhunt.demo.workspace import build_demo_workspace

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 27, 12, 0, 0)


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "ws"
    build_demo_workspace(path, NOW, devices=300, days=10)
    return path


@pytest.fixture(scope="session")
def demo_ws(demo_path: Path) -> Workspace:
    return Workspace(demo_path)


@pytest.fixture(scope="session")
def empty_ws() -> Workspace:
    return Workspace(None)
