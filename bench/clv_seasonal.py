"""Seasonal vs non-seasonal CLV backtests on a mart, with the fitted December multiplier.

    .venv/bin/python bench/clv_seasonal.py --mart retail.duckdb --calibration-end 2025-09-30 \\
        [--holdout-end D] [--truth ground_truth.parquet] [--covariate NAME] [--out clv_seasonal]

Runs :func:`segmint.workflows.clv.backtest` (every model and its seasonal form, side by
side, with each fit's note, e.g. the latent classes BIC chose; with ``--covariate``, each
also split by it) and fits ``bgnbd-seasonal`` on the
calibration period to report each month's multiplier relative to January with a 95%
interval (1.96 standard errors). Prints the
holdout total-purchases error per model and writes everything, with the wall time and the
machine's load (``os.getloadavg``), to ``bench/results/<--out>.json``.

With ``--truth`` (a synthetic retailer's ``ground_truth.parquet``) it also fits each
seasonal form again and splits its holdout prediction by the customers' latent type next to
what they bought, so a total error can be traced to the customers the model misjudges, and
fits the seasonal BG/NBD on each type's customers alone: the synthetic retailer draws each
type from its own gamma and beta distributions, so the per-type fits are the model without
the misfit of one mixture for seven types, on the same customers.

The synthetic retailer with a known December multiplier of 2.5:

    .venv/bin/segmint synth -n 20000 --seed 1 --out synth20k --december-peak 2.5
    .venv/bin/segmint load synth20k --mart synth20k.duckdb
    .venv/bin/python bench/clv_seasonal.py --mart synth20k.duckdb --calibration-end 2025-09-30 \\
        --truth synth20k/ground_truth.parquet
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

import segmint
from segmint.features.btyd import transaction_days
from segmint.features.btyd_split import CalibrationHoldout, calibration_holdout
from segmint.mart import Mart
from segmint.models.seasonal import MONTH_NAMES, SeasonalInputs, SeasonalModel
from segmint.scoring.clv_choice import holdout_purchases
from segmint.scoring.clv_fit import fit_clv
from segmint.workflows import clv

RESULTS = Path(__file__).resolve().parent / "results"


def multipliers(mart: Mart, calibration_end: dt.date) -> dict[str, Any]:
    """The seasonal BG/NBD's month multipliers (relative to January) with 95% intervals."""
    split = calibration_holdout(mart, calibration_end)
    fitted = fit_clv(
        split.frame, "bgnbd-seasonal", calendar=clv.purchase_calendar(mart, calibration_end)
    ).transactions
    assert isinstance(fitted, SeasonalModel)
    return {
        month: {
            "estimate": fitted.params_[month],
            "low": fitted.params_[month] - 1.96 * fitted.standard_errors_[month],
            "high": fitted.params_[month] + 1.96 * fitted.standard_errors_[month],
        }
        for month in MONTH_NAMES[1:]
    }


def type_calendars(mart: Mart, split: CalibrationHoldout, types: pd.DataFrame) -> pd.DataFrame:
    """Repeat purchases (customer-days after the first) per latent type and calendar month
    up to the calibration end: one row per type, January first."""
    days = transaction_days(mart, split.calibration_end).execute()
    first = days.groupby("customer_id")["day"].transform("min")
    repeat = days[days["day"] > first].merge(types, on="customer_id")
    month = pd.to_datetime(repeat["day"]).dt.month.rename("month")
    counts = pd.crosstab(repeat["latent_type"], month)
    return counts.reindex(columns=range(1, 13), fill_value=0)


def own_fits(mart: Mart, split: CalibrationHoldout, frame: pd.DataFrame) -> pd.Series:
    """Holdout purchases per latent type predicted by a seasonal BG/NBD fitted on that type's
    customers alone (each type is one gamma/beta population: the misfit of one mixture
    for seven is what separates this from the pooled fit)."""
    calendars = type_calendars(mart, split, frame[["customer_id", "latent_type"]])
    predicted = {}
    for name, rows in frame.groupby("latent_type"):
        calendar = SeasonalInputs(split.calibration_end, calendars.loc[name].to_numpy(float))
        model = fit_clv(rows, "bgnbd-seasonal", calendar=calendar).predictor(rows)
        purchases = model.predict_purchases(
            split.holdout_weeks, rows["frequency"], rows["recency"], rows["T"]
        )
        predicted[name] = float(purchases.sum())
    return pd.Series(predicted)


def by_latent_type(mart: Mart, split: CalibrationHoldout, truth: Path) -> pd.DataFrame:
    """Holdout purchases per latent type: actual, predicted by each seasonal form, and by
    the seasonal BG/NBD fitted on each type alone (``bgnbd-seasonal by type``)."""
    types = pq.read_table(truth, columns=["customer_id", "latent_type"]).to_pandas()
    frame = split.frame.merge(types, on="customer_id", how="left")
    calendar = clv.purchase_calendar(mart, split.calibration_end)
    columns = {"customers": frame.groupby("latent_type").size()}
    columns["actual"] = frame.groupby("latent_type")["holdout_purchases"].sum()
    for name in ("bgnbd-seasonal", "mbgnbd-seasonal", "paretonbd-seasonal"):
        predicted = holdout_purchases(fit_clv(split.frame, name, calendar=calendar), split)
        columns[name] = pd.Series(predicted, index=frame.index).groupby(frame.latent_type).sum()
    columns["bgnbd-seasonal by type"] = own_fits(mart, split, frame)
    table = pd.DataFrame(columns)
    table.loc["all"] = table.sum()
    return table


def main() -> None:
    """Run the backtest and the multiplier fit; print and store the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mart", type=Path, required=True)
    parser.add_argument("--calibration-end", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--holdout-end", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--truth", type=Path, default=None)
    parser.add_argument("--out", default="clv_seasonal")
    parser.add_argument("--covariate", default=None, help="also split each model by it")
    args = parser.parse_args()
    load_before = os.getloadavg()
    began = time.perf_counter()
    with segmint.connect(args.mart) as mart:
        result = clv.backtest(
            mart, args.calibration_end, args.holdout_end, covariate=args.covariate
        )
        seconds = time.perf_counter() - began
        seasonal = result.metrics.mae_purchases.notna() & result.metrics.model.str.contains(
            "seasonal"
        )
        months = multipliers(mart, args.calibration_end) if seasonal.any() else None
        types = None if args.truth is None else by_latent_type(mart, result.split, args.truth)
    frame = result.metrics[["model", "total_purchases_error", "mae_purchases", "rmse_purchases"]]
    print(frame.to_string(index=False))
    for model, note in zip(result.metrics.model, result.metrics.get("note", []), strict=False):
        if isinstance(note, str) and note:
            print(f"note: {model}: {note}")
    if months is not None:
        dec = months["dec"]
        print(f"December / January: {dec['estimate']:.3f} [{dec['low']:.3f}, {dec['high']:.3f}]")
    if types is not None:
        print("holdout purchases by latent type:")
        print(types.round(0).to_string())
    record = {
        "mart": str(args.mart),
        "calibration_end": args.calibration_end.isoformat(),
        "holdout_end": result.split.holdout_end.isoformat(),
        "customers": len(result.split.frame),
        "covariate": args.covariate,
        "metrics": result.metrics.to_dict(orient="records"),
        "multipliers": months,
        "by_latent_type": None if types is None else types.to_dict(orient="index"),
        "backtest_seconds": seconds,
        "load_before": load_before,
        "load_after": os.getloadavg(),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(record, indent=2, default=float))


if __name__ == "__main__":
    main()
