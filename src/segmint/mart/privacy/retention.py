"""Retention: keep events, personal data and derived history no longer than the stored
policy says.

The policy is stored in the mart (``retention_policy``), set once and applied at every
refresh, e.g. ``events 400d``, ``pii_inactive 3y`` and ``history 400d``:

* ``events``: events older than the period are deleted;
* ``pii_inactive``: the personal data (the ``customer_pii`` row: e-mail, phone, name,
  address) of customers with no activity (signup, order or event) within the period is
  deleted. Their pseudonymous history (orders, segments, scores) stays for analysis; a
  customer whose activity is unknown (no signup date, no order, no event) is not inactive;
* ``history``: stored segment assignments and scores older than the period counted back
  from their own series' latest date, and recommendation lists older than the period
  before the latest lists (storage, not privacy: see :mod:`segmint.segmentation.history`,
  which applies it with :func:`delete_dates`, :func:`delete_old_scores` and
  :func:`delete_old_recommendations`).

Periods are whole days, weeks (7 d), months (30 d) or years (365 d): ``400d``, ``52w``,
``18m``, ``3y``. :func:`apply_retention` with ``dry_run=True`` counts what a real run would
delete; both select the rows before deleting any (deleting old events first could make
more customers look inactive), so the counts are equal. A real run that deleted anything
rewrites the mart file, like an erasure, so the deleted bytes are gone too.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import sqlglot.expressions as sge

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import bound, column, delete_where, in_scratch, utcnow
from segmint.mart.privacy.rewrite import RewriteResult, rewrite_mart
from segmint.mart.schema import RETENTION_POLICY
from segmint.mart.scratch import scratch
from segmint.mart.snapshot import discard_warm_state

TABLE = RETENTION_POLICY.name
UNIT_DAYS = {"d": 1, "w": 7, "m": 30, "y": 365}
_PERIOD = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)
_OFF = ("off", "none", "never")


class RetentionError(SegmintError):
    """A retention period that cannot be read."""


@dataclass(frozen=True)
class RetentionPolicy:
    """Days each rule keeps data (None: the rule is not set), with the periods as given."""

    events_days: int | None = None
    pii_inactive_days: int | None = None
    specs: tuple[tuple[str, str], ...] = ()
    history_days: int | None = None


@dataclass(frozen=True)
class RetentionResult:
    """What :func:`apply_retention` deleted (or, on a dry run, would delete).

    Attributes:
        dry_run: nothing was deleted; the counts say what a real run would.
        events_cutoff: events before this moment go (None: no events rule).
        events_deleted: events deleted.
        pii_cutoff: customers with no activity since this moment lose their personal data.
        pii_deleted: ``customer_pii`` rows deleted.
        rewrite: the file rewrite after a real run that deleted rows.
        history: what the ``history`` rule deleted (None: the rule is not set, or the
            caller applies only the personal-data rules).
    """

    dry_run: bool
    events_cutoff: dt.datetime | None
    events_deleted: int
    pii_cutoff: dt.datetime | None
    pii_deleted: int
    rewrite: RewriteResult | None = None
    history: HistoryResult | None = None


@dataclass(frozen=True)
class HistoryResult:
    """What the ``history`` rule deleted (or, on a dry run, would delete).

    Attributes:
        days: the period kept before each series' latest date.
        cutoffs: each series that loses rows (``assignments:NAME``,
            ``scores:MODEL/SCORE``, ``recommendations``) with its cut-off date: rows dated
            before it go.
        assignments_deleted: ``assignments`` rows deleted.
        segment_runs_deleted: stored ``segment_runs`` rows no longer there (a run cut at
            the cut-off counts: it is stored again from its first date kept).
        scores_deleted: ``scores`` rows deleted.
        recommendations_deleted: ``recommendations`` rows deleted.
    """

    days: int
    cutoffs: tuple[tuple[str, dt.date], ...] = ()
    assignments_deleted: int = 0
    segment_runs_deleted: int = 0
    scores_deleted: int = 0
    recommendations_deleted: int = 0

    @property
    def deleted(self) -> int:
        """Rows deleted in all four tables."""
        return (
            self.assignments_deleted
            + self.segment_runs_deleted
            + self.scores_deleted
            + self.recommendations_deleted
        )


def parse_period(spec: str) -> int:
    """Days in a period such as ``400d``, ``52w``, ``18m`` or ``3y``.

    Raises:
        RetentionError: anything else, or zero.
    """
    match = _PERIOD.match(spec)
    if match is None or int(match.group(1)) == 0:
        raise RetentionError(
            "a retention period is a whole number of days, weeks, months (30 days) or years "
            f"(365 days) such as 400d, 52w, 18m or 3y (or 'off'); got {spec!r}"
        )
    return int(match.group(1)) * UNIT_DAYS[match.group(2).lower()]


def set_retention(
    mart: Mart,
    *,
    events: str | None = None,
    pii_inactive: str | None = None,
    history: str | None = None,
    actor: str,
    now: dt.datetime | None = None,
) -> RetentionPolicy:
    """Store retention rules (None leaves a rule as it is, ``off`` removes it); the policy.

    Raises:
        RetentionError: a period cannot be read.
    """
    changes = {"events": events, "pii_inactive": pii_inactive, "history": history}
    parsed = {
        rule: None if spec.strip().lower() in _OFF else parse_period(spec)
        for rule, spec in changes.items()
        if spec is not None
    }
    at = now or utcnow()
    with mart.transaction():
        for rule, days in parsed.items():
            delete_where(mart, TABLE, column("rule").eq(bound()), [rule])
            if days is not None:
                spec = str(changes[rule]).strip()
                row = {
                    "rule": [rule],
                    "days": [days],
                    "spec": [spec],
                    "set_at": [at],
                    "set_by": [actor],
                }
                mart.insert(TABLE, ibis.memtable(row, schema=RETENTION_POLICY.ibis_schema()))
        if parsed:
            audit.record(
                mart,
                actor,
                "retention_policy",
                details={rule: changes[rule] for rule in parsed},
                now=at,
            )
    return retention_policy(mart)


def retention_policy(mart: Mart) -> RetentionPolicy:
    """The stored policy (none on a mart made before the privacy tables existed)."""
    if not mart.has_table(TABLE):
        return RetentionPolicy()
    rows = mart.table(TABLE).to_pyarrow().to_pylist()
    days = {str(r["rule"]): int(r["days"]) for r in rows}
    specs = tuple(sorted((str(r["rule"]), str(r["spec"])) for r in rows))
    return RetentionPolicy(
        days.get("events"), days.get("pii_inactive"), specs, history_days=days.get("history")
    )


def proposed_policy(
    mart: Mart,
    *,
    events: str | None = None,
    pii_inactive: str | None = None,
    history: str | None = None,
) -> RetentionPolicy:
    """The stored policy with these changes (None keeps a rule, ``off`` removes it), without
    storing anything: what a dry run of a new policy counts with.

    Raises:
        RetentionError: a period cannot be read.
    """
    stored = retention_policy(mart)
    days = {
        "events": stored.events_days,
        "pii_inactive": stored.pii_inactive_days,
        "history": stored.history_days,
    }
    specs = dict(stored.specs)
    for rule, spec in (("events", events), ("pii_inactive", pii_inactive), ("history", history)):
        if spec is None:
            continue
        off = spec.strip().lower() in _OFF
        days[rule] = None if off else parse_period(spec)
        if off:
            specs.pop(rule, None)
        else:
            specs[rule] = spec.strip()
    return RetentionPolicy(
        days["events"],
        days["pii_inactive"],
        tuple(sorted(specs.items())),
        history_days=days["history"],
    )


def apply_retention(
    mart: Mart,
    *,
    dry_run: bool = False,
    policy: RetentionPolicy | None = None,
    actor: str | None = None,
    now: dt.datetime | None = None,
    rewrite: bool = True,
) -> RetentionResult:
    """Delete the events and personal data the policy no longer keeps; count with ``dry_run``.

    Args:
        mart: the mart (open for writing unless ``dry_run``).
        dry_run: count, delete nothing.
        policy: apply this policy instead of the stored one (see :func:`proposed_policy`).
        actor: who runs it (default the shell's user); a real run is audited.
        now: the moment periods count back from (default now, UTC).
        rewrite: rewrite the mart file after a real run that deleted rows.
    """
    policy = policy or retention_policy(mart)
    moment = (now or utcnow()).replace(tzinfo=None)
    events_cutoff = _cutoff(moment, policy.events_days)
    pii_cutoff = _cutoff(moment, policy.pii_inactive_days)
    events = mart.table("events")
    old_events = events.filter(events.event_ts < ibis.literal(events_cutoff, "timestamp"))
    inactive = _inactive(mart, pii_cutoff) if pii_cutoff is not None else None
    if dry_run:
        n_events = int(old_events.count().execute()) if events_cutoff is not None else 0
        n_pii = int(inactive.count().execute()) if inactive is not None else 0
        return RetentionResult(True, events_cutoff, n_events, pii_cutoff, n_pii)
    chosen = scratch(mart, inactive) if inactive is not None else None  # before any delete
    n_events = n_pii = 0
    with mart.transaction():
        if events_cutoff is not None:
            n_events = delete_where(
                mart, "events", sge.LT(this=column("event_ts"), expression=bound()), [events_cutoff]
            )
        if chosen is not None:
            n_pii = delete_where(
                mart, "customer_pii", in_scratch(column("customer_id"), chosen, "customer_id")
            )
        if n_events or n_pii:  # a run that deleted nothing leaves no entry (refreshes run it)
            audit.record(
                mart,
                actor or audit.cli_actor(),
                "retention",
                details={
                    "events_cutoff": events_cutoff,
                    "events_deleted": n_events,
                    "pii_cutoff": pii_cutoff,
                    "pii_deleted": n_pii,
                },
                now=moment,
            )
    if n_pii:
        discard_warm_state(mart.path)  # the servers' copies of the 360° view hold the rows
    rewritten = None
    if rewrite and (n_events or n_pii) and mart.path != ":memory:":
        rewritten = rewrite_mart(mart)
    return RetentionResult(False, events_cutoff, n_events, pii_cutoff, n_pii, rewritten)


def delete_dates(mart: Mart, table: str, segmentation: str, dates: Sequence[dt.date]) -> int:
    """Delete the rows of ``segmentation`` dated one of ``dates`` from ``table`` (the
    assignments or their builds, for the ``history`` rule); the number of rows deleted."""
    condition = sge.and_(
        column("segmentation").eq(bound()), column("as_of").isin(*(bound() for _ in dates))
    )
    return delete_where(mart, table, condition, [segmentation, *dates])


def delete_old_scores(mart: Mart, model: str, score_name: str, cutoff: dt.date) -> int:
    """Delete the scores of ``(model, score_name)`` dated before ``cutoff`` (the ``history``
    rule); the number of rows deleted."""
    condition = sge.and_(
        column("model").eq(bound()),
        column("score_name").eq(bound()),
        sge.LT(this=column("as_of"), expression=bound()),
    )
    return delete_where(mart, "scores", condition, [model, score_name, cutoff])


def delete_old_recommendations(mart: Mart, cutoff: dt.date) -> int:
    """Delete the stored recommendation lists dated before ``cutoff`` (the ``history``
    rule); the number of rows deleted."""
    condition = sge.LT(this=column("as_of"), expression=bound())
    return delete_where(mart, "recommendations", condition, [cutoff])


def _cutoff(moment: dt.datetime, days: int | None) -> dt.datetime | None:
    return None if days is None else moment - dt.timedelta(days=days)


def _inactive(mart: Mart, cutoff: dt.datetime) -> ir.Table:
    """Customers with personal data whose last known activity is before ``cutoff``."""
    customers, orders, events = (mart.table(n) for n in ("customers", "orders", "events"))
    activity = (
        customers.select("customer_id", at=customers.signup_date.cast("timestamp"))
        .union(orders.select("customer_id", at=orders.order_ts.cast("timestamp")))
        .union(events.select("customer_id", at=events.event_ts.cast("timestamp")))
    )
    last = activity.group_by("customer_id").aggregate(last=activity.at.max())
    pii = mart.table("customer_pii").select("customer_id").distinct()
    joined = pii.inner_join(last, "customer_id")
    return joined.filter(joined["last"] < ibis.literal(cutoff, "timestamp")).select("customer_id")
