"""The dashboard's cached results written to a folder and read back exactly, without pickle.

A server that starts on data it has already summarised should not compute the profiles
again (about 20 s at a million customers). The results are frozen dataclasses of segmint
(a profile, an overview, the base's figures) holding frames, series, dates, numbers, text,
lists and dicts; :func:`write` stores such a value as a JSON tree with each frame in an
Arrow IPC file beside it, and :func:`read` builds it again. Unlike pickle, reading runs no
code named by the file: a dataclass is rebuilt only when it is defined in a ``segmint``
module, and any other type is refused.

A value is written only when reading it back gives it exactly (same types, same frames to
the dtype and index, NaN equal to NaN): :func:`write` checks, and raises
:class:`NotPersistableError` otherwise, so a restart never shows a page that differs from the
one it would compute. The values hold customers' data, so every file is made readable by
its owner only (:func:`segmint.mart.private_files.create_private`), like the mart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmint.mart.private_files import create_private

PACKAGE = "segmint."
"""Dataclasses are rebuilt only from modules of this package."""

Tree = Any
"""A JSON-compatible encoding of a value."""


class NotPersistableError(ValueError):
    """A value holds a type that is not written, or does not read back equal."""


def write(value: Any, folder: Path, name: str) -> None:
    """Write ``value`` as ``name.json`` and ``name-<i>.arrow`` files in ``folder``.

    Raises:
        NotPersistableError: a type that is not written, or a value that reads back different.
    """
    frames: list[pd.DataFrame] = []
    tree = _encode(value, frames)
    for i, frame in enumerate(frames):
        write_ipc(pa.Table.from_pandas(frame, preserve_index=True), folder / f"{name}-{i}.arrow")
    stored = json.dumps({"frames": len(frames), "value": tree})
    create_private(folder / f"{name}.json").write_text(stored)
    if not same(read(folder, name), value):
        raise NotPersistableError(f"{type(value).__name__} does not read back equal")


def write_ipc(table: pa.Table, path: Path) -> None:
    """Write ``table`` as an Arrow IPC file at ``path`` (mappable when read back), readable
    by its owner only."""
    with (
        pa.OSFile(str(create_private(path)), "wb") as sink,
        pa.ipc.new_file(sink, table.schema) as writer,
    ):
        writer.write_table(table)


def read(folder: Path, name: str) -> Any:
    """The value :func:`write` wrote as ``name`` in ``folder``.

    Raises:
        NotPersistableError: the file names a type that is not read.
        OSError, ValueError: a file is missing or damaged.
    """
    stored = json.loads((folder / f"{name}.json").read_text())
    frames = []
    for i in range(int(stored["frames"])):
        data = pa.py_buffer((folder / f"{name}-{i}.arrow").read_bytes())
        frames.append(pa.ipc.open_file(data).read_all().to_pandas())
    return _decode(stored["value"], frames)


def _encode(value: Any, frames: list[pd.DataFrame]) -> Tree:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        return {"numpy": value.dtype.str, "value": _encode(value.item(), frames)}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, pd.Timestamp):
        return {"timestamp": value.isoformat()}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, (list, tuple)):
        kind = "list" if isinstance(value, list) else "tuple"
        return {kind: [_encode(item, frames) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[_encode(k, frames), _encode(v, frames)] for k, v in value.items()]}
    if isinstance(value, pd.DataFrame):
        frames.append(value)
        return {"frame": len(frames) - 1}
    if isinstance(value, pd.Series):
        frames.append(value.to_frame(name=0))
        return {"series": len(frames) - 1, "name": _encode(value.name, frames)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        if not cls.__module__.startswith(PACKAGE):
            raise NotPersistableError(f"{cls.__module__}.{cls.__qualname__} is not segmint's")
        fields = {
            f.name: _encode(getattr(value, f.name), frames)
            for f in dataclasses.fields(value)
            if f.init
        }
        return {"dataclass": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
    raise NotPersistableError(f"a {type(value).__name__} is not written")


def _decode(tree: Tree, frames: list[pd.DataFrame]) -> Any:
    if not isinstance(tree, dict):
        return tree
    if "numpy" in tree:
        return np.dtype(tree["numpy"]).type(_decode(tree["value"], frames))
    if "float" in tree:
        return float(tree["float"])
    if "timestamp" in tree:
        return pd.Timestamp(tree["timestamp"])
    if "datetime" in tree:
        return dt.datetime.fromisoformat(tree["datetime"])
    if "date" in tree:
        return dt.date.fromisoformat(tree["date"])
    if "list" in tree:
        return [_decode(item, frames) for item in tree["list"]]
    if "tuple" in tree:
        return tuple(_decode(item, frames) for item in tree["tuple"])
    if "dict" in tree:
        return {_decode(k, frames): _decode(v, frames) for k, v in tree["dict"]}
    if "frame" in tree:
        return frames[tree["frame"]]
    if "series" in tree:
        return frames[tree["series"]].iloc[:, 0].rename(_decode(tree["name"], frames))
    if "dataclass" in tree:
        kind = _dataclass(tree["dataclass"])
        return kind(**{name: _decode(v, frames) for name, v in tree["fields"].items()})
    raise NotPersistableError(f"unknown entry {sorted(tree)}")


def _dataclass(name: str) -> type:
    """The dataclass ``module:qualname`` of a segmint module (nothing else is imported)."""
    module, _, qualname = name.partition(":")
    if not module.startswith(PACKAGE) or not qualname.isidentifier():
        raise NotPersistableError(f"{name} is not a segmint dataclass")
    kind = getattr(importlib.import_module(module), qualname, None)
    if not isinstance(kind, type) or not dataclasses.is_dataclass(kind):
        raise NotPersistableError(f"{name} is not a segmint dataclass")
    return kind


def same(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are equal to the type, frames and series to the dtype and
    index, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, pd.DataFrame):
        return _frames_equal(a, b)
    if isinstance(a, pd.Series):
        return a.name == b.name and _frames_equal(a.to_frame(name=0), b.to_frame(name=0))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, (float, np.floating)) and math.isnan(a):
        return bool(math.isnan(b))
    return bool(a == b)


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_exact=True, check_column_type=True)
    except (AssertionError, ValueError, TypeError):  # unequal, or not comparable
        return False
    return True
