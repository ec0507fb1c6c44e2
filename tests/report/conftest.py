"""The demo mart of ``tests/api`` (built once per session), copied for the report tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def mart_path(tmp_path_factory: pytest.TempPathFactory, demo_mart_file: Path) -> Path:
    """This module's copy of the demo mart."""
    copy = tmp_path_factory.mktemp("report") / "demo.duckdb"
    shutil.copy(demo_mart_file, copy)
    return copy
