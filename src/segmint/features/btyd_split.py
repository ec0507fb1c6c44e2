"""Calibration/holdout splits of the BTYD summary, as in the published CDNOW validation.

The BTYD models (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way",
Marketing Science 24(2)) are validated by fitting them on a calibration period and
predicting the next one. :func:`calibration_holdout` splits the history at a date: the
summary (:func:`segmint.features.btyd.btyd_summary`) as of the calibration end, and what
each of those customers did afterwards up to the holdout end (repeat transactions and their value, and the weekly
count of repeat transactions of the whole cohort for the tracking plot).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import InputError, MartError
from segmint.features.asof import AsOf, parse_as_of, resolve_as_of
from segmint.features.btyd import (
    DAYS_PER_WEEK,
    SUMMARY_COLUMNS,
    btyd_summary,
    transaction_days,
)
from segmint.mart import Mart, fetch


@dataclass(frozen=True)
class CalibrationHoldout:
    """A history split at ``calibration_end``: the models' inputs and what happened next.

    Attributes:
        frame: one row per customer with a transaction by ``calibration_end``:
            ``customer_id, frequency, recency, T, monetary_value`` (as of the calibration
            end), ``holdout_purchases`` (transaction days in the holdout) and
            ``holdout_spend`` (their value).
        calibration_end: last day of the calibration period.
        holdout_end: last day of the holdout period.
        origin: first transaction day of the cohort (week 0 of the tracking plot).
        weekly_repeat: repeat transactions of the cohort per week since ``origin`` (index
            1, 2, …; week k covers days 7(k-1) to 7k-1 after ``origin``), up to the holdout end.
    """

    frame: pd.DataFrame
    calibration_end: dt.date
    holdout_end: dt.date
    origin: dt.date
    weekly_repeat: pd.Series

    @property
    def holdout_weeks(self) -> float:
        """Length of the holdout period in weeks."""
        return (self.holdout_end - self.calibration_end).days / DAYS_PER_WEEK

    @property
    def calibration_weeks(self) -> float:
        """Weeks from ``origin`` to the calibration end."""
        return (self.calibration_end - self.origin).days / DAYS_PER_WEEK


def calibration_holdout(
    mart: Mart, calibration_end: AsOf, holdout_end: AsOf | None = None
) -> CalibrationHoldout:
    """Split the mart's history at ``calibration_end`` (default holdout end: the last order day).

    Raises:
        InputError: the holdout end is not after the calibration end.
        MartError: no customer has a transaction by the calibration end.
    """
    cal_end = parse_as_of(calibration_end)
    hold_end = resolve_as_of(mart, holdout_end)
    if hold_end <= cal_end:
        raise InputError(
            f"the holdout must end after the calibration period; got calibration end {cal_end} "
            f"and holdout end {hold_end}. Pass an earlier --calibration-end."
        )
    summary = btyd_summary(mart, cal_end)
    days = transaction_days(mart, hold_end)
    later = days.filter(days.day > cal_end)
    holdout = later.group_by("customer_id").aggregate(
        holdout_purchases=later.count(), holdout_spend=later.value.sum()
    )
    joined = summary.left_join(holdout, "customer_id")
    frame = fetch.frame(
        joined.select(
            *SUMMARY_COLUMNS,
            holdout_purchases=joined.holdout_purchases.fill_null(0).cast("float64"),
            holdout_spend=joined.holdout_spend.fill_null(0.0),
        ),
        sort_by="customer_id",
    )
    if frame.empty:
        raise MartError(
            f"no customer has a purchase up to the calibration end {cal_end}, so there is "
            "nothing to fit. Load orders, or choose a later --calibration-end (for "
            "`clv fit`, fewer --holdout-weeks)."
        )
    origin, weekly = _weekly_repeat(days, summary, hold_end)
    return CalibrationHoldout(frame, cal_end, hold_end, origin, weekly)


def _weekly_repeat(
    days: ir.Table, cohort: ir.Table, holdout_end: dt.date
) -> tuple[dt.date, pd.Series]:
    """First day of the cohort, and its repeat transactions per week up to ``holdout_end``."""
    firsts = days.group_by("customer_id").aggregate(first_day=days.day.min())
    mine = firsts.semi_join(cohort, "customer_id")
    origin = pd.Timestamp(mine.first_day.min().execute()).date()
    joined = days.join(mine, "customer_id")
    repeats = joined.filter(joined.day > joined.first_day)
    week = (repeats.day.delta(ibis.date(origin), unit="day") // 7 + 1).name("week")
    counts = repeats.group_by(week).aggregate(n=repeats.count()).to_pandas()
    n_weeks = -(-((holdout_end - origin).days + 1) // 7)
    weekly = pd.Series(0.0, index=pd.RangeIndex(1, n_weeks + 1, name="week"), name="repeat")
    weekly.loc[counts.week.astype(int).to_numpy()] = counts.n.astype(float).to_numpy()
    return origin, weekly
