"""Auto keeps the transaction model with the lowest holdout error, comparing each one split
by a covariate too."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np

from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.mart import Mart
from segmint.models.seasonal import SeasonalModel
from segmint.scoring.clv_choice import choose_model, holdout_purchases
from segmint.scoring.clv_fit import COVARIATE
from segmint.workflows.clv import purchase_calendar


def test_auto_keeps_the_model_with_the_lowest_holdout_error(
    cdnow_split: CalibrationHoldout,
) -> None:
    choice = choose_model(cdnow_split)
    assert list(choice.comparison.model) == sorted(
        choice.comparison.model, key=lambda m: choice.comparison.set_index("model").rmse[m]
    )
    assert set(choice.comparison.model) == {"bgnbd", "paretonbd", "mbgnbd"}
    actual = cdnow_split.frame.holdout_purchases.to_numpy()
    rmses = {
        name: float(np.sqrt(np.mean((holdout_purchases(fit, cdnow_split) - actual) ** 2)))
        for name, fit in choice.fits.items()
    }
    assert choice.chosen == min(rmses, key=rmses.__getitem__)
    assert choice.reason.startswith(f"{choice.chosen} has the lowest root mean squared error")
    assert (choice.comparison.actual_total == 1882).all()


def test_with_a_covariate_every_form_is_also_compared_split_by_it(cdnow_mart: Mart) -> None:
    """The seasonal form too: split from its own fit (the same index), side by side."""
    calibration_end = dt.date(1998, 1, 31)
    split = calibration_holdout(cdnow_mart, calibration_end)
    channel = np.array(["web", "store"], dtype=object)
    frame = split.frame.assign(**{COVARIATE: channel[split.frame.index % 2]})
    split = dataclasses.replace(split, frame=frame)
    calendar = purchase_calendar(cdnow_mart, calibration_end)
    choice = choose_model(
        split, ("bgnbd", "bgnbd-seasonal"), calendar=calendar, covariate="channel"
    )
    assert set(choice.comparison.model) == {
        "bgnbd",
        "bgnbd-seasonal",
        "bgnbd by channel",
        "bgnbd-seasonal by channel",
    }
    assert (choice.comparison.error.fillna("") == "").all()
    seasonal, grouped = choice.fits["bgnbd-seasonal"], choice.fits["bgnbd-seasonal by channel"]
    assert isinstance(grouped.transactions, SeasonalModel) and grouped.grouped is not None
    assert grouped.transactions.params_["dec"] == seasonal.transactions.params_["dec"]
    assert "the seasonal index estimated without the covariate" in " ".join(grouped.notes)
