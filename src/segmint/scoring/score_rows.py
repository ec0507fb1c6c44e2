"""Rows of the ``scores`` table built as Arrow columns, one score per customer.

The date, model and score name are the same on every row: Arrow repeats them in C, where
a pandas frame of Python strings spends seconds on a million customers' rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.mart import TABLES

SCHEMA = TABLES["scores"].ibis_schema().to_pyarrow()
"""The ``scores`` table's columns as Arrow types."""


def score_rows(
    customers: Sequence[str] | pd.Index | pd.Series | pa.Array | pa.ChunkedArray,
    as_of: dt.date,
    model: str,
    score_name: str,
    values: np.ndarray,
) -> pa.Table:
    """One ``scores`` row per customer: ``customers[i]`` scored ``values[i]``."""
    if isinstance(customers, pa.Array | pa.ChunkedArray):
        ids = customers
    else:
        ids = pa.array(customers, pa.string())
    n = len(ids)
    if len(values) != n:
        raise ValueError(f"{n} customers but {len(values)} score values")
    return pa.table(
        [
            ids,
            pa.repeat(pa.scalar(as_of, pa.date32()), n),
            pa.repeat(pa.scalar(model, pa.string()), n),
            pa.repeat(pa.scalar(score_name, pa.string()), n),
            pa.array(np.asarray(values, dtype=np.float64), pa.float64()),
        ],
        schema=SCHEMA,
    )
