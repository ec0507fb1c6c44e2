"""Band values put in their natural order, and values that are not bands left alone."""

from __future__ import annotations

import math

import pytest

from segmint.mart.bands import band_order, interval


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # The grocery household file's ages, incomes, sizes and kids (shuffled).
        (
            ["45-54", "19-24", "65+", "25-34", "35-44", "55-64"],
            ("19-24", "25-34", "35-44", "45-54", "55-64", "65+"),
        ),
        (
            ["100-124K", "Under 15K", "250K+", "15-24K", "50-74K", "125-149K", "35-49K"],
            ("Under 15K", "15-24K", "35-49K", "50-74K", "100-124K", "125-149K", "250K+"),
        ),
        (["5+", "1", "3", "2", "4"], ("1", "2", "3", "4", "5+")),
        (["3+", "None/Unknown", "1", "2"], ("1", "2", "3+", "None/Unknown")),
        (
            ["$50,000 - $74,999", "Less than $25,000", "$150,000 or more", "$25,000 to $49,999"],
            ("Less than $25,000", "$25,000 to $49,999", "$50,000 - $74,999", "$150,000 or more"),
        ),
        (
            ["18 to 24 years", "Over 65", "<18", "25–34"],
            ("<18", "18 to 24 years", "25–34", "Over 65"),
        ),
    ],
)
def test_bands_sort_naturally(values: list[str], expected: tuple[str, ...]) -> None:
    assert band_order(values) == expected
    assert band_order(reversed(values)) == expected  # the input order never matters


@pytest.mark.parametrize(
    "values",
    [
        ["Homeowner", "Renter", "Unknown"],  # words
        ["1", "2", "3"],  # plain numbers: a numeric attribute, not bands
        ["25-34", "Homeowner"],  # one value that is no band
        ["25-34"],  # a single band orders nothing
        [None, " ", "Unknown"],
    ],
)
def test_values_that_are_not_bands_have_no_order(values: list[str | None]) -> None:
    assert band_order(values) is None


def test_an_interval_reads_units_and_open_ends() -> None:
    assert interval("15-24K") == (15_000, 24_000, True)
    assert interval("1.5M+") == (1_500_000, math.inf, True)
    assert interval("Under 15K") == (-math.inf, 15_000, True)
    assert interval("7") == (7, 7, False)
    assert interval("gold") is None
