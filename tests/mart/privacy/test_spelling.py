"""Ids the mart holds only in another spelling: found, with the ids it holds."""

from __future__ import annotations

import pytest

from segmint.mart import Mart
from segmint.mart.privacy.spelling import folded, other_spellings

from .conftest import ZOE


@pytest.mark.parametrize(
    ("given", "key"),
    [("13085.0", "13085"), ("13085.000", "13085"), (" C-1042 ", "c-1042"), ("13085.5", "13085.5")],
)
def test_folding_drops_spaces_case_and_a_zero_fraction_only(given: str, key: str) -> None:
    assert folded(given) == key


def test_only_ids_held_in_another_spelling_are_named(shop: Mart) -> None:
    assert other_spellings(shop, [ZOE.upper(), f" {ZOE}", "never-seen-42"]) == {
        ZOE.upper(): [ZOE],
        f" {ZOE}": [ZOE],
    }
    assert other_spellings(shop, []) == {}
