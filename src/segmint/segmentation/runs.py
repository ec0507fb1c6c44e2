"""Each customer's runs of one segment, kept beside the assignments as they are stored.

A nightly refresh stores every segmentation's assignments again for the new date, so the
assignments grow by a row per customer and segmentation every day. What a person reads of
that history (the 360° view, :mod:`segmint.serving.histories`) is the runs: per
segmentation, each stretch of the customer's consecutive stored dates in one segment (from
the version read as of each date, the one stored most recently with results then: the rule
of every reader, :mod:`segmint.mart.segment_versions`), with its first date (``since``)
and its last (``as_of``). Computing them from the assignments reads every stored date, which at a
million customers costs about 2 s more with each refreshed day; so the store keeps them in
``segment_runs`` as it writes:

* a segmentation's first date starts each customer's first run;
* assignments of a date later than every date of their segmentation (what a refresh
  stores) extend each customer's last run when the segment is the same, and start a run
  otherwise; this reads the segmentation's runs, not its history;
* anything else (a date stored again, a new version of a stored date, an earlier date)
  computes the segmentation's runs from its assignments again, and so does a version
  stored again that was not the one stored last (even at a later date, and even when its
  result is reused unchanged): it is now the most recently stored, so it is read instead
  of newer definitions on the earlier dates where both have results;
* dates deleted by the ``history`` retention rule (:mod:`segmint.segmentation.history`),
  all before a cut-off, trim the runs (:func:`trimmed_runs`): runs before the cut-off are
  computed again from the few dates kept there, the run across it starts at the
  customer's first date after it, and the two join when their segments are the same;
  the runs after the cut-off are read, not computed;
* a mart whose assignments were stored before the table existed gets it, computed from
  every assignment, with the next store; runs whose last date is not the segmentation's
  (a store interrupted between the two writes on an engine without transactions, or
  made by an older segmint) are computed again with the next store;
* a table computed by an older rule (before :data:`RULE`: the highest version at each
  date, which differs when an older definition was stored again) is computed again from
  every assignment with the next store; until then readers compute the runs from the
  assignments (:func:`current` says whether the table can be read). ``derived_rules``
  records the rule the table follows.

Each write appends a segmentation's runs in ``customer_id`` order, so the engine's
per-row-group minimum and maximum of the id let a read of a range of customers (the
dashboard's copies, :mod:`segmint.serving.sorted_copies`) skip the rest of the table.

Everything is an Ibis expression, so it runs on every engine; a property test checks the
kept table against the statement that computes the runs from the assignments.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.mart import Mart
from segmint.mart.schema import DERIVED_RULES
from segmint.mart.segment_versions import read_versions

RUNS_TABLE = "segment_runs"
"""The table the runs are kept in, declared in :mod:`segmint.mart.schema`."""

RUN_COLUMNS = ("segmentation", "customer_id", "since", "as_of", "segment")

RULE = 2
"""The rule the kept runs follow, recorded in ``derived_rules``: 2, the version read as of
each date (:mod:`segmint.mart.segment_versions`); before it (no record), 1, the highest
version at each date."""

RULES_TABLE = DERIVED_RULES.name

_SCRATCH = "_segment_runs_next"
"""A scratch table holding a segmentation's new runs while its old ones are replaced."""


def keep_runs(
    mart: Mart,
    name: str,
    day: dt.date,
    latest: dt.date | None,
    stored: ir.Table,
    *,
    reordered: bool = False,
) -> None:
    """Bring the runs of segmentation ``name`` up to date after ``stored`` (its rows as of
    ``day``: ``customer_id``, ``segment``) was written; ``latest`` is the segmentation's last
    date before the write (None: it had none); ``reordered``: the version written was not
    the one stored last before (:func:`reorders`). Call it inside the write's transaction."""
    assignments = mart.table("assignments")
    if not current(mart):  # every other segmentation's runs, by this rule
        others = assignments.filter(assignments.segmentation != name)
        every = runs_of(others, mart.table("segmentations"))
        mart.create_table(RUNS_TABLE, every.order_by("segmentation", "customer_id"))
        _record_rule(mart)
    runs = mart.table(RUNS_TABLE)
    behind = last_date(runs, name) != latest
    if latest is None and not behind:  # its first date: each customer's first run
        mart.insert(RUNS_TABLE, _started(name, day, stored).order_by("customer_id"))
        return
    if behind or latest is None or day <= latest or reordered:
        fresh = runs_of_segmentation(mart, name)
    else:
        fresh = _extended(runs, name, day, stored)
    replace_runs(mart, name, fresh)


def reorders(order: list[int], version: int) -> bool:
    """Whether storing ``version`` can change the version read as of dates it is not
    stored at, ``order`` being the segmentation's versions most recently stored first
    before the store: a version stored before, but not last, becomes the most recently
    stored (a new version, or the last one again, changes no earlier date)."""
    return bool(order) and version != order[0] and version in order


def keep_reordered_runs(mart: Mart, name: str) -> None:
    """Compute the runs of segmentation ``name`` again after a version was stored again
    without its assignments being written (a result reused unchanged,
    :mod:`segmint.segmentation.builds`): the dates where it is now read change. A mart
    whose table is not :func:`current` gets it with the next write."""
    if current(mart):
        with mart.transaction():
            replace_runs(mart, name, runs_of_segmentation(mart, name))


def current(mart: Mart) -> bool:
    """Whether the mart holds the kept runs computed by this :data:`RULE`, so readers can
    read them instead of computing the runs from the assignments."""
    if not (mart.has_table(RUNS_TABLE) and mart.has_table(RULES_TABLE)):
        return False
    rules = mart.table(RULES_TABLE)
    found = rules.filter(rules.derived == RUNS_TABLE).rule.max().execute()
    return not pd.isna(found) and int(found) == RULE


def _record_rule(mart: Mart) -> None:
    """Record in ``derived_rules`` that the kept runs follow :data:`RULE`."""
    if not mart.has_table(RULES_TABLE):
        mart.create_table(RULES_TABLE, schema=DERIVED_RULES.ibis_schema())
    mart.delete(RULES_TABLE, derived=RUNS_TABLE)
    row = {
        "derived": [RUNS_TABLE],
        "rule": [RULE],
        "computed_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
    }
    mart.insert(RULES_TABLE, ibis.memtable(row, schema=DERIVED_RULES.ibis_schema()))


def runs_of_segmentation(mart: Mart, name: str) -> ir.Table:
    """The runs of segmentation ``name`` computed from all of its assignments."""
    assignments = mart.table("assignments")
    mine = assignments.filter(assignments.segmentation == name)
    return runs_of(mine, mart.table("segmentations"))


def replace_runs(mart: Mart, name: str, fresh: ir.Table) -> None:
    """Replace the kept runs of segmentation ``name`` by ``fresh`` (which may read them),
    written in ``customer_id`` order (see the module docstring)."""
    with mart.unordered():
        mart.create_table(_SCRATCH, fresh, temp=True)
    try:
        mart.delete(RUNS_TABLE, segmentation=name)
        mart.insert(RUNS_TABLE, mart.table(_SCRATCH).order_by("customer_id"))
    finally:
        mart.drop_table(_SCRATCH)


def last_date(table: ir.Table, name: str) -> dt.date | None:
    """The last ``as_of`` of segmentation ``name`` in ``table`` (the assignments or the
    runs); None when it has none."""
    found = table.filter(table.segmentation == name).as_of.max().execute()
    return None if pd.isna(found) else pd.Timestamp(found).date()


def runs_of(assignments: ir.Table, definitions: ir.Table) -> ir.Table:
    """The runs (:data:`RUN_COLUMNS`) of ``assignments``: per customer and segmentation,
    each stretch of consecutive stored dates whose version read then (the one of
    ``definitions``, the ``segmentations`` table, stored most recently:
    :func:`~segmint.mart.segment_versions.read_versions`) has the same segment. A customer
    the version read as of a date has no row for is not in the runs that date."""
    read = read_versions(assignments, definitions)
    chosen = assignments.semi_join(read, ["segmentation", "as_of", "version"])
    rows = chosen.select("segmentation", "customer_id", "as_of", "segment")
    dated = ibis.window(group_by=[rows.customer_id, rows.segmentation], order_by=rows.as_of)
    same = rows.segment.identical_to(rows.segment.lag().over(dated))
    marked = rows.mutate(moved=ibis.ifelse(same, 0, 1))
    so_far = ibis.cumulative_window(
        group_by=[marked.customer_id, marked.segmentation], order_by=marked.as_of
    )
    numbered = marked.mutate(run=marked.moved.sum().over(so_far))
    return (
        numbered.group_by("segmentation", "customer_id", "run")
        .aggregate(
            since=numbered.as_of.min(), as_of=numbered.as_of.max(), segment=numbered.segment.max()
        )
        .select(*RUN_COLUMNS)
    )


def _extended(runs: ir.Table, name: str, day: dt.date, stored: ir.Table) -> ir.Table:
    """The runs of ``name`` after a date later than all of its own: each customer's last
    run goes on to ``day`` when ``stored`` gives the same segment, else a run starts."""
    old = runs.filter(runs.segmentation == name)
    last = old.since == old.since.max().over(group_by=old.customer_id)
    marked = old.mutate(_last=last)
    new = stored.select(_id=stored.customer_id, _segment=stored.segment)
    joined = marked.left_join(new, marked.customer_id == new._id)
    goes_on = joined._last & joined._id.notnull() & joined.segment.identical_to(joined._segment)
    kept = joined.select(
        "segmentation",
        "customer_id",
        "since",
        as_of=ibis.ifelse(goes_on, ibis.literal(day, "date"), joined.as_of),
        segment="segment",
    )
    going_on = joined.filter(goes_on).select(_id="customer_id")
    started = stored.anti_join(going_on, stored.customer_id == going_on._id)
    return kept.union(_started(name, day, started))


def _started(name: str, day: dt.date, stored: ir.Table) -> ir.Table:
    """A run of one date, ``day``, for each customer of ``stored``."""
    return stored.select(
        segmentation=ibis.literal(name),
        customer_id="customer_id",
        since=ibis.literal(day, "date"),
        as_of=ibis.literal(day, "date"),
        segment="segment",
    )


def trimmed_runs(mart: Mart, name: str, cutoff: dt.date, kept: ir.Table) -> ir.Table:
    """The runs of segmentation ``name`` once only ``kept`` (its assignments) are left, when
    every date removed is before ``cutoff``: what :func:`runs_of` gives on ``kept``, reading
    the kept runs for the dates from ``cutoff`` on instead of every assignment."""
    runs = mart.table(RUNS_TABLE)
    definitions = mart.table("segmentations")
    if last_date(runs, name) != last_date(kept, name):  # behind: computed whole anyway
        return runs_of(kept, definitions)
    day = ibis.literal(cutoff, "date")
    early = runs_of(kept.filter(kept.as_of < day), definitions)
    later = kept.filter(kept.as_of >= day)
    read = read_versions(later, definitions)  # a customer starts when the version read has them
    recent = later.semi_join(read, ["segmentation", "as_of", "version"])
    firsts = recent.group_by(_id="customer_id").aggregate(_first=recent.as_of.min())
    old = runs.filter((runs.segmentation == name) & (runs.as_of >= day))
    clipped = old.left_join(firsts, old.customer_id == firsts._id)
    late = clipped.select(
        "segmentation",
        "customer_id",
        since=ibis.ifelse(clipped.since < day, clipped._first, clipped.since),
        as_of="as_of",
        segment="segment",
    )
    return _joined(early, late)


def _joined(early: ir.Table, late: ir.Table) -> ir.Table:
    """``early`` and ``late`` runs (every date of one before every date of the other), the
    last early run of a customer and the first late one made one when the segment is the
    same: their dates are consecutive stored dates."""
    last = early.filter(early.as_of == early.as_of.max().over(group_by=early.customer_id))
    tail = last.select(_id="customer_id", _since="since", _segment="segment")
    marked = late.mutate(_first=late.since == late.since.min().over(group_by=late.customer_id))
    joined = marked.left_join(tail, marked.customer_id == tail._id)
    glued = joined._first & joined._id.notnull() & joined.segment.identical_to(joined._segment)
    later = joined.select(
        "segmentation",
        "customer_id",
        since=ibis.ifelse(glued, joined._since, joined.since),
        as_of="as_of",
        segment="segment",
    )
    gone = joined.filter(glued).select(_gone_id="customer_id", _gone_since="_since")
    kept = early.anti_join(
        gone, (early.customer_id == gone._gone_id) & (early.since == gone._gone_since)
    )
    return kept.select(*RUN_COLUMNS).union(later.select(*RUN_COLUMNS))
