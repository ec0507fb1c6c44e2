"""Ids the mart holds only in another spelling: found, with the ids it holds."""

from __future__ import annotations

from typing import cast

import ibis
import pytest

from segmint.exceptions import MartError
from segmint.mart import Mart
from segmint.mart.privacy.spelling import (
    FEW_KEYS,
    _folded,
    did_you_mean,
    folded,
    likely_spellings,
    other_spellings,
)
from segmint.mart.text import SPACES

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


def held(mart: Mart, *ids: str) -> Mart:
    """``mart`` with customers holding exactly ``ids``."""
    mart.raw.executemany("INSERT INTO customers (customer_id) VALUES ($1)", [[i] for i in ids])
    return mart


@pytest.mark.parametrize(
    ("holds", "given"),
    [
        ("ZQ-7341", "zq-7341"),  # case, a likely spelling (upper case)
        ("Zq-7341", "zQ-7341"),  # another mix of case: found by the scan
        ("C-1042", " C-1042 "),  # spaces around the id given
        ("13085", "13085\n"),  # a line break after it, as a line read from a file has
        ("v77 ", "V77"),  # spaces around the id held: found by the scan
        ("C-1042\u00a0", "c-1042"),  # a no-break space after it, as a pasted id has
        ("\u3000V78", "v78"),  # an ideographic space before it
        ("13085", "13085.0"),  # a whole number written as a float
        ("13085", "13085.000"),
        ("13085.0", "13085"),  # the mart holds the float spelling
        ("13085.00", "13085"),  # ... with more zeros: found by the scan
    ],
)
def test_each_spelling_rule_suggests_the_id_held(mart: Mart, holds: str, given: str) -> None:
    held(mart, holds, "C-10420", "13085.5")
    assert other_spellings(mart, [given]) == {given: [holds]}
    assert did_you_mean(mart, given) == f" Did you mean {holds!r}?"


@pytest.mark.parametrize("given", ["C-104", "13085.05", "13085.", "013085", "C 1042"])
def test_an_id_that_only_resembles_one_held_is_not_suggested(mart: Mart, given: str) -> None:
    held(mart, "C-1042", "13085")
    assert other_spellings(mart, [given]) == {}
    assert did_you_mean(mart, given) == ""


def test_an_id_held_as_written_is_never_second_guessed(mart: Mart) -> None:
    held(mart, "C-1042", "c-1042")
    assert did_you_mean(mart, "c-1042") == ""
    assert did_you_mean(mart, "C-1042 ") == " Did you mean 'C-1042' or 'c-1042'?"


def test_a_complete_lookup_names_every_spelling_a_hint_names_the_likely_ones(mart: Mart) -> None:
    held(mart, "C-1042", "c-1042 ", " 13085", "13085.0")
    given = ["c-1042", "13085"]
    assert other_spellings(mart, given) == {"c-1042": ["C-1042"], "13085": ["13085.0"]}
    assert other_spellings(mart, given, complete=True) == {
        "c-1042": ["C-1042", "c-1042 "],
        "13085": [" 13085", "13085.0"],
    }


def test_many_ids_are_found_in_one_scan_as_a_few_are(mart: Mart) -> None:
    ids = [f"Ab-{n}" for n in range(FEW_KEYS + 2)]
    held(mart, *ids)
    given = [i.swapcase() for i in ids]  # "aB-0": no likely spelling is held
    assert other_spellings(mart, given) == {g: [i] for g, i in zip(given, ids, strict=True)}


def test_the_engine_folds_every_space_python_does(mart: Mart) -> None:
    ids = [f"{space}C-{n}{space}" for n, space in enumerate(SPACES)] + ["C\u00a0D", " 13085.0 "]
    table = ibis.memtable({"customer_id": ids})
    with mart.reading(table):
        engine = mart.con.execute(table.select(key=_folded(table.customer_id)))["key"].tolist()
    assert engine == [folded(i) for i in ids]
    assert folded("C\u00a0D") == "c\u00a0d"  # a space inside an id is part of it


def test_likely_spellings_need_no_fold_of_the_held_ids() -> None:
    assert likely_spellings(" 13085.0 ") >= {"13085", "13085.0"}
    assert likely_spellings("zq-7341") >= {"zq-7341", "ZQ-7341"}
    assert {folded(s) for s in likely_spellings(" C-1042\t")} == {"c-1042"}


class _NoQueries:
    """A mart that fails any use: the refusal must come before the engine is asked."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the mart was used ({name})")


@pytest.mark.parametrize("given", ["13\x0085", "\x00", "C-1\n042", "C-1042\x7f"])
def test_an_id_with_control_characters_is_refused_before_any_query(given: str) -> None:
    with pytest.raises(MartError, match=r"contains control characters \(U\+00(00|0A|7F)\)"):
        did_you_mean(cast(Mart, _NoQueries()), given)


def test_a_nul_in_an_id_is_refused_on_a_real_mart_too(mart: Mart) -> None:
    held(mart, "13085")
    with pytest.raises(MartError, match=r"'13085\\x00'.*remove them"):
        other_spellings(mart, ["13085\x00"])
