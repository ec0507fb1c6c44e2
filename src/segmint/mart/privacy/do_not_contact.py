"""The do-not-contact list: the mart's optional ``suppressions`` table of customers no export
for contact may reach.

Users make the table themselves (``customer_id``, optionally ``channel``). A row with a null
channel keeps the customer from every channel; a row with a channel (matched trimmed and
case-insensitively) keeps them from that one only. It is not the privacy table
``suppression`` of forgotten people (:mod:`segmint.mart.privacy.suppression`): its people
are known, in clear, and may still be analysed; they are only never handed out for contact.

:func:`do_not_contact` is the one reading of the table. Every export made for contact on a
channel applies it: campaigns when they draw and send their groups
(:func:`segmint.scoring.campaigns.not_suppressed`), and every other export through
:func:`segmint.mart.privacy.eligible_for_export` (assignments, recommendations, the API's
audiences). Channels and ids are values, never SQL text.
"""

from __future__ import annotations

import ibis.expr.types as ir

from segmint.exceptions import MartError
from segmint.mart.connection import Mart
from segmint.mart.text import trimmed

SUPPRESSIONS_TABLE = "suppressions"
"""Name of the table of customers not to contact, honoured when the mart has one (made by
its users; not the privacy table ``suppression`` of forgotten people)."""


def do_not_contact(mart: Mart, channel: str) -> ir.Table | None:
    """``customer_id`` (as text) on the mart's ``suppressions`` table for ``channel``; None
    when the mart has no such table.

    Args:
        mart: the open mart.
        channel: the contact channel; a row whose channel is null, or equal to ``channel``
            trimmed (:func:`segmint.mart.text.trimmed`: Spark's TRIM of Ibis's ``strip``
            also eats the letters v and f) and in any case, suppresses the customer. A table without a ``channel``
            column suppresses its customers on every channel.

    Raises:
        MartError: the table has no ``customer_id`` column.
    """
    table = suppressions_table(mart)
    if table is None:
        return None
    if "channel" in table.columns:
        wanted = channel.strip().lower()
        table = table.filter(table.channel.isnull() | (trimmed(table.channel.lower()) == wanted))
    return table.select(customer_id=table.customer_id.cast("string"))


def suppressions_table(mart: Mart) -> ir.Table | None:
    """The mart's ``suppressions`` table as its users made it, checked to have a
    ``customer_id``; None when the mart has none.

    Raises:
        MartError: the table has no ``customer_id`` column.
    """
    if not mart.has_table(SUPPRESSIONS_TABLE):
        return None
    table = mart.table(SUPPRESSIONS_TABLE)
    if "customer_id" not in table.columns:
        raise MartError(
            f"the mart's {SUPPRESSIONS_TABLE} table (the customers not to contact, which you "
            "make; not the suppression list of forgotten people) needs a customer_id column "
            f"and may have a channel; found {list(table.columns)}. "
            "Create it again with those columns."
        )
    return table
