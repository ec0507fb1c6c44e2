"""Who a campaign may not contact: consent on the channel, and the suppression list.

The two rules every campaign applies, in one place, both when the groups are drawn
(:mod:`.audience`, before randomising) and again when the target group is exported for
sending (:mod:`.send`, with consent read *at export time*). They apply in this order, as
in every other export for contact, and are counted so: a person suppressed counts as
suppressed whatever their consent.

- :func:`not_suppressed`: forgotten people are removed (the mart's keyed-hash suppression
  list, :func:`segmint.mart.privacy.without_suppressed`), and so are the customers of a
  ``suppressions`` table (``customer_id``, optionally ``channel``; a null channel
  suppresses every channel) when the mart has one, plus any list the caller passes. This
  function is the one hook campaigns use, so creation and export apply the same lists; the
  ``suppressions`` table is read by :func:`segmint.mart.privacy.do_not_contact`, which every
  other export for contact applies too (:func:`segmint.mart.privacy.eligible_for_export`).
- :func:`consenting`: the customer's latest consent for the channel must be granted, as
  every export decides it (:func:`segmint.mart.privacy.consenting`: rows without a time
  count as the oldest, a withdrawal wins a tie, no consent on record means no contact).

Both are Ibis expressions over the mart; channels and ids are values, never SQL text.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from segmint.mart import Mart, privacy
from segmint.mart.privacy.do_not_contact import SUPPRESSIONS_TABLE, do_not_contact

__all__ = ["SUPPRESSIONS_TABLE", "consenting", "not_suppressed"]


def consenting(mart: Mart, channel: str, *, at: dt.datetime | None = None) -> ir.Table:
    """``customer_id`` of customers whose latest consent for ``channel`` is granted.

    Args:
        mart: the open mart.
        channel: the contact channel, matched trimmed and case-insensitively.
        at: read consent as it stood at this moment (later rows ignored); by default
            every row, i.e. as it stands now.
    """
    return privacy.consenting(mart, channel, at=at)


def not_suppressed(
    mart: Mart, rows: ir.Table, channel: str, *, extra: ir.Table | None = None
) -> ir.Table:
    """``rows`` (with ``customer_id``) without the customers suppressed for ``channel``.

    Args:
        mart: the open mart.
        rows: the candidates, any columns besides ``customer_id``.
        channel: the contact channel.
        extra: more customers never to contact (``customer_id``).
    """
    kept = privacy.without_suppressed(mart, rows, "customer_id")
    for listed in (do_not_contact(mart, channel), extra):
        if listed is not None:
            kept = kept.anti_join(listed.select("customer_id").distinct(), "customer_id")
    return kept
