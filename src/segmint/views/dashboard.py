"""The dashboard's read model: stored results, resolved dates and cached computations.

Pages and the API ask this object rather than the library directly, so that the expensive
results (a segmentation's profile, the overview, the RFM grid, migration, value & risk, a
segment's members in page order) are computed once per (segmentation, date) and reused,
and so that names and dates are checked in one place with messages that say what exists.
In the server, results stay until the mart changes (:class:`segmint.views.warmup.Warmer`
calls :meth:`Dashboard.invalidate`), so a page never recomputes a profile because a timer
ran out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

import pandas as pd

from segmint.exceptions import EmptyMartError, InputError, MartError, SegmintError
from segmint.features import stored_dates
from segmint.features.asof import default_as_of, parse_as_of, parse_query_date
from segmint.insight import Migration, SegmentProfile
from segmint.insight.day_facts import DayFacts
from segmint.insight.persona_mix import sketch_phrases
from segmint.insight.persona_playbook import plays
from segmint.insight.personas import (
    PersonaCard,
    per_member_amounts,
    personas_from_profile,
    value_text,
)
from segmint.insight.segment_alive import segment_p_alive
from segmint.insight.segment_cancelled import segment_cancelled
from segmint.mart import Mart
from segmint.mart.currency import money_text
from segmint.mart.privacy import records_consent
from segmint.mart.shop_settings import shop_currency
from segmint.scoring.campaigns.audience import stored_run
from segmint.segmentation import store
from segmint.views import scores
from segmint.views.cache import ResultCache
from segmint.views.customers import (
    AudienceIndex,
    AudiencePage,
    AudienceQuery,
    AudienceRows,
    audience,
    audience_index,
    audience_page,
    consent_channels,
    member_ids,
    recorded_columns,
)
from segmint.views.overview import Overview, base_figures, overview
from segmint.views.rfm_grid import rfm_grid
from segmint.views.segment_detail import ranked_members, top_products
from segmint.views.stored_day import stored_day
from segmint.workflows.profile import migration, profile

NO_SEGMENTATIONS = (
    "No segmentations stored yet: run `segmint segment rfm` (or `segmint demo` for a demo mart)."
)
NO_ORDERS = (
    "No orders loaded yet, and these figures read them: load them with "
    "`segmint ingest orders FILE` (or `segmint ingest transactions FILE` for one row per "
    "order line)."
)
"""What the pages and the API say of a mart with customers and no orders: no date or
option of theirs can stand in for the orders."""


class NoOrdersError(EmptyMartError):
    """The mart holds no orders, which the figures asked for read (:data:`NO_ORDERS`)."""

    def __init__(self) -> None:
        super().__init__(NO_ORDERS)


class NothingSegmentedError(EmptyMartError):
    """No segmentation is stored yet (:data:`NO_SEGMENTATIONS`)."""

    def __init__(self) -> None:
        super().__init__(NO_SEGMENTATIONS)


PREFERRED = ("rfm", "lifecycle")
MEMBER_LISTS = 32
"""Segments whose member lists are kept at most, whatever their size (see
:data:`MEMBER_BYTES`)."""
MEMBER_BYTES = 256 * 2**20
"""Estimated bytes the kept member lists (ids, and members ranked by spend) may hold
together (256 MiB): a list of a million ids is about 65 MB as Python strings, so 32 of them
would hold 2 GB. Past it the least recently used go first; a list larger than this alone is
handed out but not kept."""
AUDIENCES = 16
"""Audiences kept at most, whatever their size (see :data:`AUDIENCE_BYTES`)."""
AUDIENCE_BYTES = 256 * 2**20
"""Estimated bytes the kept audiences may hold together (256 MiB): past it the least recently
used go first, and an audience larger than this alone is handed out but not kept (each of its
pages then reads it again). Measured at 8-character ids, a million members hold about 12 MB as
the list pages are sliced from (50 MB pseudonymised) and 80-185 MB as a whole audience (ids
only, to contact details); see docs/dashboard.md, "Audiences in memory"."""

T = TypeVar("T")


class Dashboard:
    """Cached reads of stored results for pages and API routes.

    Args:
        ttl: seconds a cached result stays valid; None: until :meth:`invalidate`.
        catalogue_ttl: seconds the list of segmentations and dates is cached (None: until
            :meth:`invalidate`).
        audience_bytes: estimated bytes the cached audiences (whole ones and the member
            lists pages are sliced from) may hold together; see :data:`AUDIENCE_BYTES`.
        member_bytes: estimated bytes the cached member lists may hold together; see
            :data:`MEMBER_BYTES`.
    """

    def __init__(
        self,
        ttl: float | None = 600.0,
        catalogue_ttl: float | None = 30.0,
        audience_bytes: int = AUDIENCE_BYTES,
        member_bytes: int = MEMBER_BYTES,
    ) -> None:
        self.results = ResultCache(size=256, ttl=ttl)
        self.catalogue = ResultCache(size=256, ttl=catalogue_ttl)
        self.members = ResultCache(
            size=MEMBER_LISTS, ttl=ttl, max_bytes=member_bytes, weigh=member_list_bytes
        )
        self.audiences = ResultCache(
            size=AUDIENCES, ttl=ttl, max_bytes=audience_bytes, weigh=_audience_bytes
        )

    def invalidate(self) -> None:
        """Forget every cached result: the mart changed."""
        for cache in (self.catalogue, self.results, self.members, self.audiences):
            cache.clear()

    def cached(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """``compute()`` cached under ``key`` with the results (e.g. a route's whole answer)."""
        return self.results.get(("cached", *key), compute)

    def member_ids(
        self, mart: Mart, segmentation: str, segment: str, day: dt.date, version: int
    ) -> list[str]:
        """Ids of the segment's members that are customers, in id order (cached)."""
        return self.members.get(
            ("ids", segmentation, segment, day, version),
            lambda: member_ids(mart, segmentation, segment, day, version),
        )

    def ranked_members(
        self, mart: Mart, segmentation: str, segment: str, day: dt.date, version: int
    ) -> pd.DataFrame:
        """The segment's members with their spend, highest spend in the year first (cached)."""
        return self.members.get(
            ("ranked", segmentation, segment, day, version),
            lambda: ranked_members(mart, segmentation, segment, day, version),
        )

    def audience(
        self,
        mart: Mart,
        segmentation: str,
        segment: str,
        day: dt.date,
        channel: str,
        include_pii: bool,
        pseudonymise: bool = False,
    ) -> AudienceRows:
        """The segment's members who may be contacted on ``channel``, and who was left out
        (cached per segmentation, segment, date, stored version, channel, ``include_pii``
        and ``pseudonymise``; cleared whenever the mart changes, consents included)."""
        version = self.version(mart, segmentation, day)
        key = ("audience", segmentation, segment, day, version, channel, include_pii, pseudonymise)
        found: AudienceRows = self.audiences.get(
            key,
            lambda: audience(
                mart, segmentation, segment, day, channel, include_pii, version, pseudonymise
            ),
        )
        return found

    def currency(self, lease: Callable[[], AbstractContextManager[Mart]]) -> str | None:
        """The shop's currency (:func:`segmint.mart.shop_settings.shop_currency`), read with a
        mart from ``lease`` only when not cached (cached with the catalogue: a page asks on
        every render, and setting it changes the mart, which clears the catalogue)."""
        found: str | None = self.catalogue.get(("currency",), lambda: _read_currency(lease))
        return found

    def audience_page(
        self,
        mart: Mart,
        where: AudienceQuery,
        *,
        limit: int,
        after: str | None,
        include_pii: bool,
        pseudonymise: bool = False,
    ) -> AudiencePage:
        """A page of the audience :meth:`audience` holds: a slice of its members in page
        order (:meth:`audience_index`). The first page of an audience pays for the export
        step and one ordered read of its members; later pages read no more than the page's
        contact details (one query, with ``include_pii``), however large the audience.
        Consents are those of the data when the index was made: it is cleared whenever the
        mart changes, consents included."""
        index = self.audience_index(mart, where, pseudonymise)
        return audience_page(mart, index, limit=limit, after=after, include_pii=include_pii)

    def audience_index(
        self, mart: Mart, where: AudienceQuery, pseudonymise: bool = False
    ) -> AudienceIndex:
        """The audience's members in page order and its counts
        (:func:`segmint.views.customers.audience_index`), cached with the audiences per
        segmentation, segment, date, stored version, channel and ``pseudonymise`` (the
        version is resolved here when ``where`` has none)."""
        version = where.version
        if version is None:
            version = self.version(mart, where.segmentation, where.day)
        resolved = dataclasses.replace(where, version=version)
        key = ("audience-index", *dataclasses.astuple(resolved), pseudonymise)
        found: AudienceIndex = self.audiences.get(
            key, lambda: audience_index(mart, resolved, pseudonymise)
        )
        return found

    def customer_columns(self, mart: Mart, columns: tuple[str, ...]) -> frozenset[str]:
        """Those of the customers table's ``columns`` some customer has a value for
        (:func:`segmint.views.customers.recorded_columns`, cached with the catalogue)."""
        return self.catalogue.get(
            ("customer_columns", columns), lambda: recorded_columns(mart, columns)
        )

    def channels(self, mart: Mart) -> list[str]:
        """Contact channels an audience may be asked for (cached with the catalogue)."""
        return self.catalogue.get(("channels",), lambda: consent_channels(mart))

    def records_consent(self, mart: Mart, channel: str) -> bool:
        """Whether the mart records any consent on ``channel`` (cached with the catalogue, so
        answered once per state of the data: a consents load clears it with the rest)."""
        wanted = channel.strip().lower()
        found: bool = self.catalogue.get(
            ("records_consent", wanted), lambda: records_consent(mart, wanted)
        )
        return found

    def check_channel(self, mart: Mart, channel: str) -> str:
        """``channel`` in lower case when it is a known contact channel.

        Raises:
            SegmintError: unknown channel; lists the known ones.
        """
        known = self.channels(mart)
        wanted = channel.strip().lower()
        if wanted not in known:
            raise SegmintError(
                f"channel must be one of {', '.join(known)}; got {channel!r}. "
                "Channels come from the mart's consents and the standard ones."
            )
        return wanted

    def segmentations(self, mart: Mart) -> pd.DataFrame:
        """Stored segmentations: name, version, kind, dates stored, last date, segments."""
        frame: pd.DataFrame = self.catalogue.get(
            ("segmentations",), lambda: store.segmentations(mart).execute()
        )
        return frame

    def kinds(self, mart: Mart) -> dict[str, str]:
        """Each stored segmentation's kind (``rfm``, ``value``…), by name: what its segments
        read as depends on it (:func:`segmint.features.labels.segment_label`)."""
        frame = self.segmentations(mart)
        return {str(n): str(k) for n, k in zip(frame.segmentation, frame.kind, strict=True)}

    def names(self, mart: Mart) -> list[str]:
        """Names of the stored segmentations that have results."""
        frame = self.segmentations(mart)
        return [str(n) for n in frame[frame.n_as_of.fillna(0) > 0].segmentation]

    def has_orders(self, mart: Mart) -> bool:
        """Whether the mart holds any order. A "yes" is cached with the catalogue; a "no" is
        counted again at each call (counting an empty table costs nothing), so the pages show
        orders from the first request that reads a snapshot holding them, not once the
        catalogue is next cleared."""
        key = ("has_orders",)
        if self.catalogue.holds(key):
            return True
        if mart.count("orders") == 0:
            return False
        held: bool = self.catalogue.get(key, lambda: True)
        return held

    def check_orders(self, mart: Mart) -> None:
        """Raise unless the mart holds orders, which the pages' figures and the sales
        reports read.

        Raises:
            NoOrdersError: the mart holds no orders (:data:`NO_ORDERS`: the command that
                loads them).
        """
        if not self.has_orders(mart):
            raise NoOrdersError

    def default_segmentation(self, mart: Mart) -> str:
        """``rfm`` when stored, else ``lifecycle``, else the first by name.

        Raises:
            NothingSegmentedError: nothing is stored yet (says how to store something).
        """
        names = self.names(mart)
        if not names:
            raise NothingSegmentedError
        for preferred in PREFERRED:
            if preferred in names:
                return preferred
        return names[0]

    def check(self, mart: Mart, segmentation: str) -> str:
        """``segmentation`` when it is stored with results.

        Raises:
            MartError: unknown name; lists the stored ones.
        """
        names = self.names(mart)
        if segmentation not in names:
            shown = ", ".join(names) or "none yet"
            raise MartError(f"no segmentation named '{segmentation}'; stored: {shown}")
        return segmentation

    def dates(self, mart: Mart, segmentation: str) -> list[dt.date]:
        """Dates with stored results of ``segmentation``, oldest first."""
        self.check(mart, segmentation)
        return self.catalogue.get(
            ("dates", segmentation), lambda: store.as_of_dates(mart, segmentation)
        )

    def resolve(
        self,
        mart: Mart,
        segmentation: str,
        as_of: str | dt.date | None,
        param: str | None = "as_of",
    ) -> dt.date:
        """``as_of`` as a stored date of ``segmentation`` (its latest when None).

        ``param``: the query parameter that carried ``as_of``, named by the error (``from``,
        ``to``…); None when it came from the command line's ``--as-of``.

        Raises:
            InputError: ``as_of`` is not a YYYY-MM-DD date.
            MartError: no results stored that day; lists the stored dates.
        """
        dates = self.dates(mart, segmentation)
        if as_of is None or as_of == "":
            return dates[-1]
        day = parse_as_of(as_of) if param is None else parse_query_date(as_of, param)
        return stored_day(day, dates, f"segmentation '{segmentation}' has no results")

    def latest_on_or_before(
        self, mart: Mart, segmentation: str, as_of: str | dt.date | None
    ) -> dt.date:
        """The date of ``segmentation``'s latest results on or before ``as_of`` (its latest
        when None): segments as they stood that day, read as ``segmint campaign create
        --as-of`` reads them (:func:`~segmint.scoring.campaigns.audience.stored_run`), for
        exports that take any date rather than a stored one (cached).

        Raises:
            InputError: ``as_of`` is not a YYYY-MM-DD date.
            MartError: no results stored on or before that day; names the earliest.
        """
        dates = self.dates(mart, segmentation)
        if as_of is None or as_of == "":
            return dates[-1]
        day = parse_query_date(as_of, "as_of")
        return self.catalogue.get(
            ("on_or_before", segmentation, day), lambda: stored_run(mart, segmentation, day).as_of
        )

    def segments(self, mart: Mart, segmentation: str, day: dt.date) -> list[str]:
        """Names of the segments of ``segmentation`` stored as of ``day`` (cached)."""

        def names() -> list[str]:
            rows = store.assignments(mart, segmentation, day)
            return sorted(str(s) for s in rows.segment.name("s").as_table().distinct().s.execute())

        return self.catalogue.get(("segments", segmentation, day), names)

    def feature_dates(self, mart: Mart) -> list[dt.date]:
        """Dates with stored features, oldest first (cached)."""
        return self.catalogue.get(("feature_dates",), lambda: stored_dates(mart))

    def version(self, mart: Mart, segmentation: str, day: dt.date) -> int:
        """The stored version of ``segmentation`` whose results as of ``day`` are read (cached)."""

        return self.catalogue.get(
            ("version", segmentation, day), lambda: store_version(mart, segmentation, day)
        )

    def check_segment(self, mart: Mart, segmentation: str, segment: str, day: dt.date) -> str:
        """``segment`` when ``segmentation`` has it as of ``day``.

        Raises:
            MartError: no such segment; lists the segments.
        """
        known = self.segments(mart, segmentation, day)
        if segment not in known:
            raise MartError(
                f"segmentation '{segmentation}' has no segment '{segment}' as of "
                f"{day.isoformat()}; segments: {', '.join(known)}"
            )
        return segment

    def profile(
        self, mart: Mart, segmentation: str, day: dt.date, shared: DayFacts | None = None
    ) -> SegmentProfile:
        """The profile of ``segmentation`` as of ``day`` (cached); ``shared``: what the
        profiles of ``day`` share, when several are computed."""
        return self.results.get(
            ("profile", segmentation, day),
            lambda: profile(mart, segmentation, day, shared=shared),
        )

    def has_profile(self, segmentation: str, day: dt.date) -> bool:
        """Whether the profile of ``segmentation`` as of ``day`` is cached."""
        return self.results.holds(("profile", segmentation, day))

    def overview(self, mart: Mart, segmentation: str, day: dt.date) -> Overview:
        """The overview as of ``day`` with ``segmentation``'s segments (cached; the base's
        figures cached once per date)."""
        return self.results.get(
            ("overview", segmentation, day),
            lambda: overview(
                mart,
                self.profile(mart, segmentation, day),
                self.results.get(("base_figures", day), lambda: base_figures(mart, day)),
            ),
        )

    def rfm_grid(self, mart: Mart, day: dt.date) -> pd.DataFrame:
        """The R × F grid as of ``day`` (cached)."""
        return self.results.get(("rfm_grid", day), lambda: rfm_grid(mart, day))

    def migration(self, mart: Mart, segmentation: str, start: dt.date, end: dt.date) -> Migration:
        """Moves between segments from ``start`` to ``end`` (cached).

        Raises:
            InputError: ``start`` is not before ``end`` (named as the ``from`` and ``to``
                query parameters that carry them).
        """
        if start >= end:
            raise InputError(
                f"'from' must be before 'to'; got from={start.isoformat()} and to={end.isoformat()}"
            )
        return self.results.get(
            ("migration", segmentation, start, end),
            lambda: migration(mart, segmentation, start, end),
        )

    def score_dates(self, mart: Mart) -> list[dt.date]:
        """Dates with stored CLV or churn scores, oldest first (cached with the catalogue)."""
        return self.catalogue.get(("score_dates",), lambda: scores.score_dates(mart))

    def value_day(self, mart: Mart, as_of: str | None) -> dt.date:
        """The date of the value & risk page: ``as_of`` when scores are stored for it, else
        the last day with an order (scores are read as of their latest date up to it).

        Raises:
            InputError: ``as_of`` is not a YYYY-MM-DD date.
            MartError: no scores stored as of ``as_of``; lists the stored dates.
        """
        if not as_of:
            return default_as_of(mart)
        day = parse_query_date(as_of, "as_of")
        advice = f"Run `segmint clv score --as-of {day.isoformat()}` to score that day."
        return stored_day(day, self.score_dates(mart), "no scores stored", advice)

    def value_risk(self, mart: Mart, day: dt.date) -> scores.ValueRisk:
        """CLV distribution, value × risk grid and top customers as of ``day`` (cached)."""
        return self.results.get(("value_risk", day), lambda: scores.value_risk(mart, day))

    def top_products(
        self, mart: Mart, segmentation: str, segment: str, day: dt.date
    ) -> pd.DataFrame:
        """The segment's best-selling products in the year to ``day`` (cached)."""
        return self.results.get(
            ("top_products", segmentation, segment, day),
            lambda: top_products(mart, segmentation, segment, day),
        )

    def personas(
        self,
        mart: Mart,
        segmentation: str,
        day: dt.date | None = None,
        shared: DayFacts | None = None,
    ) -> dict[str, dict[str, Any]]:
        """Persona cards of ``segmentation`` as of ``day`` (its latest date by default) by
        segment (cached): the cards describe the date the page shows; ``shared``: what the
        profiles of ``day`` share, when several are computed."""
        if day is None:
            try:
                day = self.dates(mart, segmentation)[-1]
            except SegmintError:
                return {}
        return self.results.get(
            ("personas", segmentation, day),
            lambda: self._personas(mart, segmentation, day, shared),
        )

    def _personas(
        self, mart: Mart, segmentation: str, day: dt.date, shared: DayFacts | None
    ) -> dict[str, dict[str, Any]]:
        """Persona cards by segment, from the segmentation's (cached) profile as of ``day``
        and its segments' mean P(alive) when CLV scores are stored for that date."""
        try:
            described = self.profile(mart, segmentation, day, shared)
            alive = segment_p_alive(mart, segmentation, day, shared)
            cancelled = segment_cancelled(mart, segmentation, day, shared)
            cards = personas_from_profile(described, alive, cancelled)
        except SegmintError:
            return {}
        currency = shop_currency(mart)
        return {card.segment: persona_fields(card, currency) for card in cards}


def persona_fields(card: PersonaCard, currency: str | None = None) -> dict[str, Any]:
    """A persona card as field → text, in the order a reader wants it; its amounts (revenue
    per member, order value) in the shop's ``currency``. The fields are snake_case, the
    API's ``Persona`` (``note`` null unless the segment is too small to act on); the pages
    label each by its name with spaces ("churn risk") and leave out the empty ones."""
    view: dict[str, Any] = {
        "name": card.name,
        "size": f"{card.members:,} members ({card.share:.1%} of the base)",
        "value": f"{_tier(card)} · {per_member_amounts(card, currency)}",
        "buying": _buying(card, currency),
        "churn_risk": f"{card.risk} ({card.risk_reason})" if card.risk_reason else card.risk,
        "traits": "; ".join(card.traits),
        "categories": ", ".join(f"{c} ({share:.0%})" for c, share in card.categories),
        "channels": ", ".join(f"{c} ({share:.0%})" for c, share in card.channels),
        "people": ", ".join(sketch_phrases(card.demographics)),
        "suggested_actions": _actions(card),
        "note": "too small to act on" if card.too_small else None,
    }
    return view


def persona_list(
    segmentation: str, cards: Iterable[PersonaCard], currency: str | None = None
) -> dict[str, Any]:
    """``segmint persona --format json``: each segment's card as the API gives it (its
    ``Persona`` fields, after the ``segment`` it describes), in a ``{data, count}`` list with
    the shop's ``currency`` of the amounts in words, as every answer holding money has."""
    data = [{"segment": card.segment, **persona_fields(card, currency)} for card in cards]
    return {"segmentation": segmentation, "currency": currency, "data": data, "count": len(data)}


def _tier(card: PersonaCard) -> str:
    """The card's value tier as the value field leads with it: "high value", or "value
    unknown (no members)" with why."""
    return f"value {value_text(card)}" if card.value == "unknown" else f"{card.value} value"


def _actions(card: PersonaCard) -> str:
    """The card's suggested actions, each play once with what to do ("Retain: loyalty
    perks…; reach them by e-mail first."), the plays as sentences."""
    return " ".join(
        f"{play[:1].upper()}{play[1:]}: {'; '.join(a.what for a in group)}."
        for play, group in plays(card.actions)
    )


def _buying(card: PersonaCard, currency: str | None = None) -> str:
    """Orders, order value (in ``currency``), cadence and last order, each left out when
    unknown (no cadence for a segment of mostly one-order customers)."""
    parts = [
        text
        for value, text in (
            (card.orders, f"{card.orders:.1f} orders"),
            (
                card.average_order_value,
                f"{money_text(card.average_order_value, currency)} per order",
            ),
            (card.days_between_orders, f"every {card.days_between_orders:.0f} days"),
            (card.days_since_last_order, f"last {card.days_since_last_order:.0f} days ago"),
        )
        if value == value  # NaN: unknown
    ]
    return ", ".join(parts)


def no_personas_message(segmentation: str) -> str:
    """Why a segment shows no persona card, and where to see the error that stopped it."""
    return (
        "No persona cards for this date: they could not be made from its profile "
        f"(`segmint persona {segmentation} --as-of DATE` shows why)."
    )


def store_version(mart: Mart, segmentation: str, day: dt.date) -> int:
    """The version :func:`segmint.segmentation.store.assignments` reads as of ``day``."""
    return store.version_as_of(mart, segmentation, day)


def _read_currency(lease: Callable[[], AbstractContextManager[Mart]]) -> str | None:
    """The shop's currency, read with a mart from ``lease``."""
    with lease() as mart:
        return shop_currency(mart)


def member_list_bytes(value: list[str] | pd.DataFrame) -> int:
    """The estimated bytes a cached member list holds: a list of ids with its strings, or a
    frame's columns with their strings (``memory_usage(deep=True)``)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    return sys.getsizeof(value) + sum(map(sys.getsizeof, value))


def _audience_bytes(value: AudienceRows | AudienceIndex) -> int:
    """The estimated bytes a cached audience holds (its ``nbytes``)."""
    return value.nbytes
