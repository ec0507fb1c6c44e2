"""The CLV scoring use cases on CDNOW: scoring with the stored fit, the histories' churn
risk, a fit flagged by an erasure, and the summary read from current stored features or
summed from the purchases at most once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ibis
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError
from segmint.features import store_features
from segmint.features.btyd import btyd_summary
from segmint.mart import TABLES, Mart, fetch
from segmint.mart.ingest import IngestOptions
from segmint.scoring import btyd_churn, clv_scores
from segmint.scoring.churn_source import HISTORY_MODEL
from segmint.scoring.clv_fit import fit_clv
from segmint.scoring.clv_scores import latest_fit, score_customers, store_fit
from segmint.scoring.option_defaults import MAX_ITER
from segmint.segmentation import store
from segmint.synth import synthesize
from segmint.workflows import clv, clv_score, load
from segmint.workflows.value import run_value

from .conftest import flag_for_refit

Results = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]

AS_OF = dt.date(1998, 6, 30)


def test_run_clv_fits_a_seasonal_form_on_the_calendar_to_its_date(cdnow_mart: Mart) -> None:
    # 18 months of CDNOW: a seasonal form can be fitted; it needs the purchase calendar
    run = clv_score.run_clv(cdnow_mart, AS_OF, model="bgnbd-seasonal")
    stored = latest_fit(cdnow_mart)
    assert stored is not None and stored[0].name == "bgnbd-seasonal" and stored[1] == AS_OF
    summary = fetch.frame(btyd_summary(cdnow_mart, AS_OF), "customer_id")
    calendar = clv.calendar_for(cdnow_mart, ("bgnbd-seasonal",), AS_OF)
    alone = fit_clv(summary, "bgnbd-seasonal", calendar=calendar)
    assert stored[0].transactions.params_ == pytest.approx(alone.transactions.params_)
    assert run.n_customers == len(summary)


def test_score_uses_the_stored_fit_and_says_so(cdnow_mart: Mart) -> None:
    said: list[str] = []
    first = clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    assert said[0] == f"fitting bgnbd as of {AS_OF}"
    said.clear()
    again = clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    assert said[0] == f"using the bgnbd fit stored as of {AS_OF}"
    assert again.totals == pytest.approx(first.totals)
    windows = clv_score.score(cdnow_mart, AS_OF, clv_score.ClvScoreOptions(windows=((12, 36),)))
    assert "clv_m12_36" in windows.totals


def test_score_without_a_stored_fit_summarises_the_purchases_once(
    cdnow_mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[dt.date] = []

    def counted(mart: Mart, as_of: dt.date) -> object:
        built.append(as_of)
        return btyd_summary(mart, as_of)

    monkeypatch.setattr(clv_scores, "btyd_summary", counted)
    monkeypatch.setattr(clv, "btyd_summary", counted)
    fitted = clv_score.score(cdnow_mart, AS_OF)
    assert built == [AS_OF]
    stored = latest_fit(cdnow_mart)
    assert stored is not None and stored[0].n_customers == fitted.n_customers == 2357
    again = clv_score.score(cdnow_mart, AS_OF)  # the stored fit: one summary, for the scores
    assert built == [AS_OF, AS_OF]
    assert again.totals == pytest.approx(fitted.totals, rel=1e-12)
    scores = cdnow_mart.table("scores")
    clv_rows = scores.filter(scores.model != HISTORY_MODEL).count().execute()
    assert clv_rows == len(clv_scores.SCORE_NAMES) * 2357


def test_score_stores_the_histories_churn_risk_unless_a_churn_model_scored(
    cdnow_mart: Mart,
) -> None:
    said: list[str] = []
    clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    assert said[-1].startswith("churn_risk of 2,357 buyers stored: P(no purchase in the next 90")
    scores = cdnow_mart.table("scores").to_pandas()
    risk = scores[scores.score_name == "churn_risk"].set_index("customer_id").value
    assert set(scores[scores.score_name == "churn_risk"].model) == {HISTORY_MODEL}
    assert len(risk) == 2357 and risk.between(0, 1).all()
    summary = btyd_summary(cdnow_mart, AS_OF).to_pandas().set_index("customer_id")
    repeat = summary[summary.frequency >= 3]
    recent = repeat.index[repeat["T"] - repeat.recency < 8]  # weeks since the last purchase
    lapsed = repeat.index[repeat["T"] - repeat.recency > 40]
    assert len(recent) > 50 and len(lapsed) > 50
    assert risk[lapsed].mean() > risk[recent].mean() + 0.3
    gbm = scores[scores.score_name == "churn_risk"].assign(model="churn_gbm", value=0.5)
    cdnow_mart.insert("scores", gbm)
    cdnow_mart.delete("scores", as_of=AS_OF, model=HISTORY_MODEL, score_name="churn_risk")
    said.clear()
    clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    assert not any(line.startswith("churn_risk of") for line in said)
    after = cdnow_mart.table("scores")
    assert after.filter(after.model == HISTORY_MODEL).count().execute() == 0


@pytest.mark.parametrize("which", ["clv", "spend"])
def test_a_fit_flagged_by_an_erasure_is_fitted_again(cdnow_mart: Mart, which: str) -> None:
    said: list[str] = []
    clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    runs = cdnow_mart.table("model_runs").to_pandas()
    flag_for_refit(cdnow_mart, int(runs.loc[runs.kind == which, "run_id"].max()), AS_OF, "bgnbd")
    assert latest_fit(cdnow_mart) is None  # never applied again
    clv_score.score(cdnow_mart, AS_OF, on_note=said.append)
    fits = [line for line in said if not line.startswith("churn_risk of")]
    assert fits == [f"fitting bgnbd as of {AS_OF}"] * 2
    stored = latest_fit(cdnow_mart)
    assert stored is not None and stored[0].name == "bgnbd"
    assert len(cdnow_mart.table("model_runs").to_pandas()) == len(runs) + 2


@pytest.mark.parametrize(
    "windows", [(12, 36), ((36, 12),), ((-1, 12),), ((1, 2, 3),), (("a", "b"),)]
)
def test_score_options_refuse_a_window_that_is_not_a_pair_of_months(windows: object) -> None:
    with pytest.raises(
        InputError, match=r"windows are \(start, end\) pairs.*windows=\(\(12, 36\),\)"
    ):
        clv_score.ClvScoreOptions(windows=windows)  # type: ignore[arg-type]


def test_score_options_take_windows_as_pairs() -> None:
    assert clv_score.ClvScoreOptions(windows=((0, 12), (12, 36))).windows == ((0, 12), (12, 36))


def clv_rows(mart: Mart) -> pd.DataFrame:
    """The stored CLV scores (not the churn risk), in a fixed order."""
    scores = mart.table("scores")
    rows = scores.filter(scores.model != HISTORY_MODEL).to_pandas()
    return rows.sort_values(["score_name", "customer_id"], ignore_index=True)


def history_risk(mart: Mart) -> pd.DataFrame:
    """The stored churn risk of the purchase histories, in a fixed order."""
    scores = mart.table("scores")
    rows = scores.filter(scores.model == HISTORY_MODEL).to_pandas()
    return rows.sort_values("customer_id", ignore_index=True)


def test_score_and_fit_read_the_summary_from_current_stored_features(
    cdnow_mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    clv_score.score(cdnow_mart, AS_OF)  # a fit stored, and scores from every purchase summed
    from_purchases, risk = clv_rows(cdnow_mart), history_risk(cdnow_mart)
    store_features(cdnow_mart, AS_OF)
    summed: list[dt.date] = []

    def counted(mart: Mart, as_of: dt.date) -> object:
        summed.append(as_of)
        return btyd_summary(mart, as_of)

    for module in (clv_scores, clv, btyd_churn):
        monkeypatch.setattr(module, "btyd_summary", counted)
    clv_score.score(cdnow_mart, AS_OF)
    assert summed == []  # the scores and the histories' churn risk alike
    pd.testing.assert_frame_equal(clv_rows(cdnow_mart), from_purchases, check_exact=True)
    pd.testing.assert_frame_equal(history_risk(cdnow_mart), risk, check_exact=True)
    clv.fit(cdnow_mart, AS_OF, clv.ClvFitOptions(model="bgnbd"))
    assert summed == []
    # an order loaded after the features were stored: they are stale, the purchases summed
    order = {"order_id": "late", "customer_id": "1", "order_ts": dt.datetime(1998, 6, 1, 9)}
    schema = TABLES["orders"].ibis_schema()
    frame = pd.DataFrame([order]).reindex(columns=list(schema)).assign(ingest_id=99)
    cdnow_mart.insert("orders", ibis.memtable(frame).cast(schema))
    clv_score.score(cdnow_mart, AS_OF)
    assert summed == [AS_OF]


def test_a_new_fit_does_not_depend_on_the_order_of_the_summary(tmp_path: Path) -> None:
    synthesize(tmp_path / "data", 150, seed=5)
    with segmint.connect(tmp_path / "shop.duckdb") as mart:
        load.load_folder(mart, tmp_path / "data", IngestOptions())
        day = dt.date(2025, 3, 31)
        summary = btyd_summary(mart, day)
        fits = [
            clv_score.new_fit(
                mart, day, "bgnbd", (0.0, MAX_ITER), lambda _: None, summary.order_by(key)
            )
            for key in ("customer_id", ibis.desc("customer_id"))
        ]
    # a flat Gamma-Gamma likelihood: its penalty is chosen by cross-validation over the rows
    assert "chosen by 3-fold held-out log-likelihood" in fits[0].notes[0]
    assert fits[0].notes == fits[1].notes
    assert fits[0].spend.params_ == fits[1].spend.params_
    assert fits[0].transactions.params_ == fits[1].transactions.params_


def summed_three_times(mart: Mart, day: dt.date) -> None:
    """The BG/NBD fit, scores and churn risk as ``run_clv`` stored them when each summed
    every purchase itself: the reference its one summary must reproduce."""
    fitted = fit_clv(fetch.frame(btyd_summary(mart, day), clv.ORDER), "bgnbd")
    store_fit(mart, fitted, day)
    score_customers(mart, fitted, day)
    clv_score.store_history_risk(mart, day, lambda _: None)


def results(mart: Mart, day: dt.date) -> Results:
    """The stored CLV scores, the histories' churn risk and the value tiers ranked by them."""
    tiers = run_value(mart, day)
    rows = store.assignments(mart, tiers.name, day, tiers.version).to_pandas()
    ranked = rows.sort_values("customer_id", ignore_index=True)
    return clv_rows(mart), history_risk(mart), ranked


def test_run_clv_sums_the_purchases_at_most_once_for_the_same_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synthesize(tmp_path / "data", 150, seed=5)
    with segmint.connect(tmp_path / "shop.duckdb") as mart:
        load.load_folder(mart, tmp_path / "data", IngestOptions())
        day = dt.date(2025, 3, 31)
        summed_three_times(mart, day)
        reference = results(mart, day)
        scores, risk, tiers = reference  # fitted values, not constants: 89 buyers
        assert scores.value.nunique() > 300 and risk.value.nunique() > 80
        assert tiers.segment.nunique() > 2
        summed: list[dt.date] = []

        def counted(mart: Mart, as_of: dt.date) -> ibis.Table:
            summed.append(as_of)
            return btyd_summary(mart, as_of)

        for module in (clv_scores, clv, btyd_churn):
            monkeypatch.setattr(module, "btyd_summary", counted)
        clv_score.run_clv(mart, day)  # no stored features: the purchases summed once
        assert summed == [day]
        once = results(mart, day)
        store_features(mart, day)
        summed.clear()
        clv_score.run_clv(mart, day)
        assert summed == []  # read from the stored features
        kept = results(mart, day)
    for run in (once, kept):
        for got, expected in zip(run, reference, strict=True):
            pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)
