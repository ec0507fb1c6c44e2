"""Customer-level views: search, the 360° view of one customer, and consented audiences.

Personal data (``customer_pii``) is read only when the caller says the user may see it;
everything else uses ``customer_id`` alone, as the architecture requires.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import MartError
from segmint.features import stored_dates
from segmint.features.asof import end_of
from segmint.insight.members import features_as_of
from segmint.mart import Mart
from segmint.web import scores
from segmint.web.frames import records
from segmint.web.segment_detail import segment_members

SEARCH_COLUMNS = ("customer_id", "signup_date", "country", "region", "acquisition_channel")
PII_COLUMNS = ("email", "phone", "first_name", "last_name", "address")
RECENT = 20


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


@dataclass
class Customer360:
    """Everything known about one customer, as JSON-ready parts."""

    customer_id: str
    profile: dict[str, Any]
    features_as_of: str | None
    features: dict[str, Any]
    segments: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    events: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    pii: dict[str, Any] | None = None
    messages: list[str] = field(default_factory=list)


def customer_360(
    mart: Mart,
    customer_id: str,
    include_pii: bool = False,
    feature_dates: list[dt.date] | None = None,
) -> Customer360:
    """The 360° view of ``customer_id``: profile, latest features, segment history, scores,
    recent orders with their value, recent events and consents (and PII when allowed).
    ``feature_dates`` are the stored feature dates when the caller has them at hand.

    Raises:
        MartError: no customer with that id.
    """
    customers = mart.con.table("customers")
    row = customers.filter(customers.customer_id == customer_id).drop("ingest_id").execute()
    if not len(row):
        raise MartError(
            f"no customer with id '{customer_id}'. Search for ids at /api/v1/customers?q=..."
        )
    result = Customer360(
        customer_id=customer_id,
        profile=records(row)[0],
        features_as_of=None,
        features={},
        segments=_segment_history(mart, customer_id),
        scores=_scores(mart, customer_id),
        orders=_recent_orders(mart, customer_id),
        events=_recent(mart, "events", customer_id, "event_ts"),
        consents=_rows(mart, "consents", customer_id),
    )
    dates = stored_dates(mart) if feature_dates is None else feature_dates
    if dates:
        feats = features_as_of(mart, dates[-1])
        mine = feats.filter(feats.customer_id == customer_id).execute()
        result.features_as_of = dates[-1].isoformat()
        result.features = (
            records(mine.drop(columns=["customer_id", "as_of"]))[0] if len(mine) else {}
        )
    else:
        result.messages.append("No stored features yet: run `segmint features`.")
    if not result.scores:
        result.messages.append(scores.NO_CLV)
    if include_pii:
        pii = _rows(mart, "customer_pii", customer_id)
        result.pii = pii[0] if pii else {}
    return result


def _rows(mart: Mart, table: str, customer_id: str) -> list[dict[str, Any]]:
    t = mart.con.table(table)
    found = t.filter(t.customer_id == customer_id)
    if "ingest_id" in found.columns:
        found = found.drop("ingest_id")
    return records(found.execute())


def _recent(mart: Mart, table: str, customer_id: str, ts: str) -> list[dict[str, Any]]:
    t = mart.con.table(table)
    found = t.filter(t.customer_id == customer_id).drop("ingest_id")
    return records(found.order_by(ibis.desc(ts)).limit(RECENT).execute())


def _recent_orders(mart: Mart, customer_id: str) -> list[dict[str, Any]]:
    orders = mart.con.table("orders")
    mine = orders.filter(orders.customer_id == customer_id)
    latest = mine.order_by(ibis.desc("order_ts")).limit(RECENT)
    every = mart.con.table("order_lines")
    lines = every.semi_join(mine.select("order_id"), "order_id")
    net = lines.quantity * lines.unit_price - lines.discount.fill_null(0.0)
    values = lines.group_by("order_id").aggregate(value=net.sum(), lines=lines.count())
    joined = latest.left_join(values, "order_id").select(
        "order_id", "order_ts", "channel", "status", "value", "lines"
    )
    return records(joined.order_by(ibis.desc("order_ts")).execute())


def _segment_history(mart: Mart, customer_id: str) -> list[dict[str, Any]]:
    """Every stored segment of the customer: the latest version's per segmentation and date."""
    a = mart.table("assignments")
    mine = a.filter(a.customer_id == customer_id)
    latest = mine.group_by(["segmentation", "as_of"]).aggregate(version=mine.version.max())
    rows = mine.semi_join(latest, ["segmentation", "as_of", "version"])
    frame = rows.select("segmentation", "as_of", "segment").order_by(["segmentation", "as_of"])
    return records(frame.execute())


def _scores(mart: Mart, customer_id: str) -> list[dict[str, Any]]:
    if not scores.has_scores(mart):
        return []
    table = mart.con.table(scores.SCORES_TABLE)
    mine = table.filter(table.customer_id == customer_id).select(
        "as_of", "model", "score_name", "value"
    )
    return records(mine.order_by([ibis.desc("as_of"), "score_name"]).execute())


def audience(
    mart: Mart,
    segmentation: str,
    segment: str,
    day: dt.date,
    channel: str,
    include_pii: bool = False,
) -> tuple[pd.DataFrame, int]:
    """Members of ``segment`` who granted consent on ``channel``, and how many were left out.

    A member without a consent row for the channel, or whose consent is withdrawn, is left
    out: no consent, no contact. Columns: ``customer_id`` (and the PII columns when allowed).
    """
    who = segment_members(mart, segmentation, segment, day)
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
