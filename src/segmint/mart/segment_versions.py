"""Which stored version of a segmentation is read as of a date: one rule for every reader.

A segmentation can have several versions (its definition changed), and results are
stored per version and ``as_of`` date in ``assignments``; ``segmentations`` records when
each version was last stored (``updated_at``). Every reader of segments chooses the same
way:

* **the date**: the latest date with results of *any* version (on or before a given
  day), so an older definition run on a later date is not hidden by a newer definition
  run only on earlier dates;
* **the version**: of the versions with results on that date, the one stored most
  recently (ties, which one save cannot make, go to the higher version).

The rule lives here, in the mart, because readers on every layer need it: the store
(:mod:`segmint.segmentation.store`), campaigns' audiences below it
(:mod:`segmint.scoring.campaigns.audience`), a CLV model's segment covariate
(:mod:`segmint.features.btyd_covariate`) and the sales reports. Names and dates are
values of Ibis expressions, never SQL text.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.fetch import rows, scalar


def latest_date(mart: Mart, name: str, day: dt.date | None = None) -> dt.date | None:
    """The latest date with results of segmentation ``name`` of any version, on or before
    ``day`` when given; None when there is none."""
    a = mart.table("assignments")
    mine = a.filter(a.segmentation == name)
    if day is not None:
        mine = mine.filter(mine.as_of <= ibis.literal(day, "date"))
    found = scalar(mine.as_of.max())
    return None if found is None else _date(found)


def earliest_date(mart: Mart, name: str) -> dt.date | None:
    """The first date with results of segmentation ``name`` of any version; None when
    there is none (the date a day asked for must not precede)."""
    a = mart.table("assignments")
    found = scalar(a.filter(a.segmentation == name).as_of.min())
    return None if found is None else _date(found)


def version_on(mart: Mart, name: str, day: dt.date) -> int | None:
    """The most recently stored version of segmentation ``name`` with results as of
    ``day``; None when no version has results then."""
    a = mart.table("assignments")
    on_day = a.filter((a.segmentation == name) & (a.as_of == ibis.literal(day, "date")))
    has = on_day.select("version").distinct()
    defs = mart.table("segmentations")
    mine = defs.filter(defs.segmentation == name).semi_join(has, "version")
    newest = mine.order_by([ibis.desc("updated_at"), ibis.desc("version")]).limit(1)
    found = rows(newest.select("version"))
    return int(found[0]["version"]) if found else None


def stored_order(mart: Mart, name: str) -> list[int]:
    """The versions of segmentation ``name``, the most recently stored first (the order
    :func:`version_on` chooses by, ties to the higher version)."""
    defs = mart.table("segmentations")
    mine = defs.filter(defs.segmentation == name)
    ordered = mine.order_by([ibis.desc("updated_at"), ibis.desc("version")]).select("version")
    return [int(row["version"]) for row in rows(ordered)]


def chosen_versions(mart: Mart, name: str) -> ir.Table:
    """``as_of``, ``version``: every date with results of segmentation ``name`` and the
    version read as of it (what :func:`version_on` gives for each date, in one query)."""
    a = mart.table("assignments")
    mine = a.filter(a.segmentation == name)
    return read_versions(mine, mart.table("segmentations")).select("as_of", "version")


def read_versions(assignments: ir.Table, definitions: ir.Table) -> ir.Table:
    """``segmentation``, ``as_of``, ``version``: for every segmentation and date with
    results in ``assignments``, the version read as of that date, the one of
    ``definitions`` (the ``segmentations`` table) stored most recently.

    Taking the tables rather than the mart, it serves readers that keep results beside the
    assignments (:mod:`segmint.segmentation.runs`) and those that compile it into a
    statement of their own (:mod:`segmint.serving.histories`).
    """
    runs = assignments.select("segmentation", "as_of", "version").distinct()
    stored = definitions.select("segmentation", "version", "updated_at")
    joined = runs.join(stored, ["segmentation", "version"])
    newest = ibis.window(
        group_by=[joined.segmentation, joined.as_of],
        order_by=[ibis.desc(joined.updated_at), ibis.desc(joined.version)],
    )
    ranked = joined.mutate(_rank=ibis.row_number().over(newest))
    return ranked.filter(ranked._rank == 0).select("segmentation", "as_of", "version")


def _date(value: object) -> dt.date:
    """A date from what the engine returns for a date column."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
