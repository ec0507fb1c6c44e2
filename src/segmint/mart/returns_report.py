"""What one load booked of a file's returns and cancellations: the load report's line.

The lines come from :func:`segmint.mart.returns.match_returns`, marked with
:data:`~segmint.mart.returns.MOVED`, :data:`~segmint.mart.returns.RETURN` and
:data:`~segmint.mart.returns.DOCUMENT`; the counts are taken once the load knows which of
them are new, so an overlapping export's returns already in the mart are duplicates here,
not bookings.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis

from segmint.mart.connection import Mart
from segmint.mart.plan import count
from segmint.mart.returns import DOCUMENT, MOVED, RETURN


@dataclass(frozen=True)
class Returns:
    """How the return documents and lines of a file were booked by one load.

    ``n_documents`` counts the return documents this load adds lines of, ``n_present``
    those all of whose lines are already in the mart. ``n_matched`` (``n_earlier`` of them
    on orders of an earlier load) and ``n_unmatched`` count the return lines this load
    adds; ``n_duplicate`` those already in the mart, so the three add up to the file's
    return lines that were not quarantined.
    """

    n_documents: int
    n_matched: int
    n_unmatched: int
    n_earlier: int = 0
    n_duplicate: int = 0
    n_present: int = 0

    def note(self) -> str:
        """One sentence for the load report (empty when the file has no returns)."""
        if not (self.n_documents or self.n_present):
            return ""
        present = f"{self.n_present:,} already in the mart"
        if not self.n_documents:
            return f"returns: no new return or cancellation orders ({present}){self._duplicate()}"
        also = f" (and {present})" if self.n_present else ""
        owner = "its" if self.n_documents == 1 else "their"
        booked = (
            "is booked on the order it reverses"
            if self.n_matched == 1
            else "are booked on the order they reverse"
        )
        earlier = ""
        if self.n_earlier:
            on = "an order" if self.n_earlier == 1 else "orders"
            earlier = f" ({self.n_earlier:,} on {on} loaded earlier)"
        kept = (
            "matches no earlier order of the customer in this file or the mart and is kept "
            "as a cancelled order (not a purchase)"
            if self.n_unmatched == 1
            else "match no earlier order of the customer in this file or the mart and are "
            "kept as cancelled orders (not purchases)"
        )
        return (
            f"returns: {_plural(self.n_documents, 'new return or cancellation order')}{also}; "
            f"{self.n_matched:,} of {owner} lines {booked}{earlier}, "
            f"{self.n_unmatched:,} {kept}{self._duplicate()}"
        )

    def _duplicate(self) -> str:
        """The clause on the return lines already in the mart (empty when none)."""
        if not self.n_duplicate:
            return ""
        if self.n_duplicate == 1:
            return "; 1 return line is already in the mart (a duplicate, not booked again)"
        return (
            f"; {self.n_duplicate:,} return lines are already in the mart "
            "(duplicates, not booked again)"
        )


def _plural(n: int, noun: str) -> str:
    """``n`` and ``noun``, with an ``s`` unless ``n`` is 1."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def booked_returns(mart: Mart, n_documents: int, lines: ibis.Table, new: ibis.Table) -> Returns:
    """What a load books of the return documents and lines of a file.

    Args:
        n_documents: the file's return documents (:func:`match_returns`).
        lines: the file's lines that passed every check, with :data:`MOVED`,
            :data:`RETURN` and :data:`DOCUMENT`.
        new: those of ``lines`` the load adds (the others are already in the mart).

    Counting ``new`` rather than every matched line keeps the report true for an
    overlapping export: its return documents and lines already booked by an earlier load
    are duplicates, not bookings, and the counts add up with the rows loaded and the
    duplicates. A document is new when the load adds any of its lines.
    """
    if not n_documents:
        return Returns(0, 0, 0)
    added = new.filter(new[RETURN])
    moved = added.filter(added[MOVED])
    n_matched = count(moved)
    n_earlier = count(moved.semi_join(mart.table("orders").select("order_id"), "order_id"))
    n_added = count(added)
    n_duplicate = count(lines.filter(lines[RETURN])) - n_added
    n_new = _documents(new)
    n_present = _documents(lines) - n_new
    return Returns(n_new, n_matched, n_added - n_matched, n_earlier, n_duplicate, n_present)


def _documents(lines: ibis.Table) -> int:
    """How many return documents ``lines`` hold lines of."""
    return int(lines[DOCUMENT].nunique().execute())
