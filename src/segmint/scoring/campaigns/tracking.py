"""Campaign tracking: every campaign, its groups, response curves and measured lift.

- :func:`campaign_list`: one row per campaign with its plan (channel, dates, holdout,
  cost per contact) and its group sizes; no measuring, so it is quick.
- :func:`response_curve`: for each day since the start, the share of each group that has
  bought at least once since the start (cumulative response) and the revenue per member
  so far, target against control. On the last day of the window the response equals the
  ``conversion`` of :func:`~segmint.scoring.campaigns.campaign_results` and the revenue
  its ``revenue_per_member``: the same purchases, the same definitions
  (:mod:`segmint.features.orders`). Days after the last order in the mart are not drawn:
  a flat line there would mean "no data yet", not "no response".
- :func:`track_campaigns`: the list, each campaign measured (lift with intervals, ROI,
  SRM) and its curve; a campaign that cannot be measured (no start date, a group with
  fewer than two members) says why instead of failing the whole report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import numpy as np

from segmint.exceptions import InputError, MartError
from segmint.features.asof import end_of
from segmint.features.orders import purchase_values
from segmint.mart import Mart
from segmint.scoring.campaigns.measure import campaign_results, data_through
from segmint.scoring.campaigns.results import CampaignResults
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    import pandas as pd

TRACKING_RESAMPLES = 1_000
"""Bootstrap resamples per campaign in the tracking report (the minimum that is honest)."""


def campaign_list(mart: Mart) -> pd.DataFrame:
    """Every campaign with its plan and group sizes, the latest start first.

    Columns: ``campaign_id``, ``name``, ``channel``, ``start_date``, ``end_date``,
    ``holdout_share``, ``cost_per_contact``, ``n_target``, ``n_control``, ``n_members``.
    """
    import pandas as pd  # a table for the list pages and reports, not for a measurement

    campaigns = mart.table("campaigns")
    members = mart.table("campaign_members")
    sizes = members.group_by("campaign_id").aggregate(
        n_target=members.count(where=members["group"] == "target"),
        n_control=members.count(where=members["group"] == "control"),
    )
    joined = campaigns.left_join(sizes, "campaign_id")
    listed = joined.select(
        "campaign_id",
        "name",
        "channel",
        "start_date",
        "end_date",
        "holdout_share",
        "cost_per_contact",
        n_target=joined.n_target.fill_null(0),
        n_control=joined.n_control.fill_null(0),
    ).to_pandas()
    for column in ("start_date", "end_date"):
        listed[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in listed[column]]
    for column in ("n_target", "n_control"):
        listed[column] = listed[column].astype("int64")
    listed["n_members"] = listed["n_target"] + listed["n_control"]
    order = listed["start_date"].map(lambda d: d or dt.date.min)
    listed = listed.assign(_order=order).sort_values(
        ["_order", "campaign_id"], ascending=[False, True]
    )
    ordered: pd.DataFrame = listed.drop(columns="_order").reset_index(drop=True)
    return ordered


@dataclass(frozen=True)
class ResponseCurve:
    """Cumulative response and revenue per member by day since the start, per group.

    Attributes:
        start: the campaign's first day (day 0).
        day: days since the start, 0, 1, …
        target_response, control_response: share of the group with a purchase on or
            before that day (since the start).
        target_revenue, control_revenue: revenue per group member so far.
        data_through: the last day with an order in the mart.
    """

    start: dt.date
    day: tuple[int, ...]
    target_response: tuple[float, ...]
    control_response: tuple[float, ...]
    target_revenue: tuple[float, ...]
    control_revenue: tuple[float, ...]
    data_through: dt.date | None

    def as_dict(self) -> dict[str, Any]:
        """The curve as a JSON-ready mapping."""
        return {
            "start": self.start.isoformat(),
            "day": list(self.day),
            "target_response": list(self.target_response),
            "control_response": list(self.control_response),
            "target_revenue": list(self.target_revenue),
            "control_revenue": list(self.control_revenue),
            "data_through": None if self.data_through is None else self.data_through.isoformat(),
        }


def response_curve(
    mart: Mart, campaign_id: str, start: dt.date, days: int = DEFAULT_WINDOW_DAYS
) -> ResponseCurve:
    """The cumulative response of ``campaign_id``'s groups over ``days`` days from ``start``.

    Raises:
        InputError: ``days`` below 1.
    """
    if days < 1:
        raise InputError(f"a response curve needs at least 1 day; got {days}.")
    through = data_through(mart)
    shown = 0 if through is None else max(0, min(days, (through - start).days + 1))
    members = mart.table("campaign_members")
    mine = members.filter(members.campaign_id == campaign_id)
    mine = mine.select("customer_id", target=mine["group"] == "target")
    sizes = mine.group_by("target").aggregate(n=mine.count()).to_pandas()
    n = {bool(r.target): int(r.n) for r in sizes.itertuples()}
    daily = _daily(mart, mine, start, max(shown, 1)).to_pandas()
    columns: dict[str, tuple[float, ...]] = {}
    for flag, group in ((True, "target"), (False, "control")):
        mine = daily[daily["target"] == flag].set_index("day")[["responders", "revenue"]]
        rows = mine.astype(float).reindex(range(shown), fill_value=0.0)
        size = n.get(flag, 0) or np.nan
        columns[f"{group}_response"] = _cumulative(rows["responders"], size)
        columns[f"{group}_revenue"] = _cumulative(rows["revenue"], size)
    return ResponseCurve(start, tuple(range(shown)), data_through=through, **columns)


def _cumulative(values: pd.Series, size: float) -> tuple[float, ...]:
    return tuple(float(v) for v in np.cumsum(values.astype(float).to_numpy()) / size)


def _daily(mart: Mart, members: ir.Table, start: dt.date, days: int) -> ir.Table:
    """Per group and day since ``start``: first-time responders and revenue."""
    last = start + dt.timedelta(days=days - 1)
    values = purchase_values(mart, last, since=dt.datetime.combine(start, dt.time()))
    values = values.filter(values.order_ts < end_of(last)).join(members, "customer_id")
    dated = values.mutate(day=values.order_ts.date().delta(ibis.date(start), unit="day"))
    first = dated.group_by("customer_id", "target").aggregate(day=dated.day.min())
    responders = first.group_by("target", "day").aggregate(responders=first.count())
    revenue = dated.group_by("target", "day").aggregate(revenue=dated.net.sum())
    joined = revenue.left_join(responders, ["target", "day"])
    return joined.select("target", "day", "revenue", responders=joined.responders.fill_null(0))


@dataclass(frozen=True)
class TrackedCampaign:
    """One campaign in the tracking report: its plan, results and curve, or why not."""

    plan: dict[str, Any]
    results: CampaignResults | None
    curve: ResponseCurve | None
    problem: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: the plan, ``results`` (as the results JSON) and ``curve``."""
        plan = {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in self.plan.items()}
        return {
            **plan,
            "results": None if self.results is None else self.results.as_dict(),
            "curve": None if self.curve is None else self.curve.as_dict(),
            "problem": self.problem,
        }


@dataclass(frozen=True)
class CampaignTracking:
    """Every campaign measured, the latest start first."""

    window_days: int
    campaigns: tuple[TrackedCampaign, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "window_days": self.window_days,
            "campaigns": [c.as_dict() for c in self.campaigns],
        }


def track_campaigns(
    mart: Mart,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    campaign_ids: Sequence[str] | None = None,
    n_resamples: int = TRACKING_RESAMPLES,
) -> CampaignTracking:
    """Measure every campaign (or those named) and draw its response curve.

    Raises:
        InputError: a window below 1 day.
    """
    if window_days < 1:
        raise InputError(f"the response window must be at least 1 day; got {window_days}.")
    listed = campaign_list(mart)
    if campaign_ids is not None:
        listed = listed[listed["campaign_id"].isin(list(campaign_ids))]
    tracked = []
    for plan in listed.to_dict(orient="records"):
        tracked.append(_track(mart, {str(k): v for k, v in plan.items()}, window_days, n_resamples))
    return CampaignTracking(window_days, tuple(tracked))


def _track(mart: Mart, plan: dict[str, Any], window_days: int, n_resamples: int) -> TrackedCampaign:
    plan = {k: (None if _missing(v) else _plain(v)) for k, v in plan.items()}
    campaign_id = str(plan["campaign_id"])
    if plan["start_date"] is None:
        return TrackedCampaign(plan, None, None, "no start date: nothing to measure from")
    curve = response_curve(mart, campaign_id, plan["start_date"], window_days)
    if curve.data_through is None or curve.data_through < plan["start_date"]:
        shown = curve.data_through or "no orders"
        return TrackedCampaign(plan, None, curve, f"not started in the data yet ({shown})")
    try:
        results = campaign_results(
            mart, campaign_id, window_days=window_days, n_resamples=n_resamples
        )
    except (InputError, MartError) as error:
        return TrackedCampaign(plan, None, curve, str(error))
    return TrackedCampaign(plan, results, curve)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _plain(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value
