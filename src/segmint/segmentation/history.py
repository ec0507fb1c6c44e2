"""The ``history`` retention rule: stored assignments, scores and recommendations kept for
a period.

Every segmentation and score stored at a new date adds a row per customer (at a million
customers a daily refresh adds about 80 MiB), and every ``segmint recommend fit`` at a new
date ``k`` rows per customer. ``segmint retention --history 400d`` keeps, of each series,
the dates within the period counted back from the series' own latest date: a
segmentation's ``assignments`` (all its versions), a ``(model, score_name)``'s ``scores``,
the ``recommendations`` (one series: the lists of every date). Counting from the series'
latest date, not from today, keeps a history stored as of past dates, and every series
keeps its latest date whatever the period.

Some older dates are kept because a reader needs them:

* each version's latest date of a segmentation: what reads without a date default to (the
  latest date of any version, which is some version's latest: ``segmint profile``, the
  dashboard's date picker)
  and what cluster recovery reads of a model's version;
* for each campaign with a start date and each version of a segmentation, the latest date
  before the start: the segments ``segmint campaign results --segmentation`` breaks the
  results down by (:func:`segmint.scoring.campaigns.measure.campaign_results`).

Of the recommendations only the latest date is sure to stay. What reads the lists reads
each customer's latest (``segmint recommend show``, the 360° view, the API: a fit stores a
list for everyone with a purchase by its date, so a customer with an older list normally
has one of the latest date too), the latest date (``segmint recommend export``) or a date
the user names (``--as-of``, refused with the stored dates when deleted). Campaigns
measure segments, not lists; the Baskets page reads the run in ``model_runs``, which
stays; a server's journal finds the people of a download in ``customers`` and ``orders``
too (everyone with a list has orders), and a registered export keeps its own members.

``segment_runs`` is trimmed to what is left (:func:`segmint.segmentation.runs.trimmed_runs`)
and ``segmentation_builds`` loses the entries of the deleted dates. These rows are not
personal data, so the mart file is not rewritten (the engine reuses the freed blocks); a
run that deleted rows is recorded in the audit log (action ``retention``) with its counts.
The deletes are sqlglot statements with bound values
(:func:`segmint.mart.privacy.retention.delete_dates`, ``delete_old_scores``,
``delete_old_recommendations``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import ibis.expr.types as ir
import pandas as pd

from segmint.mart import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy.retention import (
    HistoryResult,
    delete_dates,
    delete_old_recommendations,
    delete_old_scores,
)
from segmint.segmentation.builds import BUILDS
from segmint.segmentation.runs import (
    RUN_COLUMNS,
    RUNS_TABLE,
    current,
    replace_runs,
    trimmed_runs,
)

Doomed = dict[str, tuple[dt.date, tuple[dt.date, ...]]]
"""Segmentation → its cut-off and the dates of its assignments to delete."""

_TRIMMED = "_segment_runs_trimmed"
"""A scratch table holding a segmentation's trimmed runs while they are counted and written."""

ScoreCuts = list[tuple[str, str, dt.date]]
"""``(model, score_name, cut-off)`` of each score series that loses rows."""


def apply_history(
    mart: Mart,
    days: int,
    *,
    dry_run: bool = False,
    actor: str | None = None,
    now: dt.datetime | None = None,
) -> HistoryResult:
    """Delete the assignments, scores and recommendation lists older than ``days`` before
    their series' latest date (but the dates readers need: module docstring); count only
    with ``dry_run``.

    A real run deletes in one transaction and audits itself when it deleted rows; the
    counts of a dry run are what a real run on the same mart deletes.
    """
    doomed = doomed_dates(mart, days)
    cuts = score_cutoffs(mart, days)
    lists_cut = recommendations_cutoff(mart, days)
    cutoffs = tuple(
        [(f"assignments:{name}", cut) for name, (cut, _) in sorted(doomed.items())]
        + [(f"scores:{model}/{score}", cut) for model, score, cut in cuts]
        + ([] if lists_cut is None else [("recommendations", lists_cut)])
    )
    if dry_run:
        n_runs = sum(_runs_gone(mart, name, cut, dates) for name, (cut, dates) in doomed.items())
        n_scores = sum(int(_old_scores(mart, *cut).count().execute()) for cut in cuts)
        n_lists = 0 if lists_cut is None else int(_old_lists(mart, lists_cut).count().execute())
        n_assignments = _assignment_rows(mart, doomed)
        return HistoryResult(days, cutoffs, n_assignments, n_runs, n_scores, n_lists)
    n_assignments = n_runs = n_scores = n_lists = 0
    with mart.transaction():
        for name, (cut, dates) in doomed.items():
            n_runs += _runs_gone(mart, name, cut, dates, write=True)
            n_assignments += delete_dates(mart, "assignments", name, dates)
            if mart.has_table(BUILDS):
                delete_dates(mart, BUILDS, name, dates)
        for model, score, cut in cuts:
            n_scores += delete_old_scores(mart, model, score, cut)
        if lists_cut is not None:
            n_lists = delete_old_recommendations(mart, lists_cut)
        result = HistoryResult(days, cutoffs, n_assignments, n_runs, n_scores, n_lists)
        if result.deleted:  # a run that deleted nothing leaves no entry (refreshes run it)
            _audit(mart, result, actor or audit.cli_actor(), now)
    return result


def _audit(mart: Mart, result: HistoryResult, actor: str, now: dt.datetime | None) -> None:
    """Record a real run that deleted rows in the audit log (``retention``), with its counts."""
    details = {
        "history_days": result.days,
        "assignments_deleted": result.assignments_deleted,
        "segment_runs_deleted": result.segment_runs_deleted,
        "scores_deleted": result.scores_deleted,
        "recommendations_deleted": result.recommendations_deleted,
    }
    audit.record(mart, actor, "retention", details=details, now=now)


def doomed_dates(mart: Mart, days: int) -> Doomed:
    """Per segmentation losing dates: its cut-off (``days`` before its latest date) and the
    dates before it that no reader needs (module docstring)."""
    a = mart.table("assignments")
    stored = a.select("segmentation", "version", "as_of").distinct().to_pandas()
    if stored.empty:
        return {}
    stored["as_of"] = pd.to_datetime(stored.as_of).dt.date
    starts = _campaign_starts(mart)
    doomed: Doomed = {}
    for name, mine in stored.groupby("segmentation"):
        cut = max(mine.as_of) - dt.timedelta(days=days)
        needed = set(mine.groupby("version").as_of.max())
        for start in starts:
            before = mine[mine.as_of < start]
            needed |= set(before.groupby("version").as_of.max())
        dates = sorted({d for d in mine.as_of if d < cut} - needed)
        if dates:
            doomed[str(name)] = (cut, tuple(dates))
    return doomed


def score_cutoffs(mart: Mart, days: int) -> ScoreCuts:
    """The score series with rows ``days`` before their latest date, with their cut-off."""
    if not mart.has_table("scores"):
        return []
    s = mart.table("scores")
    series = s.group_by("model", "score_name").aggregate(first=s.as_of.min(), last=s.as_of.max())
    cuts: ScoreCuts = []
    for row in series.order_by("model", "score_name").to_pyarrow().to_pylist():
        cut = _day(row["last"]) - dt.timedelta(days=days)
        if _day(row["first"]) < cut:
            cuts.append((str(row["model"]), str(row["score_name"]), cut))
    return cuts


def recommendations_cutoff(mart: Mart, days: int) -> dt.date | None:
    """The cut-off of the stored recommendation lists, ``days`` before the latest lists'
    date; None when no list is dated before it (or the mart predates the table)."""
    if not mart.has_table("recommendations"):
        return None
    r = mart.table("recommendations")
    [span] = r.aggregate(first=r.as_of.min(), last=r.as_of.max()).to_pyarrow().to_pylist()
    if span["last"] is None:
        return None
    cut = _day(span["last"]) - dt.timedelta(days=days)
    return cut if _day(span["first"]) < cut else None


def _day(value: dt.date | str) -> dt.date:
    """A date from what the engine hands back (a date, a timestamp or its text)."""
    return pd.Timestamp(value).date()


def _campaign_starts(mart: Mart) -> list[dt.date]:
    """The start dates of the campaigns (those without one measure nothing)."""
    if not mart.has_table("campaigns"):
        return []
    c = mart.table("campaigns")
    found = c.filter(c.start_date.notnull()).select("start_date").distinct().to_pyarrow()
    return [_day(d) for d in found.column(0).to_pylist()]


def _kept(mart: Mart, name: str, dates: Sequence[dt.date]) -> ir.Table:
    """The assignments of ``name`` that stay once ``dates`` are deleted."""
    a = mart.table("assignments")
    return a.filter((a.segmentation == name) & ~a.as_of.isin(list(dates)))


def _runs_gone(
    mart: Mart, name: str, cut: dt.date, dates: Sequence[dt.date], *, write: bool = False
) -> int:
    """How many stored runs of ``name`` are not among its runs once ``dates`` are deleted;
    ``write`` replaces them (before the dates are deleted).

    Not a difference of row counts: runs out of step with the assignments (an interrupted
    write: :mod:`segmint.segmentation.runs`) are computed whole, and there may be more of
    them than were stored. Each stored row is compared with the new ones on every column.
    """
    if not current(mart):  # made (by the current rule) from what is left with the next store
        return 0
    runs = mart.table(RUNS_TABLE)
    stored = runs.filter(runs.segmentation == name)
    fresh = trimmed_runs(mart, name, cut, _kept(mart, name, dates))
    if not write:
        return _gone(stored, fresh)
    with mart.unordered():  # computed once, for the count and the write
        mart.create_table(_TRIMMED, fresh, temp=True)
    try:
        gone = _gone(stored, mart.table(_TRIMMED))
        replace_runs(mart, name, mart.table(_TRIMMED))
    finally:
        mart.drop_table(_TRIMMED)
    return gone


def _gone(stored: ir.Table, fresh: ir.Table) -> int:
    """Rows of ``stored`` with no equal row (every run column) in ``fresh``."""
    same = [stored[c].identical_to(fresh[c]) for c in RUN_COLUMNS]
    return int(stored.anti_join(fresh, same).count().execute())


def _assignment_rows(mart: Mart, doomed: Doomed) -> int:
    a = mart.table("assignments")
    return sum(
        int(a.filter((a.segmentation == name) & a.as_of.isin(list(dates))).count().execute())
        for name, (_, dates) in doomed.items()
    )


def _old_lists(mart: Mart, cut: dt.date) -> ir.Table:
    r = mart.table("recommendations")
    return r.filter(r.as_of < cut)


def _old_scores(mart: Mart, model: str, score: str, cut: dt.date) -> ir.Table:
    s = mart.table("scores")
    return s.filter((s.model == model) & (s.score_name == score) & (s.as_of < cut))
