"""Sorted copies written to a folder and mapped back into memory, instead of built again.

Building the 360° view's copies from the mart takes 20-30 s at a million customers (the
engine reads and sorts about 50 million rows); mapping the same copies from files takes
well under a second, and the pages they hold are read from the disk (or the page cache)
only when a lookup touches them. A :class:`~segmint.serving.sorted_table.SortedTable` is
written as its ids and row starts (``.npy``, read without pickle) and its columns (one
Arrow IPC file, dictionaries included), so the mapped copy holds the same arrays as the
built one and answers every lookup the same. The copies hold personal data (e-mail
addresses among the customers' columns): every file is made readable by its owner only
(:func:`segmint.mart.private_files.create_private`), like the mart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from segmint.mart.private_files import create_private
from segmint.serving.persisted_values import write_ipc
from segmint.serving.sorted_table import SortedTable


def write_table(table: SortedTable, folder: Path, name: str) -> None:
    """Write ``table`` as ``name.*`` files in ``folder``, each readable by its owner only."""
    np.save(create_private(folder / f"{name}.keys.npy"), table.keys, allow_pickle=False)
    np.save(create_private(folder / f"{name}.starts.npy"), table.starts, allow_pickle=False)
    held = {str(i): array for i, array in enumerate(table.arrays) if array is not None}
    columns = pa.table(held) if held else pa.table({})
    write_ipc(columns, folder / f"{name}.arrow")
    create_private(folder / f"{name}.json").write_text(json.dumps({"columns": table.columns}))


def read_table(folder: Path, name: str) -> SortedTable:
    """The table :func:`write_table` wrote as ``name`` in ``folder``, its arrays mapped from
    the files.

    Raises:
        OSError, ValueError: a file is missing or damaged.
    """
    columns = json.loads((folder / f"{name}.json").read_text())["columns"]
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise ValueError(f"{folder / name}.json does not list column names")
    keys = np.load(folder / f"{name}.keys.npy", mmap_mode="r", allow_pickle=False)
    starts = np.load(folder / f"{name}.starts.npy", mmap_mode="r", allow_pickle=False)
    if keys.dtype.kind != "S" or starts.dtype.kind != "i" or len(starts) != len(keys) + 1:
        raise ValueError(f"{folder / name}: ids and row starts do not match")
    with pa.memory_map(str(folder / f"{name}.arrow")) as source:
        held = pa.ipc.open_file(source).read_all()
    rows = int(starts[-1])
    arrays: list[pa.Array | None] = []
    for i in range(len(columns)):
        if str(i) not in held.column_names:
            arrays.append(None)
            continue
        column = held.column(str(i))
        array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
        if len(array) != rows:
            raise ValueError(f"{folder / name}.arrow: column {i} has {len(array)} rows, not {rows}")
        arrays.append(array)
    return SortedTable(columns, np.asarray(keys), np.asarray(starts), tuple(arrays))
