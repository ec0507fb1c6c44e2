"""One customer's place on the do-not-contact list, decided as every export decides it."""

from __future__ import annotations

import ibis
import pytest

from segmint.exceptions import MartError
from segmint.mart import Mart
from segmint.mart.privacy import SUPPRESSIONS_TABLE
from segmint.serving.do_not_contact import NOT_LISTED, listing


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
