"""The latent customer types: a valid population of parameters, and their derived means."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.synth.types import (
    ACQUISITION_CHANNELS,
    CATEGORIES,
    GENDERS,
    SALES_CHANNELS,
    TYPE_NAMES,
    TYPES,
    CustomerType,
    type_values,
)


def test_shares_sum_to_one_and_names_are_unique() -> None:
    assert sum(t.share for t in TYPES) == pytest.approx(1.0)
    assert len(set(TYPE_NAMES)) == len(TYPES) == 7


@pytest.mark.parametrize("kind", TYPES, ids=TYPE_NAMES)
def test_every_type_is_a_valid_set_of_distributions(kind: CustomerType) -> None:
    assert 0 < kind.share < 1
    assert 0 <= kind.first_purchase_prob <= 1
    assert min(kind.r, kind.alpha, kind.a, kind.b) > 0
    assert kind.spend_q > 1  # the mean spend is finite
    assert len(kind.gender_probs) == len(GENDERS)
    assert sum(kind.gender_probs) <= 1 + 1e-12  # the rest is unrecorded
    assert len(kind.acquisition_probs) == len(ACQUISITION_CHANNELS)
    assert sum(kind.acquisition_probs) == pytest.approx(1.0)
    assert len(kind.category_prefs) == len(CATEGORIES)
    assert sum(kind.category_prefs) == pytest.approx(1.0)
    assert len(kind.channel_probs) == len(SALES_CHANNELS)
    assert sum(kind.channel_probs) == pytest.approx(1.0)
    for p in (kind.discount_prob, kind.return_prob, kind.email_open_prob, kind.email_consent_prob):
        assert 0 <= p <= 1


def test_derived_means_hand_computed() -> None:
    kind = TYPES[0]
    changed = CustomerType(
        **{
            **kind.__dict__,
            "r": 2.0,
            "alpha": 40.0,
            "a": 1.0,
            "b": 3.0,
            "spend_p": 6.0,
            "spend_q": 4.0,
            "spend_gamma": 15.0,
        }
    )
    assert changed.mean_rate == 0.05
    assert changed.mean_dropout == 0.25
    assert changed.mean_spend == 30.0  # 6 * 15 / 3


def test_type_values_are_indexed_like_the_types() -> None:
    shares = type_values("share")
    assert shares.dtype == np.float64
    assert list(shares) == [t.share for t in TYPES]
    prefs = type_values("category_prefs")
    assert prefs.shape == (len(TYPES), len(CATEGORIES))
    with pytest.raises(AttributeError):
        type_values("no_such_parameter")
