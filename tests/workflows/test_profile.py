"""Profile, personas and migration as use cases: the options reach the computation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pandas as pd
import pytest

import segmint
from segmint.insight import profile as insight_profile
from segmint.mart import Mart
from segmint.synth import synthesize
from segmint.workflows import profile


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    folder = tmp_path_factory.mktemp("profile")
    synthesize(folder / "data", 300, seed=2)
    with segmint.connect(folder / "m.duckdb") as ws:
        ws.load(folder / "data")
        latest = ws.segment_rfm().as_of
        ws.segment_rfm(latest - dt.timedelta(days=90))
        yield ws


def test_options_reach_the_profile(mart: Mart) -> None:
    options = profile.ProfileOptions(by="region", cost_to_serve=5.0, value="profit")
    mine = profile.profile(mart, "rfm", None, options)
    direct = insight_profile(mart, "rfm", None, "region", cost_to_serve=5.0, value="profit")
    pd.testing.assert_frame_equal(mine.overview, direct.overview)
    assert mine.by == "region" and mine.money.cost_to_serve == 5.0
    assert mine.money.sub_segments is not None


def test_personas_and_migration(mart: Mart) -> None:
    cards = profile.personas(mart, "rfm")
    assert {c.segment for c in cards} <= set(profile.profile(mart, "rfm").overview.segment)
    latest = profile.profile(mart, "rfm").as_of
    moved = profile.migration(mart, "rfm", latest - dt.timedelta(days=90), latest)
    assert int(moved.counts.to_numpy().sum()) > 0
    assert (moved.from_date, moved.to_date) == (latest - dt.timedelta(days=90), latest)
