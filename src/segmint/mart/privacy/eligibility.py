"""Who may be in an export: the one filter every export of customer data applies.

:func:`eligible_for_export` is the entry point for every file or download that leaves
segmint with customer ids in it (audiences, campaign sends, recommendations, analysts'
extracts), so that consent and erasure are decided in one place:

1. **Suppression.** Forgotten people are removed (:func:`without_suppressed`), also when
   they came back under another id with the same e-mail address. An export for contact on
   a channel also removes the customers of the mart's do-not-contact table
   ``suppressions`` for that channel, when it has one
   (:func:`segmint.mart.privacy.do_not_contact`, the very list campaigns apply). Both
   count as suppressed.
2. **Consent**, when the export is for contacting people on a channel: the customer's
   *latest* consent for that channel decides, read when the export is made (not when the
   segment or the campaign's groups were computed). Rows without a time count as the
   oldest; when two rows of the same time disagree, the withdrawal wins; no consent on
   record means no contact. ``consents`` keeps every change (its key includes
   ``updated_at``), so a file recording a withdrawal after a grant loads as a new row and
   wins from then on. A campaign whose member withdrew after the groups were drawn leaves
   them out of the send, while its results keep them in their group (intention to treat).

The rules apply in this order, and so do campaigns (:mod:`segmint.scoring.campaigns.exclusions`):
a person both suppressed and without consent counts as suppressed (``n_suppressed``), in
every export and audit entry.

Exports without a channel (data for analysis, not for contacting anyone) apply the
list of forgotten people only; they may also replace ids by keyed pseudonyms
(:func:`segmint.mart.privacy.pseudonymise_column`, or :func:`prepare_export`, which does
both steps and keeps the member ids for the export registry).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.exceptions import InputError, SchemaError
from segmint.mart.connection import Mart
from segmint.mart.fetch import scalar, values
from segmint.mart.privacy.do_not_contact import do_not_contact
from segmint.mart.privacy.keys import PrivacyKey
from segmint.mart.privacy.pseudonyms import EXPORT_LABEL, pseudonymise_column
from segmint.mart.privacy.suppression import without_suppressed
from segmint.mart.text import trimmed

OLDEST = dt.datetime(1900, 1, 1)
"""The time a consent row without ``updated_at`` counts as: older than any dated row."""


class ConsentError(InputError):
    """A contact channel that cannot be used (empty)."""


@dataclass(frozen=True)
class Eligible:
    """The rows of an export that may leave, and how many people each rule removed.

    Attributes:
        rows: the eligible rows (an Ibis expression: the input's columns, in its order).
        channel: the contact channel whose consent applied (None: an analysts' export).
        n_candidates: distinct customers in the input.
        n_suppressed: of those, people removed as suppressed: forgotten, or (for a
            channel) on the do-not-contact table ``suppressions``.
        n_without_consent: of the rest, people removed for want of granted consent.
    """

    rows: ir.Table
    channel: str | None
    n_candidates: int
    n_suppressed: int
    n_without_consent: int

    @property
    def n_eligible(self) -> int:
        """Distinct customers left."""
        return self.n_candidates - self.n_suppressed - self.n_without_consent

    def counts(self) -> dict[str, int]:
        """The counts as a JSON-ready mapping (for manifests, headers and output)."""
        return {
            "n_candidates": self.n_candidates,
            "n_suppressed": self.n_suppressed,
            "n_without_consent": self.n_without_consent,
            "n_eligible": self.n_eligible,
        }


def normalise_channel(channel: str) -> str:
    """``channel`` as consents are compared: trimmed, lower case.

    Raises:
        ConsentError: the channel is empty.
    """
    wanted = channel.strip().lower()
    if not wanted:
        raise ConsentError("a contact channel is needed (email, sms, push, ads, post…)")
    return wanted


def latest_consent(mart: Mart, channel: str, *, at: dt.datetime | None = None) -> ir.Table:
    """``customer_id``, ``granted``: each customer's latest consent on ``channel``.

    Args:
        mart: the mart.
        channel: the contact channel (any case).
        at: read consent as it stood at this moment (rows dated later are ignored);
            default: every row, i.e. as it stands now.

    Customers without a consent row for the channel are absent (no consent: no contact).
    """
    wanted = normalise_channel(channel)
    consents = mart.table("consents")
    mine = consents.filter(trimmed(consents.channel).lower() == wanted)
    if at is not None:
        moment = ibis.literal(at.replace(tzinfo=None), "timestamp")
        mine = mine.filter(mine.updated_at.isnull() | (mine.updated_at <= moment))
    mine = mine.select(
        customer_id=mine.customer_id.cast("string"),
        granted=mine.granted.fill_null(False),
        _when=mine.updated_at.fill_null(ibis.literal(OLDEST, "timestamp")),
    )
    # One pass: the latest time of any row and of a withdrawal; the latest rows grant
    # contact only when no withdrawal is as late (a withdrawal wins a tie)
    last = mine.group_by("customer_id").aggregate(
        _last=mine._when.max(), _withdrawn=mine._when.max(where=~mine.granted)
    )
    granted = last._withdrawn.isnull() | (last._withdrawn < last._last)
    return last.select("customer_id", granted=granted)


def consenting(mart: Mart, channel: str, *, at: dt.datetime | None = None) -> ir.Table:
    """``customer_id`` of the customers whose latest consent on ``channel`` grants contact."""
    latest = latest_consent(mart, channel, at=at)
    return latest.filter(latest.granted).select("customer_id")


def records_consent(mart: Mart, channel: str) -> bool:
    """True when the mart holds a consent on ``channel``, granted or withdrawn, of anyone.

    An existence test: the engine stops at the first row on the channel, so the answer costs
    little even with millions of consents (pages ask it on every view).

    Raises:
        ConsentError: ``channel`` is empty.
    """
    wanted = normalise_channel(channel)
    consents = mart.table("consents")
    mine = consents.filter(trimmed(consents.channel).lower() == wanted)
    return bool(scalar(mine.select("channel").limit(1).count()))


def refuse_unrecorded_channel(
    mart: Mart, channel: str, n_left_out: int, subject: str, whom: str
) -> None:
    """Refuse an export for contact on ``channel`` that left ``n_left_out`` people out for want
    of consent while the mart records no consent on ``channel`` at all.

    No consent means no contact, so such an export is empty whoever is in the audience: the
    consents were never loaded, or the channel is another's spelling. That is no answer to
    write. A channel with consents where nobody granted contact is one (an empty file).

    Args:
        subject: what is exported and how, e.g. "campaign 'spring' is sent by email".
        whom: the people left out, e.g. "its 1,200 target members".

    Raises:
        ConsentError: "SUBJECT, and the mart records no consent for CHANNEL at all: none of
            WHOM may be contacted, …", with the command that loads consents.
    """
    if not n_left_out or records_consent(mart, channel):
        return
    consents = mart.table("consents")
    recorded = consents.select(channel=trimmed(consents.channel).lower()).distinct()
    known = sorted(str(c) for c in values(recorded.channel) if c)
    others = f"; the mart has consents for {', '.join(known)}" if known else ""
    raise ConsentError(
        f"{subject}, and the mart records no consent for {normalise_channel(channel)} at all: "
        f"none of {whom} may be contacted, and nothing was written. Load consents with "
        "`segmint ingest consents FILE` (columns customer_id, channel, granted, updated_at), "
        f"then export again{others}."
    )


def eligible_for_export(
    mart: Mart,
    rows: ir.Table,
    *,
    channel: str | None,
    column: str = "customer_id",
    email_column: str | None = None,
    at: dt.datetime | None = None,
    key: PrivacyKey | str | None = None,
) -> Eligible:
    """``rows`` without forgotten people and, for a contact channel, without the people on
    the do-not-contact table ``suppressions`` for it and those whose latest consent on it
    does not grant contact.

    Args:
        mart: the mart whose suppression list and consents apply.
        rows: what is about to be exported (an Ibis expression over the mart), with the
            customer id in ``column``; any number of rows per customer.
        channel: the contact channel of a marketing export (``email``, ``sms``…); None for
            data that leaves for analysis, not for contacting anyone (forgotten people
            only).
        column: the column holding customer ids.
        email_column: a column of e-mail addresses, also checked against the list.
        at: read consent as it stood at this moment (default: now, every row).
        key: the privacy key (default ``SEGMINT_PRIVACY_KEY``; needed only once somebody
            was forgotten).

    Raises:
        SchemaError: ``rows`` has no column ``column`` (or ``email_column``).
        ConsentError: ``channel`` is empty.
        MartError: the mart's ``suppressions`` table has no ``customer_id`` column.
        PrivacyKeyError: somebody was forgotten and the privacy key is missing or another.
    """
    for name in (column, email_column):
        if name is not None and name not in rows.columns:
            raise SchemaError(
                f"the rows to export have no column '{name}'; found {list(rows.columns)}"
            )
    wanted = None if channel is None else normalise_channel(channel)
    n_candidates = _people(rows, column)
    kept = without_suppressed(mart, rows, column, email_column=email_column, key=key)
    listed = None if wanted is None else do_not_contact(mart, wanted)
    if listed is not None:
        listed = listed.distinct()
        kept = kept.anti_join(listed, kept[column].cast("string") == listed.customer_id)
    n_after_suppression = n_candidates if kept is rows else _people(kept, column)
    if wanted is not None:
        allowed = consenting(mart, wanted, at=at)
        kept = kept.semi_join(allowed, kept[column].cast("string") == allowed.customer_id)
        n_left = _people(kept, column)
    else:
        n_left = n_after_suppression
    return Eligible(
        kept,
        wanted,
        n_candidates,
        n_candidates - n_after_suppression,
        n_after_suppression - n_left,
    )


@dataclass(frozen=True)
class PreparedExport:
    """An export ready to write: :func:`prepare_export`'s result.

    Attributes:
        rows: what to write (ids replaced by pseudonyms when asked).
        members: the customer ids in it (before pseudonymising), for
            :func:`segmint.mart.privacy.register_export`.
        eligible: the eligibility counts.
        pseudonymised: True when ids were replaced by pseudonyms.
    """

    rows: ir.Table
    members: ir.Table
    eligible: Eligible
    pseudonymised: bool


def prepare_export(
    mart: Mart,
    rows: ir.Table,
    *,
    channel: str | None,
    pseudonymise: bool = False,
    label: str = EXPORT_LABEL,
    column: str = "customer_id",
    email_column: str | None = None,
    at: dt.datetime | None = None,
    key: PrivacyKey | str | None = None,
) -> PreparedExport:
    """:func:`eligible_for_export`, then, with ``pseudonymise``, customer ids replaced by
    keyed pseudonyms (stable per key and ``label``): the one step before every export.

    Register the written file with ``members=prepared.members`` so that an erasure lists it.

    Raises:
        as :func:`eligible_for_export`; PrivacyKeyError: ``pseudonymise`` without a key.
    """
    eligible = eligible_for_export(
        mart, rows, channel=channel, column=column, email_column=email_column, at=at, key=key
    )
    kept = eligible.rows
    members = kept.select(customer_id=kept[column].cast("string")).distinct()
    out = pseudonymise_column(mart, kept, column, key=key, label=label) if pseudonymise else kept
    return PreparedExport(out, members, eligible, pseudonymise)


def _people(rows: ir.Table, column: str) -> int:
    return int(rows[column].nunique().execute())
