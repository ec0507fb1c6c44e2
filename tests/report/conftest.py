"""The demo mart of ``tests/api`` (built once per session), copied for the report tests."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path
from types import ModuleType

import pytest


def _load_demo_mart() -> ModuleType:
    """``tests/api/demo_mart.py``, loaded by path (test folders are not one package)."""
    path = Path(__file__).resolve().parents[1] / "api" / "demo_mart.py"
    spec = importlib.util.spec_from_file_location("segmint_tests_demo_mart", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def mart_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This module's copy of the demo mart."""
    copy = tmp_path_factory.mktemp("report") / "demo.duckdb"
    shutil.copy(_load_demo_mart().shared_demo(tmp_path_factory), copy)
    return copy
