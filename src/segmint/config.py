"""One settings object for the whole package.

Values come from ``SEGMINT_*`` environment variables; command-line flags override them
by passing explicit values to :func:`get_settings`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from segmint.exceptions import SegmintError

DEFAULT_MART = Path("segmint.duckdb")


@dataclass(frozen=True)
class Settings:
    """Where the mart lives and how the engine is tuned.

    Attributes:
        mart: path of the DuckDB file that holds the customer data mart.
        threads: worker threads for the engine; ``None`` lets DuckDB use every core.
        memory_limit: engine memory cap such as ``"4GB"``; default :func:`default_memory_limit`.
        engine: ``duckdb`` (the mart is a DuckDB file) or ``pyspark`` (the mart is a folder of
            Parquet tables read and written by Spark, see :mod:`segmint.mart.spark`).
        warming_memory_limit: a server's engine memory cap while it computes the summaries
            its pages show first (:class:`segmint.views.warmup.Warmer`); None: ``memory_limit``.
    """

    mart: Path = DEFAULT_MART
    threads: int | None = None
    memory_limit: str | None = None
    engine: str = "duckdb"
    warming_memory_limit: str | None = None


MIN_MEMORY_MB = 2048
"""The engine's memory cap is never set below this by default."""


def default_memory_limit(total_mb: int | None = None) -> str:
    """The engine's default memory cap: an eighth of the machine's memory, at least 2 GB.

    DuckDB on its own takes up to 80% of memory, which suits a database server, not a
    laptop where segmint runs beside a browser and a notebook. Beyond its cap the engine
    spills to disk, so a big job still finishes; ``SEGMINT_MEMORY_LIMIT`` sets another cap
    (e.g. ``"16GB"`` on a machine given over to segmint).

    Args:
        total_mb: the machine's memory in MB; default: read from the operating system.
    """
    if total_mb is None:
        total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    return f"{max(MIN_MEMORY_MB, total_mb // 8)}MB"


SERVING_MEMORY_LIMIT = "512MB"
"""The engine's default memory cap in a server (``segmint serve``). A server looks up single
customers and keeps its own compact copies of what the 360° view reads, so the engine's
buffers hold little it needs again; the summaries it warms get
:data:`SERVING_WARMING_MEMORY_LIMIT`, and other summaries a request computes spill to disk
past this cap. The whole server's peak at a million customers is in docs/dashboard.md."""

SERVING_WARMING_MEMORY_LIMIT = "900MB"
"""The engine's default memory cap in a server while it computes the summaries its pages
show first (profiles, overviews, personas). The 360° view's copies are let go before and
built after, under :data:`SERVING_MEMORY_LIMIT` again unless the engine refuses to lower it
while requests hold more (see :class:`segmint.views.warmup.Warmer`), except the four tables
copied whole, built beside the summaries (about 0.17 GB at a million customers); a retry of
summaries a failed warm-up left out, which runs while that warm-up's copies are held, keeps
the serving cap. At 1GB with those four copies the server's peak at a million customers
came within 10 MiB of 2 × 10⁹ bytes (resident memory sampled while warming); at 900MB the
summaries took as long (docs/dashboard.md). Under 512MB those summaries spill to disk: at a
million customers 4.7 CPU s more, about 2 s of the warm-up's wall time.
``SEGMINT_MEMORY_LIMIT`` sets one cap for both (one under 900MB lowers the warm-up's too)."""


def get_settings(mart: Path | str | None = None, *, serving: bool = False) -> Settings:
    """Read settings from the environment, then apply explicit overrides.

    Args:
        mart: a mart path given on the command line; wins over ``SEGMINT_MART``.
        serving: settings of a server: the engine's memory cap defaults to
            :data:`SERVING_MEMORY_LIMIT` instead of :func:`default_memory_limit`, and to
            :data:`SERVING_WARMING_MEMORY_LIMIT` while the server warms its summaries.
    """
    env = os.environ
    engine = env.get("SEGMINT_ENGINE", "duckdb")
    capped = env.get("SEGMINT_MEMORY_LIMIT")
    named = engine[len("duckdb://") :] if engine.startswith("duckdb:///") else None
    settings = Settings(
        mart=Path(env.get("SEGMINT_MART", named or str(DEFAULT_MART))),
        threads=_whole_number(env, "SEGMINT_THREADS"),
        memory_limit=capped or (SERVING_MEMORY_LIMIT if serving else default_memory_limit()),
        engine=engine_name(engine),
        warming_memory_limit=SERVING_WARMING_MEMORY_LIMIT if serving and not capped else None,
    )
    if mart is not None:
        settings = replace(settings, mart=Path(mart))
    return settings


def _whole_number(env: Mapping[str, str], name: str) -> int | None:
    """The positive whole number in the environment variable ``name``, None when unset.

    Raises:
        SegmintError: the value is not a positive whole number; the message names the variable.
    """
    value = env.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise SegmintError(
            f"{name} must be a positive whole number (e.g. {name}=4); got {value!r}. "
            f"Fix it or unset it (unset: the engine uses every core)."
        )
    return int(value)


ENGINES = ("duckdb", "pyspark")


def engine_name(value: str) -> str:
    """The engine named by ``SEGMINT_ENGINE`` (``duckdb:///path`` names DuckDB too).

    Raises:
        SegmintError: an engine segmint does not run on; the message lists the ones it does.
    """
    name = value.split(":", 1)[0].strip().lower() or "duckdb"
    if name not in ENGINES:
        raise SegmintError(
            f"SEGMINT_ENGINE={value!r} is not an engine segmint runs on; use one of "
            f"{', '.join(ENGINES)}"
        )
    return name
