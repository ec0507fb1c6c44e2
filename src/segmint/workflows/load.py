"""Use cases that fill the mart: one file into a table, or every file of a folder.

``segmint ingest``, ``segmint load``, ``segmint demo`` and :class:`segmint.workspace.Workspace`
call these. Each load is one transaction that lands whole or not at all, and accounts for
every row (loaded, duplicate or quarantined with its reason): :mod:`segmint.mart.ingest`.
Then the orders' totals are brought up to date (:mod:`segmint.features.order_totals`), so
the commands that follow read purchases without summing every line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from segmint.features import order_totals
from segmint.mart import Mart
from segmint.mart.folder import files_to_load
from segmint.mart.ingest import IngestOptions, IngestResult
from segmint.mart.ingest import ingest as ingest_into

Step = Callable[[str], None]


def ingest(
    mart: Mart,
    table: str,
    path: Path | str,
    options: IngestOptions | None = None,
    *,
    on_step: Step | None = None,
) -> IngestResult:
    """Load one file into ``table`` (a mart table, or ``transactions`` for a flat file).

    Raises:
        InputError: the file cannot be read; the mart is untouched.
        SchemaError: the file lacks a required or mapped column; the mart is untouched.
    """
    result = ingest_into(mart, table, path, options, on_step=on_step)
    if not (options and options.dry_run):
        _keep_totals(mart, on_step)
    return result


@dataclass(frozen=True)
class FolderPlan:
    """The files of a folder to load, parents before children, and those no table matches."""

    files: list[tuple[str, Path]]
    skipped: list[Path]


def plan_folder(folder: Path) -> FolderPlan:
    """Which file goes to which table, in load order.

    Raises:
        InputError: not a folder, no loadable file, or two files for one table.
    """
    files, skipped = files_to_load(folder)
    return FolderPlan(files, skipped)


def load_folder(
    mart: Mart,
    plan: FolderPlan | Path,
    options: IngestOptions | None = None,
    *,
    on_file: Callable[[Path], Step | None] | None = None,
    on_loaded: Callable[[IngestResult], None] | None = None,
    on_step: Step | None = None,
) -> list[IngestResult]:
    """Load every file of a folder (or of its :class:`FolderPlan`) named after a mart table.

    Args:
        plan: the folder, or its plan made by :func:`plan_folder`.
        options: how to read the files (dates, encoding, unknown customers).
        on_file: called as each file starts; may return a function told each step.
        on_loaded: called with each file's result as soon as it has landed.
        on_step: told the steps after the files (totalling the orders).

    Raises:
        InputError, SchemaError: as :func:`ingest`; the files before it stay loaded.
    """
    files = (plan if isinstance(plan, FolderPlan) else plan_folder(plan)).files
    results = []
    chosen = options or IngestOptions()
    for table, path in files:
        step = on_file(path) if on_file is not None else None
        # A preset describes the transactions export; the folder's other files are plain.
        own = chosen if table == "transactions" else replace(chosen, preset=None)
        result = ingest_into(mart, table, path, own, on_step=step)
        if on_loaded is not None:
            on_loaded(result)
        results.append(result)
    if not chosen.dry_run:
        _keep_totals(mart, on_step)
    return results


def _keep_totals(mart: Mart, step: Step | None) -> None:
    """Bring the orders' totals up to date after a load (nothing to do when it changed
    neither orders nor lines)."""
    if step is not None:
        step("totalling the orders")
    order_totals.keep(mart)
