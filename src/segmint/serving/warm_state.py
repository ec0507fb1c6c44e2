"""A server's warm state kept on disk, so a restart on unchanged data is ready at once.

Warming a server at a million customers takes most of a minute: the profiles of the stored
segmentations (about 20 s) and the sorted copies of the 360° view (about 25 s). None of it
changes until the data do, so after a warm-up the server writes both beside the mart, in
``<mart>.serving-state/`` (:func:`segmint.mart.snapshot.warm_state_path`), under a key of
what they were computed from: what the warmer compares to see whether the data changed
(the stored segmentations with their versions and dates, the copied tables' counts, and
the catalogues every writer adds to: loads, feature and segmentation builds, model fits,
erasures), the format and the code that computed them. A server that starts (or takes up
a new snapshot) on data with the same key maps the copies from those files and takes the
cached results back instead of computing them; a commit that changes none of that (a
token created, say) keeps the key.

Writing is atomic: everything goes to a temporary folder that is renamed to its key when
complete, and older keys are then removed (a server that still maps their files keeps
them until it lets go). The folder and every file in it are readable by their owner only
(0700 and 0600), like the mart: the copies hold personal data, so an erasure or a
retention run removes it (:func:`segmint.mart.snapshot.discard_warm_state`). A state is not kept when the folder
was discarded after its data were last written: a server may finish warming on data an
erasure has just changed, and would otherwise keep the erased people's rows. A folder
that cannot be read back is ignored and the server computes everything, as it would
without one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Hashable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from segmint.mart.private_files import create_private
from segmint.mart.snapshot import warm_state_guard
from segmint.serving import persisted_copies, persisted_values
from segmint.serving.sorted_copies import Built
from segmint.serving.sorted_table import SortedTable

log = logging.getLogger(__name__)

FORMAT = 1
"""The layout of a saved state; a different one is never read."""

MANIFEST = "manifest.json"
TEMPORARY = ".tmp-"

Entry = tuple[Hashable, Any]
"""A cached result and its key."""


@dataclass(frozen=True)
class WarmState:
    """The sorted copies and the dashboard's cached results of one state of the data."""

    copies: Built
    results: list[Entry]


def state_key(seen: Any) -> str:
    """The key of the warm state of data in which the warmer saw ``seen`` (the stored
    segmentations and the fingerprint of :func:`segmint.serving.sorted_copies.fingerprint`),
    computed by this code in this format."""
    described = json.dumps([FORMAT, _code(), repr(seen)])
    return hashlib.sha256(described.encode()).hexdigest()[:40]


def save(root: Path, key: str, state: WarmState, written: int) -> int | None:
    """Write ``state`` under ``key`` in ``root`` and remove older keys; the number of
    cached results written (those whose types are not written, or that do not read back
    equal, are left for the server to compute).

    ``written`` is when (ns, the file system's clock) the data the state was computed from
    were last written. When the warm state was discarded since (an erasure, say, while this
    state was computed from the data before it), nothing is kept and None is returned.
    """
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    root.chmod(0o700)
    folder = root / f"{TEMPORARY}{os.getpid()}-{uuid.uuid4().hex}"
    folder.mkdir(mode=0o700)
    try:
        manifest = _write(folder, state)
        create_private(folder / MANIFEST).write_text(json.dumps(manifest))
        with warm_state_guard(root) as discarded:
            if discarded is not None and written <= discarded:
                log.info("not keeping the warm state: it was discarded after its data were read")
                shutil.rmtree(folder, ignore_errors=True)
                return None
            try:
                folder.rename(root / key)
            except OSError:  # another server of the mart wrote the same key first, or the
                shutil.rmtree(folder, ignore_errors=True)  # folder was discarded meanwhile
                if not (root / key).is_dir():
                    return None
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _remove_others(root, key)
    return len(manifest["results"])


def load(root: Path, key: str) -> WarmState | None:
    """The warm state saved under ``key`` in ``root``; None when there is none or it cannot
    be read (the reason is logged)."""
    folder = root / key
    if not (folder / MANIFEST).is_file():
        return None
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            return None
        return _read(folder, manifest)
    except (OSError, ValueError, KeyError, TypeError, persisted_values.NotPersistableError) as exc:
        log.warning("the saved warm state in %s cannot be read (%s); computing it", folder, exc)
        return None


def _write(folder: Path, state: WarmState) -> dict[str, Any]:
    """Write the copies and the results that can be written; the manifest that lists them."""
    built = state.copies
    for i, table in enumerate(built.tables.values()):
        persisted_copies.write_table(table, folder, f"table-{i}")
    features = None
    if built.features is not None:
        persisted_copies.write_table(built.features[1], folder, "features")
        features = built.features[0].isoformat()
    if built.orders is not None:
        persisted_copies.write_table(built.orders, folder, "orders")
    if built.listed is not None:
        persisted_copies.write_table(built.listed, folder, "listed")
    results = []
    for i, entry in enumerate(state.results):
        try:
            persisted_values.write(entry, folder, f"result-{i}")
        except persisted_values.NotPersistableError as exc:
            log.debug("a cached result is not kept: %s", exc)
            for written in folder.glob(f"result-{i}[.-]*"):
                written.unlink()
            continue
        results.append(f"result-{i}")
    return {
        "format": FORMAT,
        "tables": list(built.tables),
        "features": features,
        "orders": built.orders is not None,
        "listed": built.listed is not None,
        "has_scores": built.has_scores,
        "results": results,
    }


def _read(folder: Path, manifest: dict[str, Any]) -> WarmState:
    tables: dict[str, SortedTable] = {
        str(name): persisted_copies.read_table(folder, f"table-{i}")
        for i, name in enumerate(manifest["tables"])
    }
    features = None
    if manifest["features"] is not None:
        day = dt.date.fromisoformat(manifest["features"])
        features = (day, persisted_copies.read_table(folder, "features"))
    orders = persisted_copies.read_table(folder, "orders") if manifest["orders"] else None
    listed = persisted_copies.read_table(folder, "listed") if manifest["listed"] else None
    built = Built(tables, features, bool(manifest["has_scores"]), orders, listed)
    results: list[Entry] = []
    for name in manifest["results"]:
        entry = persisted_values.read(folder, str(name))
        if not isinstance(entry, tuple) or len(entry) != 2:
            raise ValueError(f"{folder / name}.json is not a cached result")
        results.append((entry[0], entry[1]))
    return WarmState(built, results)


def _remove_others(root: Path, key: str) -> None:
    """Remove the states of other keys, and temporary folders of servers no longer running."""
    for other in root.iterdir():
        if other.name == key or not other.is_dir():
            continue
        if other.name.startswith(TEMPORARY) and _running(other.name):
            continue
        shutil.rmtree(other, ignore_errors=True)


def _running(name: str) -> bool:
    """Whether the process that writes the temporary folder ``name`` still runs."""
    pid = name.removeprefix(TEMPORARY).partition("-")[0]
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # running, as another user
        return True
    return True


@cache
def _code() -> str:
    """A digest of segmint's own files (names, sizes, modification times): results computed
    by other code are not taken back."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        digest.update(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()
