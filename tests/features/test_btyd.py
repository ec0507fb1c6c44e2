"""BTYD summary columns: the fixture by hand, and the published CDNOW calibration summary."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from segmint.features import build_features
from segmint.mart import Mart

Rows = dict[str, dict[str, Any]]

CDNOW_SUMMARY = "/work/shared/datasets/cdnow/cdnow_customers_summary.csv"


def test_customer_days_of_positive_purchases(rows: Rows) -> None:
    # c1 buys on 01-05, 03-10 and 03-31 (the 03-20 return is negative)
    c1 = rows["c1"]
    assert c1["btyd_frequency"] == 2
    assert c1["btyd_recency"] == pytest.approx(86 / 7)
    assert c1["btyd_T"] == pytest.approx(86 / 7)
    c8 = rows["c8"]  # two orders on one day are one transaction
    assert (c8["btyd_frequency"], c8["btyd_recency"]) == (0, 0.0)
    assert c8["btyd_T"] == pytest.approx(30 / 7)
    assert rows["c2"]["btyd_frequency"] is None


@pytest.mark.slow
def test_cdnow_calibration_summary(cdnow_mart: Mart) -> None:
    columns = ["customer_id", "btyd_frequency", "btyd_recency", "btyd_T"]
    ours = build_features(cdnow_mart, "1997-09-30").select(*columns).to_pandas()
    ours["ID"] = ours.customer_id.astype(int)
    published = pd.read_csv(CDNOW_SUMMARY)
    both = published.merge(ours, on="ID", how="outer", validate="one_to_one")
    assert len(both) == len(published) == 2357
    assert (both.frequency == both.btyd_frequency).all()
    assert (both.recency - both.btyd_recency).abs().max() < 0.01
    assert (both["T"] - both.btyd_T).abs().max() < 0.01
    assert both.btyd_frequency.sum() == 2457
