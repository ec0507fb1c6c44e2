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

Two ids are spellings of each other when :func:`folded` makes them equal: spaces around
them, case, and a zero fraction after a whole number do not count. The lookup is cheap
first: the likely spellings of each id (:func:`likely_spellings`) are looked up by
equality, which reads the id column and transforms no row. Only an id none of whose likely
spellings is held is looked for by folding every customer's id (another mix of case,
spaces around the held id, ``13085.00``), and that scan folds only the ids that contain
the id's key in lower case. An unknown id, which any caller of the 360° view can send, thus
costs one pass of a lower-cased substring test, not regular-expression replaces on every row.
"""

from __future__ import annotations

import re
import unicodedata

import ibis
import ibis.expr.types as ir

from segmint.exceptions import MartError
from segmint.mart.connection import Mart
from segmint.mart.fetch import values
from segmint.mart.text import trimmed

_WHOLE_NUMBER = r"^([0-9]+)\.0+$"
"""A whole number written with a zero fraction, as a float column of ids prints it."""

_ZERO_FRACTION = r"\.0+$"
"""That zero fraction, which the engine's fold drops from a whole number (no
backreference: Spark's replacement reads ``\\1`` as the text 1)."""

FEW_KEYS = 8
"""Most ids whose scan is narrowed by a substring test per id; more are folded in one pass
(a test per id and row would then cost more than the fold)."""


def folded(customer_id: str) -> str:
    """The id without surrounding spaces, in lower case, a zero fraction dropped."""
    key = customer_id.strip().lower()
    return re.sub(_WHOLE_NUMBER, r"\1", key)


def likely_spellings(customer_id: str) -> set[str]:
    """The spellings of ``customer_id`` a mart most likely holds, each folding as it does:
    as given, without surrounding spaces, in lower and in upper case, and a whole number
    with and without ``.0``."""
    key = folded(customer_id)
    found = {customer_id, customer_id.strip(), key, key.upper()}
    if re.fullmatch(r"[0-9]+", key):
        found.add(f"{key}.0")
    return found


def _refuse_control_characters(customer_id: str) -> None:
    """Refuse an id holding control characters (NUL, a line break inside it…): no customer
    id holds them, and a NUL cannot travel in an engine statement. Spaces, tabs and line
    breaks around the id are a spelling (:func:`folded` drops them) and are let through."""
    control = sorted({c for c in customer_id.strip() if unicodedata.category(c) == "Cc"})
    if control:
        codes = ", ".join(f"U+{ord(c):04X}" for c in control)
        raise MartError(
            f"the customer id {customer_id!r} contains control characters ({codes}); no "
            "customer id holds them: remove them and give the id again"
        )


def _folded(ids: ir.StringValue) -> ir.StringValue:
    """:func:`folded` as an engine expression (trimmed by :func:`trimmed`: Spark's TRIM of
    Ibis's ``strip`` also eats the letters v and f, so ``F-1042`` would not be found)."""
    key = trimmed(ids).lower()
    return ibis.ifelse(key.re_search(_WHOLE_NUMBER), key.re_replace(_ZERO_FRACTION, ""), key)


def _held(ids: ir.Table, missing: list[str], keep: ir.BooleanValue) -> dict[str, list[str]]:
    """Of ``missing``, those with ids in the rows of ``ids`` where ``keep``, each with the
    ids folding as it does."""
    held: dict[str, list[str]] = {}
    for found in sorted(str(v) for v in values(ids.filter(keep).customer_id)):
        held.setdefault(folded(found), []).append(found)
    return {i: held[folded(i)] for i in missing if folded(i) in held}


def _scanned(ids: ir.Table, missing: list[str]) -> dict[str, list[str]]:
    """:func:`_held` by folding every row's id: the spellings no likely spelling finds. For
    a few ids, rows whose id in lower case contains no key are left out before the fold
    (folding drops characters only around the key, so such a row cannot fold to it)."""
    keys = sorted({folded(i) for i in missing})
    keep = _folded(ids.customer_id).isin(keys)
    if len(keys) <= FEW_KEYS:
        lower = ids.customer_id.lower()
        keep = ibis.or_(*(lower.contains(k) for k in keys)) & keep
    return _held(ids, missing, keep)


def other_spellings(mart: Mart, missing: list[str], complete: bool = False) -> dict[str, list[str]]:
    """Of the ids in ``missing`` (held by no table as written), those the mart's customers
    hold in another spelling, each with the ids it holds.

    Likely spellings are looked up first (see the module docstring); unless ``complete``,
    an id one of them finds is not looked for further, so a mart holding ``C-1042`` and
    ``c-1042 `` names only ``C-1042`` for ``c-1042`` (enough for a hint). ``complete`` (an
    erasure, a subject access: every record of the person counts) scans for every spelling.

    Raises:
        MartError: an id holds control characters (before any query).
    """
    for customer_id in missing:
        _refuse_control_characters(customer_id)
    if not missing:
        return {}
    ids = mart.table("customers").select("customer_id")
    likely = sorted({s for i in missing for s in likely_spellings(i)})
    near = _held(ids, missing, ids.customer_id.isin(likely))
    rest = list(missing) if complete else [i for i in missing if i not in near]
    if not rest:
        return near
    scanned = _scanned(ids, rest)
    return {
        i: sorted({*near.get(i, []), *scanned.get(i, [])})
        for i in missing
        if i in near or i in scanned
    }


def held_otherwise(mart: Mart, customer_id: str, complete: bool = False) -> list[str]:
    """The ids the mart's customers hold for ``customer_id`` in another spelling, when no
    customer holds it as written (else none: an exact id is never second-guessed); every
    one of them with ``complete`` (:func:`other_spellings`)."""
    held = other_spellings(mart, [customer_id], complete).get(customer_id, [])
    return [] if customer_id in held else held


def did_you_mean(mart: Mart, customer_id: str) -> str:
    """``" Did you mean '13085'?"`` when the mart holds ``customer_id`` only in another
    spelling (see :func:`held_otherwise`), else ``""``: a suffix for a not-found message."""
    held = held_otherwise(mart, customer_id)
    return f" Did you mean {' or '.join(repr(i) for i in held)}?" if held else ""
