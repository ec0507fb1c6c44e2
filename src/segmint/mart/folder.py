"""Loading a whole folder: every file named after a mart table, parents first.

``customers.parquet``, ``orders.csv.gz``, ``order_lines.jsonl``… are loaded in
:data:`~segmint.mart.targets.LOAD_ORDER` (customers before orders, orders before their
lines), so references resolve. A ``transactions`` file is loaded before ``orders``. Files
whose names match no table are listed, not loaded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from segmint.exceptions import InputError
from segmint.mart.files import table_stem
from segmint.mart.targets import INGEST_TARGETS, LOAD_ORDER

_ORDER = tuple(
    t for name in LOAD_ORDER for t in (("transactions", name) if name == "orders" else (name,))
)


def files_to_load(folder: Path) -> tuple[list[tuple[str, Path]], list[Path]]:
    """The (table, file) pairs of ``folder`` in load order, and the files no table matches.

    Raises:
        InputError: ``folder`` is not a folder, holds no loadable file, or holds two files
            for one table.
    """
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    matched: dict[str, Path] = {}
    unmatched: list[Path] = []
    for path in sorted(_files(folder)):
        table = table_stem(path)
        if table not in INGEST_TARGETS:
            unmatched.append(path)
            continue
        if table in matched:
            raise InputError(
                f"{folder}: two files for table {table}: {matched[table].name} and {path.name}"
            )
        matched[table] = path
    if not matched:
        raise InputError(
            f"{folder}: no file is named after a mart table (e.g. orders.csv, customers.parquet); "
            f"tables are {', '.join(INGEST_TARGETS)}"
        )
    return [(t, matched[t]) for t in _ORDER if t in matched], unmatched


def _files(folder: Path) -> Iterator[Path]:
    return (p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
