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


def test_leaves_that_differ_in_one_split_read_as_one_rule() -> None:
    # The tree splits on spend first (it separates the other two clusters), so cluster 0
    # (North) holds one leaf on each side of spend ≤ 290: the rule must not say
    # "(spend > 290 and North) or (spend ≤ 290 and North)".
    rng = np.random.default_rng(1)
    north = (rng.random(3000) < 0.2).astype(int)
    frame = pd.DataFrame({"spend": rng.uniform(0, 600, 3000), "region = North": north})
    labels = np.where(north == 1, 0, np.where(frame.spend > 290, 1, 2))
    explained = surrogate_rules(frame, labels, max_depth=2)
    rules = dict(zip(explained.rules.cluster, explained.rules.rule, strict=True))
    assert rules[0] == "region = North"
    assert explained.rules.set_index("cluster").loc[0, ["precision", "recall"]].tolist() == [1, 1]
    assert " or " not in rules[0] and "spend" not in rules[0]
    assert rules[1].startswith("region ≠ North") and "spend >" in rules[1]
