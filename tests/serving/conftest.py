"""A copy of the demo mart of ``tests/api`` (built once per session) for each test module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from segmint.mart import Mart, connect


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory, demo_mart_file: Path) -> Iterator[Mart]:
    """This module's own copy of the demo mart, opened."""
    path = tmp_path_factory.mktemp("mart") / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as opened:
        yield opened
