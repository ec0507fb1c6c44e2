"""Customer ids that the mart holds only in another spelling.

An erasure matches ids exactly, and an id the mart does not hold is still suppressed (the
person may ask before their data arrives). So ``13085.0`` (a whole number written by a
tool that read the ids as floats), ``c-1042`` for ``C-1042`` or `` 13085`` with a space
would erase nobody, suppress an id nobody has, and leave the person in the mart, with
only a count of ids not found to show for it. :func:`other_spellings` finds such ids, so
that the erasure can refuse them, naming the ids to write, before it changes anything.

Every command that takes one customer id (``recommend show``, ``subject-access``,
``requests add``, the 360° view and its API) asks :func:`did_you_mean` when the id is not
found as written, so they all name the same id for the same spelling as ``forget`` does.
"""

from __future__ import annotations

import re

import ibis.expr.types as ir

from segmint.mart.connection import Mart
from segmint.mart.fetch import values
from segmint.mart.text import trimmed

_WHOLE_NUMBER = r"^([0-9]+)\.0+$"
"""A whole number written with a zero fraction, as a float column of ids prints it."""


def folded(customer_id: str) -> str:
    """The id without surrounding spaces, in lower case, a zero fraction dropped."""
    key = customer_id.strip().lower()
    return re.sub(_WHOLE_NUMBER, r"\1", key)


def _folded(ids: ir.StringValue) -> ir.StringValue:
    """:func:`folded` as an engine expression (trimmed by :func:`trimmed`: Spark's TRIM of
    Ibis's ``strip`` also eats the letters v and f, so ``F-1042`` would not be found)."""
    return trimmed(ids).lower().re_replace(_WHOLE_NUMBER, r"\1")


def other_spellings(mart: Mart, missing: list[str]) -> dict[str, list[str]]:
    """Of the ids in ``missing`` (held by no table as written), those the mart's customers
    hold in another spelling, each with the ids it holds.
    """
    if not missing:
        return {}
    customers = mart.table("customers")
    keys = sorted({folded(i) for i in missing})
    near = customers.filter(_folded(customers.customer_id).isin(keys))
    held: dict[str, list[str]] = {}
    for found in sorted(str(v) for v in values(near.select("customer_id").customer_id)):
        held.setdefault(folded(found), []).append(found)
    return {i: held[folded(i)] for i in missing if folded(i) in held}


def held_otherwise(mart: Mart, customer_id: str) -> list[str]:
    """The ids the mart's customers hold for ``customer_id`` in another spelling, when no
    customer holds it as written (else none: an exact id is never second-guessed)."""
    held = other_spellings(mart, [customer_id]).get(customer_id, [])
    return [] if customer_id in held else held


def did_you_mean(mart: Mart, customer_id: str) -> str:
    """``" Did you mean '13085'?"`` when the mart holds ``customer_id`` only in another
    spelling (see :func:`held_otherwise`), else ``""``: a suffix for a not-found message."""
    held = held_otherwise(mart, customer_id)
    return f" Did you mean {' or '.join(repr(i) for i in held)}?" if held else ""
