"""A copy of the demo mart of ``tests/api`` (built once per session) for each test module."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from segmint.mart import Mart, connect


def _load_demo_mart() -> ModuleType:
    """``tests/api/demo_mart.py``, loaded by path (test folders are not one package)."""
    path = Path(__file__).resolve().parents[1] / "api" / "demo_mart.py"
    spec = importlib.util.spec_from_file_location("segmint_tests_demo_mart", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    """This module's own copy of the demo mart, opened."""
    path = tmp_path_factory.mktemp("mart") / "demo.duckdb"
    shutil.copy(_load_demo_mart().shared_demo(tmp_path_factory), path)
    with connect(path, create=False) as opened:
        yield opened
