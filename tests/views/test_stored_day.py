"""A page's date with nothing stored is refused with the latest stored dates."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.exceptions import MartError
from segmint.views.stored_day import SHOWN, stored_day

DATES = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(SHOWN + 2)]


def test_a_stored_day_is_returned() -> None:
    assert stored_day(DATES[3], DATES, "no scores stored") == DATES[3]


def test_another_day_is_refused_with_the_latest_stored_dates_and_the_advice() -> None:
    with pytest.raises(MartError) as refused:
        stored_day(dt.date(1900, 1, 1), DATES, "no scores stored", "Run `x` to store it.")
    message = str(refused.value)
    shown = ", ".join(d.isoformat() for d in DATES[-SHOWN:])
    assert (
        message == f"no scores stored as of 1900-01-01; stored dates: {shown}. Run `x` to store it."
    )
    assert DATES[1].isoformat() not in message  # only the latest ten


def test_nothing_stored_says_none() -> None:
    with pytest.raises(
        MartError, match=r"^no features stored as of 2025-01-01; stored dates: none$"
    ):
        stored_day(DATES[0], [], "no features stored")
