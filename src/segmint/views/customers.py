"""Customer-level views: search, a segment's members page by page, and consented audiences.

The 360° view of one customer is :mod:`segmint.views.customer_view`; a page of customers by
id is read by :func:`segmint.serving.customer_lookup.customers_by_id`.

Personal data (``customer_pii``) is read only when the caller says the user may see it;
everything else uses ``customer_id`` alone, as the architecture requires.
"""

from __future__ import annotations

import bisect
import datetime as dt
import sys
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from segmint.exceptions import InputError
from segmint.features.asof import parse_query_date
from segmint.mart import Mart
from segmint.mart.privacy import PreparedExport, prepare_export, refuse_unrecorded_channel
from segmint.mart.scratch import scratch, scratch_scope
from segmint.serving.customer_lookup import SEARCH_COLUMNS
from segmint.views.segment_detail import segment_members

STANDARD_CHANNELS = ("email", "sms", "push", "phone", "post", "web")
"""Contact channels an audience can always be asked for (a mart's consents may add more)."""
PII_COLUMNS = ("email", "phone", "first_name", "last_name", "address")


def search(
    mart: Mart,
    query: str = "",
    *,
    segmentation: str | None = None,
    segment: str | None = None,
    as_of: dt.date | None = None,
    version: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[pd.DataFrame, int]:
    """Customers whose id contains ``query`` (any case), optionally in one segment; a page and the count.

    Raises:
        InputError: a segment filter missing a part (:func:`check_segment_filter`).
        MartError: an unknown segmentation or date.
    """
    check_segment_filter(segmentation, segment, as_of)
    customers = mart.table("customers")
    found = customers.select(*SEARCH_COLUMNS)
    if query:
        found = found.filter(found.customer_id.lower().contains(query.strip().lower()))
    if segmentation is not None and segment is not None:
        assert as_of is not None
        found = found.semi_join(
            segment_members(mart, segmentation, segment, as_of, version), "customer_id"
        )
    total = int(found.count().execute())
    page = found.order_by("customer_id").limit(limit, offset=offset).execute()
    return page, total


def recorded_columns(mart: Mart, columns: tuple[str, ...]) -> frozenset[str]:
    """Those of the customers table's ``columns`` some customer has a value for (neither
    NULL nor empty): a list of customers shows the same columns on every page and for every
    search, not those the customers of one page happen to have."""
    customers = mart.table("customers")
    counts = customers.aggregate(
        **{name: customers[name].count(where=customers[name] != "") for name in columns}
    ).execute()
    return frozenset(name for name in columns if int(counts[name].iloc[0]) > 0)


def check_segment_filter(
    segmentation: str | None, segment: str | None, as_of: str | dt.date | None
) -> dt.date | None:
    """The date of a segment filter (``segmentation``, ``segment`` and ``as_of`` of a search),
    parsed, once the three make sense together: a segment belongs to a segmentation, a
    segmentation filters by one of its segments, and ``as_of`` only dates that filter.

    Raises:
        InputError: ``as_of`` is not a ``YYYY-MM-DD`` date, or a part of the filter is
            missing; the message names the query parameter to add or leave out.
    """
    day = None if as_of is None or as_of == "" else parse_query_date(as_of, "as_of")
    if segment is not None and segmentation is None:
        raise InputError("segment needs the segmentation it belongs to: add segmentation=NAME")
    if segmentation is not None and segment is None:
        raise InputError("filtering by segmentation needs a segment too: add segment=NAME")
    if day is not None and segmentation is None:
        raise InputError(
            "as_of is the date of the segment filter: add segmentation=NAME and segment=NAME, "
            "or leave as_of out (the search itself reads the customers as they are now)"
        )
    return day


def member_ids(
    mart: Mart, segmentation: str, segment: str, as_of: dt.date, version: int | None = None
) -> list[str]:
    """Ids of the customers in ``segment`` as of ``as_of``, in id order: what :func:`search`
    pages through for that segment when there is no query."""
    customers = mart.table("customers").select("customer_id")
    found = customers.semi_join(
        segment_members(mart, segmentation, segment, as_of, version), "customer_id"
    )
    return [str(i) for i in found.order_by("customer_id").customer_id.execute()]


def consent_channels(mart: Mart) -> list[str]:
    """The contact channels an audience may be asked for: the standard ones and every channel
    (in lower case) the mart's ``consents`` table records, sorted."""
    consents = mart.table("consents")
    found = consents.select(channel=consents.channel.lower()).distinct().channel.execute()
    recorded = {str(c) for c in found if isinstance(c, str) and c}
    return sorted(recorded | set(STANDARD_CHANNELS))


@dataclass(frozen=True)
class AudienceRows:
    """An audience ready to hand out, and who was left out.

    Attributes:
        frame: ``customer_id`` (a pseudonym when asked), with the PII columns when allowed.
        excluded_without_consent: members whose latest consent on the channel does not
            grant contact.
        excluded_suppressed: members left out as suppressed: forgotten, or on the
            do-not-contact table ``suppressions`` for the channel.
        members: the customer ids handed out (for the export registry).
        pseudonymised: ids are keyed pseudonyms.
    """

    frame: pd.DataFrame
    excluded_without_consent: int
    excluded_suppressed: int
    members: tuple[str, ...]
    pseudonymised: bool = False

    @property
    def nbytes(self) -> int:
        """The bytes this audience holds, estimated for the dashboard's cache: the frame's
        columns and index (``memory_usage(deep=True)``: the Arrow buffers of text columns,
        each string's own size in object columns) and the tuple of ids with each id's string
        (other objects than the frame's, so counted again)."""
        held = int(self.frame.memory_usage(deep=True, index=True).sum())
        return held + sys.getsizeof(self.members) + sum(map(sys.getsizeof, self.members))

    def as_page(self) -> AudiencePage:
        """The whole audience as one page (the last: no key to resume after)."""
        return AudiencePage(
            self.frame,
            self.members,
            len(self.frame),
            self.excluded_without_consent,
            self.excluded_suppressed,
            None,
            self.pseudonymised,
        )


def audience(
    mart: Mart,
    segmentation: str,
    segment: str,
    day: dt.date,
    channel: str,
    include_pii: bool = False,
    version: int | None = None,
    pseudonymise: bool = False,
) -> AudienceRows:
    """Members of ``segment`` who may be contacted on ``channel``, and who was left out.

    The one export step (:func:`segmint.mart.privacy.prepare_export`) decides: forgotten
    people and the customers of the do-not-contact table ``suppressions`` for the channel
    are left out, and so is every member whose latest consent on the channel, read
    now (not as of ``day``), does not grant contact: no consent, no contact. Columns:
    ``customer_id`` (a keyed pseudonym with ``pseudonymise``; then never PII), and the PII
    columns when allowed. ``version``: the stored version to read, when already resolved
    (see :func:`segment_members`).

    Raises:
        ConsentError: the mart records no consent on ``channel`` at all, so nobody in the
            segment may be contacted there (the consents were never loaded, or the channel
            is spelt otherwise): no answer to hand out, as for the command-line exports.
    """
    where = AudienceQuery(segmentation, segment, day, channel, version)
    with scratch_scope(mart):  # the pseudonyms' lookup: dropped once read
        prepared, allowed = _allowed(mart, where, include_pii, pseudonymise, with_member=False)
        frame = allowed.order_by("customer_id").execute()
        members = tuple(sorted(prepared.members.customer_id.to_pyarrow().to_pylist()))
    counts = prepared.eligible
    return AudienceRows(frame, counts.n_without_consent, counts.n_suppressed, members, pseudonymise)


@dataclass(frozen=True)
class AudienceQuery:
    """Which audience: a segment of a segmentation as of a day, for contact on a channel
    (``version``: the stored version, when already resolved; see :func:`segment_members`)."""

    segmentation: str
    segment: str
    day: dt.date
    channel: str
    version: int | None = None


@dataclass(frozen=True)
class AudiencePage:
    """One page of an audience, in the order of ``customer_id`` (of the pseudonyms, when
    pseudonymised), and the counts of the whole audience.

    Attributes:
        frame: at most ``limit`` rows: ``customer_id`` (a pseudonym when asked), with the PII
            columns when allowed.
        members: the real customer ids of these rows (for the export registry).
        total: members of the whole audience, after the exclusions.
        excluded_without_consent: members of the whole audience left out for want of
            consent on the channel.
        excluded_suppressed: members of the whole audience left out as suppressed.
        after: the ``customer_id`` (pseudonym) of the page's last row when more rows follow,
            the key the next page starts after; None on the last page.
        pseudonymised: ids are keyed pseudonyms.
    """

    frame: pd.DataFrame
    members: tuple[str, ...]
    total: int
    excluded_without_consent: int
    excluded_suppressed: int
    after: str | None
    pseudonymised: bool = False


MEMBER = "_member"
"""Column of the real customer id kept beside a pseudonym while the audience is read."""


@dataclass(frozen=True)
class AudienceIndex:
    """An audience's members in page order, and the whole audience's counts: what every
    page of it reads, computed once by :func:`audience_index` (the dashboard keeps it until
    the mart changes).

    Attributes:
        keys: the sort keys, ascending (an Arrow array): the customer ids, or their
            pseudonyms when pseudonymised.
        members: the real customer ids, in the order of ``keys`` (``keys`` itself when not
            pseudonymised).
        total, excluded_without_consent, excluded_suppressed: as :class:`AudiencePage`.
        pseudonymised: ``keys`` are keyed pseudonyms.
    """

    keys: pa.Array
    members: pa.Array
    total: int
    excluded_without_consent: int
    excluded_suppressed: int
    pseudonymised: bool = False

    @property
    def nbytes(self) -> int:
        """The bytes this index holds, estimated for the dashboard's cache: the Arrow buffers
        of ``keys`` and ``members``, each buffer once (``members`` is ``keys`` when not
        pseudonymised), and whole, even under a slice: the buffers are what stays in memory."""
        buffers = {
            buffer.address: buffer.size
            for array in (self.keys, self.members)
            for buffer in array.buffers()
            if buffer is not None
        }
        return sum(buffers.values())


def audience_index(mart: Mart, where: AudienceQuery, pseudonymise: bool = False) -> AudienceIndex:
    """The members of an :func:`audience` in ``customer_id`` order (the pseudonyms' order with
    ``pseudonymise``, so that a key to resume from is never a real id), and its counts.

    The costly part of an audience, paid once for all its pages: the export step (the
    counts of who is left out; with ``pseudonymise``, every member's id hashed) and one
    ordered read of the members.

    Raises:
        ConsentError: as :func:`audience`.
    """
    with scratch_scope(mart):  # the pseudonyms' lookup: dropped once read
        prepared, allowed = _allowed(mart, where, False, pseudonymise, with_member=pseudonymise)
        table = allowed.order_by("customer_id").to_pyarrow()
    keys = table.column("customer_id").combine_chunks().cast(pa.string())
    members = table.column(MEMBER).combine_chunks() if pseudonymise else keys
    counts = prepared.eligible
    return AudienceIndex(
        keys,
        members,
        counts.n_eligible,
        counts.n_without_consent,
        counts.n_suppressed,
        pseudonymise,
    )


def _first_after(keys: pa.Array, after: str) -> int:
    """Position of the first of the ascending ``keys`` above ``after``, by bisection (reads
    about log2(n) of them; Python orders ``str`` by code point, as the engine orders UTF-8
    text byte by byte)."""
    return bisect.bisect_right(keys, after, key=lambda key: str(key.as_py()))


def audience_page(
    mart: Mart,
    index: AudienceIndex,
    *,
    limit: int,
    after: str | None = None,
    include_pii: bool = False,
) -> AudiencePage:
    """The ``limit`` members of an audience (its :func:`audience_index`) that follow
    ``after`` in key order: a slice of the index found by bisection, with no query, or one
    query reading the page's contact details when ``include_pii`` (never for pseudonyms).
    Keyed on the id (pseudonym) rather than an offset, a page resumes right after the last
    member handed out. Counts are those of the whole audience.

    Raises:
        ValueError: ``limit`` is below 1.
    """
    if limit < 1:
        raise ValueError(f"a page holds at least one member; got limit={limit}")
    start = 0 if after is None else _first_after(index.keys, after)
    keys = [str(k) for k in index.keys[start : start + limit].to_pylist()]
    members = tuple(str(m) for m in index.members[start : start + limit].to_pylist())
    more = start + limit < len(index.keys)
    if include_pii and not index.pseudonymised:
        frame = _with_contact_details(mart, keys)
    else:
        frame = pd.DataFrame({"customer_id": pd.Series(keys, dtype=object)})
    return AudiencePage(
        frame,
        members,
        index.total,
        index.excluded_without_consent,
        index.excluded_suppressed,
        keys[-1] if more else None,
        index.pseudonymised,
    )


def _with_contact_details(mart: Mart, ids: list[str]) -> pd.DataFrame:
    """``customer_id`` and the PII columns of ``ids``, in their order (one query; the ids
    in a scratch table dropped after it, so a server keeps nothing per page read)."""
    with scratch_scope(mart):
        wanted = scratch(
            mart,
            {"customer_id": ids, "_order": range(len(ids))},
            {"customer_id": "string", "_order": "int64"},
        )
        pii = mart.table("customer_pii").select("customer_id", *PII_COLUMNS)
        joined = wanted.left_join(pii, "customer_id").order_by("_order")
        found: pd.DataFrame = joined.select("customer_id", *PII_COLUMNS).execute()
    return found


def _allowed(
    mart: Mart, where: AudienceQuery, include_pii: bool, pseudonymise: bool, *, with_member: bool
) -> tuple[PreparedExport, ir.Table]:
    """The export step over the segment's members, and the rows that may leave (with PII
    when allowed and not pseudonymised; with the real id in :data:`MEMBER` when asked).

    Raises:
        ConsentError: the mart records no consent on the channel at all (see :func:`audience`).
    """
    who = segment_members(mart, where.segmentation, where.segment, where.day, where.version)
    if with_member:
        who = who.mutate(**{MEMBER: who.customer_id.cast("string")})
    prepared = prepare_export(mart, who, channel=where.channel, pseudonymise=pseudonymise)
    counts = prepared.eligible
    refuse_unrecorded_channel(
        mart,
        where.channel,
        counts.n_without_consent,
        f"the audience {where.segmentation}/{where.segment} as of {where.day} is asked for "
        f"contact by {where.channel}",
        f"its {counts.n_candidates - counts.n_suppressed:,} members",
    )
    allowed: ir.Table = prepared.rows
    extra = (MEMBER,) if with_member else ()
    if include_pii and not pseudonymise:
        pii = mart.table("customer_pii").select("customer_id", *PII_COLUMNS)
        allowed = allowed.left_join(pii, "customer_id").select("customer_id", *PII_COLUMNS, *extra)
    else:
        allowed = allowed.select("customer_id", *extra)
    return prepared, allowed
