"""Vectorised helpers that turn numpy draws into Arrow columns of the mart's types.

Every table of the synthetic retailer is built column by column from numpy arrays;
these helpers format identifiers, dates and timestamps and sample categories without
a Python loop over rows, which is what keeps a million customers fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.mart.schema import TABLES

ARROW_TYPES: dict[str, pa.DataType] = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "float64": pa.float64(),
    "boolean": pa.bool_(),
}
"""Arrow type of each Ibis type string used in ``segmint.mart.schema``."""

GROUND_TRUTH_SCHEMA = pa.schema(
    [
        ("customer_id", pa.string()),
        ("latent_type", pa.string()),
        ("purchase_rate", pa.float64()),
        ("dropout_prob", pa.float64()),
        ("mean_spend", pa.float64()),
        ("alive_at_end", pa.bool_()),
    ]
)
"""The true answer per customer: type, BG/NBD rate (per day) and dropout, mean spend."""

GROUND_TRUTH_CAMPAIGNS_SCHEMA = pa.schema(
    [
        ("campaign_id", pa.string()),
        ("latent_type", pa.string()),
        ("incremental_purchase_prob", pa.float64()),
        ("n_members", pa.int64()),
        ("true_uplift_response", pa.float64()),
        ("true_uplift_revenue", pa.float64()),
    ]
)
"""The true effect of each campaign on the members of each latent type (see ``effects``)."""

US_PER_DAY = 86_400_000_000


def mart_schema(table: str) -> pa.Schema:
    """The Arrow schema of a loadable mart table (its columns without ``ingest_id``)."""
    return pa.schema([(c.name, ARROW_TYPES[c.type]) for c in TABLES[table].columns])


def build_table(table: str, columns: dict[str, pa.Array | np.ndarray]) -> pa.Table:
    """A table with exactly the mart's columns, in order, cast to the mart's types."""
    schema = mart_schema(table)
    arrays = [pa.array(columns[f.name]).cast(f.type) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like ``C0000042``: ``prefix`` then ``numbers`` zero-padded to ``width``.

    Built as one fixed-width byte buffer, a digit at a time by division by ten, which is
    faster than formatting strings; ``numbers`` must fit in ``width`` digits.
    """
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    size = len(head) + width
    rest = np.asarray(numbers, dtype=np.int64)
    data = np.empty((len(rest), size), dtype=np.uint8)
    data[:, : len(head)] = head
    for column in range(size - 1, len(head) - 1, -1):
        quotient = rest // 10
        data[:, column] = rest - quotient * 10 + ord("0")
        rest = quotient
    offsets = np.arange(0, (len(data) + 1) * size, size, dtype=np.int32)
    return pa.Array.from_buffers(
        pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(data.ravel())]
    )


def id_width(count: int, minimum: int) -> int:
    """Digits needed to number ``count`` things, at least ``minimum``."""
    return max(minimum, len(str(max(count, 1))))


def pick(choices: Sequence[str], index: np.ndarray) -> pa.Array:
    """``choices[index]`` as a string array; a negative index gives null."""
    missing = index < 0
    taken = pa.array(list(choices), pa.string()).take(pa.array(np.where(missing, 0, index)))
    if not missing.any():
        return taken
    return pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), taken)


def timestamps(start_us: int, days: np.ndarray) -> pa.Array:
    """Naive timestamps ``days`` (fractional) after the epoch microsecond ``start_us``, to the second."""
    seconds = np.floor(days * 86_400.0).astype(np.int64)
    return pa.array(start_us + seconds * 1_000_000, pa.timestamp("us"))


def dates(start_day: int, days: np.ndarray) -> pa.Array:
    """Dates ``floor(days)`` after the epoch day ``start_day``."""
    return pa.array((start_day + np.floor(days)).astype(np.int32), pa.date32())


def categorical(rng: np.random.Generator, probs: np.ndarray, n: int | None = None) -> np.ndarray:
    """Draw one category index per row of ``probs`` (rows of probabilities).

    With a one-dimensional ``probs``, draw ``n`` indices from that one distribution.
    Rows need not sum exactly to one: the last category takes the remainder.
    """
    if probs.ndim == 1:
        cum = np.cumsum(probs) / probs.sum()
        return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(probs) - 1)
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.asarray(np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1))


def segments(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of sizes ``counts``: each element's group and its position within it."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(len(owner)) - starts[owner]


def json_objects(key: str, values: pa.Array) -> pa.Array:
    """Small JSON objects ``{"key": value}`` from a string array of JSON literals."""
    return pc.binary_join_element_wise(pa.scalar(f'{{"{key}": '), values, pa.scalar("}"), "")


def categorical_by_row(rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """One category per element of ``rows``, drawn from row ``rows[i]`` of ``probs``.

    Works on the flattened cumulative table, so memory grows with ``probs``, not with
    ``len(rows) * probs.shape[1]``.
    """
    n_rows, k = probs.shape
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    flat = (cum + np.arange(n_rows)[:, None]).ravel()
    index = np.searchsorted(flat, rows + rng.random(len(rows)), side="right") - rows * k
    return np.asarray(np.clip(index, 0, k - 1))
