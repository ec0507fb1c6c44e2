"""Which channels one customer may not be contacted on, for the 360° view.

The do-not-contact list is the mart's ``suppressions`` table (``customer_id``, optionally
``channel``), which every export for contact applies through
:func:`segmint.mart.privacy.do_not_contact`. The view applies that same function, so a
channel is marked here exactly when an export would leave the customer out on it: a row with
a null channel (or a table without a ``channel`` column) bars every channel, a row with a
channel bars the channel of that name, trimmed and in any case.

The list is small and few customers are on it, while the 360° view is the dashboard's
hottest path: a parameterised lookup of the customer's rows comes first, and only a customer
listed for some channels (not all) costs an Ibis expression. The customer's id is a bound
parameter or an Ibis literal, never text in a statement.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ibis

from segmint.mart import Mart
from segmint.mart.identifiers import quoted
from segmint.mart.privacy.do_not_contact import (
    SUPPRESSIONS_TABLE,
    do_not_contact,
    suppressions_table,
)
from segmint.serving.frames import row_records
from segmint.serving.sorted_copies import SortedCopies

LISTED_SQL = "SELECT * FROM {table} WHERE CAST(customer_id AS VARCHAR) = $1"
"""The customer's rows of the list; ids compared as text, as :func:`do_not_contact` does."""


@dataclass(frozen=True)
class Listing:
    """Where one customer stands on the do-not-contact list.

    Attributes:
        every_channel: a row bars the customer from every channel.
        listed: the channels the customer's rows name (trimmed), in the order stored.
        suppressed: among the channels asked about, those the customer may not be
            contacted on.
    """

    every_channel: bool = False
    listed: tuple[str, ...] = ()
    suppressed: frozenset[str] = frozenset()

    @property
    def is_listed(self) -> bool:
        """Whether the customer is on the list at all."""
        return self.every_channel or bool(self.listed)


NOT_LISTED = Listing()


def listing(
    mart: Mart, customer_id: str, channels: Iterable[str], copies: SortedCopies | None = None
) -> Listing:
    """Where ``customer_id`` stands on the mart's ``suppressions`` table, and which of
    ``channels`` (the customer's consent channels, say) they may not be contacted on; the
    customer's rows read from the server's copy of the list when it has one (a view of a
    customer not listed then costs no statement).

    Raises:
        MartError: the table has no ``customer_id`` column (as every export says).
    """
    named = None if copies is None else copies.listed_channels(mart, customer_id)
    if named is None:
        named = _rows(mart, customer_id)
    if not named:
        return NOT_LISTED
    listed = tuple(dict.fromkeys(str(c).strip() for c in named if c is not None))
    asked = frozenset(channels)
    if None in named:  # a row without a channel, or a list without the column
        return Listing(every_channel=True, listed=listed, suppressed=asked)
    return Listing(listed=listed, suppressed=_suppressed(mart, customer_id, asked))


def _rows(mart: Mart, customer_id: str) -> list[str | None]:
    """The channel of each of the customer's rows on the list, read from the mart (None:
    every channel, as for a list without a ``channel`` column)."""
    table = suppressions_table(mart)
    if table is None:
        return []
    sql = LISTED_SQL.format(table=quoted(SUPPRESSIONS_TABLE))
    cursor = mart.raw.execute(sql, [customer_id])
    rows = row_records([d[0] for d in cursor.description or ()], cursor.fetchall())
    if "channel" not in table.columns:
        return [None for _ in rows]
    return [None if row.get("channel") is None else str(row["channel"]) for row in rows]


def _suppressed(mart: Mart, customer_id: str, channels: frozenset[str]) -> frozenset[str]:
    """The ``channels`` :func:`do_not_contact` keeps ``customer_id`` from, in one query."""
    found = []
    for channel in sorted(channels):
        barred = do_not_contact(mart, channel)
        if barred is not None:
            mine = barred.filter(barred.customer_id == customer_id).limit(1)
            found.append(mine.select(channel=ibis.literal(channel)))
    if not found:
        return frozenset()
    hits = ibis.union(*found).to_pyarrow().column("channel").to_pylist()
    return frozenset(hits)
