"""The per-customer BTYD summary by the tools users would pick instead (run in bench/.venv-peers).

Started by ``bench/segment.py`` as ``bench/.venv-peers/bin/python bench/_peer_summary.py TOOL
TRANSACTIONS AS_OF OUT``. Reads the transactions Parquet (``customer_id``, ``order_ts``,
``amount``, one row per purchase), computes frequency, recency, T (days) and
monetary_value in lifetimes' convention (purchases merged per customer-day; the first day
is not a repeat; monetary_value is the mean value of the repeat days, 0 without one), and
prints ``{"seconds": …, "customers": …}``. The clock covers reading the file and computing
the summary, as a user's script would; writing ``OUT`` for the agreement check is untimed.

This file imports only the peers' environment (lifetimes, PyMC-Marketing, polars), never
segmint.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


def lifetimes_summary(path: str, as_of: str) -> Any:
    """lifetimes 0.11.3 ``summary_data_from_transaction_data`` on a pandas frame."""
    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data  # type: ignore[import-not-found]  # peers' venv

    df = pd.read_parquet(path)
    return summary_data_from_transaction_data(
        df,
        "customer_id",
        "order_ts",
        monetary_value_col="amount",
        observation_period_end=as_of,
        freq="D",
    ).reset_index()


def pymc_summary(path: str, as_of: str) -> Any:
    """PyMC-Marketing ``clv.utils.rfm_summary`` on a pandas frame."""
    import pandas as pd
    from pymc_marketing.clv.utils import rfm_summary  # type: ignore[import-not-found]  # peers' venv

    df = pd.read_parquet(path)
    return rfm_summary(
        df,
        "customer_id",
        "order_ts",
        monetary_value_col="amount",
        observation_period_end=as_of,
        time_unit="D",
    )


def polars_summary(path: str, as_of: str) -> Any:
    """A hand-written polars lazy query: customer-days, then one group-by per customer."""
    import datetime as dt

    import polars as pl  # type: ignore[import-not-found]  # peers' venv

    day = dt.date.fromisoformat(as_of)
    days = (
        pl.scan_parquet(path)
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
    tool, path, as_of, out = sys.argv[1:5]
    began = time.perf_counter()
    summary = TOOLS[tool](path, as_of)
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
