"""Which stored churn risk is read: a churn model's before the purchase histories' one."""

from __future__ import annotations

import datetime as dt

from segmint.scoring.churn_source import HISTORY_MODEL, preferred_model, source_of

DAY = dt.date(2025, 3, 31)


def test_a_churn_model_is_preferred_whatever_its_name() -> None:
    assert preferred_model([HISTORY_MODEL, "churn_gbm"]) == "churn_gbm"
    assert preferred_model(["zz-model", HISTORY_MODEL]) == "zz-model"  # sorts after it
    assert preferred_model(["b", "a", HISTORY_MODEL]) == "a"
    assert preferred_model([HISTORY_MODEL]) == HISTORY_MODEL


def test_the_source_says_what_the_risk_is_and_how_to_get_a_churn_model() -> None:
    assert source_of("churn_gbm", DAY) == "churn_risk of churn_gbm as of 2025-03-31"
    history = source_of(HISTORY_MODEL, DAY)
    assert "MBG/NBD fitted on the purchases up to 2025-03-31" in history
    assert "`segmint score`" in history
