"""Stored recommendations for an e-mail tool: consent decided when the file is made.

:func:`export_rows` reads a date's stored lists (``customer_id``, ``rank``, ``product_id``,
``product_name``, ``reason``) of everyone, or of the members of one segment, and keeps only
the customers who granted consent on the contact channel, read at export time: a customer
who withdrew after the lists were computed is left out. The consent rule lives in one
small function, :func:`consenting`, which every recommendation export goes through.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import InputError, MartError
from segmint.mart import Mart

EXPORT_COLUMNS = ("customer_id", "rank", "product_id", "product_name", "reason")
"""The columns of an export, as an e-mail tool imports them."""


@dataclass(frozen=True)
class ExportedLists:
    """The rows of an export and how many customers consent removed.

    Attributes:
        as_of: the date of the stored lists.
        channel: the contact channel whose consent applied.
        rows: :data:`EXPORT_COLUMNS`, by customer and rank.
        n_candidates: customers with a list (in the segment, when one was asked for).
        n_without_consent: of those, customers left out for want of consent.
    """

    as_of: dt.date
    channel: str
    rows: pd.DataFrame
    n_candidates: int
    n_without_consent: int

    @property
    def n_customers(self) -> int:
        """Customers in the export."""
        return self.n_candidates - self.n_without_consent


def consenting(mart: Mart, channel: str) -> ir.Table:
    """``customer_id`` of the customers who granted consent on ``channel`` (any case).

    A customer without a consent row for the channel, or whose consent is withdrawn, is
    absent: no consent, no contact.

    Raises:
        InputError: an empty channel.
    """
    wanted = channel.strip().lower()
    if not wanted:
        raise InputError("a contact channel is needed for an export (email, sms, push…).")
    consents = mart.table("consents")
    granted = consents.filter(
        (consents.channel.strip().lower() == wanted) & consents.granted.fill_null(False)
    )
    return granted.select(customer_id=granted.customer_id.cast("string")).distinct()


def stored_dates(mart: Mart) -> list[dt.date]:
    """The dates with stored recommendations, oldest first."""
    stored = mart.table("recommendations")
    dates = stored.select("as_of").distinct().order_by("as_of").to_pandas()["as_of"]
    return [pd.Timestamp(d).date() for d in dates]


def export_rows(
    mart: Mart,
    channel: str,
    *,
    as_of: dt.date | None = None,
    members: ir.Table | None = None,
) -> ExportedLists:
    """The stored lists as of ``as_of`` (default the latest) of consenting customers.

    Args:
        channel: the contact channel the file is for; its consent decides.
        as_of: which stored lists.
        members: ``customer_id`` of the customers to export (e.g. a segment's members).

    Raises:
        MartError: no recommendations stored (as of that date).
        InputError: an empty channel.
    """
    allowed = consenting(mart, channel)
    dates = stored_dates(mart)
    if not dates:
        raise MartError("no recommendations are stored yet: run `segmint recommend fit` first.")
    day = as_of or dates[-1]
    if day not in dates:
        shown = ", ".join(d.isoformat() for d in dates[-10:])
        raise MartError(f"no recommendations stored as of {day}; stored dates: {shown}.")
    stored = mart.table("recommendations")
    lists = stored.filter(stored.as_of == day)
    if members is not None:
        lists = lists.semi_join(members.select("customer_id"), "customer_id")
    n_candidates = int(lists.customer_id.nunique().execute())
    kept = lists.semi_join(allowed, "customer_id")
    products = mart.table("products").select("product_id", product_name="name")
    named = kept.left_join(products, "product_id")
    named = named.mutate(product_name=named.product_name.fill_null(named.product_id))
    named = named.select(*EXPORT_COLUMNS)
    frame = named.order_by(["customer_id", "rank"]).to_pandas()
    n_kept = int(frame["customer_id"].nunique())
    return ExportedLists(day, channel.strip().lower(), frame, n_candidates, n_candidates - n_kept)
