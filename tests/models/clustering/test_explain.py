from __future__ import annotations

import numpy as np
import pandas as pd

from segmint.models.clustering import standardised_differences, surrogate_rules


def test_rules_recover_the_thresholds_that_define_the_groups() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"orders_365d": rng.integers(0, 12, 2000), "region = North": rng.integers(0, 2, 2000)}
    )
    labels = np.where(frame.orders_365d >= 6, 1, 0) + 2 * frame["region = North"].to_numpy()
    explained = surrogate_rules(frame, labels)
    assert explained.fidelity == 1.0
    rules = dict(zip(explained.rules.cluster, explained.rules.rule, strict=True))
    assert rules[3] == "orders_365d > 5.5 and region = North"
    assert rules[0] == "orders_365d ≤ 5.5 and region ≠ North"
    assert (explained.rules.precision == 1).all() and (explained.rules.recall == 1).all()


def test_standardised_differences_have_the_sign_and_size_of_the_gap() -> None:
    frame = pd.DataFrame({"spend": [1.0, 1.0, 3.0, 3.0], "same": [2.0] * 4})
    smd = standardised_differences(frame, np.array([0, 0, 1, 1]))
    spend = smd[smd.feature == "spend"].set_index("cluster").smd
    assert spend[0] == -1.0 and spend[1] == 1.0
    assert smd[smd.feature == "same"].smd.isna().all()
