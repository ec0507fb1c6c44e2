"""Labels of column and score names: every name segmint writes has one, others are tidied."""

from __future__ import annotations

import pytest

from segmint.features import FEATURE_COLUMNS
from segmint.features.labels import LABELS, label, labelled, value_text


def test_every_feature_column_has_a_label_of_its_own() -> None:
    assert [c for c in FEATURE_COLUMNS if c not in LABELS] == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("btyd_monetary", "Average repeat purchase value"),
        ("churn_risk", "Churn risk"),
        ("p_alive", "Probability still active"),
        ("clv", "Predicted lifetime value"),
        ("clv_m12_36", "Predicted value, months 12–36"),
        ("recency_days", "Days since last order"),
    ],
)
def test_known_names_read_as_labels(name: str, expected: str) -> None:
    assert label(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("loyalty_tier", "Loyalty tier"),
        ("crm_stage", "CRM stage"),
        ("household__size", "Household size"),
        ("nps", "NPS"),
        ("x", "X"),
        ("_", "_"),
    ],
)
def test_unknown_names_are_tidied(name: str, expected: str) -> None:
    assert label(name) == expected


def test_an_age_band_reads_with_an_en_dash_and_other_values_stay() -> None:
    assert value_text("age_band", "45-54") == "45–54"
    assert value_text("age_band", "65+") == "65+"
    assert value_text("postcode", "10-115") == "10-115"
    assert labelled("age_band", "18-24") == "Age band 18–24"
