"""The parts of the churn and intent scores that need no mart: the BTYD baseline."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmint.models import BGNBD, simulate_bgnbd
from segmint.scoring.propensity import any_purchase_probability


def test_any_purchase_probability_of_a_new_customer_is_one_minus_p_zero() -> None:
    cdnow = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    history = simulate_bgnbd(cdnow, np.full(2000, 39.0), random_state=0)
    model = BGNBD().fit(history["frequency"], history["recency"], history["T"])
    new = pd.DataFrame({"btyd_frequency": [0.0], "btyd_recency": [0.0], "btyd_T": [0.0]})
    for weeks in (1.0, 13.0, 52.0):
        expected = 1.0 - model.probability_of_purchases(0, weeks)
        assert any_purchase_probability(model, new, weeks)[0] == pytest.approx(float(expected))
