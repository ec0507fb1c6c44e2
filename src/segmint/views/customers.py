"""Customer-level views: search, a segment's members page by page, and consented audiences.

The 360° view of one customer is :mod:`segmint.views.customer_view`; a page of customers by
id is read by :func:`segmint.serving.customer_lookup.customers_by_id`.

Personal data (``customer_pii``) is read only when the caller says the user may see it;
everything else uses ``customer_id`` alone, as the architecture requires.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import MartError
from segmint.features.asof import end_of
from segmint.mart import Mart
from segmint.serving.customer_lookup import SEARCH_COLUMNS
from segmint.views.segment_detail import segment_members

STANDARD_CHANNELS = ("email", "sms", "push", "phone", "post", "web")
"""Contact channels an audience can always be asked for (a mart's consents may add more)."""
PII_COLUMNS = ("email", "phone", "first_name", "last_name", "address")


def search(
    mart: Mart,
    query: str = "",
    *,
    segmentation: str | None = None,
    segment: str | None = None,
    as_of: dt.date | None = None,
    version: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """Customers whose id contains ``query`` (any case), optionally in one segment; a page and the count.

    Raises:
        MartError: ``segment`` given without ``segmentation``, or an unknown segmentation/date.
    """
    customers = mart.table("customers")
    found = customers.select(*SEARCH_COLUMNS)
    if query:
        found = found.filter(found.customer_id.lower().contains(query.strip().lower()))
    if segmentation is not None:
        if segment is None:
            raise MartError("filtering by segmentation needs a segment too: add segment=NAME")
        assert as_of is not None
        found = found.semi_join(
            segment_members(mart, segmentation, segment, as_of, version), "customer_id"
        )
    elif segment is not None:
        raise MartError("segment needs the segmentation it belongs to: add segmentation=NAME")
    total = int(found.count().execute())
    page = found.order_by("customer_id").limit(limit, offset=offset).execute()
    return page, total


def member_ids(
    mart: Mart, segmentation: str, segment: str, as_of: dt.date, version: int | None = None
) -> list[str]:
    """Ids of the customers in ``segment`` as of ``as_of``, in id order: what :func:`search`
    pages through for that segment when there is no query."""
    customers = mart.table("customers").select("customer_id")
    found = customers.semi_join(
        segment_members(mart, segmentation, segment, as_of, version), "customer_id"
    )
    return [str(i) for i in found.order_by("customer_id").customer_id.execute()]


def consent_channels(mart: Mart) -> list[str]:
    """The contact channels an audience may be asked for: the standard ones and every channel
    (in lower case) the mart's ``consents`` table records, sorted."""
    consents = mart.table("consents")
    found = consents.select(channel=consents.channel.lower()).distinct().channel.execute()
    recorded = {str(c) for c in found if isinstance(c, str) and c}
    return sorted(recorded | set(STANDARD_CHANNELS))


def audience(
    mart: Mart,
    segmentation: str,
    segment: str,
    day: dt.date,
    channel: str,
    include_pii: bool = False,
    version: int | None = None,
) -> tuple[pd.DataFrame, int]:
    """Members of ``segment`` who granted consent on ``channel``, and how many were left out.

    A member without a consent row for the channel, or whose consent is withdrawn, is left
    out: no consent, no contact. Columns: ``customer_id`` (and the PII columns when allowed).
    ``version``: the stored version to read, when already resolved (see
    :func:`segment_members`).
    """
    who = segment_members(mart, segmentation, segment, day, version)
    consents = mart.table("consents")
    granted = consents.filter(
        (consents.channel.lower() == channel.strip().lower())
        & consents.granted.fill_null(False)
        & (consents.updated_at.isnull() | (consents.updated_at < end_of(day)))
    ).select("customer_id")
    allowed: ir.Table = who.semi_join(granted, "customer_id")
    if include_pii:
        pii = mart.table("customer_pii").select("customer_id", *PII_COLUMNS)
        allowed = allowed.left_join(pii, "customer_id").select("customer_id", *PII_COLUMNS)
    frame = allowed.order_by("customer_id").execute()
    excluded = int(who.count().execute()) - len(frame)
    return frame, excluded
