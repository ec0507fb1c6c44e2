"""The UTC clock: the same day and time whatever the machine's own time zone."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.mart.clock import utc_today, utcnow


@pytest.mark.usefixtures("far_time_zone")
def test_today_and_now_are_utc_in_any_time_zone() -> None:
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    now, today = utcnow(), utc_today()
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert before <= now <= after
    assert today in {before.date(), after.date()}
