"""Which flagged models still need a refit, and clearing the flags of those refitted.

An erasure flags every stored fit that could include a forgotten person
(:mod:`segmint.mart.privacy.refits`). A flag is settled once the model is fitted again
after the erasure (the new fit cannot include the person: their rows are gone), or once
the flagged fit is no longer stored:

* a ``model_runs`` flag, by a later run of the same model (``created_at`` after the flag);
* a ``cluster_models`` flag, by a cluster model of the same segmentation stored after it.

:func:`pending_refits` lists the flags still open; :func:`clear_refitted` deletes the
settled ones (``segmint refits`` does both, so a refit clears its flags the next time
anybody looks, and the list never shows a model already refitted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import mart_tables
from segmint.mart.privacy.refits import CLUSTER_MODELS
from segmint.mart.schema import REFIT_FLAGS

TABLE = REFIT_FLAGS.name


@dataclass(frozen=True)
class PendingRefit:
    """A flagged model not refitted since the erasure that flagged it.

    Attributes:
        source: ``model_runs`` or ``cluster_models``.
        run_id: the run (``model_runs``); None for a cluster model.
        model: the model's name (``<segmentation> v<version>`` for a cluster model).
        as_of: end of the data the flagged fit used.
        n_subjects: forgotten people whose data the fit could include.
        flagged_at: when the erasure flagged it (UTC).
        reason: the erasure's reason.
    """

    source: str
    run_id: int | None
    model: str
    as_of: dt.date
    n_subjects: int
    flagged_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class _Fits:
    """What is stored now: the latest fit of each model name, the stored runs, the latest
    cluster model of each segmentation, the stored cluster models (``<seg> v<version>``)."""

    latest_run: dict[str, dt.datetime]
    stored_runs: set[int]
    latest_cluster: dict[str, dt.datetime]
    cluster_labels: set[str]


def _latest(found: dict[str, dt.datetime], name: str, at: dt.datetime | None) -> None:
    if at is not None and (name not in found or at > found[name]):
        found[name] = at


def _fits(mart: Mart) -> _Fits:
    fits = _Fits({}, set(), {}, set())
    runs = mart.table("model_runs").select("run_id", "model", "created_at")
    for r in runs.to_pyarrow().to_pylist():
        fits.stored_runs.add(int(r["run_id"]))
        _latest(fits.latest_run, str(r["model"]), r["created_at"])
    if CLUSTER_MODELS in mart_tables(mart):
        models = mart.table(CLUSTER_MODELS).select("segmentation", "version", "created_at")
        for r in models.to_pyarrow().to_pylist():
            fits.cluster_labels.add(f"{r['segmentation']} v{r['version']}")
            _latest(fits.latest_cluster, str(r["segmentation"]), r["created_at"])
    return fits


def _all_flags(mart: Mart) -> list[PendingRefit]:
    rows = mart.table(TABLE).order_by(["flagged_at", "model"]).to_pyarrow().to_pylist()
    return [
        PendingRefit(
            str(r["source"]),
            None if r["run_id"] is None else int(r["run_id"]),
            str(r["model"]),
            r["as_of"],
            int(r["n_subjects"]),
            r["flagged_at"],
            str(r["reason"] or ""),
        )
        for r in rows
    ]


def _is_settled(flag: PendingRefit, fits: _Fits) -> bool:
    """Refitted after the flag, or the flagged fit is no longer stored."""
    if flag.source == CLUSTER_MODELS:
        refitted = fits.latest_cluster.get(flag.model.rsplit(" v", 1)[0])
        gone = flag.model not in fits.cluster_labels
    else:
        refitted = fits.latest_run.get(flag.model)
        gone = flag.run_id is not None and flag.run_id not in fits.stored_runs
    return gone or (refitted is not None and refitted > flag.flagged_at)


def pending_refits(mart: Mart) -> list[PendingRefit]:
    """The flags still open (model not refitted since), oldest first."""
    fits = _fits(mart)
    return [f for f in _all_flags(mart) if not _is_settled(f, fits)]


def clear_refitted(mart: Mart) -> int:
    """Delete the flags of models refitted since (or no longer stored); how many."""
    if mart.read_only:
        return 0
    flags = _all_flags(mart)
    kept = pending_refits(mart)
    if len(kept) == len(flags):
        return 0
    rows = {
        "source": [f.source for f in kept],
        "run_id": [f.run_id for f in kept],
        "model": [f.model for f in kept],
        "as_of": [f.as_of for f in kept],
        "n_subjects": [f.n_subjects for f in kept],
        "flagged_at": [f.flagged_at for f in kept],
        "reason": [f.reason for f in kept],
    }
    with mart.transaction():
        mart.con.truncate_table(TABLE)
        if kept:
            mart.insert(TABLE, ibis.memtable(rows, schema=REFIT_FLAGS.ibis_schema()))
    return len(flags) - len(kept)
