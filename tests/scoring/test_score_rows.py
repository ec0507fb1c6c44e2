"""Rows of the ``scores`` table from Arrow: the table's schema, one row per customer in
order, the constant columns repeated, a length mismatch refused."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from segmint.scoring.score_rows import SCHEMA, score_rows


def test_one_row_per_customer_in_order() -> None:
    customers = pd.Index(["C2", "C1", "C3"])
    rows = score_rows(customers, dt.date(2026, 1, 8), "churn_gbm", "churn", np.array([0.2, 0.5, 1]))
    assert rows.schema == SCHEMA
    assert rows.to_pylist() == [
        {"customer_id": c, "as_of": dt.date(2026, 1, 8), "model": "churn_gbm",
         "score_name": "churn", "value": v}
        for c, v in zip(["C2", "C1", "C3"], [0.2, 0.5, 1.0], strict=True)
    ]  # fmt: skip


def test_refuses_a_length_mismatch() -> None:
    with pytest.raises(ValueError, match="3 customers but 2 score values"):
        score_rows(["a", "b", "c"], dt.date(2026, 1, 8), "m", "s", np.array([1.0, 2.0]))
