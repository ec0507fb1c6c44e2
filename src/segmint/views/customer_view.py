"""The 360° view of one customer: profile, attributes, features, segment history, scores,
recent orders and events, consents and (when allowed) personal data.

Each consent says whether the do-not-contact list (the ``suppressions`` table) bars its
channel, by the rule every export applies (:mod:`segmint.serving.do_not_contact`).

The rows come from point lookups (:mod:`segmint.serving.customer_lookup`: sorted in-process
copies, else parameterised statements); this module puts them together, says what is not
computed yet, and coarsens the quasi-identifiers for roles below admin
(:mod:`segmint.views.coarse`). The attributes a load made of a file's extra columns are
shown by role (:mod:`segmint.views.customer_attributes`): personal data with ``customer_pii``
only, exact location and age in the exact view only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from segmint.exceptions import MartError
from segmint.features import stored_dates
from segmint.mart import Mart
from segmint.mart.privacy.spelling import did_you_mean
from segmint.serving import customer_lookup as lookup
from segmint.serving import do_not_contact
from segmint.serving.sorted_copies import SortedCopies
from segmint.views import coarse, scores
from segmint.views import customer_attributes as attributes

__all__ = ["Customer360", "customer_360"]


@dataclass
class Customer360:
    """Everything known about one customer, as JSON-ready parts."""

    customer_id: str
    profile: dict[str, Any]
    features_as_of: str | None
    features: dict[str, Any]
    segments: list[dict[str, Any]]
    scores: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    events: list[dict[str, Any]]
    consents: list[dict[str, Any]]
    pii: dict[str, Any] | None = None
    attributes: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


DO_NOT_CONTACT = "Do not contact: on the do-not-contact list (suppressions)"
"""How a note starts that says the customer is on the ``suppressions`` table."""

API_SEARCH = "at /api/v1/customers?q=..."
"""Where a reader of the API finds customer ids."""


def customer_360(
    mart: Mart,
    customer_id: str,
    include_pii: bool = False,
    feature_dates: list[dt.date] | None = None,
    copies: SortedCopies | None = None,
    *,
    exact: bool | None = None,
    search: str = API_SEARCH,
) -> Customer360:
    """The 360° view of ``customer_id``: profile, latest features, segment history, scores,
    recent orders with their value, recent events, consents and attributes (PII if allowed).

    Args:
        mart: the mart (the request's cursor).
        customer_id: whose view.
        include_pii: also read ``customer_pii`` (admins only).
        feature_dates: the stored feature dates when the caller has them at hand.
        copies: the server's sorted in-memory copies, read where built.
        exact: show the quasi-identifiers as stored (birth year, city, postcode, raw event
            properties); else they are coarsened by :mod:`segmint.views.coarse`. Default:
            exact when ``include_pii`` (admins), coarse otherwise.
        search: where the error of an unknown id sends the reader to find ids: the API's
            search by default; a page names the page that searches.

    Raises:
        MartError: no customer with that id (naming the id the mart holds in another
            spelling, e.g. ``13085`` for ``13085.0``).
    """
    copies = copies or SortedCopies()
    profile = lookup.table_records(mart, copies, "customers", customer_id)
    if not profile:
        hint = did_you_mean(mart, customer_id)
        raise MartError(f"no customer with id '{customer_id}'.{hint} Search for ids {search}")
    result = Customer360(
        customer_id=customer_id,
        profile=profile[0],
        features_as_of=None,
        features={},
        segments=lookup.segment_history(mart, copies, customer_id),
        scores=lookup.score_records(mart, copies, customer_id),
        orders=lookup.recent_orders(mart, copies, customer_id),
        events=lookup.recent_events(mart, customer_id),
        consents=lookup.table_records(mart, copies, "consents", customer_id),
    )
    _add_features(result, mart, copies, feature_dates)
    _mark_do_not_contact(result, mart, copies)
    if not result.scores:
        result.notes.append(scores.NO_CLV)
    if include_pii:
        pii = lookup.table_records(mart, copies, "customer_pii", customer_id)
        result.pii = pii[0] if pii else {}
    exact = include_pii if exact is None else exact
    _add_attributes(result, mart, copies, exact=exact, include_pii=include_pii)
    if not exact:
        year = coarse.reference_year(result.features_as_of)
        result.profile = coarse.coarse_profile(result.profile, year)
        result.features = coarse.coarse_features(result.features)
        result.events = coarse.coarse_events(result.events)
    return result


def _mark_do_not_contact(result: Customer360, mart: Mart, copies: SortedCopies) -> None:
    """Mark each consent ``suppressed`` when the do-not-contact list bars its channel (as
    every export decides it), and say in a note what the list holds for the customer: a
    consent granted does not make them reachable."""
    channels = {str(c["channel"]) for c in result.consents if c.get("channel") is not None}
    found = do_not_contact.listing(mart, result.customer_id, channels, copies)
    result.consents = [
        c | {"suppressed": c.get("channel") is not None and str(c["channel"]) in found.suppressed}
        for c in result.consents
    ]
    if found.every_channel:
        result.notes.append(f"{DO_NOT_CONTACT} for every channel.")
    elif found.is_listed:
        result.notes.append(f"{DO_NOT_CONTACT} for {', '.join(found.listed)}.")


def _add_attributes(
    result: Customer360, mart: Mart, copies: SortedCopies, *, exact: bool, include_pii: bool
) -> None:
    """The customer's attributes the caller may see, and a message counting the others."""
    records = lookup.table_records(mart, copies, "customer_attributes", result.customer_id)
    shown, hidden = attributes.shown_attributes(records, exact=exact, include_pii=include_pii)
    result.attributes = shown
    if hidden:
        result.notes.append(attributes.hidden_message(hidden))


NO_FEATURES = "No stored features yet: run `segmint features`."
NO_FEATURES_NOR_ORDERS = (
    "No stored features yet, nor orders to compute them from: load them with "
    "`segmint ingest orders FILE`, then run `segmint features`."
)
"""The note of a mart without orders, where `segmint features` alone would be refused."""


def _add_features(
    result: Customer360, mart: Mart, copies: SortedCopies, feature_dates: list[dt.date] | None
) -> None:
    """The customer's features as of the latest stored date, or a message saying how to
    store some."""
    dates = stored_dates(mart) if feature_dates is None else feature_dates
    if not dates:
        result.notes.append(NO_FEATURES if mart.count("orders") else NO_FEATURES_NOR_ORDERS)
        return
    mine = lookup.feature_records(mart, copies, result.customer_id, dates[-1])
    result.features_as_of = dates[-1].isoformat()
    result.features = mine[0] if mine else {}
