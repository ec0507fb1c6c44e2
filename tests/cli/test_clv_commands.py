"""segmint clv fit|score|backtest and segment value, end to end on CDNOW loaded by the CLI."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

import segmint
from segmint.cli import _output
from segmint.features.btyd import btyd_summary
from segmint.scoring.clv_fit import fit_clv
from segmint.views.plots import files

from .conftest import Segmint, assert_limit_advised

CDNOW = Path(__file__).parents[2] / ".." / "shared" / "datasets" / "cdnow" / "CDNOW_sample.txt"


def load(cli: Segmint, folder: Path) -> None:
    names = ["master_id", "sample_id", "date", "cds", "dollars"]
    csv = folder / "cdnow.csv"
    pd.read_csv(CDNOW, sep=r"\s+", header=None, names=names).to_csv(csv, index=False)
    maps = ["customer_id=sample_id", "order_ts=date", "quantity=cds", "amount=dollars"]
    args = [a for m in maps for a in ("--map", m)]
    result = cli("ingest", "transactions", csv, "--date-format", "%Y%m%d", *args)
    assert result.exit_code == 0, result.stderr


@pytest.fixture(scope="module")
def cdnow_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cdnow_cli")
    load(Segmint(folder / "cdnow.duckdb"), folder)
    return folder / "cdnow.duckdb"


@pytest.fixture
def cdnow(cdnow_file: Path, segmint_cli: Segmint) -> Segmint:
    """``segmint`` on a private copy of the CDNOW mart."""
    shutil.copy(cdnow_file, segmint_cli.mart)
    return segmint_cli


def test_fit_auto_compares_picks_stores_and_plots(cdnow: Segmint, tmp_path: Path) -> None:
    plots = tmp_path / "plots"
    result = cdnow("clv", "fit", "--as-of", "1998-06-30", "--holdout-weeks", "39", "--plots", plots)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "holdout purchases per customer, calibration to 1997-09-30" in out
    for model in ("bgnbd", "paretonbd", "mbgnbd"):
        assert model in out
    assert "chosen: " in out and "lowest root mean squared error" in out
    assert "1,882" in out  # the actual holdout purchases
    assert "std. error" in out
    assert (plots / "clv_diagnostics.html").stat().st_size > 0
    with segmint.connect(cdnow.mart) as mart:
        runs = mart.table("model_runs").to_pandas()
    assert sorted(runs.kind) == ["clv", "spend"]
    assert "comparison" in json.loads(runs[runs.kind == "clv"].metrics.iloc[0])


def test_a_fit_on_a_machine_that_cannot_render_png_still_succeeds(
    cdnow: Segmint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "images_available", lambda: False)
    plots = tmp_path / "plots"
    result = cdnow("clv", "fit", "--model", "bgnbd", "--plots", plots)
    assert result.exit_code == 0, result.stderr
    assert "no PNG files" in result.stderr
    assert [p.name for p in plots.iterdir()] == ["clv_diagnostics.html"]
    assert cdnow("clv", "fit", "--model", "bgnbd", "--png", "--plots", plots).exit_code == 2


def test_fit_prints_the_parameters_of_the_library_fit(cdnow: Segmint, tmp_path: Path) -> None:
    result = cdnow(
        "clv",
        "fit",
        "--model",
        "bgnbd",
        "--as-of",
        "1998-06-30",
        "--plots",
        tmp_path,
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    with segmint.connect(cdnow.mart) as mart:
        expected = fit_clv(btyd_summary(mart, "1998-06-30").to_pandas(), "bgnbd")
    assert payload["model"] == "bgnbd+gammagamma"
    assert payload["transactions"]["params"] == pytest.approx(expected.transactions.params_)
    assert payload["spend"]["params"] == pytest.approx(expected.spend.params_)
    assert set(payload["transactions"]["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert payload["comparison"] is None


def test_score_then_value_tiers_and_grid(cdnow: Segmint) -> None:
    result = cdnow("clv", "score", "--as-of", "1997-09-30", "--window", "12-36")
    assert result.exit_code == 0, result.stderr
    assert "2,357 customers scored" in result.stdout
    assert "fitting bgnbd as of 1997-09-30" in result.stderr
    assert "$" not in result.stdout  # no currency set: plain numbers
    assert cdnow("currency", "USD").exit_code == 0
    again = cdnow("clv", "score", "--as-of", "1997-09-30")
    assert cdnow("currency", "--clear").exit_code == 0
    assert "using the bgnbd fit stored as of 1997-09-30" in again.stderr
    assert re.search(r"│ clv\s+│\s+\$[\d,]+\.\d\d │", again.stdout), again.stdout  # the shop's
    assert "churn_risk of 2,357 buyers stored: P(no purchase in the next 90 days)" in again.stderr
    with segmint.connect(cdnow.mart) as mart:
        scores = mart.table("scores").to_pandas()
    counts = scores.groupby("score_name").size()
    assert counts.to_dict() == {
        "clv": 2357,
        "clv_m12_36": 2357,
        "expected_purchases": 2357,
        "expected_spend": 2357,
        "p_alive": 2357,
        "churn_risk": 2357,  # from the histories, for the value x risk grid
    }
    value = cdnow("segment", "value")
    assert value.exit_code == 0, value.stderr
    assert "value v1 as of 1997-09-30: 2,357 customers" in value.stdout
    assert "customers by value and churn risk" in value.stdout
    assert (
        "top 1-5%" in value.stdout
        and "P(no purchase in the next 90 days) of an MBG/NBD" in value.stdout
        and "stored by `segmint clv score`" in value.stdout
    )


def test_backtest_reports_every_metric(cdnow: Segmint) -> None:
    result = cdnow(
        "clv",
        "backtest",
        "--calibration-end",
        "1997-09-30",
        "--model",
        "bgnbd",
        "--model",
        "mbgnbd",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == ["bgnbd+gammagamma", "mbgnbd+gammagamma"]
    assert all(0 < r["decile_lift"] < 1 and 0 < r["mae_purchases"] < 2 for r in rows)
    human = cdnow("clv", "backtest", "--calibration-end", "1997-09-30", "--model", "bgnbd")
    assert "holdout to 1998-06-30 (39.0 weeks, 2,357 customers)" in human.stdout
    assert "ece_p_alive" in human.stdout


def test_a_covariate_is_compared_side_by_side_or_refused_with_the_reason(cdnow: Segmint) -> None:
    split = ("clv", "backtest", "--calibration-end", "1997-09-30", "--model", "bgnbd")
    result = cdnow(*split, "--covariate", "acquisition_channel", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["model"] for r in rows] == [
        "bgnbd+gammagamma",
        "bgnbd by acquisition_channel+gammagamma",
    ]
    assert "cannot tell customers apart" in rows[1]["note"]  # CDNOW has no customers table
    fit = cdnow("clv", "fit", "--model", "bgnbd", "--covariate", "acquisition_channel")
    assert fit.exit_code != 0 and "cannot tell customers apart" in fit.stderr
    assert "2,357 of 2,357 customers have no value" in " ".join(fit.stderr.split())
    bad = cdnow(*split, "--covariate", "shoe_size")
    assert bad.exit_code == 2 and "unknown covariate 'shoe_size'" in bad.stderr


def test_unknown_model_is_refused(segmint_cli: Segmint) -> None:
    result = segmint_cli("clv", "fit", "--model", "lifetimes")
    assert result.exit_code == 2
    assert "unknown CLV model 'lifetimes'; choose one of auto, bgnbd, paretonbd, mbgnbd" in (
        result.stderr
    )


def test_a_mart_without_orders_says_to_load_them(segmint_cli: Segmint) -> None:
    for command in (
        ("clv", "fit"),
        ("clv", "score"),
        ("clv", "backtest", "--calibration-end", "2024-01-01"),
    ):
        result = segmint_cli(*command)
        assert result.exit_code == 2, command
        assert "has no orders" in result.stderr


def test_no_repeat_buyers_is_explained(segmint_cli: Segmint, tmp_path: Path) -> None:
    csv = tmp_path / "once.csv"
    csv.write_text(
        "customer_id,order_ts,amount\na,2024-01-01,10\nb,2024-02-01,20\nc,2024-03-01,5\n"
    )
    assert segmint_cli("ingest", "transactions", csv).exit_code == 0
    result = segmint_cli("clv", "score", "--model", "bgnbd")
    assert result.exit_code == 2
    assert "none of the 3 customers made a repeat purchase" in result.stderr


def test_value_without_scores_says_to_score_first(segmint_cli: Segmint) -> None:
    result = segmint_cli("segment", "value")
    assert result.exit_code == 2
    assert "run `segmint clv score` first" in result.stderr


def test_bad_windows_and_cuts_are_refused(segmint_cli: Segmint) -> None:
    result = segmint_cli("clv", "score", "--window", "36-12")
    assert result.exit_code == 2
    assert "--window takes months as START-END" in result.stderr
    result = segmint_cli("segment", "value", "--as-of", "2024-01-01", "--cuts", "a,b")
    assert "--cuts takes numbers separated by commas" in result.stderr


def test_score_names_its_steps_on_a_terminal(
    cdnow: Segmint, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(_output, "err", Console(file=screen, force_terminal=True, width=120))
    result = cdnow("clv", "score", "--as-of", "1997-12-31")
    assert result.exit_code == 0, result.stderr
    assert "clv score: scores computed and stored by the engine" in screen.getvalue()


def test_a_negative_penalty_is_refused_naming_the_flag(segmint_cli: Segmint) -> None:
    for command in (("clv", "fit"), ("clv", "score"), ("clv", "backtest")):
        result = segmint_cli(*command, "--penalizer", "-1")
        assert result.exit_code == 2, command
        assert "--penalizer" in result.stderr and "penalizer_coef" not in result.stderr


def test_a_fit_stopped_at_its_iteration_limit_advises_the_flag(
    cdnow: Segmint, tmp_path: Path
) -> None:
    for command in (
        ("clv", "fit", "--model", "bgnbd", "--plots", str(tmp_path), "--no-png"),
        ("clv", "score", "--model", "bgnbd"),
        ("clv", "backtest", "--calibration-end", "1997-09-30", "--model", "bgnbd"),
    ):
        result = cdnow(*command, "--max-iter", "2")
        assert result.exit_code == 0, result.stderr
        said = " ".join(result.stderr.split())
        assert "warning: BGNBD stopped at its limit of 2 iterations before converging" in said
        assert "Raise --max-iter (now 2) to let it converge." in said, command
        assert "max_iter" not in said  # the models' argument, which no command takes


def test_value_tiers_fitting_their_churn_risk_advise_the_flag(cdnow: Segmint) -> None:
    scored = cdnow("clv", "score", "--as-of", "1997-09-30", "--max-iter", "2")
    assert scored.exit_code == 0, scored.stderr
    assert "MBGNBD stopped at its limit of 2" in " ".join(scored.stderr.split())  # its risk too
    with segmint.connect(cdnow.mart) as mart:  # no stored risk: the value tiers fit their own
        mart.raw.execute("DELETE FROM scores WHERE score_name = 'churn_risk'")
    result = cdnow("segment", "value", "--max-iter", "2")
    assert result.exit_code == 0, result.stderr
    assert_limit_advised(result.stderr, 2)
    assert "MBGNBD stopped" in " ".join(result.stderr.split())


def test_an_iteration_limit_below_one_is_refused_naming_the_flag(segmint_cli: Segmint) -> None:
    for command in (
        ("clv", "fit"),
        ("clv", "score"),
        ("clv", "backtest"),
        ("segment", "value"),
        ("predict", "churn"),
        ("predict", "intent"),
        ("score",),
        ("refresh",),
        ("quickstart", "orders.csv"),
        ("demo",),
    ):
        result = segmint_cli(*command, "--max-iter", "0")
        assert result.exit_code == 2, command
        assert "--max-iter" in result.stderr
