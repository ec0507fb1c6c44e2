"""Text ids as a sorted numpy array of bytes, searched by bisection.

A Python ``str`` per id would cost about 60 bytes; a fixed-width bytes array costs the
id's length (8 bytes for ``C0000001``), and :func:`numpy.searchsorted` finds an id's rows
among millions in microseconds. Ids are compared as their UTF-8 bytes, the engine's own
order of text.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

BATCH = 1_000_000
"""Ids converted at once when they differ in length (bounds the temporary Python strings)."""


def as_keys(ids: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.bytes_]:
    """``ids`` (Arrow text without nulls) as a fixed-width bytes array, in the same order."""
    binary = pc.cast(ids, pa.binary())
    if isinstance(binary, pa.ChunkedArray):
        binary = binary.combine_chunks()
    if len(binary) == 0:
        return np.array([], dtype="S1")
    lengths = pc.binary_length(binary)
    width = max(int(pc.max(lengths).as_py()), 1)
    if int(pc.min(lengths).as_py()) == width:  # every id as long: the bytes are the array
        offsets = np.frombuffer(binary.buffers()[1], dtype=np.int32)
        start = int(offsets[binary.offset])
        data = np.frombuffer(binary.buffers()[2], dtype=np.uint8)
        block = data[start : start + width * len(binary)].copy()
        return block.view(f"S{width}")
    return np.concatenate(
        [
            np.array(binary.slice(i, BATCH).to_pylist(), dtype=f"S{width}")
            for i in range(0, len(binary), BATCH)
        ]
    )


def key_range(keys: npt.NDArray[np.bytes_], key: str) -> tuple[int, int]:
    """The positions ``[low, high)`` of ``key`` in the sorted ``keys`` (empty when absent)."""
    try:
        encoded = key.encode()
    except UnicodeEncodeError:  # a lone surrogate: no stored text holds one
        return 0, 0
    if len(encoded) > keys.dtype.itemsize or encoded.endswith(b"\0"):
        return 0, 0  # longer than every id, or not representable: no stored id is equal
    needle = np.array(encoded, dtype=keys.dtype)
    low = int(np.searchsorted(keys, needle, side="left"))
    high = int(np.searchsorted(keys, needle, side="right"))
    return low, high
