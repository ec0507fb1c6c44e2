"""How the CLV commands print for people: score totals, amounts in the shop's currency."""

from __future__ import annotations

import datetime as dt

from segmint.cli._clv_output import show_params, show_scores
from segmint.cli._output import out
from segmint.models import BGNBD, GammaGamma
from segmint.models.latent_class import LatentClassModel
from segmint.models.seasonal import MONTH_NAMES, SeasonalModel
from segmint.scoring.clv_fit import ClvFit
from segmint.scoring.clv_scores import ScoreRun

RUN = ScoreRun(
    dt.date(2024, 6, 30),
    "bgnbd+gammagamma",
    4,
    {"clv": 1234.5, "p_alive": 3.0, "expected_purchases": 6.0, "expected_spend": 100.0},
)


def _rows(currency: str | None) -> dict[str, str]:
    """Each score's printed row, by score name."""
    with out.capture() as captured:
        show_scores(RUN, currency)
    lines = captured.get().splitlines()
    return {name: next(line for line in lines if f" {name} " in line) for name in RUN.totals}


def test_amounts_are_in_the_currency_counts_and_probabilities_are_not() -> None:
    rows = _rows("EUR")
    assert "€1,234.50" in rows["clv"] and "€308.6250" in rows["clv"]
    # a value per purchase: a sum over customers is no amount of anything
    assert "expected_spend (per purchase)" in rows["expected_spend"]
    assert "€25.0000" in rows["expected_spend"] and "100" not in rows["expected_spend"]
    assert "€" not in rows["p_alive"] + rows["expected_purchases"]
    assert "1.5000" in rows["expected_purchases"]


def test_without_a_currency_the_totals_are_as_before_and_yen_have_no_decimals() -> None:
    plain = _rows(None)
    assert "1,234.50" in plain["clv"] and "308.6250" in plain["clv"]
    yen = _rows("JPY")
    assert "¥1,234 " in yen["clv"]  # 1,234.5 rounded half to even
    assert "¥308.62" in yen["clv"]  # a mean keeps two decimals more than the yen's none
    assert "308.62500 KWD" in _rows("KWD")["clv"]  # and three more than cents for dinars


def _fitted(model: BGNBD | GammaGamma, params: dict[str, float]) -> BGNBD | GammaGamma:
    model.params_ = params
    model.standard_errors_ = dict.fromkeys(params, 0.1)
    model.log_likelihood_ = -100.0
    return model


def test_a_seasonal_form_with_latent_classes_names_its_classes_and_their_odds() -> None:
    classes = tuple(
        _fitted(BGNBD(), {"r": r, "alpha": 5.0, "a": 1.0, "b": 2.0}) for r in (0.5, 2.0)
    )
    mixture = LatentClassModel(classes, [0.6, 0.4], classes[0])
    months = dict.fromkeys(MONTH_NAMES[1:], 1.0)
    params = {**mixture.params_, **months}
    seasonal = SeasonalModel(
        mixture, (params, dict.fromkeys(params, 0.1), -90.0), dt.date(2024, 6, 30)
    )
    spend = _fitted(GammaGamma(), {"p": 6.0, "q": 4.0, "gamma": 15.0})
    fit = ClvFit("bgnbd-seasonal", seasonal, spend, 10, 5)  # type: ignore[arg-type]
    with out.capture() as captured:
        show_params(fit, dt.date(2024, 6, 30))
    printed = captured.get()
    assert "BGNBD, 2 latent classes (odds_k: class k's share over the first's) (transactions)" in (
        printed
    )
    assert " r_2 " in printed and " odds_2 " in printed and "0.6667" in printed
