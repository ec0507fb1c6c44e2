"""Use case: the customer features a command needs as of a date, built once and reused.

A command asks for the columns it uses (:func:`features_for`); only their groups are built,
and a group already stored for the day from the same data is read instead of rebuilt
(:mod:`segmint.features.part_store`). ``segmint features`` builds every group and stores the
whole table in ``features`` (:func:`store`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

import ibis

from segmint.features import StoredFeatures, load_features, store_features, stored_dates
from segmint.features.asof import AsOf, checked_as_of
from segmint.features.btyd import summary_of_features
from segmint.features.build import assemble, build_parts
from segmint.features.groups import groups_for
from segmint.features.part_store import parts_key, stored_parts
from segmint.features.store import fresh_table
from segmint.mart import Mart
from segmint.workflows.privacy import apply_stored_retention

Step = Callable[[str], None]


def store(mart: Mart, as_of: AsOf | None = None, step: Step | None = None) -> StoredFeatures:
    """Every feature as of ``as_of`` (default: the last day with orders), stored in the
    table ``features``; groups still fresh in the store are reused."""
    return store_features(mart, checked_as_of(mart, as_of), step=step)


def current(
    mart: Mart,
    as_of: AsOf | None = None,
    columns: Iterable[str] | None = None,
    step: Step | None = None,
) -> tuple[dt.date, ibis.Table]:
    """The features holding ``columns`` (default: all) as of ``as_of``, after applying the
    stored retention policy (nothing is computed from data the policy no longer keeps).

    Only the groups of ``columns`` are built, and only when the store has no part for the
    day built from the data as it is now.
    """
    groups = groups_for(columns)
    if mart.read_only:  # nothing can be stored: built for this use only
        day = checked_as_of(mart, as_of)
        return day, assemble(build_parts(mart, day, groups), day)
    apply_stored_retention(mart)
    day = checked_as_of(mart, as_of)
    return day, assemble(stored_parts(mart, day, groups, step), day)


def refresh_features(mart: Mart, as_of: AsOf | None = None) -> tuple[dt.date, ibis.Table]:
    """Every feature as of ``as_of`` (default: the last day with orders), stored in the table
    ``features`` (which the dashboard's customer pages read) after applying the stored
    retention policy; the groups come from the store."""
    apply_stored_retention(mart)
    stored = store_features(mart, checked_as_of(mart, as_of))
    return stored.as_of, load_features(mart, stored.as_of)


def features_for(
    mart: Mart,
    as_of: AsOf | None,
    features: ibis.Table | None,
    columns: Iterable[str] | None = None,
    step: Step | None = None,
) -> tuple[dt.date, ibis.Table]:
    """The day and the features to segment on: ``features`` when given (already built for
    that day), else the groups of ``columns`` from the store (:func:`current`)."""
    if features is not None:
        return checked_as_of(mart, as_of), features
    return current(mart, as_of, columns, step)


def features_key(mart: Mart, day: dt.date, columns: Iterable[str]) -> str | None:
    """The data key of the stored features holding ``columns`` as of ``day``, which a result
    computed from them is stored with (None: not stored, as on a read-only mart)."""
    return None if mart.read_only else parts_key(mart, day, groups_for(columns))


def stored_or_built(mart: Mart, day: dt.date) -> ibis.Table:
    """Every feature as of ``day``, stored in the table ``features`` unless it holds them
    already from the data as it is now (the groups come from the store)."""
    fresh = fresh_features(mart, day)
    if fresh is not None:
        return fresh
    store_features(mart, day)
    return load_features(mart, day)


def fresh_features(mart: Mart, day: dt.date) -> ibis.Table | None:
    """The table ``features`` as of ``day`` if it holds that day built from the data as it
    is now; None when it does not (not stored, or a load, an erasure or a retention run
    since, or stored with other built-in columns): nothing is built here."""
    if day in stored_dates(mart) and fresh_table(mart, day):
        return load_features(mart, day)
    return None


def kept_summary(mart: Mart, day: dt.date) -> ibis.Table | None:
    """The BTYD summary as of ``day`` read from the table ``features``
    (:func:`segmint.features.btyd.summary_of_features`) when it holds the day built from the
    data as it is now (:func:`fresh_features`: a load since the features were stored makes
    them stale); None otherwise, and nothing is built: the caller sums the purchases."""
    features = fresh_features(mart, day)
    return None if features is None else summary_of_features(features)
