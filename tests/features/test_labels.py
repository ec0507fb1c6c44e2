"""Labels of column and score names: every name segmint writes has one, others are tidied."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from segmint.features import FEATURE_COLUMNS
from segmint.features.labels import (
    KINDS,
    LABELS,
    NO_CLV_SCORE,
    kind,
    label,
    labelled,
    segment_label,
    value_text,
)


def test_every_feature_column_has_a_label_of_its_own() -> None:
    assert [c for c in FEATURE_COLUMNS if c not in LABELS] == []


TEXT_COLUMNS = {
    "customer_id",
    "as_of",
    "first_order_date",
    "last_order_date",
    "top_category",
    "age_band",
    "gender",
    "country",
    "region",
    "city",
    "acquisition_channel",
}


def test_every_numeric_feature_column_and_score_has_a_kind() -> None:
    assert [c for c in FEATURE_COLUMNS if c not in KINDS and c not in TEXT_COLUMNS] == []
    assert [c for c in KINDS if c not in LABELS] == []
    assert [kind(s) for s in ("clv", "p_alive", "churn_risk", "expected_spend")] == [
        "money",
        "share",
        "share",
        "money",
    ]


def test_a_clv_window_is_money_and_an_unknown_name_a_number() -> None:
    assert kind("clv_m12_36") == "money"
    assert kind("survey_satisfaction") == kind("clv_m12") == "number"


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


def test_a_value_tiers_unassigned_customers_read_as_having_no_clv_score() -> None:
    assert segment_label("unassigned", "value") == NO_CLV_SCORE == "no CLV score (no purchase yet)"
    assert segment_label("top 1%", "value") == "top 1%"
    assert segment_label("unassigned", "rules") == segment_label("unassigned") == "unassigned"


def test_the_money_features_are_those_the_catalogue_gives_in_the_shops_currency() -> None:
    """A feature shown with the shop's currency (kind money) is one docs/features.md
    gives the unit "currency", and every such feature is shown with it."""
    catalogue = (Path(__file__).parents[2] / "docs" / "features.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(\w+)` \|[^\n]*\| currency \|[^|\n]*\|$", catalogue, re.M))
    assert documented, "the catalogue's tables give money the unit currency"
    money = {name for name in FEATURE_COLUMNS if kind(name) == "money"}
    assert money == documented
