"""The checks and names of value tiers (the use case is tested in tests/workflows/test_value.py)."""

from __future__ import annotations

import pytest

from segmint.exceptions import InputError
from segmint.segmentation.value import (
    DEFAULT_CUTS,
    DEFAULT_RISK_CUTS,
    check_cuts,
    check_risk_cuts,
    tier_names,
)


def test_tier_names_are_unique_rank_ranges() -> None:
    assert tier_names((0.25, 0.5, 0.75)) == ["top 25%", "top 25-50%", "top 50-75%", "rest"]
    assert tier_names(DEFAULT_CUTS) == ["top 1%", "top 1-5%", "top 5-20%", "top 20-50%", "rest"]


def test_good_cuts_pass_unchanged() -> None:
    assert check_cuts(DEFAULT_CUTS) == DEFAULT_CUTS
    assert check_cuts((0.5,)) == (0.5,)
    assert check_risk_cuts(DEFAULT_RISK_CUTS) == DEFAULT_RISK_CUTS


@pytest.mark.parametrize("cuts", [(), (0.0, 0.5), (0.5, 1.0), (0.2, 0.1), (0.1, 0.1), (-0.1,)])
def test_bad_cuts_name_the_input_and_an_example(cuts: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match=r"got \[.*\]\. Example: --cuts 0\.01,0\.05,0\.2,0\.5"):
        check_cuts(cuts)


@pytest.mark.parametrize("risk_cuts", [(0.5,), (0.6, 0.3), (0.0, 0.5), (0.5, 1.0), (0.2, 0.4, 0.6)])
def test_bad_risk_cuts_name_the_input_and_an_example(risk_cuts: tuple[float, ...]) -> None:
    with pytest.raises(InputError, match=r"Example: --risk-cuts 0\.33,0\.67\."):
        check_risk_cuts(risk_cuts)
