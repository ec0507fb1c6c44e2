"""Response schemas of the REST API: one family per resource; lists come back as ``{data, count}``.

Names are the library's (``customer_id``, ``as_of``, ``members``, ``revenue_per_member``…),
so a number means the same thing in the CLI, the API and the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field

Row = dict[str, Any]

UNKNOWN_COST = "Null when no cost of what was sold is known (`costs_known` false): unknown, not 0."
CURRENCY = (
    "ISO 4217 code of the answer's amounts, the shop's currency (`segmint currency`), e.g. "
    "`EUR`; null when none is set. The amounts themselves stay plain JSON numbers."
)
"""The description of the ``currency`` field every answer holding money carries."""

HISTORY_START = (
    "The first order's day when the mart's orders start within the year to `as_of`: the "
    "money, orders and values per member then cover only the days from it to `as_of`, and "
    "nothing is annualised (`segmint profile --format json` gives the same). Null when "
    "the orders cover the whole year."
)
"""The description of a profile's ``history_start``, what its figures "per year" are over."""


class Health(BaseModel):
    """The server is up and can read its mart."""

    status: str = Field(examples=["ok"])
    version: str
    segmentations: int = Field(description="Stored segmentations with results.")
    warming: bool = Field(
        False, description="True while the server still computes its first profiles."
    )


class SegmentationSummary(BaseModel):
    """One stored segmentation."""

    segmentation: str
    version: int
    kind: str
    n_as_of: int = Field(description="Dates with stored results.")
    last_as_of: dt.date | None
    n_segments: int


class SegmentationList(BaseModel):
    """Stored segmentations."""

    data: list[SegmentationSummary]
    count: int


class Persona(BaseModel):
    """A segment's persona card in words, as the segment explorer shows it (``segmint persona``
    prints the same card): each field is a sentence for a reader, amounts in the shop's
    currency; the numbers themselves are the segment's fields."""

    name: str = Field(
        description="Named from the segment's most distinguishing features.",
        examples=["Frequent multi-category buyers"],
    )
    size: str = Field(examples=["184 members (23.0% of the base)"])
    value: str = Field(
        description="Value tier (high, mid, low: value per member against the base's; "
        "`value unknown` with why when the segment has no value per member) and "
        "revenue per member a year (over the days of orders there are, and said so, when "
        "they start within the year), with the profit per member beside it when the tier "
        "judged profit (`segmint profile --value profit`).",
        examples=["high value · 799 revenue per member/year"],
    )
    buying: str = Field(
        description="Mean orders, order value, days between orders (when most members have "
        "two orders or more) and since the last order.",
        examples=["19.1 orders, 78 per order, every 51 days, last 19 days ago"],
    )
    churn_risk: str = Field(
        description="Risk judged by the segment's own rhythm, with the reason.",
        examples=["low (last order 0.4× the usual gap of 51 days)"],
    )
    traits: str = Field(examples=["Frequent; Multi-category"])
    categories: str = Field(
        description="Top categories by the year's revenue (over the days from the answer's "
        "`history_start` when set).",
        examples=["home (17%), kitchen (12%)"],
    )
    channels: str = Field(
        description="Top channels by the year's orders (over the days from the answer's "
        "`history_start` when set).",
        examples=["web (40%), store (34%)"],
    )
    people: str = Field(
        description="Most common age band, gender, region and customer attributes.",
        examples=["Age band 65+, Gender female, Region North Rhine-Westphalia"],
    )
    suggested_actions: str = Field(
        description="The playbook's plays, each once with what to do.",
        examples=["Retain: loyalty perks, early access and recognition."],
    )
    note: str | None = Field(
        default=None, description="`too small to act on` when the segment is; else null."
    )


class SegmentMoney(BaseModel):
    """One segment: size, money over the year to ``as_of`` (from ``history_start`` when the
    orders start within it), behaviour and the value ladder."""

    segment: str
    members: int
    orders: int = Field(description="Purchases in the year (from `history_start` when set).")
    share_of_base: float | None
    revenue: float
    costed_revenue: float = Field(description="Revenue of the lines whose unit cost is known.")
    margin_coverage: float | None = Field(
        description="`costed_revenue` / `revenue`: the share of revenue the margin covers "
        "(null without revenue)."
    )
    gross_margin: float | None = Field(description=UNKNOWN_COST)
    profit: float | None = Field(description=UNKNOWN_COST)
    revenue_per_member: float | None
    margin_per_member: float | None = Field(description=UNKNOWN_COST)
    profit_per_member: float | None = Field(description=UNKNOWN_COST)
    revenue_share: float | None
    profit_share: float | None = Field(description=UNKNOWN_COST)
    average_order_value: float | None
    orders_per_member: float | None
    frequency: float | None
    recency_days: float | None
    repeat_share: float | None = Field(description="Share of members with two orders or more.")
    cost_to_serve: float = Field(description="The cost to serve charged to its members.")
    value_rank: int = Field(description="1 = the most valuable per member.")
    next_segment: str | None = Field(description="The rung above on the value ladder.")
    movers: float = Field(description="1% of the members: who moves in the what-ifs.")
    step_up_revenue: float | None = Field(
        description="Revenue a year (over the days from `history_start` when set) from "
        "moving `movers` up to `next_segment`'s per member."
    )
    step_up_profit: float | None = Field(description="The same in profit. " + UNKNOWN_COST)
    grow_revenue: float | None = Field(
        description="Revenue a year (over the days from `history_start` when set) from 1% "
        "more members."
    )
    grow_profit: float | None = Field(description="The same in profit. " + UNKNOWN_COST)
    too_small: bool
    persona: Persona | None = Field(
        None, description="Persona card, from the profile of the same date as the numbers."
    )


class PortfolioMoney(BaseModel):
    """The whole base: the totals the segments add up to, over the year to ``as_of`` (from
    ``history_start`` when the orders start within it)."""

    members: int
    orders: int
    revenue: float
    costed_revenue: float = Field(description="Revenue of the lines whose unit cost is known.")
    margin_coverage: float | None = Field(
        description="`costed_revenue` / `revenue` (null without revenue)."
    )
    gross_margin: float | None = Field(description=UNKNOWN_COST)
    cost_to_serve: float = Field(description="The cost to serve charged to all members.")
    profit: float | None = Field(description=UNKNOWN_COST)
    share_of_base: float | None
    revenue_per_member: float | None
    margin_per_member: float | None = Field(description=UNKNOWN_COST)
    profit_per_member: float | None = Field(description=UNKNOWN_COST)
    revenue_share: float | None
    profit_share: float | None = Field(description=UNKNOWN_COST)
    average_order_value: float | None
    orders_per_member: float | None


class SegmentationDetail(BaseModel):
    """A segmentation's profile as of a date (the same numbers as ``segmint profile``)."""

    segmentation: str
    version: int
    kind: str
    as_of: dt.date
    dates: list[dt.date]
    n_base: int
    currency: str | None = Field(default=None, description=CURRENCY)
    costs_known: bool = Field(
        description="Whether any of the year's revenue has a known unit cost (or there is "
        "none); when false, margin and profit figures are null."
    )
    history_start: dt.date | None = Field(
        default=None,
        description=HISTORY_START,
        examples=[None, "2009-12-01"],
    )
    portfolio: PortfolioMoney
    segments: list[SegmentMoney]
    distinguishing: list[Row]
    statistics: list[Row]
    notes: list[str] = Field(description="What is not computed yet and how to compute it.")


class Flow(BaseModel):
    """Customers who moved from ``source`` to ``target`` and their revenue in the year to the
    to-date (over fewer days when the mart's orders start within that year)."""

    source: str
    target: str
    customers: int
    revenue: float


class MigrationOut(BaseModel):
    """Moves between a segmentation's segments from one stored date to another."""

    segmentation: str
    from_date: dt.date
    to_date: dt.date
    currency: str | None = Field(default=None, description=CURRENCY)
    entered: int
    left: int
    flows: list[Flow]
    top_flows: list[str]
    counts: dict[str, dict[str, float | int | None]]


class CustomerRow(BaseModel):
    """A customer in a search result (no personal data)."""

    customer_id: str
    signup_date: dt.date | None = None
    country: str | None = None
    region: str | None = None
    acquisition_channel: str | None = None


class CustomerList(BaseModel):
    """A page of customers."""

    data: list[CustomerRow]
    count: int = Field(description="Customers matching, over all pages.")
    limit: int
    offset: int


class Customer360Out(BaseModel):
    """Everything known about one customer; ``pii`` only for admins.

    Below admin, quasi-identifiers are coarsened: the profile has ``age_band`` instead of
    ``birth_year`` and no ``city`` or ``postcode``; features have no ``age`` or ``city``;
    events have ``property_keys`` (the names of their properties) instead of ``properties``.
    """

    customer_id: str
    currency: str | None = Field(default=None, description=CURRENCY)
    profile: Row = Field(
        description="The customers row. Admins: as stored. Others: `age_band` in place of "
        "`birth_year`, without `city` and `postcode`."
    )
    features_as_of: dt.date | None
    features: Row = Field(
        description="Latest stored features. Below admin without `age` and `city` "
        "(`age_band`, `country` and `region` stay)."
    )
    segments: list[Row]
    scores: list[Row]
    orders: list[Row]
    events: list[Row] = Field(
        description="Latest events. Admins: with the raw `properties` JSON. Others: "
        "`property_keys`, the names of the properties, instead."
    )
    consents: list[Row] = Field(
        description="The consents rows, each with `suppressed`: true when the do-not-contact "
        "list (the `suppressions` table) bars its channel, as every export decides it (a "
        "null channel there bars every channel); such a customer is never contacted on it, "
        "whatever the consent. A note says what the list holds for the customer."
    )
    pii: Row | None = Field(description="Contact details: admins only, else null.")
    attributes: list[Row] = Field(
        default_factory=list,
        description="The customer's attributes (`name`, `value`, `updated_at`, `source`), by "
        "name. Personal data (e-mail, phone, names, street address, date of birth) only where "
        "`pii` is shown; exact location and age (`city`, `postcode`, `zip`, `birth_year`, a "
        "numeric `age`) to admins only; the rest to every role. A message counts those held "
        "back.",
    )
    notes: list[str] = Field(
        description="Caveats in words: what is not computed yet (with the command that "
        "computes it) and what is held back from this role."
    )


class Audience(BaseModel):
    """A segment's members who may be contacted on ``channel``: forgotten people, members on
    the do-not-contact table ``suppressions`` for the channel and members whose latest
    consent there does not grant contact are left out and counted
    (``count + excluded_without_consent + excluded_suppressed`` = the segment's members).
    ``data`` is one page, in ``customer_id`` order; ``next_cursor`` gets the next."""

    segmentation: str
    segment: str
    as_of: dt.date = Field(
        description="The date of the segments exported: the segmentation's latest stored "
        "results on or before `as_of_requested` (its latest when none was asked for)."
    )
    as_of_requested: dt.date | None = Field(
        default=None, description="The `as_of` asked for, when one was."
    )
    channel: str
    count: int = Field(description="Members of the audience after the exclusions, over all pages.")
    page_count: int = Field(description="Members in this page (`data`).")
    limit: int = Field(description="Most members a page holds.")
    next_cursor: str | None = Field(
        default=None,
        description="The `cursor` of the next page; null on the last page.",
    )
    next: str | None = Field(
        default=None,
        description="Path and query of the next page (this request's, with `cursor`); null "
        "on the last page.",
    )
    excluded_without_consent: int
    excluded_suppressed: int = Field(
        default=0,
        description="Members left out as suppressed: forgotten, or on the do-not-contact "
        "table `suppressions` for the channel.",
    )
    pseudonymised: bool = False
    data: list[Row]


class Recommendation(BaseModel):
    """One recommended product, with the reason in words."""

    rank: int = Field(description="1 = best.")
    product_id: str
    product_name: str | None
    score: float | None = Field(description="The method's score (comparable within a method).")
    method: str = Field(examples=["rules", "buy_again", "segment_popularity"])
    reason: str = Field(examples=["because you bought Espresso beans and Milk frother (lift 4.2)"])


class CustomerRecommendations(BaseModel):
    """A customer's latest stored recommendations (``segmint recommend fit``), best first."""

    customer_id: str
    as_of: dt.date | None = Field(description="Date of the purchases the list was made from.")
    data: list[Recommendation]
    count: int
    notes: list[str] = Field(
        default_factory=list, description="What to run when nothing is stored; else empty."
    )


class Problem(BaseModel):
    """An error: what went wrong and what to do about it."""

    detail: str
