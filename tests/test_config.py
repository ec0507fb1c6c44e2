"""Settings from the environment and the engine's default memory cap."""

from __future__ import annotations

import pytest

from segmint.config import (
    MIN_MEMORY_MB,
    SERVING_MEMORY_LIMIT,
    SERVING_WARMING_MEMORY_LIMIT,
    default_memory_limit,
    get_settings,
)
from segmint.exceptions import SegmintError


@pytest.mark.parametrize(
    ("total_mb", "expected"),
    [(24_000, "3000MB"), (64_000, "8000MB"), (8_000, f"{MIN_MEMORY_MB}MB"), (1_000, "2048MB")],
)
def test_the_default_cap_is_an_eighth_of_memory_and_at_least_2_gb(
    total_mb: int, expected: str
) -> None:
    assert default_memory_limit(total_mb) == expected


def test_the_environment_overrides_the_default_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMINT_MEMORY_LIMIT", "16GB")
    assert get_settings().memory_limit == "16GB"
    monkeypatch.delenv("SEGMINT_MEMORY_LIMIT")
    assert get_settings().memory_limit == default_memory_limit()


def test_a_server_has_its_own_default_cap_the_environment_still_overrides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SEGMINT_MEMORY_LIMIT", raising=False)
    assert get_settings(serving=True).memory_limit == SERVING_MEMORY_LIMIT
    assert get_settings().memory_limit != SERVING_MEMORY_LIMIT
    monkeypatch.setenv("SEGMINT_MEMORY_LIMIT", "3GB")
    assert get_settings(serving=True).memory_limit == "3GB"


def test_a_server_warms_under_its_own_cap_unless_the_environment_sets_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SEGMINT_MEMORY_LIMIT", raising=False)
    assert get_settings(serving=True).warming_memory_limit == SERVING_WARMING_MEMORY_LIMIT
    assert get_settings().warming_memory_limit is None
    monkeypatch.setenv("SEGMINT_MEMORY_LIMIT", "3GB")
    assert get_settings(serving=True).warming_memory_limit is None


@pytest.mark.parametrize("value", ["abc", "0", "-2", "1.5"])
def test_a_bad_thread_count_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SEGMINT_THREADS", value)
    with pytest.raises(
        SegmintError, match=rf"SEGMINT_THREADS must be a positive whole number.*{value!r}"
    ):
        get_settings()


@pytest.mark.parametrize(
    ("value", "engine"),
    [("duckdb", "duckdb"), ("PySpark", "pyspark"), ("duckdb:///m.duckdb", "duckdb")],
)
def test_the_engine_comes_from_segmint_engine(
    monkeypatch: pytest.MonkeyPatch, value: str, engine: str
) -> None:
    monkeypatch.delenv("SEGMINT_MART", raising=False)
    monkeypatch.setenv("SEGMINT_ENGINE", value)
    assert get_settings().engine == engine


def test_a_duckdb_url_names_the_mart_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMINT_MART", raising=False)
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb:///data/shop.duckdb")
    assert str(get_settings().mart) == "/data/shop.duckdb"


def test_an_unknown_engine_lists_the_ones_segmint_runs_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "snowflake://acct")
    with pytest.raises(SegmintError, match=r"'snowflake://acct'.*duckdb, pyspark"):
        get_settings()
