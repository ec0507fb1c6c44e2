"""Persona cards for RFM, lifecycle and cluster segmentations of a small synthetic retailer."""

from __future__ import annotations

from collections.abc import Iterator

import ibis
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmint import workflows
from segmint.insight.personas import (
    BUYING_TRAITS,
    PLAYS,
    TRAITS,
    personas,
    playbook,
    rhythm_risk,
)
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.segmentation import store
from segmint.synth import generate
from segmint.workflows.clusters import ClusterOptions, run_clusters

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    folder = tmp_path_factory.mktemp("personas")
    tables = generate(1_500, seed=5)
    with connect(folder / "mart.duckdb") as made:
        for name in ("customers", "products", "orders", "order_lines", "events"):
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(made, name, folder / f"{name}.parquet", IngestOptions())
        day, features = workflows.refresh_features(made)
        workflows.run_rfm(made, day, features=features)
        workflows.run_lifecycle(made, day, features=features)
        run_clusters(made, "clusters", day, ClusterOptions(k=4, n_bootstrap=0))
        yield made


@pytest.mark.parametrize("segmentation", ["rfm", "lifecycle", "clusters"])
def test_a_card_for_every_segment(mart: Mart, segmentation: str) -> None:
    cards = personas(mart, segmentation)
    sizes = store.assignments(mart, segmentation).to_pandas().segment.value_counts()
    assert {c.segment for c in cards} == set(sizes.index)
    assert sum(c.members for c in cards) == int(sizes.sum())
    assert len({c.name for c in cards}) == len(cards)  # names tell segments apart
    for card in cards:
        assert card.name.endswith(("buyers", "prospects", ")"))
        assert card.actions and all(a.play in PLAYS for a in card.actions)
        assert card.value in ("high", "mid", "low") and card.risk in ("high", "low")
    values = [c.revenue_per_member for c in cards]
    assert values == sorted(values, reverse=True)  # most valuable first


def test_prospects_are_nurtured_and_lapsing_buyers_won_back(mart: Mart) -> None:
    cards = {c.segment: c for c in personas(mart, "lifecycle")}
    prospect = next(c for s, c in cards.items() if s.lower().startswith("prospect"))
    assert prospect.name.endswith("prospects")
    assert [a.play for a in prospect.actions] == ["nurture"]
    churned = next(c for s, c in cards.items() if s.lower() == "churned")
    assert churned.risk == "high" and churned.actions[0].play == "win back"


def test_prospects_are_not_named_after_purchases_they_have_not_made(mart: Mart) -> None:
    cards = {c.segment: c for c in personas(mart, "lifecycle")}
    prospect = next(c for s, c in cards.items() if s.lower().startswith("prospect"))
    buying_words = {w.lower() for f in BUYING_TRAITS for w in TRAITS[f] if w is not None}
    named = {w.lower() for w in (*prospect.traits, *prospect.name.split())}
    assert not buying_words & named
    loyal = next(c for s, c in cards.items() if s.lower() == "loyal")
    assert buying_words & {w.lower() for w in loyal.traits}  # buyers still get purchase words


def test_playbook_keys_on_value_risk_and_behaviour() -> None:
    quiet = pd.Series({"discount_share": 0.0})
    assert playbook("high", "low", True, quiet, [])[0].play == "retain"
    assert playbook("mid", "low", True, quiet, [("books", 0.5)])[0].what.endswith("books")
    assert playbook("low", "low", True, quiet, [])[0].play == "reduce cost to serve"
    deals = playbook("high", "low", True, pd.Series({"discount_share": 1.2}), [])
    assert [a.play for a in deals] == ["retain", "reduce cost to serve"]


def test_risk_is_judged_by_the_segments_own_rhythm() -> None:
    # The demo's card: every 104 days, last order 428 days ago: overdue four times over,
    # although the base's recency is longer still.
    risk, why = rhythm_risk(428.0, 104.0, float("nan"), 500.0)
    assert risk == "high" and "4.1× the usual gap of 104 days" in why
    assert rhythm_risk(150.0, 104.0, float("nan"), 60.0)[0] == "low"  # 1.4 gaps: on rhythm
    assert rhythm_risk(150.0, 104.0, 0.3, 60.0)[0] == "high"  # most members gone
    assert "P(alive) 0.30" in rhythm_risk(150.0, 104.0, 0.3, 60.0)[1]
    # One order each: no cadence, so the base's recency is the yardstick.
    assert rhythm_risk(400.0, float("nan"), float("nan"), 200.0)[0] == "high"
    assert rhythm_risk(250.0, float("nan"), float("nan"), 200.0)[0] == "low"
    assert rhythm_risk(900.0, 10.0, 0.1, 50.0, buyers=False)[0] == "low"


def test_cards_use_mean_p_alive_where_clv_scores_exist(mart: Mart) -> None:
    day = store.as_of_dates(mart, "lifecycle")[-1]
    members = store.assignments(mart, "lifecycle", day).to_pandas()
    loyal = members.segment.str.lower() == "loyal"
    scores = pd.DataFrame(
        {
            "customer_id": members.customer_id,
            "as_of": day,
            "model": "bgnbd",
            "score_name": "p_alive",
            "value": np.where(loyal, 0.2, 0.9),
        }
    )
    before = {c.segment: c for c in personas(mart, "lifecycle")}
    assert before["loyal"].risk == "low" and np.isnan(before["loyal"].p_alive)
    mart.con.insert("scores", ibis.memtable(scores))
    try:
        cards = {c.segment: c for c in personas(mart, "lifecycle")}
    finally:
        mart.delete("scores", model="bgnbd", score_name="p_alive")
    assert cards["loyal"].p_alive == pytest.approx(0.2)
    assert cards["loyal"].risk == "high" and "P(alive) 0.20" in cards["loyal"].risk_reason
    assert cards["loyal"].actions[0].play == "win back"
