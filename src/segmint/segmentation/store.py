"""The store of segmentations: versioned definitions and their assignments per as_of date.

Every segmentation assigns each customer exactly one segment (or ``unassigned``) and is
stored as (segmentation, version, as_of, customer_id, segment). Storing the same
definition again reuses its version; a changed definition gets the next version. Storing
results for an as_of that already has them replaces them, so re-running is safe, and
history and migration are queries over stored results, not recomputations.
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass
from typing import Any

import ibis

from segmint.exceptions import MartError, SegmintError
from segmint.mart import TABLES, Mart, segment_versions
from segmint.segmentation import builds, runs

UNASSIGNED = "unassigned"


@dataclass(frozen=True)
class StoredSegmentation:
    """One stored version of a segmentation definition."""

    name: str
    version: int
    kind: str
    definition: dict[str, Any]


def save(
    mart: Mart,
    name: str,
    kind: str,
    definition: dict[str, Any],
    as_of: datetime.date,
    assignments: ibis.Table,
    source_key: str | None = None,
) -> StoredSegmentation:
    """Store ``assignments`` (``customer_id``, ``segment``) of segmentation ``name`` as of ``as_of``.

    Customers with a NULL segment are stored as ``unassigned``. A customer appearing twice is
    an error: a segmentation gives each customer one segment. ``source_key`` is the data
    key of the stored features the assignments come from: a result already stored for the
    same definition, date and key is kept as it is (:mod:`segmint.segmentation.builds`).

    Raises:
        SegmintError: a customer has more than one row; ``name`` is blank, or already names
            a segmentation of another kind.
    """
    check_name(mart, name, kind)
    missing = {"customer_id", "segment"} - set(assignments.columns)
    if missing:
        raise SegmintError(
            f"assignments need columns customer_id and segment; missing {sorted(missing)}"
        )
    order = segment_versions.stored_order(mart, name)
    reused = _version_for(mart, name, kind, definition) if source_key is not None else None
    if reused and builds.unchanged(mart, name, reused.version, as_of, str(source_key)):
        if runs.reorders(order, reused.version):  # now the most recently stored
            runs.keep_reordered_runs(mart, name)
        return reused
    rows = assignments.select(
        "customer_id", segment=assignments.segment.cast("string").fill_null(UNASSIGNED)
    )
    # computed once into a temporary table of the mart's connection: the checks and the
    # insert then read stored rows, not the assignments' expression (scores, windows) thrice
    scratch = f"_assignments_{uuid.uuid4().hex}"
    with mart.unordered():
        computed = mart.create_table(scratch, rows, temp=True)
    try:
        n_rows = _one_each(computed, name)
        stored = reused or _version_for(mart, name, kind, definition)
        new = computed.select(
            segmentation=ibis.literal(name),
            version=ibis.literal(stored.version, "int32"),
            as_of=ibis.literal(as_of, "date"),
            customer_id=computed.customer_id,
            segment=computed.segment,
        )
        latest = runs.last_date(mart.table("assignments"), name)
        with mart.transaction():
            mart.delete("assignments", segmentation=name, version=stored.version, as_of=as_of)
            mart.insert("assignments", new)
            builds.record(mart, name, stored.version, as_of, source_key, n_rows)
            reordered = runs.reorders(order, stored.version)
            runs.keep_runs(mart, name, as_of, latest, computed, reordered=reordered)
    finally:
        mart.drop_table(scratch)
    return stored


def check_name(mart: Mart, name: str, kind: str) -> None:
    """Refuse a blank name, and a name already stored for another kind of segmentation.

    Readers (profiles, hybrid rules, campaigns, the dashboard) read a name's latest results
    whatever their version, so rules stored as ``rfm`` would silently stand in for the RFM
    segments everywhere.
    :func:`save` checks it; every use case that stores a segmentation calls it first too,
    before building features or fitting anything, so a taken name costs one small query.

    Raises:
        SegmintError: ``name`` is blank or belongs to a segmentation of another kind.
    """
    if not name.strip():
        raise SegmintError("a segmentation needs a name; give one that is not blank")
    defs = mart.table("segmentations")
    kinds = sorted(set(defs.filter(defs.segmentation == name).kind.execute()) - {kind})
    if kinds:
        raise SegmintError(
            f"'{name}' already names a segmentation of kind {kinds[0]}; storing {kind} "
            "segments under it would replace those for every reader (profiles, rules, "
            "campaigns); choose another name"
        )


def _one_each(computed: ibis.Table, name: str) -> int:
    """The number of rows of ``computed``, each customer's one segment of ``name``.

    Raises:
        SegmintError: a customer has more than one row.
    """
    counts = computed.aggregate(
        n_rows=computed.count(), n_customers=computed.customer_id.nunique()
    ).execute()
    n_rows, n_customers = int(counts.n_rows.iloc[0]), int(counts.n_customers.iloc[0])
    if n_rows != n_customers:
        raise SegmintError(
            f"segmentation {name}: {n_rows - n_customers} customers have more than one "
            "segment; each customer must get exactly one"
        )
    return n_rows


def _version_for(
    mart: Mart, name: str, kind: str, definition: dict[str, Any]
) -> StoredSegmentation:
    text = json.dumps(definition, sort_keys=True, default=str)
    defs = mart.table("segmentations")
    mine = defs.filter(defs.segmentation == name).execute()
    same = mine[mine.definition == text]
    now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    if len(same):
        version = int(same.version.iloc[0])
        created = same.created_at.iloc[0]
        mart.delete("segmentations", segmentation=name, version=version)
    else:
        version = int(mine.version.max()) + 1 if len(mine) else 1
        created = now
    row = {
        "segmentation": [name],
        "version": [version],
        "kind": [kind],
        "definition": [text],
        "created_at": [created],
        "updated_at": [now],
    }
    mart.insert("segmentations", ibis.memtable(row, schema=TABLES["segmentations"].ibis_schema()))
    return StoredSegmentation(name, version, kind, definition)


def segmentations(mart: Mart) -> ibis.Table:
    """Every stored segmentation's latest version with its kind and segments, and the dates
    with results of any version (``n_as_of``, ``last_as_of``: what reads without a date
    choose from, :func:`as_of_dates`)."""
    defs = mart.table("segmentations")
    newest = defs.group_by("segmentation").aggregate(updated_at=defs.updated_at.max())
    tied = defs.semi_join(newest, ["segmentation", "updated_at"])  # alike on a coarse clock
    latest = tied.group_by("segmentation").aggregate(version=tied.version.max())
    current = defs.semi_join(latest, ["segmentation", "version"])
    a = mart.table("assignments")
    dates = a.group_by("segmentation").aggregate(
        n_as_of=a.as_of.nunique(), last_as_of=a.as_of.max()
    )
    segments = a.group_by(["segmentation", "version"]).aggregate(n_segments=a.segment.nunique())
    joined = current.left_join(dates, "segmentation").left_join(
        segments, ["segmentation", "version"]
    )
    return joined.select(
        "segmentation", "version", "kind", "n_as_of", "last_as_of", "n_segments", "created_at"
    ).order_by("segmentation")


def definition(mart: Mart, name: str, version: int | None = None) -> StoredSegmentation:
    """The stored definition of ``name``: the version whose results were stored last, unless
    ``version`` is given.

    Raises:
        MartError: no segmentation of that name (or version) is stored; lists those that are.
    """
    defs = mart.table("segmentations")
    mine = defs.filter(defs.segmentation == name).execute()
    if not len(mine):
        known = sorted(defs.segmentation.execute().unique())
        raise MartError(f"no segmentation named '{name}'; stored: {', '.join(known) or 'none yet'}")
    if version is None:
        version = int(mine.sort_values(["updated_at", "version"]).version.iloc[-1])
    row = mine[mine.version == version]
    if not len(row):
        raise MartError(
            f"segmentation '{name}' has no version {version}; versions: {sorted(mine.version)}"
        )
    return StoredSegmentation(
        name, version, str(row.kind.iloc[0]), json.loads(row.definition.iloc[0])
    )


def as_of_dates(mart: Mart, name: str, version: int | None = None) -> list[datetime.date]:
    """Dates for which ``name`` has stored assignments, oldest first: of any version unless
    ``version`` is given (each of them is a date :func:`assignments` reads without one).

    Raises:
        MartError: no segmentation of that name (or version) is stored.
    """
    stored = definition(mart, name, version)
    a = mart.table("assignments")
    mine = a.filter(a.segmentation == name)
    if version is not None:
        mine = mine.filter(mine.version == stored.version)
    return sorted(pd_date(d) for d in mine.select("as_of").distinct().as_of.execute())


def pd_date(value: Any) -> datetime.date:
    """A date from a pandas/numpy/datetime value."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def assignments(
    mart: Mart, name: str, as_of: datetime.date | None = None, version: int | None = None
) -> ibis.Table:
    """``customer_id``, ``segment`` of ``name`` as of ``as_of`` (the latest stored date by default).

    Without ``version``: the latest date is the latest of any version (an older definition
    run on a later date is the latest result), and the version read as of a date is the
    most recently stored one with results then (:func:`version_as_of`). With ``version``:
    that version's results, as of its own latest date by default.

    Raises:
        MartError: nothing stored for that name, version or date; says which dates exist.
    """
    given = version
    if version is None and as_of is None:
        latest = as_of_dates(mart, name)
        as_of = latest[-1] if latest else None
    if version is None and as_of is not None:
        version = _version_with(mart, name, as_of)
    stored = definition(mart, name, version)
    dates = as_of_dates(mart, name, stored.version)
    if not dates:
        raise MartError(f"segmentation '{name}' has no stored results; run it first")
    if as_of is None:
        as_of = dates[-1]
    if as_of not in dates:
        readable = dates if given is not None else as_of_dates(mart, name)
        shown = ", ".join(d.isoformat() for d in readable[-10:])
        raise MartError(
            f"segmentation '{name}' has no results as of {as_of}; stored dates: {shown}"
        )
    a = mart.table("assignments")
    mine = a.filter((a.segmentation == name) & (a.version == stored.version) & (a.as_of == as_of))
    return mine.select("customer_id", "segment")


def version_as_of(mart: Mart, name: str, as_of: datetime.date) -> int:
    """The version :func:`assignments` reads for ``name`` as of ``as_of`` (without a version).

    Raises:
        MartError: nothing stored for that name.
    """
    found = _version_with(mart, name, as_of)
    return found if found is not None else definition(mart, name).version


def _version_with(mart: Mart, name: str, as_of: datetime.date) -> int | None:
    """The most recently stored version of ``name`` with results as of ``as_of``, if any:
    the rule every reader shares (:mod:`segmint.mart.segment_versions`)."""
    return segment_versions.version_on(mart, name, as_of)
