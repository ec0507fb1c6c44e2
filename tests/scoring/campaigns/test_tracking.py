"""Campaign tracking: the list, the response curves (by hand on the tiny campaign, and equal to
the measured conversion and revenue on the synthetic ones), and a report that survives a
campaign it cannot measure."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

import pytest

from segmint.exceptions import InputError
from segmint.features import order_totals, orders
from segmint.mart import Mart
from segmint.scoring.campaigns import campaign_results
from segmint.scoring.campaigns.tracking import campaign_list, response_curve, track_campaigns

START = dt.date(2024, 3, 10)


def test_list_has_the_plan_and_the_groups(tiny: Mart) -> None:
    listed = campaign_list(tiny).to_dict(orient="records")
    assert listed == [
        {
            "campaign_id": "k1",
            "name": "Spring",
            "channel": "email",
            "start_date": START,
            "end_date": dt.date(2024, 3, 23),
            "holdout_share": 0.5,
            "cost_per_contact": 0.1,
            "n_target": 3,
            "n_control": 3,
            "n_members": 6,
        }
    ]


def test_the_curve_reads_the_kept_order_totals_and_sums_no_line(
    tiny: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed = response_curve(tiny, "k1", START, 14)
    order_totals.keep(tiny)

    def refused(*_: object) -> NoReturn:
        raise AssertionError("order lines summed although their totals are kept")

    monkeypatch.setattr(orders, "line_net", refused)
    assert response_curve(tiny, "k1", START, 14) == summed


def test_curve_by_hand(tiny: Mart) -> None:
    # target: c1 buys on day 0 (19) and day 13 (5); control: c4 returns goods on day 5 (-6)
    curve = response_curve(tiny, "k1", START, 14)
    assert curve.day == tuple(range(14))
    assert curve.target_response == pytest.approx([1 / 3] * 14)
    assert curve.control_response == pytest.approx([0.0] * 5 + [1 / 3] * 9)
    assert curve.target_revenue == pytest.approx([19 / 3] * 13 + [8.0])
    assert curve.control_revenue == pytest.approx([0.0] * 5 + [-2.0] * 9)
    assert curve.data_through == dt.date(2024, 3, 24)


def test_curve_stops_at_the_last_order(tiny: Mart) -> None:
    curve = response_curve(tiny, "k1", dt.date(2024, 3, 20), 14)
    assert curve.day == (0, 1, 2, 3, 4)  # 20 to 24 March: no data after the 24th
    with pytest.raises(InputError, match="at least 1 day"):
        response_curve(tiny, "k1", START, 0)


def test_tracking_report_by_hand(tiny: Mart) -> None:
    report = track_campaigns(tiny)
    (k1,) = report.campaigns
    assert k1.problem is None and k1.results is not None and k1.curve is not None
    payload = report.as_dict()["campaigns"][0]
    assert payload["campaign_id"] == "k1" and payload["start_date"] == "2024-03-10"
    assert payload["results"]["lift"]["revenue_per_member"]["abs"] == pytest.approx(10.0)
    assert payload["curve"]["target_revenue"][-1] == pytest.approx(8.0)


@pytest.mark.parametrize("campaign_id", ["K001", "K003"])
def test_the_curve_ends_at_the_measured_lift(synthetic: Mart, campaign_id: str) -> None:
    results = campaign_results(synthetic, campaign_id, n_resamples=1_000)
    curve = response_curve(synthetic, campaign_id, results.start, 14)
    conversion, revenue = results.lift["conversion"].welch, results.lift["revenue_per_member"].welch
    assert curve.target_response[-1] == pytest.approx(conversion.mean_target)
    assert curve.control_response[-1] == pytest.approx(conversion.mean_control)
    assert curve.target_revenue[-1] == pytest.approx(revenue.mean_target)
    assert curve.control_revenue[-1] == pytest.approx(revenue.mean_control)
    assert list(curve.target_response) == sorted(curve.target_response)


def test_a_campaign_that_cannot_be_measured_says_why(tiny: Mart, load_csv) -> None:  # type: ignore[no-untyped-def]
    load_csv(
        tiny,
        "campaigns",
        "campaign_id,name,start_date\nk2,Undated,\nk3,Lonely,2024-03-01\nk4,Later,2024-05-01\n",
    )
    load_csv(
        tiny,
        "campaign_members",
        "campaign_id,customer_id,group\nk3,c1,target\n"
        "k4,c1,target\nk4,c2,target\nk4,c3,control\nk4,c4,control\n",
    )
    report = {c.plan["campaign_id"]: c for c in track_campaigns(tiny).campaigns}
    assert report["k2"].problem == "no start date: nothing to measure from"
    assert report["k3"].results is None and "1 target and 0 control" in str(report["k3"].problem)
    assert report["k1"].results is not None
    assert report["k4"].results is None
    assert report["k4"].problem == "not started in the data yet (2024-03-24)"
    order = [c.plan["campaign_id"] for c in track_campaigns(tiny).campaigns]
    assert order == ["k4", "k1", "k3", "k2"]
