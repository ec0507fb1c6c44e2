"""Who a campaign may contact: members of chosen segments, not suppressed, consenting.

The audience is fixed *before* randomising, so target and control are drawn from the
same eligible customers and the control group is a fair comparison:

1. **Segments.** Customers whose stored segment in segmentation ``S`` is one of the
   chosen ones, as of the latest stored date of any version (or the latest on or before
   ``as_of``), in the version stored most recently among those with results that day
   (:mod:`segmint.mart.segment_versions`, the choice every reader of segments makes).
2. **Suppression.** Customers on a suppression list are removed
   (:func:`~segmint.scoring.campaigns.exclusions.not_suppressed`, the one hook for
   suppression lists), and callers can pass their own list (``suppressed=``).
3. **Consent.** The customer's latest consent for the campaign's channel (by
   ``updated_at``) must be granted; no consent on record means no contact.

Each step's losses are counted, in this order, as every export for contact counts them
(:func:`segmint.mart.privacy.eligible_for_export`): a suppressed person counts as
suppressed whatever their consent, and ``n_without_consent`` counts the others only. Everything is an Ibis expression over the
mart: segment names, channels and identifiers are values, never SQL text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from segmint.exceptions import AdvisedInputError, InputError, MartError
from segmint.mart import Mart, segment_versions
from segmint.mart.fetch import rows, values
from segmint.scoring.campaigns.exclusions import consenting, not_suppressed


@dataclass(frozen=True)
class StoredRun:
    """One stored result of a segmentation: its name, version and as-of date."""

    segmentation: str
    version: int
    as_of: dt.date


@dataclass(frozen=True)
class AudienceCounts:
    """How the audience shrank from the chosen segments to the eligible customers.

    Attributes:
        n_in_segments: customers in the chosen segments.
        n_without_consent: of those not suppressed, left out: no granted consent for the
            channel.
        n_suppressed: of the customers in the segments, left out as suppressed, whatever
            their consent: forgotten (the privacy list ``suppression``), on the mart's
            ``suppressions`` table for the channel, or in the list the caller gave.
        n_eligible: the customers left, who are split into target and control.
    """

    n_in_segments: int
    n_without_consent: int
    n_suppressed: int
    n_eligible: int

    def as_dict(self) -> dict[str, int]:
        """The counts as a JSON-ready mapping."""
        return {
            "n_in_segments": self.n_in_segments,
            "n_without_consent": self.n_without_consent,
            "n_suppressed": self.n_suppressed,
            "n_eligible": self.n_eligible,
        }


@dataclass(frozen=True)
class Audience:
    """The eligible customers (``customer_id``, ``stratum``) and how they were found."""

    members: ir.Table
    counts: AudienceCounts
    run: StoredRun
    channel: str


def stored_run(mart: Mart, segmentation: str, as_of: dt.date | None = None) -> StoredRun:
    """The latest stored result of ``segmentation`` (on or before ``as_of`` when given).

    The date is the latest with results of any version, and the version the one stored
    most recently among those with results that day, as every reader of segments chooses
    (:mod:`segmint.mart.segment_versions`).

    Raises:
        MartError: no such segmentation, or no result on or before ``as_of``.
    """
    defs = mart.table("segmentations")
    known = sorted(set(values(defs.segmentation)))
    if segmentation not in known:
        raise MartError(
            f"no segmentation named '{segmentation}'; stored: {', '.join(known) or 'none yet'}. "
            "Run a segmentation first (e.g. `segmint segment rfm`)."
        )
    latest = segment_versions.latest_date(mart, segmentation, as_of)
    version = None if latest is None else segment_versions.version_on(mart, segmentation, latest)
    if latest is None or version is None:
        raise _none_stored(mart, segmentation, as_of)
    return StoredRun(segmentation, version, latest)


def _none_stored(mart: Mart, segmentation: str, as_of: dt.date | None) -> MartError:
    """The error of a segmentation with no results (on or before ``as_of``): it names the
    earliest stored date, the one a date given must not precede."""
    earliest = segment_versions.earliest_date(mart, segmentation)
    if as_of is None or earliest is None:
        return MartError(f"segmentation '{segmentation}' has no stored results; run it first.")
    return MartError(
        f"segmentation '{segmentation}' has no stored results on or before {as_of}; its "
        f"earliest are as of {earliest}. Ask for that date or a later one, or run it as of "
        f"{as_of} first."
    )


def segment_labels(mart: Mart, run: StoredRun) -> ir.Table:
    """``customer_id``, ``segment`` of one stored run."""
    a = mart.table("assignments")
    mine = a.filter(
        (a.segmentation == run.segmentation)
        & (a.version == run.version)
        & (a.as_of == ibis.literal(run.as_of, "date"))
    )
    return mine.select("customer_id", "segment")


def eligible_audience(
    mart: Mart,
    segmentation: str,
    segments: Sequence[str],
    channel: str,
    *,
    as_of: dt.date | None = None,
    stratify_by: str | None = None,
    suppressed: ir.Table | None = None,
    store: Callable[[ir.Table], ir.Table] | None = None,
) -> Audience:
    """The customers a campaign on ``channel`` may contact among ``segments`` of ``segmentation``.

    Args:
        mart: the open mart.
        segmentation: stored segmentation the segments belong to.
        segments: the segments to target (at least one).
        channel: contact channel, matched case-insensitively with ``consents.channel``.
        as_of: use the segments stored on or before this date (the latest by default).
        stratify_by: segmentation whose segment is each member's stratum; by default the
            targeted segment itself. Customers it does not cover form the stratum "".
        suppressed: extra ``customer_id`` table of customers never to contact.
        store: writes a table expression to a (temporary) table and returns that table.
            When given, the customers of the segments with their consent and suppression
            flags are computed once and stored, and the counts and ``members`` read the
            stored table; without it, ``members`` is an expression the engine computes
            again each time it is read.

    Raises:
        InputError: no segment given, or a segment the stored run does not have.
        MartError: the segmentation is not stored.
    """
    chosen = [str(s) for s in segments]
    _check_choice(chosen, channel)
    run = stored_run(mart, segmentation, as_of)
    labels = segment_labels(mart, run)
    _check_segments(labels, chosen, run)
    in_segments = labels.filter(labels.segment.isin(chosen))
    consented = consenting(mart, channel)
    kept = not_suppressed(mart, in_segments, channel, extra=suppressed)
    flagged = in_segments.select(
        "customer_id",
        stratum=in_segments.segment,
        _allowed=in_segments.customer_id.isin(consented.customer_id),
        _kept=in_segments.customer_id.isin(kept.customer_id),
    )
    if stratify_by is not None:
        strata = segment_labels(mart, stored_run(mart, stratify_by, run.as_of))
        joined = flagged.drop("stratum").left_join(strata, "customer_id")
        flagged = joined.select(
            "customer_id", "_allowed", "_kept", stratum=joined.segment.fill_null("")
        )
    if store is not None:
        flagged = store(flagged)
    members = flagged.filter(flagged._allowed & flagged._kept).select("customer_id", "stratum")
    return Audience(members, _counts(flagged), run, channel.strip().lower())


def _check_choice(chosen: Sequence[str], channel: str) -> None:
    """Refuse an audience of no segment, or a campaign without a channel."""
    if not chosen:
        raise AdvisedInputError(
            "choose at least one segment to target; got none.",
            "Name one with {segments} (e.g. Champions).",
        )
    if not channel.strip():
        raise InputError("the campaign needs a channel (email, sms, push, ads, post…).")


def _counts(flagged: ir.Table) -> AudienceCounts:
    """The audience's counts in one pass over the customers of the segments, each flagged
    as consenting (``_allowed``) and as not suppressed (``_kept``): suppression first, so
    a suppressed person counts as suppressed whatever their consent."""
    counts = rows(
        flagged.aggregate(
            n_in=flagged.count(),
            n_kept=flagged.count(where=flagged._kept),
            n_eligible=flagged.count(where=flagged._allowed & flagged._kept),
        )
    )[0]
    n_in, n_kept, n_eligible = (int(counts[c]) for c in ("n_in", "n_kept", "n_eligible"))
    return AudienceCounts(
        n_in_segments=n_in,
        n_without_consent=n_kept - n_eligible,
        n_suppressed=n_in - n_kept,
        n_eligible=n_eligible,
    )


def _check_segments(labels: ir.Table, chosen: list[str], run: StoredRun) -> None:
    stored = set(values(labels.select("segment").distinct().segment))
    unknown = [s for s in chosen if s not in stored]
    if unknown:
        raise InputError(
            f"segmentation '{run.segmentation}' as of {run.as_of} has no segment "
            f"{', '.join(repr(s) for s in unknown)}; its segments are: "
            f"{', '.join(sorted(stored)) or 'none'}."
        )
