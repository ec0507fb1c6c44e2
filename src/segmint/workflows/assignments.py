"""Use cases on stored segmentations: list them, read or export one's assignments.

``segmint segmentations``, ``segmint assignments`` and :class:`segmint.workspace.Workspace`
call these. An export to CSV neutralises cells a spreadsheet would run as formulas
(:mod:`segmint.mart.csv_safety`); the engine writes the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.exceptions import InputError
from segmint.features.asof import AsOf, parse_as_of
from segmint.mart import Mart
from segmint.mart.csv_safety import neutralise_table
from segmint.segmentation import store

EXPORT_SUFFIXES = (".csv", ".parquet")


def segmentations(mart: Mart) -> pd.DataFrame:
    """Stored segmentations: name, version, kind, dates stored, last date, segments."""
    frame: pd.DataFrame = store.segmentations(mart).execute()
    return frame


def assignments(mart: Mart, segmentation: str, as_of: AsOf | None = None) -> pd.DataFrame:
    """``customer_id``, ``segment`` of ``segmentation`` as of ``as_of`` (default: latest), by id.

    Raises:
        MartError: unknown segmentation, or no results as of that date.
    """
    day = parse_as_of(as_of) if as_of else None
    frame: pd.DataFrame = (
        store.assignments(mart, segmentation, day).order_by("customer_id").execute()
    )
    return frame


def check_export_path(out_file: Path) -> str:
    """The file's suffix in lower case, when it is one an export can write.

    Raises:
        InputError: another file type.
    """
    suffix = out_file.suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError(f"--out {out_file}: use a .csv or .parquet file name")
    return suffix


def export_assignments(
    mart: Mart, segmentation: str, out_file: Path, as_of: AsOf | None = None
) -> int:
    """Write ``customer_id, segment`` to a ``.csv`` or ``.parquet`` file; the rows written.

    Raises:
        InputError: another file type.
        MartError: unknown segmentation, or no results as of that date.
    """
    suffix = check_export_path(out_file)
    day = parse_as_of(as_of) if as_of else None
    rows = store.assignments(mart, segmentation, day).order_by("customer_id")
    if suffix == ".csv":
        neutralise_table(rows).to_csv(out_file)
    else:
        rows.to_parquet(out_file)
    return int(rows.count().execute())
