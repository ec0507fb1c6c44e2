"""``segmint currency``: the currency the shop's amounts are in, kept in the mart so that the
CLI, the pages and the report all show money with it (``docs/ingest.md``)."""

from __future__ import annotations

from typing import Annotated

import typer

from segmint.cli._options import MartOption
from segmint.cli._output import out, user_errors
from segmint.exceptions import InputError


@user_errors
def currency(
    code: Annotated[
        str | None,
        typer.Argument(help="ISO 4217 code of the shop's amounts: EUR, USD, GBP, SEK…"),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear", help="Forget the currency: amounts show as plain numbers.")
    ] = False,
    mart: MartOption = None,
) -> None:
    """Show or set the currency of the shop's amounts (an ISO 4217 code such as EUR).

    Every tool reading the mart shows money with it: "€1,234,567" rather than "1,234,567".
    Without a code, print the one set.
    """
    from segmint.mart import connect
    from segmint.mart.currency import check_currency
    from segmint.mart.privacy.audit import cli_actor
    from segmint.mart.shop_settings import set_currency, shop_currency

    if clear and code is not None:
        raise InputError("give a currency code or --clear, not both")
    if code is None and not clear:
        with connect(mart, create=False, read_only=True) as m:
            found = shop_currency(m)
        out.print(f"currency: {found}" if found else "no currency set: amounts show as numbers")
        return
    checked = None if code is None else check_currency(code)  # refused before opening
    with connect(mart, create=False) as m:
        set_currency(m, checked, cli_actor())
    out.print(f"currency set to {checked}" if checked else "currency cleared")


def register(app: typer.Typer) -> None:
    """Add ``currency`` to ``app``."""
    app.command()(currency)
