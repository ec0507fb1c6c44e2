"""Models to refit after an erasure: every stored fit that could include a forgotten person.

A model fitted as of a day used data up to that day, so it could include every person
first seen (signed up, ordered or visited) on or before it. Such fits are flagged in
``refit_flags``, one row per model and erasure: the ``model_runs`` of CLV and propensity
models and the fitted cluster models of segmentations (``cluster_models``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.privacy._engine import mart_tables
from segmint.mart.privacy.coverage import SUBJECT
from segmint.mart.schema import REFIT_FLAGS

CLUSTER_MODELS = "cluster_models"
"""Where segmentation stores fitted cluster models (outside the declared schema)."""


@dataclass(frozen=True)
class RefitFlag:
    """A model whose fit could include a forgotten person."""

    source: str
    run_id: int | None
    model: str
    as_of: dt.date
    n_subjects: int


def unflagged_runs(mart: Mart, runs: ir.Table) -> ir.Table:
    """``runs`` (rows of ``model_runs``) without those an erasure flagged for refit: a
    stored model whose fit could include a forgotten person is never applied again."""
    if REFIT_FLAGS.name not in mart.table_names():
        return runs
    flags = mart.table(REFIT_FLAGS.name)
    flagged = flags.filter(flags.source == "model_runs", flags.run_id.notnull())
    return runs.anti_join(flagged.select("run_id"), "run_id")


def first_seen(mart: Mart, subjects: ir.Table) -> list[dt.date]:
    """The first date each person appears (signup, order or event); unknown ones left out."""
    customers = mart.table("customers").semi_join(subjects, SUBJECT)
    orders = mart.table("orders").semi_join(subjects, SUBJECT)
    events = mart.table("events").semi_join(subjects, SUBJECT)
    dates = (
        customers.select(SUBJECT, day=customers.signup_date)
        .union(orders.select(SUBJECT, day=orders.order_ts.date()))
        .union(events.select(SUBJECT, day=events.event_ts.date()))
    )
    dates = dates.filter(dates.day.notnull())
    first = dates.group_by(SUBJECT).aggregate(day=dates.day.min())
    return [row["day"] for row in first.to_pyarrow().to_pylist()]


def flag_refits(
    mart: Mart, first_seen: list[dt.date], reason: str, now: dt.datetime
) -> list[RefitFlag]:
    """Flag every stored model fitted as of a day some person was already known."""
    if not first_seen:
        return []
    candidates: list[tuple[str, int | None, str, dt.date]] = []
    runs = mart.table("model_runs").select("run_id", "model", "as_of").to_pyarrow().to_pylist()
    candidates += [("model_runs", int(r["run_id"]), str(r["model"]), r["as_of"]) for r in runs]
    if CLUSTER_MODELS in mart_tables(mart):
        models = mart.table(CLUSTER_MODELS)
        rows = models.select("segmentation", "version", "fitted_as_of").to_pyarrow().to_pylist()
        candidates += [
            (CLUSTER_MODELS, None, f"{r['segmentation']} v{r['version']}", r["fitted_as_of"])
            for r in rows
        ]
    flags = []
    for source, run_id, model, as_of in candidates:
        if as_of is None:
            continue
        n = sum(1 for day in first_seen if day <= as_of)
        if n:
            flags.append(RefitFlag(source, run_id, model, as_of, n))
    if flags:
        rows_out = {
            "source": [f.source for f in flags],
            "run_id": [f.run_id for f in flags],
            "model": [f.model for f in flags],
            "as_of": [f.as_of for f in flags],
            "n_subjects": [f.n_subjects for f in flags],
            "flagged_at": [now] * len(flags),
            "reason": [reason.strip()] * len(flags),
        }
        mart.insert(REFIT_FLAGS.name, ibis.memtable(rows_out, schema=REFIT_FLAGS.ibis_schema()))
    return flags
