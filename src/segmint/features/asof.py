"""The date features are computed as of, and what "as of a date" lets in.

A date ``D`` means *the end of day D*: every order, event or attribute stamped before
``D + 1 day`` (midnight that follows ``D``) is known, nothing later is. Day counts
(recency, tenure, BTYD ``T``) are differences between calendar dates, so a purchase made
on ``D`` itself is 0 days old. This is the convention of the BTYD literature and of the
lifetimes summary (transactions on the observation end count; ``T`` is measured to that
date).

A date a user gives to compute as of is checked against the data (:func:`check_as_of`,
through :func:`checked_as_of`): a day
still to come is refused (a segmentation of the future is a typo), a day before the first
order is refused (there is nothing to compute), and a day after the last order is allowed
with a warning (every customer then looks idle since the last order).
"""

from __future__ import annotations

import datetime as dt
import warnings

import ibis
import ibis.expr.types as ir

from segmint.exceptions import AdvisedInputError, InputError, MartError, SegmintWarning
from segmint.mart import Mart
from segmint.mart.clock import latest_today
from segmint.mart.fetch import rows, scalar

AsOf = dt.date | dt.datetime | str
"""What callers may pass as an as-of date: a date, a datetime (its date is used) or ISO text."""


EXAMPLE_DAY = "2024-12-31"
"""The date the error messages show as an example."""


def parse_as_of(value: AsOf, name: str = "as_of", example: str | None = None) -> dt.date:
    """Turn a date, datetime or ``YYYY-MM-DD`` text into the as-of date.

    Args:
        value: the date, or its text.
        name: what the caller calls the input, named by the error message.
        example: how to write it there; default the command-line flag ``--as-of``.

    Raises:
        InputError: text that is not a ``YYYY-MM-DD`` date.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        shown = example or f"--as-of {EXAMPLE_DAY}"
        raise InputError(
            f"{name} must be a date written YYYY-MM-DD; got {value!r}. Example: {shown}."
        ) from None


def parse_query_date(value: AsOf, param: str) -> dt.date:
    """:func:`parse_as_of` for the query parameter ``param`` of a page or API request: the
    error names ``param`` as the request spells it (``start``, ``from``…), with an example
    in query form (``start=2024-12-31``)."""
    return parse_as_of(value, param, f"{param}={EXAMPLE_DAY}")


def parse_flag_date(value: AsOf, flag: str) -> dt.date:
    """:func:`parse_as_of` for the command-line option ``flag`` (``--start``…): the error
    names the flag, with an example (``--start 2024-12-31``)."""
    return parse_as_of(value, flag, f"{flag} {EXAMPLE_DAY}")


def default_as_of(mart: Mart) -> dt.date:
    """The last day with an order in the mart.

    Historical data (CDNOW ends in 1998) then works without naming a date; a live shop
    gets "up to the latest order loaded".

    Raises:
        MartError: the mart holds no orders yet.
    """
    latest = scalar(mart.table("orders").order_ts.max())
    if latest is None:
        raise MartError(
            f"the mart {mart.path} has no orders, so there is no date to compute features "
            "as of. Load orders first (`segmint ingest orders FILE`) or pass --as-of DATE."
        )
    return parse_as_of(latest)


def resolve_as_of(mart: Mart, as_of: AsOf | None) -> dt.date:
    """``as_of`` parsed, or :func:`default_as_of` when it is ``None``."""
    return default_as_of(mart) if as_of is None else parse_as_of(as_of)


def checked_as_of(mart: Mart, as_of: AsOf | None) -> dt.date:
    """The day a use case computes as of, from what its user gave: ``as_of`` parsed and
    checked against the data (:func:`check_as_of`), or :func:`default_as_of` when it is
    ``None``. Checked once, where the date comes in (:mod:`segmint.workflows`): the
    functions below it take the day as given, as they do for stored results' dates."""
    return default_as_of(mart) if as_of is None else check_as_of(mart, parse_as_of(as_of))


def check_as_of(mart: Mart, day: dt.date, today: dt.date | None = None) -> dt.date:
    """``day``, when something can be computed as of it from the orders of ``mart``.

    Args:
        mart: the mart whose orders bound the day.
        day: the day asked for.
        today: the latest current day (default: the latest date anywhere on Earth, as
            orders are the shop's clock time: :func:`~segmint.mart.clock.latest_today`).

    Raises:
        AdvisedInputError: ``day`` is after ``today``, or before the first order (a mart
            without orders is not checked: its customers may still be described as of any
            day); the advice names ``as_of`` (``--as-of`` on the command line).

    Warns:
        SegmintWarning: ``day`` is after the last order.
    """
    today = latest_today() if today is None else today
    if day > today:
        raise AdvisedInputError(
            f"{day} is in the future (the latest day anywhere is {today}): nothing is known "
            "yet as of a day "
            "still to come.",
            "Check the year, or leave {as_of} out for the last day with orders.",
        )
    first, last = order_span(mart)
    if first is None or last is None:
        return day
    if day < first:
        raise AdvisedInputError(
            f"no orders up to {day} (the first order is on {first});",
            f"pass a later {{as_of}}, or leave it out for the last day with orders ({last}).",
        )
    if day > last:
        warnings.warn(
            f"as of {day}, after the last order ({last}): the days in between count as days "
            "without orders for every customer.",
            SegmintWarning,
            stacklevel=2,
        )
    return day


def order_span(mart: Mart) -> tuple[dt.date | None, dt.date | None]:
    """The days of the first and the last order in the mart (``None``, ``None``: no orders)."""
    orders = mart.table("orders")
    span = rows(orders.aggregate(first=orders.order_ts.min(), last=orders.order_ts.max()))[0]
    if span["first"] is None:
        return None, None
    return parse_as_of(span["first"]), parse_as_of(span["last"])


def end_of(day: dt.date) -> ir.TimestampScalar:
    """The first instant after ``day``: rows stamped strictly before it are known."""
    return ibis.timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def date_literal(day: dt.date) -> ir.DateScalar:
    """``day`` as an Ibis date literal."""
    return ibis.date(day)
