"""Stored recommendations for an e-mail tool: consent decided when the file is made.

:func:`export_rows` reads a date's stored lists (``customer_id``, ``rank``, ``product_id``,
``product_name``, ``reason``) of everyone, or of the members of one segment, and keeps only
the customers who may be contacted, decided as every export decides it
(:func:`segmint.mart.privacy.eligible_for_export`): forgotten people never, nor the
customers of the do-not-contact table ``suppressions`` for the channel, and the latest
consent on the contact channel read at export time, so a customer who withdrew after the
lists were computed is left out. A channel the mart records no consent on at all is
refused (:func:`segmint.mart.privacy.refuse_unrecorded_channel`), as a campaign's send is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import MartError
from segmint.mart import Mart, privacy

EXPORT_COLUMNS = ("customer_id", "rank", "product_id", "product_name", "reason")
"""The columns of an export, as an e-mail tool imports them."""


@dataclass(frozen=True)
class ExportedLists:
    """The rows of an export and how many customers consent and suppression removed.

    Attributes:
        as_of: the date of the stored lists.
        channel: the contact channel whose consent applied.
        rows: :data:`EXPORT_COLUMNS`, by customer and rank.
        n_candidates: customers with a list (in the segment, when one was asked for).
        n_without_consent: of those, customers left out for want of consent.
        n_suppressed: of those, customers left out as suppressed: forgotten, or on the
            do-not-contact table ``suppressions`` for the channel.
        members_as_of: the date of the segment's members read, when the export was of a
            segment (the segmentation's latest results on or before ``as_of``).
    """

    as_of: dt.date
    channel: str
    rows: pd.DataFrame
    n_candidates: int
    n_without_consent: int
    n_suppressed: int = 0
    members_as_of: dt.date | None = None

    @property
    def dates(self) -> str:
        """``lists as of D`` and, for a segment, ``, the segment's members as of D``."""
        day = self.members_as_of
        members = "" if day is None else f", the segment's members as of {day}"
        return f"lists as of {self.as_of}{members}"

    @property
    def n_customers(self) -> int:
        """Customers in the export."""
        return self.n_candidates - self.n_without_consent - self.n_suppressed


def stored_dates(mart: Mart) -> list[dt.date]:
    """The dates with stored recommendations, oldest first."""
    stored = mart.table("recommendations")
    dates = stored.select("as_of").distinct().order_by("as_of").to_pandas()["as_of"]
    return [pd.Timestamp(d).date() for d in dates]


def lists_day(mart: Mart, as_of: dt.date | None = None) -> dt.date:
    """The date of the stored lists an export reads: ``as_of``, or the latest by default.

    Raises:
        MartError: no recommendations stored (as of that date); lists the stored dates.
    """
    dates = stored_dates(mart)
    if not dates:
        raise MartError("no recommendations are stored yet: run `segmint recommend fit` first.")
    day = as_of or dates[-1]
    if day not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-10:])
        raise MartError(f"no recommendations stored as of {day}; stored dates: {shown}.")
    return day


def export_rows(
    mart: Mart,
    channel: str,
    *,
    as_of: dt.date | None = None,
    members: ir.Table | None = None,
) -> ExportedLists:
    """The stored lists as of ``as_of`` (default the latest) of consenting customers who are
    on no suppression list.

    Args:
        channel: the contact channel the file is for; its consent decides.
        as_of: which stored lists.
        members: ``customer_id`` of the customers to export (e.g. a segment's members).

    Raises:
        MartError: no recommendations stored (as of that date).
        ConsentError: an empty channel, or one the mart records no consent on at all.
    """
    day = lists_day(mart, as_of)
    stored = mart.table("recommendations")
    lists = stored.filter(stored.as_of == day)
    if members is not None:
        lists = lists.semi_join(members.select("customer_id"), "customer_id")
    eligible = privacy.eligible_for_export(mart, lists, channel=channel)
    privacy.refuse_unrecorded_channel(
        mart,
        channel,
        eligible.n_without_consent,
        f"the lists are exported for contact by {eligible.channel} (--channel)",
        f"the {eligible.n_candidates - eligible.n_suppressed:,} customers with a list",
    )
    kept = eligible.rows
    products = mart.table("products").select("product_id", product_name="name")
    named = kept.left_join(products, "product_id")
    named = named.mutate(product_name=named.product_name.fill_null(named.product_id))
    named = named.select(*EXPORT_COLUMNS)
    frame = named.order_by(["customer_id", "rank"]).to_pandas()
    return ExportedLists(
        day,
        str(eligible.channel),
        frame,
        eligible.n_candidates,
        eligible.n_without_consent,
        eligible.n_suppressed,
    )
