"""The per-customer BTYD summary by the tools users would pick instead (run in bench/.venv-peers).

Started by ``bench/segment.py`` as ``bench/.venv-peers/bin/python bench/_peer_summary.py TOOL
SOURCE AS_OF OUT``. ``SOURCE`` is either

* a folder of the retailer's files (``orders.parquet``, ``order_lines.parquet``, the files
  segmint loads): the tool first turns lines into order values and keeps the purchases as
  segmint defines them (stamped before the end of the as-of day, status completed, returned
  or missing, value >= 0), as a user of that tool has to; or
* a transactions Parquet already reduced to one row per purchase (``customer_id``,
  ``order_ts``, ``amount``).

It then computes frequency, recency, T (days) and monetary_value in lifetimes' convention
(purchases merged per customer-day; the first day is not a repeat; monetary_value is the
mean value of the repeat days, 0 without one), and prints ``{"seconds": …, "customers":
…}``. The clock covers reading the files and computing the summary, as a user's script
would; writing ``OUT`` for the agreement check is untimed.

This file imports only the peers' environment (lifetimes, PyMC-Marketing, polars), never
segmint.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

PURCHASE_STATUSES = ["completed", "returned"]


def pandas_purchases(source: str, as_of: str) -> Any:
    """One row per purchase (``customer_id``, ``order_ts``, ``amount``) with pandas."""
    import pandas as pd

    if source.endswith(".parquet"):
        return pd.read_parquet(source)
    orders = pd.read_parquet(
        f"{source}/orders.parquet", columns=["order_id", "customer_id", "order_ts", "status"]
    )
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    counted = orders.status.isna() | orders.status.isin(PURCHASE_STATUSES)
    orders = orders[(orders.order_ts < end) & counted]
    lines = pd.read_parquet(
        f"{source}/order_lines.parquet", columns=["order_id", "quantity", "unit_price", "discount"]
    )
    net = (
        (lines.quantity * lines.unit_price - lines.discount.fillna(0.0))
        .groupby(lines.order_id)
        .sum()
    )
    purchases = orders.assign(amount=orders.order_id.map(net).fillna(0.0))
    return purchases.loc[purchases.amount >= 0, ["customer_id", "order_ts", "amount"]]


def polars_purchases(source: str, as_of: str) -> Any:
    """The same purchases as a polars lazy frame."""
    import datetime as dt

    import polars as pl  # type: ignore[import-not-found]  # peers' venv

    if source.endswith(".parquet"):
        return pl.scan_parquet(source)
    end = dt.datetime.combine(dt.date.fromisoformat(as_of) + dt.timedelta(days=1), dt.time())
    net = pl.col("quantity") * pl.col("unit_price") - pl.col("discount").fill_null(0.0)
    values = (
        pl.scan_parquet(f"{source}/order_lines.parquet").group_by("order_id").agg(amount=net.sum())
    )
    counted = pl.col("status").is_null() | pl.col("status").is_in(PURCHASE_STATUSES)
    orders = pl.scan_parquet(f"{source}/orders.parquet").filter(
        (pl.col("order_ts") < end) & counted
    )
    return (
        orders.join(values, on="order_id", how="left")
        .with_columns(pl.col("amount").fill_null(0.0))
        .filter(pl.col("amount") >= 0)
        .select("customer_id", "order_ts", "amount")
    )


def lifetimes_summary(source: str, as_of: str) -> Any:
    """lifetimes 0.11.3 ``summary_data_from_transaction_data`` on a pandas frame."""
    from lifetimes.utils import summary_data_from_transaction_data  # type: ignore[import-not-found]  # peers' venv

    return summary_data_from_transaction_data(
        pandas_purchases(source, as_of),
        "customer_id",
        "order_ts",
        monetary_value_col="amount",
        observation_period_end=as_of,
        freq="D",
    ).reset_index()


def pymc_summary(source: str, as_of: str) -> Any:
    """PyMC-Marketing ``clv.utils.rfm_summary`` on a pandas frame."""
    from pymc_marketing.clv.utils import rfm_summary  # type: ignore[import-not-found]  # peers' venv

    return rfm_summary(
        pandas_purchases(source, as_of),
        "customer_id",
        "order_ts",
        monetary_value_col="amount",
        observation_period_end=as_of,
        time_unit="D",
    )


def polars_summary(source: str, as_of: str) -> Any:
    """A hand-written polars lazy query: customer-days, then one group-by per customer."""
    import datetime as dt

    import polars as pl  # type: ignore[import-not-found]  # peers' venv

    day = dt.date.fromisoformat(as_of)
    days = (
        polars_purchases(source, as_of)
        .group_by("customer_id", pl.col("order_ts").dt.date().alias("day"))
        .agg(pl.col("amount").sum())
    )
    summary = days.group_by("customer_id").agg(
        n=pl.len(),
        first=pl.col("day").min(),
        last=pl.col("day").max(),
        total=pl.col("amount").sum(),
        first_amount=pl.col("amount").sort_by("day").first(),
    )
    repeats = pl.col("n") - 1
    return summary.select(
        "customer_id",
        frequency=repeats,
        recency=(pl.col("last") - pl.col("first")).dt.total_days(),
        T=(pl.lit(day) - pl.col("first")).dt.total_days(),
        monetary_value=pl.when(repeats > 0)
        .then((pl.col("total") - pl.col("first_amount")) / repeats)
        .otherwise(0.0),
    ).collect()


TOOLS = {"lifetimes": lifetimes_summary, "pymc-marketing": pymc_summary, "polars": polars_summary}


def main() -> None:
    tool, source, as_of, out = sys.argv[1:5]
    began = time.perf_counter()
    summary = TOOLS[tool](source, as_of)
    seconds = time.perf_counter() - began
    if tool == "polars":
        summary.write_parquet(out)
    else:
        summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].to_parquet(out)
    print(json.dumps({"seconds": seconds, "customers": len(summary), "peak_rss_mb": _peak()}))


def _peak() -> float:
    """Peak resident memory of this process in MB (``VmHWM``; see bench/_common.py)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
