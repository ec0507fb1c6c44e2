"""The eligible audience: chosen segments, latest consent, suppression lists."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from segmint.exceptions import InputError, MartError
from segmint.mart import Mart, connect
from segmint.scoring.campaigns import SUPPRESSIONS_TABLE, eligible_audience
from segmint.scoring.campaigns.audience import StoredRun, segment_labels, stored_run
from segmint.segmentation import store


def _expected(retailer: dict[str, pa.Table], types: set[str], channel: str) -> set[str]:
    truth = retailer["ground_truth"].to_pandas()
    chosen = set(truth.loc[truth["latent_type"].isin(types), "customer_id"])
    consents = retailer["consents"].to_pandas()
    mine = consents[consents["channel"] == channel].sort_values("updated_at")
    latest = mine.groupby("customer_id").tail(1)
    granted = set(latest.loc[latest["granted"], "customer_id"])
    return chosen & granted


def _ids(table: ibis.Table) -> set[str]:
    return set(table.customer_id.execute())


def test_segments_and_consent_decide(synthetic: Mart, retailer: dict[str, pa.Table]) -> None:
    types = {"bargain_hunter", "new_browser"}
    audience = eligible_audience(synthetic, "latent", sorted(types), "Email ")
    expected = _expected(retailer, types, "email")
    assert _ids(audience.members) == expected
    counts = audience.counts
    assert counts.n_eligible == len(expected) and counts.n_suppressed == 0
    assert counts.n_in_segments - counts.n_without_consent == len(expected)
    strata = set(audience.members.stratum.execute())
    assert strata == types  # stratified by the targeted segment by default
    assert audience.channel == "email"


def test_the_mart_suppression_list_is_honoured(
    synthetic: Mart, retailer: dict[str, pa.Table]
) -> None:
    eligible = sorted(_expected(retailer, {"steady_regular"}, "email"))
    listed = {
        "customer_id": eligible[:5],
        "channel": [None, "email", "EMAIL", "sms", "sms"],
    }
    synthetic.con.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    extra = ibis.memtable({"customer_id": eligible[10:12]})
    audience = eligible_audience(synthetic, "latent", ["steady_regular"], "email", suppressed=extra)
    assert audience.counts.n_suppressed == 3 + 2
    assert not _ids(audience.members) & {*eligible[:3], *eligible[10:12]}
    assert set(eligible[3:5]) <= _ids(audience.members)  # suppressed for sms only


def test_stratify_by_another_segmentation(synthetic: Mart) -> None:
    audience = eligible_audience(
        synthetic, "latent", ["steady_regular"], "email", stratify_by="latent"
    )
    assert set(audience.members.stratum.execute()) == {"steady_regular"}


def test_unknown_segment_lists_the_segments(synthetic: Mart) -> None:
    hostile = "x'); DROP TABLE orders; --"
    with pytest.raises(InputError, match=r"has no segment .*DROP TABLE.*bargain_hunter"):
        eligible_audience(synthetic, "latent", [hostile], "email")
    assert synthetic.count("orders") > 0


def test_unknown_segmentation_and_empty_choices(synthetic: Mart) -> None:
    with pytest.raises(MartError, match="no segmentation named 'rfm'; stored: latent"):
        eligible_audience(synthetic, "rfm", ["Champions"], "email")
    with pytest.raises(
        InputError, match=r"choose at least one segment .* Name one with segments \(e\.g\."
    ):
        eligible_audience(synthetic, "latent", [], "email")


def test_a_date_before_the_first_stored_results_names_the_earliest(synthetic: Mart) -> None:
    run = stored_run(synthetic, "latent")
    assert stored_run(synthetic, "latent", run.as_of + dt.timedelta(days=30)) == run
    before = run.as_of - dt.timedelta(days=1)
    with pytest.raises(
        MartError,
        match=rf"no stored results on or before {before}; its earliest are as of {run.as_of}\.",
    ):
        stored_run(synthetic, "latent", before)


def test_a_suppressions_table_without_ids_says_which_list_it_is(synthetic: Mart) -> None:
    """The do-not-contact ``suppressions`` (customers not to contact, made by the user), told
    apart from the privacy list ``suppression`` of forgotten people."""
    synthetic.con.create_table(SUPPRESSIONS_TABLE, ibis.memtable({"cust": ["c1"]}))
    with pytest.raises(MartError) as why:
        eligible_audience(synthetic, "latent", ["steady_regular"], "email")
    assert str(why.value) == (
        "the mart's suppressions table (the customers not to contact, which you make; not "
        "the suppression list of forgotten people) needs a customer_id column and may have a "
        "channel; found ['cust']. Create it again with those columns."
    )


def _save(mart: Mart, definition: dict[str, str], day: dt.date, segment: str) -> None:
    """Store customer c1 of segmentation ``tiers`` in ``segment`` as of ``day``."""
    one = ibis.memtable({"customer_id": ["c1"], "segment": [segment]})
    store.save(mart, "tiers", "rules", definition, day, one)


def test_the_run_is_the_latest_date_of_any_version_read_as_the_store_reads_it() -> None:
    """A changed definition (version 2, stored last) run only as of January does not hide
    March's results of version 1; on a date both have, the one stored last is read."""
    jan, feb, mar = dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 31)
    with connect(":memory:") as mart:
        _save(mart, {"v": "1"}, feb, "v1 feb")
        _save(mart, {"v": "1"}, mar, "v1 mar")
        _save(mart, {"v": "2"}, jan, "v2 jan")
        assert stored_run(mart, "tiers") == StoredRun("tiers", 1, mar)
        assert stored_run(mart, "tiers", dt.date(2024, 4, 30)) == StoredRun("tiers", 1, mar)
        assert stored_run(mart, "tiers", dt.date(2024, 2, 10)) == StoredRun("tiers", 2, jan)
        labels = segment_labels(mart, stored_run(mart, "tiers")).to_pandas()
        assert (
            labels.segment.tolist() == store.assignments(mart, "tiers").to_pandas().segment.tolist()
        )
        _save(mart, {"v": "2"}, mar, "v2 mar")  # both versions have March: 2 stored last
        assert stored_run(mart, "tiers") == StoredRun("tiers", 2, mar)
        with pytest.raises(
            MartError, match=rf"on or before 2024-01-01; its earliest are as of {jan}\."
        ):
            stored_run(mart, "tiers", dt.date(2024, 1, 1))
