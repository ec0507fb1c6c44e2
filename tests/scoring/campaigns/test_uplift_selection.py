"""Choosing the next audience by uplift, judged against the synthetic ground truth: the kept
customers' true uplift (by their latent type) beats the audience's."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.scoring.campaigns import CampaignDesign, create_campaign, eligible_audience
from segmint.scoring.campaigns.uplift_selection import (
    UpliftSelection,
    features_for,
    parse_share,
    select_by_uplift,
)
from segmint.segmentation import store

from .conftest import SEGMENTS_AS_OF

TYPES = [
    "loyal_high_spender",
    "steady_regular",
    "bargain_hunter",
    "seasonal_gift_buyer",
    "new_browser",
    "one_and_done",
    "store_traditionalist",
]


@pytest.mark.parametrize(
    ("text", "share"), [("30%", 0.3), ("30", 0.3), ("0.3", 0.3), (" 12.5 % ", 0.125)]
)
def test_shares_are_read_like_people_write_them(text: str, share: float) -> None:
    assert parse_share(text) == pytest.approx(share)


@pytest.mark.parametrize("text", ["0%", "100%", "-5", "lots"])
def test_bad_shares_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="share"):
        parse_share(text)


AUDIENCE_AS_OF = dt.date(2025, 6, 30)


def _segments_of_2025(mart: Mart, retailer: dict[str, pa.Table]) -> None:
    """The ``latent`` segments stored again as of mid-2025, when every customer is known."""
    truth = retailer["ground_truth"].select(["customer_id", "latent_type"])
    latent = ibis.memtable(truth.rename_columns(["customer_id", "segment"]))
    store.save(mart, "latent", "rules", {"truth": "latent_type"}, AUDIENCE_AS_OF, latent)


def _true_uplift(retailer: dict[str, pa.Table], campaign_id: str) -> pd.Series:
    """Each customer's true revenue uplift of ``campaign_id``, by latent type."""
    truth = retailer["ground_truth_campaigns"].to_pandas()
    mine = truth[truth["campaign_id"] == campaign_id].set_index("latent_type")
    types = retailer["ground_truth"].to_pandas().set_index("customer_id")["latent_type"]
    return types.map(mine["true_uplift_revenue"])


@pytest.fixture(scope="module")
def selection(retailer_template, tmp_path_factory, retailer) -> tuple[UpliftSelection, list[str]]:  # type: ignore[no-untyped-def]
    from .conftest import copy_of

    with copy_of(retailer_template, tmp_path_factory.mktemp("uplift")) as mart:
        _segments_of_2025(mart, retailer)
        audience = eligible_audience(mart, "latent", TYPES, "email")
        ids = audience.members.customer_id.execute().astype(str).tolist()
        chosen = select_by_uplift(
            mart, "K003", audience.members, 0.3, as_of=AUDIENCE_AS_OF, outcome="revenue"
        )
    return chosen, ids


def test_the_kept_customers_have_more_true_uplift(
    selection: tuple[UpliftSelection, list[str]], retailer: dict[str, pa.Table]
) -> None:
    chosen, audience = selection
    truth = _true_uplift(retailer, "K003")
    kept = truth.loc[chosen.selected["customer_id"]].mean()
    everyone = truth.loc[audience].mean()
    assert kept > 1.2 * everyone


def test_the_top_share_of_the_audience_is_kept(
    selection: tuple[UpliftSelection, list[str]],
) -> None:
    chosen, audience = selection
    assert len(chosen.selected) == math.ceil(0.3 * len(audience)) == chosen.as_dict()["n_selected"]
    assert set(chosen.selected["customer_id"]) <= set(audience)
    uplift = chosen.selected["uplift"].to_numpy()
    assert (uplift[:-1] >= uplift[1:]).all()
    assert chosen.n_members == 1486 and "frequency" in chosen.features
    assert "as_of" not in chosen.features and "customer_id" not in chosen.features


def test_create_splits_only_the_selected(synthetic: Mart, retailer: dict[str, pa.Table]) -> None:
    _segments_of_2025(synthetic, retailer)
    design = CampaignDesign(
        "next-wave",
        "latent",
        ["seasonal_gift_buyer", "bargain_hunter"],
        "email",
        select_share=0.5,
        select_from="K003",
        select_outcome="revenue",
    )
    created = create_campaign(synthetic, design)
    assert created.selection is not None
    eligible = created.counts.n_eligible
    assert created.n_target + created.n_control == math.ceil(0.5 * eligible)
    members = synthetic.table("campaign_members")
    mine = members.filter(members.campaign_id == "next-wave").customer_id.execute()
    assert set(mine) == set(created.selection.selected["customer_id"])
    payload = created.as_dict()
    assert payload["selection"]["from_campaign"] == "K003"
    description = synthetic.table("campaigns").filter(
        synthetic.table("campaigns").campaign_id == "next-wave"
    )
    assert "highest uplift learnt from K003" in description.description.execute()[0]


def test_a_selection_needs_a_campaign_with_a_control_group(synthetic: Mart, load_csv) -> None:  # type: ignore[no-untyped-def]
    load_csv(synthetic, "campaigns", "campaign_id,start_date\nnocontrol,2024-05-01\n")
    ids = synthetic.table("customers").customer_id.execute().head(30).tolist()
    load_csv(
        synthetic,
        "campaign_members",
        "campaign_id,customer_id,group\n" + "".join(f"nocontrol,{c},target\n" for c in ids),
    )
    audience = eligible_audience(synthetic, "latent", TYPES, "email")
    with pytest.raises(InputError, match="30 target and 0 control members"):
        select_by_uplift(synthetic, "nocontrol", audience.members, 0.3, as_of=SEGMENTS_AS_OF)
    with pytest.raises(InputError, match=r"needs both the share .* and the measured campaign"):
        create_campaign(synthetic, CampaignDesign("x", "latent", TYPES, "email", select_share=0.3))


def test_a_selection_needs_a_campaign_the_orders_reach(synthetic: Mart, load_csv) -> None:  # type: ignore[no-untyped-def]
    load_csv(synthetic, "campaigns", "campaign_id,start_date\nplanned,2099-01-01\n")
    ids = synthetic.table("customers").customer_id.execute().head(60).tolist()
    groups = ("target", "control")
    load_csv(
        synthetic,
        "campaign_members",
        "campaign_id,customer_id,group\n"
        + "".join(f"planned,{c},{groups[n % 2]}\n" for n, c in enumerate(ids)),
    )
    audience = eligible_audience(synthetic, "latent", TYPES, "email")
    with pytest.raises(InputError, match=r"'planned' starts on 2099-01-01 and the mart holds"):
        select_by_uplift(synthetic, "planned", audience.members, 0.3, as_of=SEGMENTS_AS_OF)


def test_features_no_member_has_are_left_out_of_the_learners(empty: Mart, load_csv) -> None:  # type: ignore[no-untyped-def]
    """Hillstrom's members have one past order each: every gap between orders is missing,
    a column the gradient-boosted learners cannot bin. Such columns are left out, and the
    selection keeps the audience's top share."""
    ids = [f"H{n:03d}" for n in range(200)]
    past = "".join(f"p{c},{c},2008-01-10 10:00:00,a,1,{20 + n % 7}\n" for n, c in enumerate(ids))
    responded = [c for n, c in enumerate(ids) if (n % 2 == 0 and n % 6 == 0) or n % 20 == 1]
    window = "".join(f"w{c},{c},2008-03-05 10:00:00,a,1,30\n" for c in responded)
    load_csv(
        empty,
        "transactions",
        "order_id,customer_id,order_ts,product_id,quantity,unit_price\n" + past + window,
    )
    load_csv(empty, "campaigns", "campaign_id,start_date\npast,2008-03-03\n")
    groups = "".join(f"past,{c},{('target', 'control')[n % 2]}\n" for n, c in enumerate(ids))
    load_csv(empty, "campaign_members", "campaign_id,customer_id,group\n" + groups)
    audience = ibis.memtable({"customer_id": ids})

    chosen = select_by_uplift(empty, "past", audience, 0.3, as_of=dt.date(2008, 3, 20))

    assert "interpurchase_mean_days" not in chosen.features
    assert {"monetary_total", "recency_days"} <= set(chosen.features)
    assert len(chosen.selected) == 60 and set(chosen.selected.customer_id) <= set(ids)


def test_repeated_feature_reads_leave_the_connection_as_it_was(
    empty: Mart,
    load_csv,  # type: ignore[no-untyped-def]
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    ids = [f"H{n:03d}" for n in range(20)]
    past = "".join(f"p{c},{c},2008-01-10 10:00:00,a,1,{20 + n}\n" for n, c in enumerate(ids))
    load_csv(
        empty,
        "transactions",
        "order_id,customer_id,order_ts,product_id,quantity,unit_price\n" + past,
    )
    wanted = pd.Index([*ids[:5], "unknown"])
    features_for(empty, dt.date(2008, 3, 1), wanted)  # stores the features of the date
    before = engine_objects(empty)
    for _ in range(3):
        found = features_for(empty, dt.date(2008, 3, 1), wanted)
    assert engine_objects(empty) == before
    assert list(found.index) == list(wanted) and found.loc["unknown"].isna().all()
    assert found.loc["H004", "monetary_total"] == 24


def test_repeated_stratified_selections_leave_the_connection_as_it_was(
    synthetic: Mart,
    retailer: dict[str, pa.Table],
    engine_objects: Callable[[Mart], tuple[int, int]],
) -> None:
    """The selected ids, read to find the strata of another segmentation, are not kept
    registered with a long-lived connection (a server creating campaigns)."""
    _segments_of_2025(synthetic, retailer)
    before = engine_objects(synthetic)
    for n in range(2):
        design = CampaignDesign(
            f"wave-{n}",
            "latent",
            ["seasonal_gift_buyer", "bargain_hunter"],
            "email",
            stratify_by="latent",
            select_share=0.5,
            select_from="K003",
        )
        created = create_campaign(synthetic, design)
        assert created.selection is not None
    assert engine_objects(synthetic) == before
