"""``segmint predict churn|intent`` and ``segmint score`` on a small synthetic retailer."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from segmint.cli.main import app
from segmint.features import build_features
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.mart.privacy import list_exports
from segmint.synth import generate

from .conftest import assert_limit_advised

pytestmark = pytest.mark.slow

runner = CliRunner()


def synthetic_mart(folder: Path) -> Path:
    """A mart in ``folder`` holding an 800-customer synthetic retailer (orders up to
    2025-12-31)."""
    tables = generate(800, seed=7)
    path = folder / "mart.duckdb"
    with connect(path) as m:
        for name in ("customers", "products", "orders", "order_lines"):
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(m, name, folder / f"{name}.parquet")
    return path


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`synthetic_mart`, shared by the module's tests."""
    return synthetic_mart(tmp_path_factory.mktemp("predict"))


def invoke(mart: Path, *args: str) -> Result:
    return runner.invoke(app, [*args, "--mart", str(mart)])


def stored_counts(mart: Path) -> dict[tuple[str, str], int]:
    with connect(mart, create=False) as m:
        scores = m.table("scores")
        frame = scores.group_by(["model", "score_name"]).aggregate(n=scores.count()).execute()
    return {(r.model, r.score_name): int(r.n) for r in frame.itertuples()}


def test_predict_churn_prints_the_comparison_and_stores_scores(mart: Path, tmp_path: Path) -> None:
    plot = tmp_path / "calibration.html"
    result = invoke(mart, "predict", "churn", "--as-of", "2025-11-30", "--plot", str(plot))
    assert result.exit_code == 0, result.output
    for text in ("churn in 90 days", "churn_gbm", "btyd_p_alive", "calibration of churn_gbm"):
        assert text in result.stdout
    assert "what drives the score" in result.stdout
    assert "churn_risk scores stored as of 2025-11-30" in result.stdout
    assert plot.read_text().count("observed rate") >= 1
    assert stored_counts(mart)[("churn_gbm", "churn_risk")] > 0
    assert registered(mart)[str(plot.resolve())] == "plot"  # an erasure lists it


def registered(mart: Path) -> dict[str, str]:
    """Path → kind of every file in the export registry."""
    with connect(mart, create=False) as m:
        return {e.path: e.kind for e in list_exports(m)}


def test_predict_intent_json(mart: Path) -> None:
    result = invoke(
        mart,
        "predict",
        "intent",
        "--as-of",
        "2025-11-30",
        "--horizon-days",
        "45",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["horizon_days"] == 45
    assert payload["split"] == "seasonal"  # the same weeks a year earlier
    assert payload["train_as_of"] == "2024-10-17"
    assert payload["validation_as_of"] == "2025-10-16"
    assert payload["refit_as_of"] == "2024-12-01"
    assert set(payload["validation"]) == {"intent_gbm", "btyd_any_purchase"}
    assert 0.5 < payload["validation"]["intent_gbm"]["auc"] <= 1.0
    assert len(payload["importance"]) == 15
    with connect(mart, create=False) as m:
        known = int(build_features(m, "2025-11-30").count().execute())
    assert payload["n_scored"] == known  # prospects included


def test_predict_with_the_window_before(mart: Path) -> None:
    args = ("predict", "intent", "--as-of", "2025-11-30", "--horizon-days", "45")
    result = invoke(mart, *args, "--split", "consecutive", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["split"] == "consecutive"
    assert payload["train_as_of"] == "2025-09-01"
    assert payload["refit_as_of"] == payload["validation_as_of"] == "2025-10-16"


def test_a_seasonal_split_without_a_year_of_history_is_refused(mart: Path) -> None:
    result = invoke(mart, "predict", "churn", "--as-of", "2023-12-31", "--split", "seasonal")
    assert result.exit_code == 2
    assert "first purchase is on 2023-01" in result.output
    assert "--split consecutive" in result.output


def test_score_refreshes_churn_and_intent_and_clv_once_fitted(mart: Path, tmp_path: Path) -> None:
    result = invoke(mart, "score", "--retrain", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["as_of"] == "2025-12-31"
    assert [p["score_name"] for p in payload["predictions"]] == ["churn_risk", "purchase_intent"]
    assert payload["clv"] is None
    assert "run `segmint clv fit`" in result.stderr

    fitted = invoke(mart, "clv", "fit", "--model", "bgnbd", "--plots", str(tmp_path))
    assert fitted.exit_code == 0, fitted.output
    plots = {str(p.resolve()) for p in tmp_path.iterdir() if p.suffix in (".html", ".png")}
    assert plots and {path for path, kind in registered(mart).items() if kind == "plot"} >= plots
    again = json.loads(invoke(mart, "score", "--format", "json").stdout)
    assert again["clv"]["model"] == "bgnbd+gammagamma"
    assert [p["reused"] for p in payload["predictions"]] == [False, False]  # --retrain
    assert [p["reused"] for p in again["predictions"]] == [True, True]  # then applied
    assert [p["run_id"] for p in again["predictions"]] == [
        p["run_id"] for p in payload["predictions"]
    ]
    human = invoke(mart, "score")
    assert human.exit_code == 0, human.output
    assert human.stdout.count("stored run") == 2 and "stored fit" in human.stdout
    counts = stored_counts(mart)
    assert counts[("bgnbd+gammagamma", "clv")] == again["clv"]["n_customers"]
    assert counts[("churn_gbm", "churn_risk")] > 0


def test_btyd_baselines_stopped_at_their_iteration_limit_advise_the_flag(tmp_path: Path) -> None:
    fresh = synthetic_mart(tmp_path)  # no stored model: refresh trains both
    for command in (
        ["refresh"],
        ["predict", "churn"],
        ["predict", "intent"],
        ["score", "--retrain"],
    ):
        result = invoke(fresh, *command, "--max-iter", "2")
        assert result.exit_code == 0, result.output
        assert_limit_advised(result.stderr, 2)
        assert "BGNBD stopped" in " ".join(result.stderr.split()), command


def test_too_long_a_horizon_is_a_one_line_error(mart: Path) -> None:
    result = invoke(mart, "predict", "churn", "--horizon-days", "700")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "too little history" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def never_leaving(n_customers: int, seed: int) -> pd.DataFrame:
    """Orders of a shop whose customers never leave (the no-dropout data of
    tests/models/test_boundary.py as orders): each buys as a Poisson process from a day in
    the first 200 of 2024 to the year's end, at a gamma-distributed rate. The BG/NBD's
    likelihood is then highest on its boundary (a -> 0)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(n_customers):
        days = [rng.uniform(0, 200)]
        rate = rng.gamma(0.8, 1 / 3.0) / 7.0  # purchases per day
        while (day := days[-1] + rng.exponential(1 / rate)) < 365:
            days.append(day)
        rows += [(f"c{c}", pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), 25.0) for d in days]
    return pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount"])


@pytest.fixture(scope="module")
def no_dropout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mart of :func:`never_leaving` customers (600, orders up to 2024-12-30)."""
    folder = tmp_path_factory.mktemp("no-dropout")
    never_leaving(600, seed=0).to_csv(folder / "orders.csv", index=False)
    result = invoke(folder / "mart.duckdb", "ingest", "transactions", str(folder / "orders.csv"))
    assert result.exit_code == 0, result.output
    return folder / "mart.duckdb"


def test_a_btyd_baseline_on_the_boundary_is_fitted_as_its_limit_and_said(
    no_dropout: Path,
) -> None:
    refreshed = invoke(no_dropout, "refresh", "--format", "json")
    assert refreshed.exit_code == 0, refreshed.output
    assert json.loads(refreshed.stdout)["scores"] == ["churn", "intent"]  # none skipped
    assert " ".join(refreshed.stderr.split()).count("note: BTYD baseline: BGNBD") == 2
    for target in ("intent", "churn"):
        result = invoke(no_dropout, "predict", target, "--format", "json")
        assert result.exit_code == 0, result.output
        payload = json.loads(result.stdout)
        assert "btyd_any_purchase" in payload["validation"]
        note, *others = payload["notes"]
        assert note.startswith("BTYD baseline: BGNBD: the likelihood is highest on the boundary")
        # the baseline is the model these orders were drawn from: when the trees do worse
        # than it, the run says so too
        assert all(o.startswith(f"{target}_gbm predicted the evaluation window") for o in others)
        assert "the NBD without dropout" in note
        assert f"note: {note}" in " ".join(result.stderr.split())
    assert invoke(no_dropout, "score", "--retrain").exit_code == 0
    assert stored_counts(no_dropout)[("intent_gbm", "purchase_intent")] == 600


def test_strict_predict_score_and_refresh_refuse_a_btyd_baseline_on_the_boundary(
    tmp_path: Path,
) -> None:
    never_leaving(600, seed=0).to_csv(tmp_path / "orders.csv", index=False)
    no_dropout = tmp_path / "mart.duckdb"  # no stored models: refresh trains them
    assert invoke(no_dropout, "ingest", "transactions", str(tmp_path / "orders.csv")).exit_code == 0
    for command in (["predict", "churn"], ["predict", "intent"], ["score"]):
        refused = invoke(no_dropout, *command, "--strict")
        assert refused.exit_code == 2, command
        message = " ".join(refused.stderr.split())
        assert message.startswith("error: BTYD baseline: BGNBD cannot be identified")
        assert "Leave out --strict to fit its limit (the NBD without dropout)" in message
        assert "penalizer" not in message  # neither the Python argument nor a flag they lack
    assert not stored_counts(no_dropout)  # refused before storing any score
    refreshed = invoke(no_dropout, "refresh", "--strict", "--format", "json")
    assert refreshed.exit_code == 0, refreshed.output
    payload = json.loads(refreshed.stdout)
    assert payload["scores"] == []
    assert "Leave out --strict" in payload["skipped"]["scores"]
