"""Use cases on stored segmentations: list them, read or export one's assignments.

``segmint segmentations``, ``segmint assignments`` and :class:`segmint.workspace.Workspace`
call these. An export goes through the one export step of :mod:`segmint.workflows.privacy`
(suppression, consent, pseudonyms, export registry; CSV cells a spreadsheet would run as
formulas neutralised); the engine writes the file.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from segmint.features.asof import AsOf, parse_as_of
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.workflows.privacy import (
    EXPORT_SUFFIXES,
    ExportOptions,
    WrittenExport,
    check_export_path,
    write_export,
)

__all__ = [
    "EXPORT_SUFFIXES",
    "assignments",
    "check_export_path",
    "export_assignments",
    "segmentations",
]


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


def export_assignments(
    mart: Mart,
    segmentation: str,
    out_file: Path,
    as_of: AsOf | None = None,
    options: ExportOptions | None = None,
) -> WrittenExport:
    """Write ``customer_id, segment`` to a ``.csv`` or ``.parquet`` file, through the one
    export step (:func:`segmint.workflows.privacy.write_export`): forgotten people left out,
    and for a channel the customers of the do-not-contact table ``suppressions`` and the
    latest consent applied, ids pseudonymised when asked, the file
    registered as an export.

    Raises:
        InputError: another file type.
        MartError: unknown segmentation, or no results as of that date.
    """
    check_export_path(out_file)
    day = parse_as_of(as_of) if as_of else None
    rows = store.assignments(mart, segmentation, day).order_by("customer_id")
    when = f" as of {day}" if day else ""
    return write_export(
        mart,
        rows,
        out_file,
        kind="assignments",
        description=f"segments of {segmentation}{when}",
        options=options,
    )
