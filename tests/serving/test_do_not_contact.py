"""One customer's place on the do-not-contact list, decided as every export decides it."""

from __future__ import annotations

import ibis
import pytest

from segmint.exceptions import MartError
from segmint.mart import Mart
from segmint.mart.privacy import SUPPRESSIONS_TABLE
from segmint.serving.do_not_contact import NOT_LISTED, listing
from segmint.serving.sorted_copies import SortedCopies


def customer(mart: Mart) -> str:
    """The demo mart's first customer."""
    return str(mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()[0])


def test_without_the_table_nobody_is_listed(mart: Mart) -> None:
    assert listing(mart, customer(mart), {"email"}) == NOT_LISTED


def test_a_table_without_channels_bars_every_channel(mart: Mart) -> None:
    person = customer(mart)
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable({"customer_id": [person]}))
    try:
        found = listing(mart, person, {"email", "sms"})
        assert found.every_channel and found.suppressed == {"email", "sms"}
        assert listing(mart, "x' OR '1'='1", {"email"}) == NOT_LISTED
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)


def test_channels_match_trimmed_and_in_any_case_and_only_those(mart: Mart) -> None:
    person = customer(mart)
    listed = {"customer_id": [person, person], "channel": ["\tSms ", "Post"]}
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    try:
        found = listing(mart, person, {"email", "sms"})
        assert found == listing(mart, person, ["sms", "email"])
        assert not found.every_channel and found.is_listed
        assert found.suppressed == {"sms"} and found.listed == ("Sms", "Post")
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)


def test_a_table_without_ids_says_what_it_needs(mart: Mart) -> None:
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable({"who": ["C1"]}))
    try:
        with pytest.raises(MartError, match=r"suppressions table .* needs a customer_id column"):
            listing(mart, "C1", {"email"})
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)


@pytest.mark.parametrize(
    "listed",
    [
        {"customer_id": ["P"]},  # every channel: no channel column
        {"customer_id": ["P", "P", "Q"], "channel": ["\tSms ", None, "email"]},
        {"customer_id": ["P", "P"], "channel": ["\tSms ", "Post"]},
    ],
)
def test_the_servers_copy_of_the_list_gives_what_the_mart_gives(
    mart: Mart, listed: dict[str, list[str | None]]
) -> None:
    """The 360° view reads the customer's rows from the server's copy of the list (no
    statement for a customer not on it), with the same answer as from the mart; the copy is
    what was listed when it was built."""
    person = customer(mart)
    rows = {k: [person if v == "P" else v for v in vs] for k, vs in listed.items()}
    copies = SortedCopies()
    copies.rebuild(mart)
    assert copies.listed_channels(mart, person) == []  # no list: nobody listed
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(rows))
    try:
        copies.rebuild(mart)
        for who in (person, "Q", "nobody", "x' OR '1'='1"):
            assert listing(mart, who, {"email", "sms"}, copies) == listing(
                mart, who, {"email", "sms"}
            ), who
        assert copies.listed_channels(mart, person)
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)
    # a commit since the copies were built: the mart is read until they are found current
    assert copies.listed_channels(mart, person) is None
    assert listing(mart, person, {"email"}, copies) == NOT_LISTED


def test_a_list_without_ids_is_not_copied_and_the_view_says_why(mart: Mart) -> None:
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable({"who": ["C1"]}))
    try:
        copies = SortedCopies()
        copies.rebuild(mart)
        assert copies.listed_channels(mart, "C1") is None
        with pytest.raises(MartError, match=r"needs a customer_id column"):
            listing(mart, "C1", {"email"}, copies)
    finally:
        mart.drop_table(SUPPRESSIONS_TABLE)
