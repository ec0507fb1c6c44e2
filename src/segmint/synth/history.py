"""The calendar of the synthetic history: its span and the seasonality of purchases.

Purchases follow a Poisson process in *operational time*: a customer with daily rate
``lambda`` buys ``lambda`` times per operational day, and an operational day is
stretched or squeezed by the seasonal intensity ``s(t)`` of the customer's profile.
``s`` averages one over a calendar year, so ``lambda`` stays the mean number of
purchases per calendar day over whole years (the ground truth's ``purchase_rate``),
while the ``retail`` profile peaks in November-December and the ``gift`` profile
concentrates almost all purchases in the weeks before Christmas (with a small bump
before Mother's Day). Mapping uniform operational times back through the cumulative
intensity is the time-rescaling theorem for inhomogeneous Poisson processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np

EPOCH = dt.date(1970, 1, 1)
SEASONALITY_PROFILES: tuple[str, ...] = ("retail", "gift")


def _bump(day_of_year: np.ndarray, centre: float, width: float) -> np.ndarray:
    distance = np.minimum(np.abs(day_of_year - centre), 365.0 - np.abs(day_of_year - centre))
    return np.exp(-0.5 * (distance / width) ** 2)


def seasonal_intensity(profile: str, day_of_year: np.ndarray) -> np.ndarray:
    """Relative purchase intensity of ``profile`` on each day of year (0 = 1 January).

    The shape is normalised to average one over a 365-day year.
    """
    doy = day_of_year.astype(np.float64)
    year = np.arange(365, dtype=np.float64)
    if profile == "retail":

        def shape(d: np.ndarray) -> np.ndarray:
            return 1.0 + 1.2 * _bump(d, 335.0, 22.0) - 0.2 * _bump(d, 45.0, 20.0)
    elif profile == "gift":

        def shape(d: np.ndarray) -> np.ndarray:
            return 0.12 + 9.0 * _bump(d, 343.0, 11.0) + 1.5 * _bump(d, 128.0, 5.0)
    else:
        raise ValueError(
            f"unknown seasonality profile {profile!r}; use one of {SEASONALITY_PROFILES}"
        )
    return np.asarray(shape(doy) / shape(year).mean(), dtype=np.float64)


def december_peak_intensity(peak: float, december: np.ndarray) -> np.ndarray:
    """A known step seasonality: December's rate is ``peak`` times every other month's.

    ``december`` marks the days in December. Constant within months and normalised to
    average one over a 365-day year, so the seasonal models' monthly index (relative to
    January) has the true value ``peak`` for December and 1 for the other months.
    """
    return np.where(december, peak, 1.0) * 365.0 / (334.0 + 31.0 * peak)


@dataclass(frozen=True)
class History:
    """The observed period: ``n_days`` whole days from ``start`` (inclusive).

    ``december_peak``, when set, replaces every customer type's seasonal profile by
    :func:`december_peak_intensity` (a known multiplier to validate seasonal models on).
    """

    start: dt.date
    n_days: int
    december_peak: float | None = None

    @classmethod
    def of_years(cls, start: dt.date, years: int, december_peak: float | None = None) -> History:
        """The history of ``years`` calendar years from ``start``."""
        end = start.replace(year=start.year + years)
        return cls(start, (end - start).days, december_peak)

    @property
    def end(self) -> dt.date:
        """First day after the history."""
        return self.start + dt.timedelta(days=self.n_days)

    @property
    def start_day(self) -> int:
        """``start`` as days since 1970-01-01."""
        return (self.start - EPOCH).days

    @property
    def start_us(self) -> int:
        """``start`` at midnight as microseconds since 1970-01-01."""
        return self.start_day * 86_400_000_000

    def day_of_year(self, days: np.ndarray) -> np.ndarray:
        """Day of year (0-based) of whole days ``days`` after ``start``."""
        calendar = np.datetime64(self.start, "D") + days.astype("timedelta64[D]")
        return np.asarray((calendar - calendar.astype("datetime64[Y]")).astype(np.int64))

    @cached_property
    def _cumulative(self) -> dict[str, np.ndarray]:
        days = np.arange(self.n_days)
        doy = self.day_of_year(days)
        if self.december_peak is not None:
            calendar = np.datetime64(self.start, "D") + days.astype("timedelta64[D]")
            december = calendar.astype("datetime64[M]").astype(np.int64) % 12 == 11
            intensity = december_peak_intensity(self.december_peak, december)
            cumulative = np.concatenate([[0.0], np.cumsum(intensity)])
            return dict.fromkeys(SEASONALITY_PROFILES, cumulative)
        return {
            p: np.concatenate([[0.0], np.cumsum(seasonal_intensity(p, doy))])
            for p in SEASONALITY_PROFILES
        }

    def to_operational(self, profile: str, days: np.ndarray) -> np.ndarray:
        """Operational time (integrated intensity) at calendar ``days`` after ``start``."""
        grid = np.arange(self.n_days + 1, dtype=np.float64)
        return np.asarray(np.interp(days, grid, self._cumulative[profile]))

    def to_calendar(self, profile: str, operational: np.ndarray) -> np.ndarray:
        """Calendar days after ``start`` at ``operational`` time: the inverse map."""
        grid = np.arange(self.n_days + 1, dtype=np.float64)
        return np.asarray(np.interp(operational, self._cumulative[profile], grid))
