"""``segmint persona SEGMENTATION``: a card per segment, with name, numbers, mix and actions.

An adapter over :func:`segmint.workflows.profile.personas`, so the pages give the same cards;
``--format json`` prints them as the API does (:func:`segmint.views.dashboard.persona_list`:
each segment's ``persona`` object with the shop's ``currency``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, steps, user_errors
from segmint.mart.currency import money_text

if TYPE_CHECKING:
    from segmint.insight.personas import PersonaCard


@user_errors
def persona(
    segmentation: Annotated[str, typer.Argument(help="Name of a stored segmentation.")],
    mart: MartOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date of stored results.")] = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Persona cards for every segment: name, key numbers, mix and suggested actions."""
    from segmint.mart import connect
    from segmint.mart.shop_settings import shop_currency
    from segmint.views.dashboard import persona_list
    from segmint.workflows.profile import personas

    with connect(mart, create=False) as m, steps(f"personas of {segmentation}"):
        cards = personas(m, segmentation, as_of)
        currency = shop_currency(m)
    if format_ != OutputFormat.human:
        typer.echo(json.dumps(persona_list(segmentation, cards, currency)))
        return
    for card in cards:
        show_card(card, currency)


def show_card(card: PersonaCard, currency: str | None = None) -> None:
    """Print one persona card: the sketch labelled and each play once, as on the pages;
    its amounts in the shop's ``currency``."""
    from segmint.insight.persona_mix import sketch_phrases
    from segmint.insight.persona_playbook import plays

    flag = ("  (too small to act on)", "yellow") if card.too_small else ""
    title = Text.assemble("\n", (card.name, "bold"), f"  — segment {card.segment}", flag)
    out.print(title, highlight=False)
    out.print("  " + " · ".join(_numbers(card, currency)), highlight=False)
    if card.categories:
        out.print(
            "  buys: " + ", ".join(f"{c} {s:.0%}" for c, s in card.categories), highlight=False
        )
    if card.channels:
        out.print("  via: " + ", ".join(f"{c} {s:.0%}" for c, s in card.channels), highlight=False)
    if card.demographics:
        out.print("  typically: " + ", ".join(sketch_phrases(card.demographics)), highlight=False)
    for play, group in plays(card.actions):
        lead = f"  → {play}: "
        for n, action in enumerate(group):
            out.print(
                f"{lead if n == 0 else ' ' * len(lead)}{action.what} ({action.why})",
                highlight=False,
            )


def _numbers(card: PersonaCard, currency: str | None) -> list[str]:
    """The card's key numbers as short phrases, amounts in ``currency``."""
    from segmint.insight.personas import per_member_amounts, value_text

    numbers = [f"{card.members:,} members ({card.share:.1%})", per_member_amounts(card, currency)]
    if card.orders > 0:
        numbers.append(f"{card.orders:.1f} orders")
        for value, text in (
            (card.average_order_value, f"AOV {money_text(card.average_order_value, currency)}"),
            (card.days_between_orders, f"every {card.days_between_orders:.0f} days"),
            (card.days_since_last_order, f"last order {card.days_since_last_order:.0f} days ago"),
            (card.tenure_days, f"customers for {card.tenure_days:.0f} days"),
        ):
            if value == value:  # NaN: no history, or no cadence (mostly one order each)
                numbers.append(text)
    else:
        numbers.append("every order cancelled" if card.cancelled else "no orders yet")
    numbers.append(f"value {value_text(card)}, risk {card.risk} ({card.risk_reason})")
    return numbers


def register(app: typer.Typer) -> None:
    """Add ``persona`` to ``app``."""
    app.command()(persona)
