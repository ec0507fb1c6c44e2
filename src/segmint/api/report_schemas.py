"""Response schemas of the management reports: campaign tracking and results, channel and
segment sales. The names are the library's, so the JSON is the CLI's (``segmint campaign
results --format json``, ``segmint sales … --format json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from segmint.api.schemas import CURRENCY

Row = dict[str, Any]
Interval = list[float | None] | None


class CampaignRow(BaseModel):
    """One campaign in the tracking table: plan, groups, lifts with 95% intervals, ROI."""

    campaign_id: str
    name: str | None
    channel: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    n_target: int | None
    n_control: int | None
    srm_p: float | None = Field(description="Sample-ratio check p-value (mismatch below 0.001).")
    conversion_abs: float | None
    conversion_low: float | None
    conversion_high: float | None
    revenue_per_member_abs: float | None = Field(
        description="Lift of revenue per member (`lift.revenue_per_member.abs` of the results)."
    )
    revenue_per_member_low: float | None
    revenue_per_member_high: float | None
    incremental_revenue: float | None
    roi: float | None
    roi_low: float | None
    roi_high: float | None
    problem: str | None = Field(description="Why the campaign could not be measured, if so.")


class CampaignTrackingList(BaseModel):
    """Every campaign, measured over the response window."""

    window_days: int
    currency: str | None = Field(default=None, description=CURRENCY)
    data: list[CampaignRow]
    count: int


class MetricLiftOut(BaseModel):
    """A metric's lift, target minus control (more keys: bootstrap, CUPED details)."""

    model_config = ConfigDict(extra="allow")

    target: float | None
    control: float | None
    abs: float | None
    rel: float | None
    ci95: Interval
    cuped_ci95: Interval


class CampaignEconomicsOut(BaseModel):
    """A campaign's economics: contacts and their cost, the incremental money it caused with
    95% intervals, and its return on the contact costs (``roi``, the ratio a tracking row
    shows beside ``roi_low`` and ``roi_high``)."""

    n_contacted: int = Field(description="Members contacted (the target group).")
    cost_per_contact: float
    contact_cost: float = Field(description="`n_contacted` × `cost_per_contact`.")
    incremental_revenue: float | None
    incremental_revenue_ci95: Interval
    incremental_margin: float | None = Field(description="Null when unit costs are unknown.")
    incremental_margin_ci95: Interval
    basis: str = Field(description="`margin` or `revenue`: what the net return is computed on.")
    net_return: float | None = Field(description="Incremental `basis` minus the contact cost.")
    net_return_ci95: Interval
    roi: float | None = Field(description="`net_return` / `contact_cost`; null at no cost.")
    roi_ci95: Interval


class CampaignResultsOut(BaseModel):
    """A campaign measured: the JSON of ``segmint campaign results --format json``."""

    model_config = ConfigDict(extra="allow")

    campaign_id: str = Field(description="The campaign's identifier (`campaigns.campaign_id`).")
    currency: str | None = Field(default=None, description=CURRENCY)
    groups: dict[str, int]
    srm_p: float | None
    lift: dict[str, MetricLiftOut]
    segments: list[Row]
    economics: CampaignEconomicsOut
    notes: list[str]


class SalesRange(BaseModel):
    """The days a sales report covers, in whole weeks or months."""

    start: dt.date
    end: dt.date
    period: str
    last_period_complete: bool


class ChannelSalesOut(BaseModel):
    """Revenue, orders, customers and ``average_order_value`` by channel and period, with the
    segment mix."""

    range: SalesRange
    currency: str | None = Field(default=None, description=CURRENCY)
    periods: list[Row]
    channels: list[Row]
    segments: Row | None
    mix: list[Row] | None
    notes: list[str]


class SegmentSalesOut(BaseModel):
    """Revenue and ``gross_margin`` by segment and period, share of the portfolio and growth."""

    range: SalesRange
    currency: str | None = Field(default=None, description=CURRENCY)
    segments: Row
    costs_known: bool = Field(
        description="Whether some purchase line in the range has a known unit cost; when "
        "false, `gross_margin`, `margin_share`, `margin_growth` and `margin_coverage` are null."
    )
    periods: list[Row]
    totals: list[Row]
    notes: list[str]
