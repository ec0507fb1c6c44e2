"""Helpers shared by the workflow tests."""

from __future__ import annotations

import datetime as dt

import ibis

from segmint.mart import Mart
from segmint.mart.schema import REFIT_FLAGS


def flag_for_refit(mart: Mart, run_id: int, as_of: dt.date, model: str) -> None:
    """Flag one model run for refit, as an erasure of someone its fit could include does."""
    row = {
        "source": ["model_runs"],
        "run_id": [run_id],
        "model": [model],
        "as_of": [as_of],
        "n_subjects": [1],
        "flagged_at": [dt.datetime(2026, 1, 1)],
        "reason": ["erasure"],
    }
    mart.con.insert(REFIT_FLAGS.name, ibis.memtable(row, schema=REFIT_FLAGS.ibis_schema()))
