"""Value tiers hold their configured shares; the value x risk grid counts every scored customer."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError, SegmintError
from segmint.features import store_features
from segmint.features.btyd import btyd_summary
from segmint.mart import TABLES, Mart
from segmint.mart.ingest import ingest
from segmint.scoring import btyd_churn
from segmint.scoring.clv_scores import score_customers
from segmint.segmentation import store
from segmint.segmentation.value import risk_scores, tier_names
from segmint.segmentation.value_cuts import DEFAULT_CUTS, DEFAULT_RISK_CUTS
from segmint.workflows import clv
from segmint.workflows.features import kept_summary
from segmint.workflows.value import ValueRun, run_value

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


def test_the_grid_uses_one_minus_p_alive_when_no_mbgnbd_can_be_fitted(mart: Mart) -> None:
    run = run_value(mart, AS_OF)  # scores without orders: nothing to fit an MBG/NBD on
    assert run.risk_source.startswith(f"1 - p_alive of {MODEL} (no MBG/NBD: ")
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
    assert run.risk_source == f"churn_risk of churn_gbm as of {AS_OF}"
    assert run.grid["high"].sum() == N_SCORED


def test_the_grid_passes_over_a_weak_churn_model_and_says_why(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    customers = [f"c{i:04d}" for i in range(N_SCORED)]
    insert(mart, "scores", scores(customers, "churn_gbm", "churn_risk", np.full(N_SCORED, 0.9)))
    churn_run(mart, 0.25)  # worse than both the base rate and the BTYD baseline
    run = run_value(mart, AS_OF)
    # the fallback when no churn model is stored: 1 - p_alive here (no orders to fit on)
    assert run.risk_source.startswith(f"1 - p_alive of {MODEL} (no MBG/NBD: ")
    assert run.risk_source.endswith(
        "(churn_gbm predicted its evaluation window worse than the same rate for everyone "
        "(Brier 0.2000) and than btyd (Brier 0.1800): Brier 0.2500, so its churn_risk is "
        "not used)"
    )
    assert run.grid["high"].sum() < N_SCORED  # not the weak model's 0.9 for everyone


def test_the_grid_keeps_a_churn_model_that_beat_its_baselines(
    mart: Mart, churn_run: Callable[[Mart, float], None]
) -> None:
    customers = [f"c{i:04d}" for i in range(N_SCORED)]
    insert(mart, "scores", scores(customers, "churn_gbm", "churn_risk", np.full(N_SCORED, 0.9)))
    churn_run(mart, 0.15)
    run = run_value(mart, AS_OF)
    assert run.risk_source == f"churn_risk of churn_gbm as of {AS_OF}"
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


def test_a_name_of_another_kind_is_refused_before_any_score_is_read(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("scores were read before the name was checked")

    monkeypatch.setattr("segmint.workflows.value.latest_clv_date", refuse)
    monkeypatch.setattr("segmint.workflows.value.clv_model", refuse)
    monkeypatch.setattr("segmint.workflows.value.value_tiers", refuse)
    store.save(
        mart, "taken", "rfm", {}, AS_OF, ibis.memtable({"customer_id": ["a"], "segment": ["x"]})
    )
    with pytest.raises(SegmintError, match="'taken' already names a segmentation of kind rfm"):
        run_value(mart, name="taken")


def lapsed_and_active(path: Path) -> tuple[Mart, list[str], list[str]]:
    """A shop whose lapsed customers bought once in its first 120 days and never again,
    while its active ones buy every three weeks or so until the last days (orders of
    2024); the mart, the lapsed ids and the active ids."""
    rng = np.random.default_rng(5)
    start = pd.Timestamp("2024-01-01")
    rows, lapsed, active = [], [], []
    for i in range(150):
        lapsed.append(f"lapsed{i}")
        rows.append((lapsed[-1], start + pd.Timedelta(days=rng.uniform(0, 120)), 30.0))
    for i in range(150):
        active.append(f"active{i}")
        day = rng.uniform(0, 100)
        while day < 365:
            rows.append((active[-1], start + pd.Timedelta(days=day), rng.uniform(20, 60)))
            day += rng.exponential(21)
    frame = pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"])
    frame.to_csv(path.with_suffix(".csv"), index=False)
    mart = segmint.connect(path)
    ingest(mart, "transactions", path.with_suffix(".csv"))
    return mart, lapsed, active


def test_lapsed_customers_land_in_higher_risk_cells_than_active_ones(tmp_path: Path) -> None:
    mart, lapsed, active = lapsed_and_active(tmp_path / "shop.duckdb")
    with mart:
        fitted = clv.fit(mart, None, clv.ClvFitOptions(model="bgnbd"))
        score_customers(mart, fitted.final, fitted.as_of)
        run = run_value(mart, fitted.as_of)
        risk, _ = risk_scores(mart, fitted.as_of, run.model)
        bands = pd.cut(
            risk.to_pandas().set_index("customer_id").risk,
            [-np.inf, *DEFAULT_RISK_CUTS, np.inf],
            labels=[0, 1, 2],
        ).astype(int)
    assert run.risk_source.startswith(
        "P(no purchase in the next 90 days) of an MBG/NBD fitted on the purchases up to"
    )
    assert bands[lapsed].mean() >= bands[active].mean() + 1  # a band apart at least
    assert (bands[lapsed] == 2).mean() > 0.8 > (bands[active] == 2).mean()
    assert int(run.grid.to_numpy().sum()) == len(lapsed) + len(active)


def test_repeated_grids_of_a_fitted_risk_leave_the_connection_as_it_was(
    tmp_path: Path, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """The fitted risk of every buyer, read into the grid, is not kept registered with a
    long-lived connection."""
    mart, lapsed, active = lapsed_and_active(tmp_path / "shop.duckdb")
    with mart:
        fitted = clv.fit(mart, None, clv.ClvFitOptions(model="bgnbd"))
        score_customers(mart, fitted.final, fitted.as_of)
        run_value(mart, fitted.as_of)  # creates the tables it writes
        before = engine_objects(mart)
        for _ in range(2):
            run = run_value(mart, fitted.as_of)
        assert engine_objects(mart) == before
    assert run.risk_source.startswith("P(no purchase in the next 90 days) of an MBG/NBD")
    assert int(run.grid.to_numpy().sum()) == len(lapsed) + len(active)


def risk_frame(mart: Mart, day: dt.date, model: str, summary: ibis.Table | None) -> pd.DataFrame:
    """The grid's churn risk of every buyer (fitted on ``summary``, or on the purchases)."""
    risk, _ = risk_scores(mart, day, model, summary=summary)
    return risk.to_pandas().sort_values("customer_id", ignore_index=True)


def tiers_and_grid(mart: Mart, run: ValueRun) -> tuple[pd.DataFrame, ...]:
    """The stored tiers of ``run`` and its grid, to compare runs by."""
    tiers = store.assignments(mart, run.name, run.as_of, run.version).to_pandas()
    return tiers.sort_values("customer_id", ignore_index=True), run.grid, run.grid_value


def test_the_risk_fit_reads_the_summary_of_current_stored_features(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed: list[dt.date] = []

    def counted(mart: Mart, as_of: dt.date) -> ibis.Table:
        summed.append(as_of)
        return btyd_summary(mart, as_of)

    mart, _, _ = lapsed_and_active(tmp_path / "shop.duckdb")
    with mart:
        fitted = clv.fit(mart, None, clv.ClvFitOptions(model="bgnbd"))
        day = fitted.as_of
        score_customers(mart, fitted.final, day)  # no churn risk stored: the grid fits one
        monkeypatch.setattr(btyd_churn, "btyd_summary", counted)
        summed_run = run_value(mart, day)  # no stored features: the purchases summed once
        assert summed == [day]
        direct = risk_frame(mart, day, summed_run.model, None)
        store_features(mart, day)
        summed.clear()
        kept_run = run_value(mart, day)
        assert summed == []  # read from the stored features
        assert kept_run.risk_source == summed_run.risk_source
        for kept, first in zip(
            tiers_and_grid(mart, kept_run), tiers_and_grid(mart, summed_run), strict=True
        ):
            pd.testing.assert_frame_equal(kept, first, check_exact=True)
        kept = risk_frame(mart, day, kept_run.model, kept_summary(mart, day))
        pd.testing.assert_frame_equal(kept, direct, check_exact=True)
        assert kept.risk.nunique() > 100  # a fitted risk, not a constant
