"""The dashboard's cached catalogue: defaults, checks with clear errors, versions, invalidation."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

import segmint
from segmint.exceptions import InputError, MartError, SegmintError
from segmint.insight.persona_playbook import Action
from segmint.insight.personas import PersonaCard
from segmint.mart import TABLES, Mart
from segmint.mart.privacy import eligibility
from segmint.mart.shop_settings import set_currency
from segmint.segmentation import store
from segmint.views import customers
from segmint.views.customers import AudienceQuery
from segmint.views.dashboard import (
    NO_SEGMENTATIONS,
    Dashboard,
    member_list_bytes,
    no_personas_message,
    persona_fields,
    store_version,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
DAY = dt.date(2024, 6, 30)
EARLIER = dt.date(2024, 3, 31)


def save(mart: Mart, name: str, day: dt.date, segments: dict[str, str]) -> None:
    frame = pd.DataFrame({"customer_id": list(segments), "segment": list(segments.values())})
    store.save(mart, name, "rules", {"name": name}, day, ibis.memtable(frame))


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        made.raw.execute("INSERT INTO customers (customer_id) VALUES ('a'), ('b'), ('c')")
        made.raw.execute(
            "INSERT INTO consents (customer_id, channel, granted) VALUES ('a', 'Email', true)"
        )
        save(made, "zeta", DAY, {"a": "Z1"})
        save(made, "beta", EARLIER, {"a": "B1", "b": "B2"})
        save(made, "beta", DAY, {"a": "B2", "b": "B2", "c": "B3"})
        yield made


def test_default_is_the_first_by_name_without_rfm_or_lifecycle(mart: Mart) -> None:
    board = Dashboard()
    assert board.names(mart) == ["beta", "zeta"]
    assert board.default_segmentation(mart) == "beta"


def test_default_prefers_rfm_then_lifecycle(mart: Mart) -> None:
    save(mart, "lifecycle", DAY, {"a": "Active"})
    assert Dashboard().default_segmentation(mart) == "lifecycle"
    save(mart, "rfm", DAY, {"a": "Champions"})
    assert Dashboard().default_segmentation(mart) == "rfm"


def test_an_empty_mart_says_how_to_store_something() -> None:
    with segmint.connect(":memory:") as empty:
        with pytest.raises(MartError) as info:
            Dashboard().default_segmentation(empty)
        assert str(info.value) == NO_SEGMENTATIONS


def test_unknown_segmentation_lists_the_stored_ones(mart: Mart) -> None:
    with pytest.raises(MartError, match="no segmentation named 'x'; stored: beta, zeta"):
        Dashboard().check(mart, "x")
    with pytest.raises(MartError, match="no segmentation named"):
        Dashboard().dates(mart, "x'; drop table assignments; --")


def test_without_a_date_pages_read_the_latest_results_of_any_version(mart: Mart) -> None:
    # beta's definition changes and runs as of EARLIER only: DAY's results stay the latest
    frame = pd.DataFrame({"customer_id": ["a"], "segment": ["New"]})
    store.save(mart, "beta", "rules", {"changed": 1}, EARLIER, ibis.memtable(frame))
    board = Dashboard()
    assert board.dates(mart, "beta") == [EARLIER, DAY]
    day = board.resolve(mart, "beta", None)
    assert day == DAY
    assert board.version(mart, "beta", day) == 1
    assert board.segments(mart, "beta", day) == ["B2", "B3"]


def test_a_date_on_or_before_reads_the_latest_results_of_any_version(mart: Mart) -> None:
    """Exports that take any date (the API's audience download) choose it as pages do: a
    changed definition run as of EARLIER only does not hide DAY's results."""
    frame = pd.DataFrame({"customer_id": ["a"], "segment": ["New"]})
    store.save(mart, "beta", "rules", {"changed": 1}, EARLIER, ibis.memtable(frame))
    board = Dashboard()
    assert board.latest_on_or_before(mart, "beta", "2024-07-31") == DAY
    assert board.latest_on_or_before(mart, "beta", "2024-05-01") == EARLIER
    assert board.version(mart, "beta", EARLIER) == 2


def test_resolve_dates(mart: Mart) -> None:
    board = Dashboard()
    assert board.dates(mart, "beta") == [EARLIER, DAY]
    assert board.resolve(mart, "beta", None) == DAY
    assert board.resolve(mart, "beta", "") == DAY
    assert board.resolve(mart, "beta", "2024-03-31") == EARLIER
    assert board.resolve(mart, "beta", EARLIER) == EARLIER
    with pytest.raises(
        MartError, match="no results as of 2024-01-01; stored dates: 2024-03-31, 2024-06-30"
    ):
        board.resolve(mart, "beta", "2024-01-01")
    with pytest.raises(InputError):
        board.resolve(mart, "beta", "30/06/2024")


def test_segments_and_check_segment(mart: Mart) -> None:
    board = Dashboard()
    assert board.segments(mart, "beta", DAY) == ["B2", "B3"]
    assert board.check_segment(mart, "beta", "B3", DAY) == "B3"
    with pytest.raises(MartError, match="has no segment 'B1' as of 2024-06-30; segments: B2, B3"):
        board.check_segment(mart, "beta", "B1", DAY)


def test_channels_are_checked_case_insensitively(mart: Mart) -> None:
    board = Dashboard()
    assert "email" in board.channels(mart)
    assert board.check_channel(mart, "  EMAIL ") == "email"
    with pytest.raises(SegmintError, match=r"channel must be one of .*; got 'fax\\n'"):
        board.check_channel(mart, "fax\n")


def test_store_version_is_the_one_holding_that_date(mart: Mart) -> None:
    assert store_version(mart, "beta", DAY) == store_version(mart, "beta", EARLIER)
    save(mart, "beta", DAY, {"a": "New"})  # same definition: stored again
    board = Dashboard()
    assert board.version(mart, "beta", DAY) == store_version(mart, "beta", DAY)
    assert board.segments(mart, "beta", DAY) == ["New"]


def test_cached_results_until_invalidated(mart: Mart) -> None:
    board = Dashboard()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert board.cached(("k",), compute) == 1
    assert board.cached(("k",), compute) == 1
    assert board.cached(("other",), compute) == 2
    names = board.names(mart)
    save(mart, "new", DAY, {"a": "N"})
    assert board.names(mart) == names  # the catalogue is cached
    board.invalidate()
    assert board.cached(("k",), compute) == 3
    assert "new" in board.names(mart)


def test_personas_of_an_unknown_segmentation_are_none(mart: Mart) -> None:
    assert Dashboard().personas(mart, "nope") == {}


def test_a_persona_without_a_cadence_shows_none() -> None:
    card = PersonaCard(
        segment="Lost", name="Lapsing buyers", members=10, share=0.1, revenue_per_member=5.0,
        average_order_value=50.0, orders=1.0, days_between_orders=float("nan"),
        days_since_last_order=527.0, value="low", risk="high",
    )  # fmt: skip
    assert persona_fields(card)["buying"] == "1.0 orders, 50 per order, last 527 days ago"
    timely = dataclasses.replace(card, orders=3.0, days_between_orders=40.0)
    assert (
        persona_fields(timely)["buying"]
        == "3.0 orders, 50 per order, every 40 days, last 527 days ago"
    )


def test_a_persona_card_shows_its_amounts_in_the_shops_currency() -> None:
    card = _card(revenue_per_member=1234.4)
    view = persona_fields(card, "EUR")
    assert view["value"] == "high value · €1,234 revenue per member/year"
    assert view["buying"] == "20.0 orders, €80 per order, every 40 days, last 10 days ago"
    assert persona_fields(card, "CHF")["buying"].startswith("20.0 orders, 80 CHF per order,")
    assert persona_fields(card)["value"] == "high value · 1,234 revenue per member/year"


def test_a_persona_card_of_unknown_value_says_why_instead_of_a_tier() -> None:
    card = _card(value="unknown", value_reason="no members", revenue_per_member=float("nan"))
    assert persona_fields(card)["value"] == "value unknown (no members) · — revenue per member/year"


def test_a_persona_card_of_a_few_months_of_orders_says_over_how_many_days() -> None:
    card = _card(revenue_per_member=1234.4, history_days=92)
    assert (
        persona_fields(card, "EUR")["value"]
        == "high value · €1,234 revenue per member over 92 days"
    )


def test_a_persona_card_judged_by_profit_shows_the_profit_per_member() -> None:
    card = _card(revenue_per_member=1234.4, value_measure="profit", profit_per_member=-20.0)
    assert (
        persona_fields(card, "EUR")["value"]
        == "high value · €1,234 revenue, -€20 profit per member/year"
    )


def test_persona_cards_read_the_shops_currency_from_the_mart(mart: Mart) -> None:
    set_currency(mart, "GBP", "cli:test")
    cards = Dashboard().personas(mart, "beta")
    assert cards, "the stored segmentation has persona cards"
    assert all("£" in card["value"] for card in cards.values())


def _card(**changes: object) -> PersonaCard:
    card = PersonaCard(
        segment="Champions", name="Frequent buyers", members=10, share=0.1,
        revenue_per_member=500.0, average_order_value=80.0, orders=20.0,
        days_between_orders=40.0, days_since_last_order=10.0, value="high", risk="low",
    )  # fmt: skip
    return dataclasses.replace(card, **changes)


def test_a_persona_names_what_each_value_is_in_words_people_read() -> None:
    card = _card(demographics={"age_band": "45-54", "crm_stage": "active", "loyalty_tier": "gold"})
    assert persona_fields(card)["people"] == "Age band 45–54, CRM stage active, Loyalty tier gold"


def test_a_persona_says_each_play_once() -> None:
    card = _card(
        actions=[
            Action("retain", "loyalty perks", "members worth at least 1.2× an average member"),
            Action("upsell", "bundles next to home", "room to grow"),
            Action("retain", "reach them by e-mail first", "they open e-mails"),
        ]
    )
    text = persona_fields(card)["suggested_actions"]
    assert text == (
        "Retain: loyalty perks; reach them by e-mail first. Upsell: bundles next to home."
    )


def test_the_dashboard_doc_says_persona_cards_are_computed_and_quotes_the_pages_message() -> None:
    doc = " ".join((DOCS / "dashboard.md").read_text(encoding="utf-8").split())
    assert "personas" not in TABLES  # no table holds them: the server makes them
    assert "`personas`" not in doc and "Persona cards** are not read from a table" in doc
    assert no_personas_message("NAME") in doc
    assert [key for key in persona_fields(_card()) if key not in doc] == []  # every field named


def test_the_currency_is_read_once_from_a_leased_mart_until_invalidated(mart: Mart) -> None:
    leases: list[Mart] = []

    @contextlib.contextmanager
    def lease() -> Iterator[Mart]:
        leases.append(mart)
        yield mart

    board = Dashboard(catalogue_ttl=None)
    assert board.currency(lease) is None  # none set yet: amounts are plain numbers
    set_currency(mart, "EUR", "cli:test")
    assert board.currency(lease) is None and len(leases) == 1  # cached, no second lease
    board.invalidate()  # what the server does when the mart changed
    assert board.currency(lease) == "EUR" and len(leases) == 2


@pytest.mark.parametrize("pseudonymise", [False, True])
def test_later_pages_of_an_audience_do_not_prepare_it_again(
    mart: Mart, monkeypatch: pytest.MonkeyPatch, pseudonymise: bool
) -> None:
    """The export step (counts of who is left out; every id hashed when pseudonymised) runs
    once per audience, not once per page, until the mart changes."""
    mart.raw.execute(
        "INSERT INTO customers (customer_id) VALUES ('d'), ('e');"
        "INSERT INTO consents (customer_id, channel, granted) VALUES "
        "('b', 'email', true), ('c', 'email', true), ('d', 'email', true), ('e', 'email', false)"
    )
    save(mart, "gamma", DAY, {"a": "G", "b": "G", "c": "G", "d": "G", "e": "G"})
    prepared: list[object] = []
    hashed: list[object] = []
    real_prepare, real_hash = customers.prepare_export, eligibility.pseudonymise_column
    monkeypatch.setattr(
        customers, "prepare_export", lambda *a, **k: prepared.append(1) or real_prepare(*a, **k)
    )
    monkeypatch.setattr(
        eligibility, "pseudonymise_column", lambda *a, **k: hashed.append(1) or real_hash(*a, **k)
    )
    board, where = Dashboard(ttl=None), AudienceQuery("gamma", "G", DAY, "email")
    seen: list[str] = []
    after = None
    for _ in range(5):
        page = board.audience_page(
            mart, where, limit=1, after=after, include_pii=False, pseudonymise=pseudonymise
        )
        seen += list(page.frame.customer_id)
        assert (page.total, page.excluded_without_consent) == (4, 1)
        after = page.after
        if after is None:
            break
    assert len(seen) == 4 and seen == sorted(seen)
    assert len(prepared) == 1 and len(hashed) == int(pseudonymise)
    board.invalidate()  # the mart changed: the next page reads the audience again
    board.audience_page(
        mart, where, limit=1, after=None, include_pii=False, pseudonymise=pseudonymise
    )
    assert len(prepared) == 2


def test_audiences_leave_nothing_in_the_engine(
    mart: Mart, engine_objects: Callable[[Mart], tuple[int, int]]
) -> None:
    """A server reads audiences all day on one connection: the pseudonyms' lookup of each is
    dropped once read, and no Arrow table stays registered (a page's ids with their contact
    details neither)."""
    mart.raw.execute(
        "INSERT INTO consents (customer_id, channel, granted) VALUES "
        "('a', 'email', true), ('b', 'email', true), ('c', 'email', true)"
    )
    save(mart, "delta", DAY, {"a": "D", "b": "D", "c": "D"})

    before = engine_objects(mart)
    where = AudienceQuery("delta", "D", DAY, "email")
    for _ in range(3):
        board = Dashboard(ttl=None)  # nothing cached: each read computes the audience
        index = board.audience_index(mart, where, pseudonymise=True)
        rows = board.audience(mart, "delta", "D", DAY, "email", False, pseudonymise=True)
        page = board.audience_page(mart, where, limit=2, after=None, include_pii=True)
        assert len(index.keys) == len(rows.frame) == 3
        assert list(page.frame.customer_id) == ["a", "b"] and "email" in page.frame.columns
    assert engine_objects(mart) == before


def test_an_audience_over_the_byte_budget_is_paged_but_not_kept(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no room for it, every page of an audience reads it again, and the pages still
    cover it once in order; with room for one, the audience used least recently goes."""
    mart.raw.execute(
        "INSERT INTO customers (customer_id) VALUES ('d'), ('e'), ('f');"
        "INSERT INTO consents (customer_id, channel, granted) VALUES "
        "('b', 'email', true), ('c', 'email', true), ('d', 'email', true), ('e', 'email', true),"
        "('f', 'email', true)"
    )
    save(mart, "gamma", DAY, {"a": "G", "b": "G", "c": "G", "d": "H", "e": "H", "f": "H"})
    prepared: list[object] = []
    real_prepare = customers.prepare_export
    monkeypatch.setattr(
        customers, "prepare_export", lambda *a, **k: prepared.append(1) or real_prepare(*a, **k)
    )
    board, where = Dashboard(ttl=None, audience_bytes=0), AudienceQuery("gamma", "G", DAY, "email")
    seen: list[str] = []
    after: str | None = None
    for _ in range(5):
        page = board.audience_page(mart, where, limit=1, after=after, include_pii=False)
        seen += list(page.frame.customer_id)
        assert page.total == 3
        if (after := page.after) is None:
            break
    assert seen == ["a", "b", "c"]
    assert len(prepared) == 3 and board.audiences.items() == []  # read for each page

    one = board.audience_index(mart, where).nbytes
    roomy = Dashboard(ttl=None, audience_bytes=one)  # room for one of the two
    roomy.audience_index(mart, where)
    roomy.audience_index(mart, dataclasses.replace(where, segment="H"))
    assert [key[2] for key, _ in roomy.audiences.items()] == ["H"]
    assert roomy.audiences.nbytes == one


def test_member_lists_are_kept_within_their_byte_budget(mart: Mart) -> None:
    """32 lists of a million ids would hold 2 GB: with room for one list, the one used least
    recently goes, and a list larger than the whole budget is handed out but not kept."""
    mart.raw.execute("INSERT INTO customers (customer_id) VALUES ('d'), ('e'), ('f')")
    save(mart, "gamma", DAY, {"a": "G", "b": "G", "c": "G", "d": "H", "e": "H", "f": "H"})
    version = Dashboard(ttl=None).version(mart, "gamma", DAY)
    one = member_list_bytes(Dashboard(ttl=None).member_ids(mart, "gamma", "G", DAY, version))
    roomy = Dashboard(ttl=None, member_bytes=one)
    assert roomy.member_ids(mart, "gamma", "G", DAY, version) == ["a", "b", "c"]
    assert roomy.member_ids(mart, "gamma", "H", DAY, version) == ["d", "e", "f"]
    assert [key[2] for key, _ in roomy.members.items()] == ["H"]
    ranked = roomy.ranked_members(mart, "gamma", "G", DAY, version)  # larger than a list
    assert len(ranked) == 3 and [key[2] for key, _ in roomy.members.items()] == ["H"]


def test_a_member_list_is_weighed_as_python_allocates_it() -> None:
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        ids = [f"C{i:09d}" for i in range(50_000)]
        allocated = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert member_list_bytes(ids) == pytest.approx(allocated, rel=0.05)
