"""Persona cards for RFM, lifecycle and cluster segmentations of a small synthetic retailer."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow.parquet as pq
import pytest

from segmint import workflows
from segmint.insight.personas import BUYING_TRAITS, PLAYS, TRAITS, personas, playbook
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
