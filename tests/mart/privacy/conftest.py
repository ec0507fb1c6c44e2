"""A small shop with one person to forget (Zoe Quill, ``zq-7341``) in every kind of table
(:mod:`.shop`), built once from files; each test works on a copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.privacy.keys import ENV_KEY

from .shop import (  # noqa: F401 (re-exported for the tests of this directory)
    FILES,
    KEY,
    OTHERS,
    ZOE,
    ZOE_EMAIL,
    ZOE_NAME,
    ZOE_PHONE,
    ZOE_TRACES,
    add_model_run,
    add_scores,
    build_shop,
    file_bytes,
    rows_of_others,
    table_names,
    traces_in,
    write_files,
)


@pytest.fixture(autouse=True)
def privacy_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test has a privacy key in the environment unless it removes it."""
    monkeypatch.setenv(ENV_KEY, KEY)
    return KEY


@pytest.fixture(scope="session")
def shop_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop's source files, written once."""
    return write_files(tmp_path_factory.mktemp("privacy-files"))


@pytest.fixture(scope="session")
def shop_template(shop_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shop mart: every file loaded, then features, RFM, scores and model runs."""
    return build_shop(tmp_path_factory.mktemp("privacy-shop") / "shop.duckdb", shop_files)


@pytest.fixture
def shop(shop_template: Path, tmp_path: Path) -> Iterator[Mart]:
    """A copy of the shop mart of its own."""
    target = tmp_path / "shop.duckdb"
    shutil.copyfile(shop_template, target)
    with segmint.connect(target) as opened:
        yield opened
