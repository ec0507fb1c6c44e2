"""One settings object for the whole package.

Values come from ``SEGMINT_*`` environment variables; command-line flags override them
by passing explicit values to :func:`get_settings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

DEFAULT_MART = Path("segmint.duckdb")


@dataclass(frozen=True)
class Settings:
    """Where the mart lives and how the engine is tuned.

    Attributes:
        mart: path of the DuckDB file that holds the customer data mart.
        threads: worker threads for the engine; ``None`` lets DuckDB use every core.
        memory_limit: engine memory cap such as ``"4GB"``; ``None`` keeps DuckDB's default.
    """

    mart: Path = DEFAULT_MART
    threads: int | None = None
    memory_limit: str | None = None


def get_settings(mart: Path | str | None = None) -> Settings:
    """Read settings from the environment, then apply explicit overrides.

    Args:
        mart: a mart path given on the command line; wins over ``SEGMINT_MART``.
    """
    env = os.environ
    threads = env.get("SEGMINT_THREADS")
    settings = Settings(
        mart=Path(env.get("SEGMINT_MART", str(DEFAULT_MART))),
        threads=int(threads) if threads else None,
        memory_limit=env.get("SEGMINT_MEMORY_LIMIT") or None,
    )
    if mart is not None:
        settings = replace(settings, mart=Path(mart))
    return settings
