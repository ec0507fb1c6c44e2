"""Value tiers hold their configured shares; the value x risk grid counts every scored customer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError
from segmint.mart import TABLES, Mart
from segmint.segmentation import store
from segmint.segmentation.value import DEFAULT_CUTS, tier_names
from segmint.workflows.value import run_value

AS_OF = dt.date(2024, 6, 30)
N_SCORED = 1237
MODEL = "bgnbd+gammagamma"


def insert(mart: Mart, name: str, frame: pd.DataFrame) -> None:
    schema = TABLES[name].ibis_schema()
    mart.con.insert(name, ibis.memtable(frame.reindex(columns=list(schema))).cast(schema))


def scores(customers: list[str], model: str, name: str, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": customers,
            "as_of": AS_OF,
            "model": model,
            "score_name": name,
            "value": values,
        }
    )


@pytest.fixture
def mart() -> Iterator[Mart]:
    """1,237 scored customers with random CLV and P(alive), and 5 prospects without scores."""
    rng = np.random.default_rng(7)
    scored = [f"c{i:04d}" for i in range(N_SCORED)]
    prospects = [f"p{i}" for i in range(5)]
    with segmint.connect(":memory:") as m:
        insert(
            m,
            "customers",
            pd.DataFrame({"customer_id": scored + prospects, "signup_date": dt.date(2024, 1, 1)}),
        )
        clv = rng.lognormal(3, 1.5, N_SCORED)
        clv[:40] = 0.0  # ties at zero are broken by customer id
        insert(m, "scores", scores(scored, MODEL, "clv", clv))
        insert(m, "scores", scores(scored, MODEL, "p_alive", rng.uniform(0, 1, N_SCORED)))
        yield m


def stored(mart: Mart) -> pd.DataFrame:
    tiers = store.assignments(mart, "value", AS_OF).to_pandas()
    clv = mart.table("scores").to_pandas().query("score_name == 'clv'")
    return tiers.merge(clv[["customer_id", "value"]], on="customer_id", how="left")


@pytest.mark.parametrize("cuts", [DEFAULT_CUTS, (0.1, 0.3), (0.25, 0.5, 0.75)])
def test_tiers_hold_their_shares_and_rank_by_clv(mart: Mart, cuts: tuple[float, ...]) -> None:
    run = run_value(mart, AS_OF, cuts=cuts)
    names = tier_names(cuts)
    frame = stored(mart)
    assert len(frame) == frame.customer_id.nunique() == N_SCORED + 5
    assert (frame[frame.value.isna()].segment == store.UNASSIGNED).all()
    sizes = frame[frame.value.notna()].segment.value_counts()
    shares = np.diff([0.0, *cuts, 1.0])
    for name, share in zip(names, shares, strict=True):
        assert abs(sizes[name] - share * N_SCORED) <= 1, name
        assert run.sizes[name] == sizes[name]
    assert run.sizes[store.UNASSIGNED] == 5
    # a better tier never holds a lower CLV than a worse one
    lowest = frame.groupby("segment").value.min()
    highest = frame.groupby("segment").value.max()
    for better, worse in itertools.pairwise(names):
        assert lowest[better] >= highest[worse]


def test_the_grid_uses_one_minus_p_alive_without_a_churn_model(mart: Mart) -> None:
    run = run_value(mart, AS_OF)
    assert run.risk_source == f"1 - p_alive of {MODEL}"
    assert int(run.grid.to_numpy().sum()) == N_SCORED
    assert list(run.grid.columns) == ["low", "medium", "high"]
    frame = stored(mart)
    p_alive = mart.table("scores").to_pandas().query("score_name == 'p_alive'")
    both = frame.merge(p_alive[["customer_id", "value"]], on="customer_id", suffixes=("", "_p"))
    high_risk_top = both[(both.segment == "top 1-5%") & (1 - both.value_p >= 2 / 3)]
    assert run.grid.loc["top 1-5%", "high"] == len(high_risk_top)
    assert run.grid_value.loc["top 1-5%", "high"] == pytest.approx(high_risk_top.value.sum())


def test_the_grid_prefers_a_stored_churn_risk(mart: Mart) -> None:
    customers = [f"c{i:04d}" for i in range(N_SCORED)]
    insert(mart, "scores", scores(customers, "churn_gbm", "churn_risk", np.full(N_SCORED, 0.9)))
    run = run_value(mart, AS_OF)
    assert run.risk_source == "churn_risk of churn_gbm"
    assert run.grid["high"].sum() == N_SCORED


@pytest.mark.parametrize("cuts", [(), (0.5, 0.2), (0.0, 0.5), (0.5, 1.0), (0.3, 0.3)])
def test_bad_cuts_are_refused(mart: Mart, cuts: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match="increasing cumulative shares between 0 and 1"):
        run_value(mart, AS_OF, cuts=cuts)


def test_bad_risk_cuts_are_refused(mart: Mart) -> None:
    with pytest.raises(InputError, match="risk cuts must be two increasing numbers"):
        run_value(mart, AS_OF, risk_cuts=(0.7, 0.2))


def test_missing_scores_say_how_to_make_them(mart: Mart) -> None:
    with pytest.raises(MartError, match="run `segmint clv score --as-of 2024-05-31` first"):
        run_value(mart, dt.date(2024, 5, 31))
    with pytest.raises(
        MartError, match=r"no clv scores of model 'paretonbd'.*scored models: bgnbd"
    ):
        run_value(mart, AS_OF, model="paretonbd")


def test_the_stored_segmentation_is_of_kind_value(mart: Mart) -> None:
    run_value(mart, AS_OF, name="worth")
    stored_def = store.definition(mart, "worth")
    assert stored_def.kind == "value"
    assert stored_def.definition["model"] == MODEL
    assert stored_def.definition["segments"] == tier_names(DEFAULT_CUTS)
