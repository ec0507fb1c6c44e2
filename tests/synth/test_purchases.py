"""The orders carry the true answer: BG/NBD counts, P(alive) and Gamma-Gamma spend.

Each check is a z-test of observed against expected totals. The standard error comes
from the data (the root of the summed squared residuals, or the Bernoulli variance for
P(alive)), and customers are independent, so |z| < 4 fails by chance about once in
15,000 runs while a wrong rate, dropout or spend of a few percent fails at once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from segmint.synth import TYPES, History, bundle_follow_ups, bundle_pairs, generate

from .conftest import SEED

_PROFILE = {t.name: t.seasonality for t in TYPES}


def _z(residual: np.ndarray) -> float:
    return float(residual.sum() / np.sqrt((residual**2).sum()))


def _per_customer(tables: dict[str, pa.Table], history: History) -> pd.DataFrame:
    """Ground truth with each customer's repeat count and first/last purchase in operational time."""
    orders = tables["orders"].to_pandas()
    orders = orders[orders["status"] != "cancelled"]
    day = (orders["order_ts"] - pd.Timestamp(history.start)) / pd.Timedelta(days=1)
    summary = day.groupby(orders["customer_id"]).agg(["count", "min", "max"])
    truth = tables["ground_truth"].to_pandas().set_index("customer_id")
    frame = truth.join(summary, how="left").fillna({"count": 0})
    frame["repeats"] = frame["count"].clip(lower=1) - 1
    for column in ("min", "max", "end"):
        frame[f"op_{column}"] = np.nan
    for profile in set(_PROFILE.values()):
        rows = frame["latent_type"].map(_PROFILE).eq(profile) & (frame["count"] > 0)
        frame.loc[rows, "op_min"] = history.to_operational(
            profile, frame.loc[rows, "min"].to_numpy()
        )
        frame.loc[rows, "op_max"] = history.to_operational(
            profile, frame.loc[rows, "max"].to_numpy()
        )
        frame.loc[rows, "op_end"] = history.to_operational(profile, np.array([history.n_days]))[0]
    return frame


def _expected_repeats(buyers: pd.DataFrame) -> np.ndarray:
    """E[X(T) | lambda, p] = (1 - exp(-lambda p T)) / p (Fader, Hardie & Lee 2005, section 3)."""
    lam, p = buyers["purchase_rate"].to_numpy(), buyers["dropout_prob"].to_numpy()
    window = (buyers["op_end"] - buyers["op_min"]).to_numpy()
    return np.asarray(-np.expm1(-lam * p * window) / p)


def _p_alive(buyers: pd.DataFrame) -> np.ndarray:
    """P(alive | x, t_x, T, lambda, p) = 1 / (1 + p / (1 - p) exp(lambda (T - t_x))) for x > 0."""
    lam, p = buyers["purchase_rate"].to_numpy(), buyers["dropout_prob"].to_numpy()
    gap = (buyers["op_end"] - buyers["op_max"]).to_numpy()
    alive = 1.0 / (1.0 + p / (1.0 - p) * np.exp(lam * gap))
    return np.where(buyers["repeats"].to_numpy() > 0, alive, 1.0)


@pytest.fixture(scope="module")
def customers(small: dict[str, pa.Table], history: History) -> pd.DataFrame:
    return _per_customer(small, history)


def test_repeat_counts_match_the_true_rates_and_dropouts(customers: pd.DataFrame) -> None:
    buyers = customers[customers["count"] > 0]
    residual = buyers["repeats"].to_numpy() - _expected_repeats(buyers)
    assert abs(_z(residual)) < 4


def test_a_wrong_rate_would_be_detected(customers: pd.DataFrame) -> None:
    buyers = customers[customers["count"] > 0].assign(
        purchase_rate=lambda f: f["purchase_rate"] * 1.25
    )
    residual = buyers["repeats"].to_numpy() - _expected_repeats(buyers)
    assert abs(_z(residual)) > 4


def test_alive_at_end_matches_the_bgnbd_probability(customers: pd.DataFrame) -> None:
    assert customers.loc[customers["count"] == 0, "alive_at_end"].all()
    buyers = customers[customers["count"] > 0]
    p_alive = _p_alive(buyers)
    observed = buyers["alive_at_end"].to_numpy().sum()
    z = (observed - p_alive.sum()) / np.sqrt((p_alive * (1 - p_alive)).sum())
    assert abs(z) < 4


def test_order_values_match_the_true_mean_spend(small: dict[str, pa.Table]) -> None:
    lines = small["order_lines"].to_pandas()
    value = (
        (lines["quantity"] * lines["unit_price"] - lines["discount"])
        .groupby(lines["order_id"])
        .sum()
    )
    orders = small["orders"].to_pandas().set_index("order_id")
    orders = orders[orders["status"] != "cancelled"].join(value.rename("value"))
    truth = small["ground_truth"].to_pandas().set_index("customer_id")["mean_spend"]
    residual = (orders["value"] - orders["customer_id"].map(truth)).to_numpy()
    assert abs(_z(residual)) < 4
    assert (orders["value"] > 0).all()


def test_types_behave_differently(small: dict[str, pa.Table]) -> None:
    truth = small["ground_truth"].to_pandas().set_index("customer_id")["latent_type"]
    orders = small["orders"].to_pandas()
    orders["type"] = orders["customer_id"].map(truth)
    holiday = orders["order_ts"].dt.month >= 11
    by_type = holiday.groupby(orders["type"]).mean()
    assert by_type["seasonal_gift_buyer"] > 0.5
    assert by_type["steady_regular"] < 0.35
    store = (orders["channel"] == "store").groupby(orders["type"]).mean()
    assert store["store_traditionalist"] > 0.7 > store["new_browser"]
    lines = small["order_lines"].to_pandas().merge(orders[["order_id", "type"]], on="order_id")
    discounted = (lines["discount"] > 0).groupby(lines["type"]).mean()
    assert discounted["bargain_hunter"] > 0.5 > 0.15 > discounted["loyal_high_spender"]


def test_orders_open_with_the_catalogues_bundles(small: dict[str, pa.Table]) -> None:
    lines = small["order_lines"].to_pandas().sort_values(["order_id", "line_no"])
    firsts = lines.groupby("order_id").product_id.agg(list)
    opening = {tuple(items[:2]) for items in firsts if len(items) >= 2}
    pairs = bundle_pairs(SEED)
    assert len(pairs) == 30 and len(set(pairs)) == 30  # three per category
    assert all(a != b for a, b in pairs)
    # every bundle shows up as the start of several orders, in its own order of products
    counts = pd.Series([tuple(items[:2]) for items in firsts if len(items) >= 2]).value_counts()
    assert all(counts.get(pair, 0) >= 10 for pair in pairs)
    assert not any(counts.get((b, a), 0) >= 10 for a, b in pairs)
    assert set(pairs) <= opening
    # about one order of two or more lines in seven opens with a bundle
    bundled = counts.loc[list(pairs)].sum() / counts.sum()
    assert 0.08 < bundled < 0.3


def test_bundle_buyers_take_its_follow_up_in_a_later_order(small: dict[str, pa.Table]) -> None:
    follow_ups = bundle_follow_ups(SEED)
    assert list(follow_ups) == bundle_pairs(SEED)
    assert all(f not in pair for pair, f in follow_ups.items())
    orders = small["orders"].to_pandas()[["order_id", "customer_id", "order_ts"]]
    lines = small["order_lines"].to_pandas().merge(orders, on="order_id")
    lines = lines.sort_values(["order_id", "line_no"])
    firsts = lines.groupby("order_id").agg(
        items=("product_id", list), customer_id=("customer_id", "first"), ts=("order_ts", "first")
    )
    later_follow_ups = same_basket = 0
    for pair, follow in follow_ups.items():
        opened = firsts[firsts["items"].map(lambda items, p=pair: tuple(items[:2]) == p)]
        same_basket += int(opened["items"].map(lambda items, f=follow: f in items).sum())
        first_bundle = opened.groupby("customer_id").ts.min()
        bought = lines[lines.product_id == follow].merge(
            first_bundle.rename("bundle_ts"), left_on="customer_id", right_index=True
        )
        later_follow_ups += int((bought.order_ts > bought.bundle_ts).sum())
    # the follow-ups are bought after the bundle, by its buyers, not in the bundle's basket
    assert later_follow_ups >= 200
    assert same_basket < later_follow_ups / 20


def test_orders_peak_in_the_fourth_quarter(small: dict[str, pa.Table]) -> None:
    months = small["orders"].column("order_ts").to_pandas().dt.month
    assert (months >= 10).mean() > 0.3  # a flat year would put 25 % there


def test_some_orders_are_returned_and_some_cancelled(small: dict[str, pa.Table]) -> None:
    status = small["orders"].column("status").to_pandas().value_counts(normalize=True)
    assert 0.01 < status["cancelled"] < 0.06
    assert 0.02 < status["returned"] < 0.08


@pytest.mark.slow
def test_ground_truth_holds_per_type_on_50k_customers() -> None:
    history = History.of_years(pd.Timestamp("2022-01-01").date(), 2)
    tables = generate(50_000, seed=2024, start=history.start, years=2)
    customers = _per_customer(tables, history)
    for name, group in customers[customers["count"] > 0].groupby("latent_type"):
        residual = group["repeats"].to_numpy() - _expected_repeats(group)
        assert abs(_z(residual)) < 4, name
        p_alive = _p_alive(group)
        z = (group["alive_at_end"].sum() - p_alive.sum()) / np.sqrt((p_alive * (1 - p_alive)).sum())
        assert abs(z) < 4, name
