"""Printing a persona card: the same labels and plays as the pages' card."""

from __future__ import annotations

import dataclasses

from segmint.cli._output import out
from segmint.cli.persona_commands import show_card
from segmint.insight.persona_playbook import Action
from segmint.insight.personas import PersonaCard


def test_a_printed_card_labels_its_sketch_and_says_each_play_once() -> None:
    card = PersonaCard(
        segment="Champions", name="Frequent buyers", members=10, share=0.1,
        revenue_per_member=500.0, average_order_value=80.0, orders=20.0,
        days_between_orders=40.0, days_since_last_order=10.0, value="high", risk="low",
        risk_reason="last order 0.3× the usual gap", demographics={"age_band": "45-54", "crm_stage": "active"},
        actions=[
            Action("retain", "loyalty perks", "members worth at least 1.2× an average member"),
            Action("retain", "reach them by e-mail first", "they open e-mails"),
        ],
    )  # fmt: skip
    with out.capture() as printed:
        show_card(card)
    lines = printed.get().splitlines()
    assert "  typically: Age band 45–54, CRM stage active" in lines
    assert [line for line in lines if "retain" in line] == [
        "  → retain: loyalty perks (members worth at least 1.2× an average member)"
    ]
    assert "            reach them by e-mail first (they open e-mails)" in lines


def _lean_card() -> PersonaCard:
    return PersonaCard(
        segment="Champions", name="Frequent buyers", members=10, share=0.1,
        revenue_per_member=1234.4, average_order_value=80.0, orders=2.0,
        days_between_orders=40.0, days_since_last_order=10.0, value="high", risk="low",
    )  # fmt: skip


def test_a_printed_card_shows_its_amounts_in_the_shops_currency_and_its_days_plain() -> None:
    with out.capture() as printed:
        show_card(_lean_card(), "EUR")
    numbers = printed.get().splitlines()[2]
    assert "€1,234 revenue per member/year" in numbers and "AOV €80" in numbers
    assert "2.0 orders" in numbers and "every 40 days" in numbers  # counts, days: no currency
    with out.capture() as printed:
        show_card(_lean_card(), "SEK")
    assert "1,234 SEK revenue per member/year" in printed.get()
    with out.capture() as printed:
        show_card(_lean_card())
    assert "· 1,234 revenue per member/year · 2.0 orders · AOV 80 ·" in printed.get()


def test_a_printed_card_of_unknown_value_says_why() -> None:
    unknown = dataclasses.replace(
        _lean_card(), value="unknown", value_reason="no profit per member computed"
    )
    with out.capture() as printed:
        show_card(unknown)
    assert "· value unknown (no profit per member computed), risk low" in printed.get()


def test_a_printed_card_of_a_few_months_of_orders_says_over_how_many_days() -> None:
    with out.capture() as printed:
        show_card(dataclasses.replace(_lean_card(), history_days=92))
    assert "· 1,234 revenue per member over 92 days ·" in printed.get()
    assert "year" not in printed.get()


def test_a_printed_card_of_members_who_cancelled_every_order_does_not_say_no_orders_yet() -> None:
    nan = float("nan")
    common = {"members": 81, "share": 0.01, "revenue_per_member": 0.0, "orders": 0.0,
              "average_order_value": nan, "days_between_orders": nan,
              "days_since_last_order": nan, "value": "low"}  # fmt: skip
    cancelled = PersonaCard(
        segment="Cancelled only", name="Typical cancelled-only customers", risk="high",
        risk_reason="ordered, then cancelled every order", cancelled=True, **common,  # type: ignore[arg-type]
    )  # fmt: skip
    prospects = PersonaCard(
        segment="Prospect", name="Typical prospects", risk="low", risk_reason="no orders yet",
        **common,  # type: ignore[arg-type]
    )  # fmt: skip
    with out.capture() as printed:
        show_card(cancelled)
    assert "every order cancelled" in printed.get() and "no orders yet" not in printed.get()
    with out.capture() as printed:
        show_card(prospects)
    assert "no orders yet" in printed.get()
