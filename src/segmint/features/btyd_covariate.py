"""The time-invariant covariate a CLV model can split its customers by.

A covariate is named the way users think of it: a column of the ``customers`` table
(``acquisition_channel``, ``region``, ``country``, ``city``, ``gender``) or
``segment:NAME``, each customer's segment in the stored segmentation ``NAME`` on its
latest date up to the as-of date (so a backtest never sees a segment computed from the
holdout): the latest date of any version, read in the version stored most recently
among those with results that day, as every reader of segments chooses
(:mod:`segmint.mart.segment_versions`). Customers without a value get none here; the model counts them as
``unknown`` (:func:`segmint.models.covariates.encode_groups`).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from segmint.exceptions import InputError, MartError
from segmint.mart import Mart, fetch, segment_versions

COVARIATE = "covariate"
"""The column the covariate's value is put in."""

CUSTOMER_COLUMNS = ("acquisition_channel", "region", "country", "city", "gender")
"""Columns of ``customers`` that can split a CLV model."""

SEGMENT_PREFIX = "segment:"


def check_covariate(name: str) -> str:
    """``name`` if it names a covariate (a column of :data:`CUSTOMER_COLUMNS` or ``segment:NAME``).

    Raises:
        InputError: anything else; says what is allowed.
    """
    key = name.strip()
    segment = key.removeprefix(SEGMENT_PREFIX)
    if key.lower() in CUSTOMER_COLUMNS:
        return key.lower()
    if key.startswith(SEGMENT_PREFIX) and segment.strip():
        return f"{SEGMENT_PREFIX}{segment.strip()}"
    raise InputError(
        f"unknown covariate '{name}'; use a customers column ({', '.join(CUSTOMER_COLUMNS)}) "
        "or segment:NAME for a stored segmentation (see `segmint segmentations`)."
    )


def covariate_values(mart: Mart, covariate: str, day: dt.date) -> ir.Table:
    """``customer_id`` and :data:`COVARIATE` for every customer that has a value as of ``day``.

    Raises:
        InputError: ``covariate`` is not one :func:`check_covariate` accepts.
        MartError: the segmentation is not stored, or has no assignments up to ``day``.
    """
    key = check_covariate(covariate)
    if not key.startswith(SEGMENT_PREFIX):
        customers = mart.table("customers")
        return customers.select("customer_id", **{COVARIATE: customers[key].cast("string")})
    name = key.removeprefix(SEGMENT_PREFIX)
    _check_stored(mart, name)
    latest = segment_versions.latest_date(mart, name, day)
    version = None if latest is None else segment_versions.version_on(mart, name, latest)
    if latest is None or version is None:
        raise MartError(
            f"segmentation '{name}' has no assignments up to {day}, so it cannot split a CLV "
            f"model fitted as of that day. Run `segmint segment … --as-of {day}` first."
        )
    a = mart.table("assignments")
    at = a.filter(
        (a.segmentation == name)
        & (a.version == version)
        & (a.as_of == ibis.literal(latest, "date"))
    )
    return at.select("customer_id", **{COVARIATE: at.segment})


def with_covariate(mart: Mart, table: ir.Table, covariate: str, day: dt.date) -> ir.Table:
    """``table`` (one row per ``customer_id``) with the covariate's value as of ``day``;
    null where a customer has none."""
    values = covariate_values(mart, covariate, day)
    joined = table.left_join(values, "customer_id")
    return joined.select(*table.columns, COVARIATE)


def _check_stored(mart: Mart, name: str) -> None:
    """Refuse a segmentation ``name`` that is not stored.

    Raises:
        MartError: no segmentation of that name; lists those stored.
    """
    defs = mart.table("segmentations")
    known = sorted(set(fetch.values(defs.segmentation)))
    if name not in known:
        raise MartError(
            f"no segmentation named '{name}' to use as a covariate; stored: "
            f"{', '.join(known) or 'none yet'}"
        )
