"""Member outcomes from orders, lines and events, checked number by number on a tiny campaign
loaded from files (the way an outside campaign arrives)."""

from __future__ import annotations

import datetime as dt
import json

import ibis
import pandas as pd
import pytest

from segmint.exceptions import InputError, MartError
from segmint.mart import TABLES, Mart
from segmint.scoring.campaigns import Window, campaign_results, member_outcomes
from segmint.scoring.campaigns.measure import campaign_start

from .conftest import Loader


def test_outcomes_in_the_window_and_the_pre_period(tiny: Mart) -> None:
    window = Window.of(dt.date(2024, 3, 10), 14, 14)
    outcomes = member_outcomes(tiny, "k1", window)
    frame = outcomes.frame.to_pandas().set_index("customer_id").sort_index()
    expected = pd.DataFrame(
        {
            "target": [True, True, True, False, False, False],
            "conversion": [1.0, 0, 0, 1, 0, 0],
            "orders": [2.0, 0, 0, 1, 0, 0],
            "revenue": [24.0, 0, 0, -6, 0, 0],
            "margin": [14.0, 0, 0, -4, 0, 0],
            "visit": [1.0, 0, 0, 0, 0, 0],
            "pre_conversion": [0.0, 1, 0, 0, 1, 0],
            "pre_orders": [0.0, 1, 0, 0, 1, 0],
            "pre_revenue": [0.0, 7, 0, 0, 3, 0],
            "pre_margin": [0.0, 0, 0, 0, 0, 0],
            "pre_visit": [0.0, 0, 0, 0, 0, 1],
            "reached": [True, False, False, True, False, False],
        },
        index=pd.Index(["c1", "c2", "c3", "c4", "c5", "c6"], name="customer_id"),
    )
    pd.testing.assert_frame_equal(frame[expected.columns], expected, check_dtype=False)
    assert outcomes.margin_known and outcomes.visits_known and outcomes.reach_known


def test_a_campaign_loaded_from_files_is_measured(tiny: Mart) -> None:
    results = campaign_results(tiny, "k1")
    payload = results.as_dict()
    assert payload["groups"] == {"target": 3, "control": 3}
    assert payload["srm_p"] == pytest.approx(1.0) and payload["srm_mismatch"] is False
    revenue = payload["lift"]["revenue_per_member"]
    assert revenue["abs"] == pytest.approx(24 / 3 + 6 / 3)
    assert revenue["target"] == pytest.approx(8.0) and revenue["control"] == pytest.approx(-2.0)
    assert payload["lift"]["conversion"]["abs"] == pytest.approx(0.0)
    roi = payload["economics"]
    assert roi["incremental_revenue"] == pytest.approx(30.0)
    assert roi["incremental_margin"] == pytest.approx(18.0)
    assert roi["basis"] == "margin" and roi["contact_cost"] == pytest.approx(0.3)
    assert roi["roi"] == pytest.approx((18.0 - 0.3) / 0.3)
    compliance = payload["compliance"]
    assert compliance["reach_rate"] == pytest.approx(1 / 3)
    assert compliance["contamination_rate"] == pytest.approx(1 / 3)
    assert payload["window"] == {
        "start": "2024-03-10",
        "end": "2024-03-23",
        "pre_start": "2024-02-25",
    }


def test_a_window_the_data_do_not_cover_is_said(tiny: Mart) -> None:
    assert campaign_results(tiny, "k1").notes == ()  # orders run to 24 March
    late = campaign_results(tiny, "k1", start=dt.date(2024, 3, 20))
    assert late.notes[0].startswith(
        "the mart holds orders up to 2024-03-24, before the window ends on 2024-04-02"
    )
    early = campaign_results(tiny, "k1", start=dt.date(2024, 1, 1))  # orders from 20 Feb
    assert early.notes[0].startswith(
        "the mart's orders start on 2024-02-20, after the window starts on 2024-01-01"
    )


def test_a_window_after_the_last_order_is_refused_naming_the_last_day_with_data(
    tiny: Mart,
) -> None:
    """Orders run to 24 March: a window from 25 March has no data, and lifts of 0 with an
    ROI of -1 would be computed from nothing."""
    with pytest.raises(
        InputError,
        match=r"campaign 'k1' has not started in the data yet: its response window starts on "
        r"2024-03-25 and the mart holds orders up to 2024-03-24, .* Load the orders from "
        r"2024-03-25 on \(`segmint ingest orders FILE`",
    ):
        campaign_results(tiny, "k1", start=dt.date(2024, 3, 25))
    assert campaign_results(tiny, "k1", start=dt.date(2024, 3, 24)).n_target == 3  # one day


def test_a_window_without_purchases_does_not_ask_for_product_costs(tiny: Mart) -> None:
    quiet = campaign_results(tiny, "k1", start=dt.date(2024, 3, 16), window_days=7)
    assert "no member bought in the window: no margin to measure, ROI on revenue" in quiet.notes
    assert not any("product costs" in note for note in quiet.notes)


def test_a_window_other_than_the_campaign_s_dates_is_said(tiny: Mart) -> None:
    week = campaign_results(tiny, "k1", window_days=7)  # k1 runs 10 to 23 March
    assert week.notes == (
        "the campaign runs from 2024-03-10 to 2024-03-23 (14 days) but these lifts count "
        "responses from 2024-03-10 to 2024-03-16: a window of 14 days measures it over its "
        "own dates (window_days=14, --window-days 14)",
    )
    assert campaign_results(tiny, "k1", window_days=14).notes == ()


def test_a_window_or_pre_period_under_a_day_is_named(tiny: Mart) -> None:
    """From Python the advice names the arguments (the command names its options)."""
    with pytest.raises(
        InputError, match=r"response window must be .* got 0\. Set window_days to 1 or more\.$"
    ):
        campaign_results(tiny, "k1", window_days=0)
    with pytest.raises(InputError, match=r"pre-period must be .* got -3\. Set pre_days to 1 or"):
        campaign_results(tiny, "k1", pre_days=-3)


def test_a_campaign_without_a_start_says_how_to_load_one_both_ways(
    tiny: Mart, load_csv: Loader
) -> None:
    """The command to run and the workspace method, not an argument ``ws.campaigns.results``
    does not take; and what they say works: the file fills the start date."""
    schema = TABLES["campaigns"].ibis_schema()
    row = {name: [None] for name in schema.names} | {"campaign_id": ["k0"]}
    tiny.insert("campaigns", ibis.memtable(row, schema=schema))
    said = (
        "campaign 'k0' has no start_date, so there is no response window; load a campaigns "
        "file giving its start_date, which fills it (`segmint ingest campaigns FILE`, or "
        'ws.ingest("campaigns", FILE) from Python).'
    )
    with pytest.raises(MartError) as measured:
        campaign_results(tiny, "k0")
    with pytest.raises(MartError) as learnt:
        campaign_start(tiny, "k0")
    assert str(measured.value) == str(learnt.value) == said
    load_csv(tiny, "campaigns", "campaign_id,start_date,cost_per_contact\nk0,2024-03-10,0.25\n")
    assert campaign_start(tiny, "k0") == dt.date(2024, 3, 10)


def test_a_shorter_window_and_a_longer_pre_period(tiny: Mart) -> None:
    results = campaign_results(tiny, "k1", window_days=1, pre_days=30)
    lift = results.lift["revenue_per_member"]
    assert lift.welch.mean_target == pytest.approx(19.0 / 3)  # only o1 on the first day
    assert results.pre_start == dt.date(2024, 2, 9)
    frame = member_outcomes(tiny, "k1", Window.of(dt.date(2024, 3, 10), 1, 30)).frame.to_pandas()
    assert frame.set_index("customer_id").loc["c5", "pre_revenue"] == pytest.approx(12.0)


def test_segments_by_attribute_recorded_before_the_start(tiny: Mart, load_csv) -> None:  # type: ignore[no-untyped-def]
    attributes = (
        "customer_id,name,value,updated_at\n"
        "c1,tier,gold,2024-01-01\nc2,tier,gold,2024-01-01\nc4,tier,gold,2024-01-01\n"
        "c5,tier,gold,2024-01-01\nc3,tier,silver,\n"
        "c6,tier,silver,2024-03-20\n"  # recorded after the start: the campaign may have caused it
    )
    load_csv(tiny, "customer_attributes", attributes)
    results = campaign_results(tiny, "k1", attribute="tier", min_segment_size=2)
    by_name = {s.segment: s for s in results.segments}
    assert set(by_name) == {"gold", "silver", "(none)"}
    assert (by_name["silver"].n_target, by_name["silver"].n_control) == (1, 0)
    assert by_name["gold"].measured and not by_name["silver"].measured
    gold = by_name["gold"].lift["revenue_per_member"]
    assert gold.difference.absolute == pytest.approx(12.0 - (-3.0))
    assert gold.q_value >= gold.difference.p_value
    assert results.segment_by == "attribute:tier"
    # a segment without variance has no p-value: null in the JSON, never NaN
    json.dumps(results.as_dict(), allow_nan=False)
