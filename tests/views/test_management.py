"""The management view models: the tracking table's rows and sorting, the chosen campaign,
and the report's sections, on the demo mart."""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from markupsafe import escape

from segmint.exceptions import InputError
from segmint.features.labels import NO_CLV_SCORE
from segmint.mart import Mart, connect
from segmint.scoring.campaigns.measure import data_through
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS
from segmint.views import management
from segmint.views.dashboard import Dashboard
from segmint.views.report import build_report
from segmint.workflows import campaigns
from segmint.workflows.demo import DEMO_CAMPAIGN


def test_rows_without_a_value_sort_last_both_ways() -> None:
    rows = [
        {"campaign_id": "a", "roi": 2.0},
        {"campaign_id": "b", "roi": None},
        {"campaign_id": "c", "roi": -1.0},
    ]
    assert [r["campaign_id"] for r in management.sort_rows(rows, "roi", True)] == ["a", "c", "b"]
    assert [r["campaign_id"] for r in management.sort_rows(rows, "roi", False)] == ["c", "a", "b"]
    with pytest.raises(InputError, match="sort by one of"):
        management.sort_rows(rows, "problem", True)


def test_tracking_rows_carry_the_measured_numbers(mart: Mart) -> None:
    tracking = campaigns.tracking(mart)
    view = management.tracking_view(tracking)
    rows = {r["campaign_id"]: r for r in view.rows}
    measured = campaigns.results(mart, "K003", campaigns.ResultsOptions(n_resamples=1_000))
    revenue = measured.lift["revenue_per_member"].welch
    assert rows["K003"]["revenue_per_member_abs"] == pytest.approx(revenue.absolute)
    assert (
        rows["K003"]["revenue_per_member_low"],
        rows["K003"]["revenue_per_member_high"],
    ) == pytest.approx(revenue.ci)
    assert rows[DEMO_CAMPAIGN]["revenue_per_member_abs"] is None and rows[DEMO_CAMPAIGN]["problem"]
    # the demo's own campaign starts after the data: the page draws the latest one that ran
    assert view.chosen is not None and view.chosen.plan["campaign_id"] == "K003"
    assert view.curve is not None
    with pytest.raises(InputError, match="no campaign 'nope'"):
        management.tracking_view(tracking, "nope")


def test_the_date_range_keeps_the_campaigns_that_start_in_it(mart: Mart) -> None:
    tracking = campaigns.tracking(mart)
    starts = {str(t.plan["campaign_id"]): t.plan["start_date"] for t in tracking.campaigns}
    day = str(starts["K003"])[:10]
    kept = management.started_between(tracking, day, day)
    assert [t.plan["campaign_id"] for t in kept.campaigns] == [
        c for c, s in starts.items() if str(s)[:10] == day
    ]
    assert management.started_between(tracking, None, None) is tracking
    later = management.started_between(tracking, "2100-01-01", None)
    assert later.campaigns == () and management.tracking_view(later).rows == []
    with pytest.raises(InputError, match="before it starts"):
        management.started_between(tracking, "2025-06-01", "2025-01-01")
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        management.started_between(tracking, "yesterday", None)


def test_the_report_has_the_management_sections(mart: Mart) -> None:
    html = build_report(mart, "rfm")
    for section in ("campaign-tracking", "channel-sales", "segment-sales"):
        assert f'id="{section}"' in html
    sections = management.report_sections(Dashboard(), mart, "rfm")
    k003 = next(r for r in sections.tracking.rows if r["campaign_id"] == "K003")
    assert f"{k003['revenue_per_member_abs']:,.2f}" in html
    top = sections.channels.tables["channels"][0]
    assert f"{top['revenue']:,.0f}" in html


def test_sales_views_read_a_value_tier_s_unscored_customers_for_what_they_are(
    mart: Mart,
) -> None:
    options = management.sales_options(None, None, "month", "rfm")
    segments = management.segment_report(Dashboard(), mart, "rfm", options)
    channels = management.channel_report(Dashboard(), mart, options)
    assert channels.mix is not None and len(channels.mix) and len(segments.totals)
    unscored = replace(
        segments,
        periods=segments.periods.assign(segment="unassigned"),
        totals=segments.totals.assign(segment="unassigned"),
    )
    view = management.segment_view(unscored, "value")
    for table in ("totals", "periods"):
        assert {row["segment"] for row in view.tables[table]} == {NO_CLV_SCORE}
    assert {series["name"] for f in view.figures for series in f["data"]} == {NO_CLV_SCORE}
    assert set(unscored.totals.segment) == {"unassigned"}  # the report keeps stored names
    as_stored = management.segment_view(unscored, "rules")
    assert {row["segment"] for row in as_stored.tables["totals"]} == {"unassigned"}
    mixed = replace(channels, mix=channels.mix.assign(segment="unassigned"))
    channel_view = management.channel_view(mixed, "value")
    assert {row["segment"] for row in channel_view.tables["mix"]} == {NO_CLV_SCORE}
    assert {series["name"] for series in channel_view.figures[-1]["data"]} == {NO_CLV_SCORE}


def test_the_report_shows_the_notes_campaign_results_prints(
    demo_mart_file: Path, tmp_path: Path
) -> None:
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_mart_file, path)
    with connect(path, create=False) as mart:
        last = data_through(mart)
        assert last is not None
        start = last - dt.timedelta(days=6)  # its window runs a week past the last order
        end = start + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
        mart.raw.execute(
            "UPDATE campaigns SET start_date = ?, end_date = ? WHERE campaign_id = 'K003'",
            [start, end],
        )
        html = build_report(mart, "rfm")
        listed = campaigns.campaigns(mart)
        ran = listed[[s is not None and s <= last for s in listed.start_date]]
        printed = {
            c: campaigns.results(mart, c, campaigns.ResultsOptions(n_resamples=1_000)).notes
            for c in ran.campaign_id
        }
    assert any(f"the mart holds orders up to {last}" in n for n in printed["K003"])
    spans = [
        r for r in ran.itertuples() if (r.end_date - r.start_date).days + 1 > DEFAULT_WINDOW_DAYS
    ]
    assert spans  # campaigns longer than the window: their notes say so
    for r in spans:
        assert any(
            n.startswith(f"the campaign runs from {r.start_date}") for n in printed[r.campaign_id]
        )
    for campaign, notes in printed.items():
        for note in notes:
            assert str(escape(f"{campaign}: {note}")) in html
