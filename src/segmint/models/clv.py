"""Customer lifetime value from any transaction model and any spend model.

The value of a customer over a window [horizon_start, horizon_end) of future time is
the sum, over discounting periods k in the window, of the expected purchases in that
period times the expected spend per purchase, discounted to today:

    CLV = sum_k  E[M] (E[Y(t_(k+1))] - E[Y(t_k)]) / (1 + d)^(t_(k+1) / period_length),

where E[Y(t)] is the conditional expected number of purchases in (T, T + t] given each
customer's history (Fader, Hardie & Lee 2005, "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", JMR 42(4), discrete-time approximation of their discounted
expected transactions). The window need not start now: ``horizon_start=52`` values the
second year only. Customers are processed in chunks, so memory stays bounded for
millions of customers.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from segmint.exceptions import ModelInputError
from segmint.models._validation import FloatArray, as_float_array


@runtime_checkable
class TransactionModel(Protocol):
    """Anything that predicts each customer's expected purchases in (T, T + t]."""

    def predict_purchases(
        self, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, /
    ) -> FloatArray: ...


@runtime_checkable
class PurchaseGridModel(Protocol):
    """A transaction model that also predicts expected purchases at many horizons at once.

    ``predict_purchases_grid(horizons, ...)`` returns one row per customer and one column
    per horizon, equal to ``predict_purchases`` at each; models implement it when the work
    shared between horizons (P(alive), per-customer terms) is worth doing once.
    """

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, /
    ) -> FloatArray: ...


@runtime_checkable
class AliveFactoredModel(Protocol):
    """A transaction model whose E[Y(t) | x, t_x, T] is P(alive | x, t_x, T) times an
    expectation if alive that depends on (x, T) only (the BG/NBD, MBG/NBD and NBD).

    ``expected_if_alive_grid(horizons, frequency, T)`` returns that second factor: one
    row per customer, one column per horizon.
    """

    def expected_if_alive_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, T: ArrayLike, /
    ) -> FloatArray: ...


@runtime_checkable
class SpendModel(Protocol):
    """Anything that predicts each customer's expected value per purchase."""

    def expected_spend(self, frequency: ArrayLike, monetary_value: ArrayLike, /) -> FloatArray: ...


def _grid(start: float, end: float, period_length: float) -> FloatArray:
    """Period edges start, start + L, ..., end (the last period may be shorter)."""
    n_periods = int(np.ceil((end - start) / period_length - 1e-9))
    edges = start + period_length * np.arange(n_periods + 1, dtype=np.float64)
    edges[-1] = end
    return edges


def _check_options(
    horizon_start: float,
    horizon_end: float,
    period_length: float,
    discount_rate: float,
    chunk_size: int,
) -> None:
    if not 0 <= horizon_start < horizon_end:
        raise ModelInputError(
            f"Need 0 <= horizon_start < horizon_end; got {horizon_start!r} and {horizon_end!r} "
            "(both in the time unit of T, measured from the end of the history)."
        )
    if not period_length > 0 or not discount_rate >= 0 or chunk_size < 1:
        raise ModelInputError(
            f"Need period_length > 0, discount_rate >= 0 and chunk_size >= 1; got "
            f"{period_length!r}, {discount_rate!r}, {chunk_size!r}. discount_rate is per period, "
            "e.g. 0.01 per month for about 12.7% a year."
        )


def customer_lifetime_value(
    transaction_model: TransactionModel | PurchaseGridModel,
    spend: SpendModel | ArrayLike,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    monetary_value: ArrayLike | None = None,
    horizon_start: float = 0.0,
    horizon_end: float = 52.0,
    period_length: float = 1.0,
    discount_rate: float = 0.0,
    chunk_size: int = 100_000,
) -> FloatArray:
    """Expected discounted value of each customer's purchases in [horizon_start, horizon_end).

    Parameters
    ----------
    transaction_model:
        A fitted model with ``predict_purchases(t, frequency, recency, T)`` (BG/NBD,
        Pareto/NBD, MBG/NBD; BG/BB with T = n_periods and whole-period horizons).
    spend:
        A fitted :class:`SpendModel` (then ``monetary_value`` is required), or the expected
        value per purchase: one number, or one per customer.
    frequency, recency, T:
        Each customer's history, as given to the transaction model.
    monetary_value:
        Mean value of each customer's repeat purchases, for a spend model.
    horizon_start, horizon_end:
        The valued window, in the time unit of T, counted from the end of the history.
    period_length:
        Length of one discounting period in the time unit of T (1 = weekly periods when T
        is in weeks; 52/12 for months). Purchases are summed per period.
    discount_rate:
        Discount rate per period; a period ending at time t is discounted by
        (1 + discount_rate)^(t / period_length).
    chunk_size:
        Customers processed at a time; bounds memory.

    Returns
    -------
    One value per customer, in the currency of the spend.
    """
    _check_options(horizon_start, horizon_end, period_length, discount_rate, chunk_size)
    x = as_float_array("frequency", frequency)
    t_x = as_float_array("recency", recency)
    age = as_float_array("T", T)
    per_purchase = _per_purchase(spend, x, monetary_value)
    edges = _grid(horizon_start, horizon_end, period_length)
    discount = (1.0 + discount_rate) ** (edges[1:] / period_length)
    values = np.empty(x.size)
    for lo in range(0, x.size, chunk_size):
        chunk = slice(lo, lo + chunk_size)
        args = (x[chunk], t_x[chunk], age[chunk])
        values[chunk] = _discounted_purchases(transaction_model, edges, discount, args)
        values[chunk] *= per_purchase[chunk]
    return values


def value_if_alive(
    model: AliveFactoredModel,
    frequency: ArrayLike,
    T: ArrayLike,
    *,
    horizon_start: float = 0.0,
    horizon_end: float = 52.0,
    period_length: float = 1.0,
    discount_rate: float = 0.0,
) -> FloatArray:
    """Discounted expected purchases in [horizon_start, horizon_end) of a customer known to
    be alive: :func:`customer_lifetime_value` per unit of spend, divided by P(alive).

    The CLV of a customer is this times P(alive) times the expected spend. Since it depends
    on (x, T) only, it can be evaluated once per distinct pair and joined to the customers
    where they are stored (:mod:`segmint.scoring.clv_expression`).
    """
    x = as_float_array("frequency", frequency)
    return customer_lifetime_value(
        _IfAlive(model),
        1.0,
        x,
        np.zeros(x.shape),
        T,
        horizon_start=horizon_start,
        horizon_end=horizon_end,
        period_length=period_length,
        discount_rate=discount_rate,
        chunk_size=max(x.size, 1),
    )


class _IfAlive:
    """A model's expectation if alive, asked as a transaction model's predictions."""

    def __init__(self, model: AliveFactoredModel) -> None:
        self._model = model

    def predict_purchases_grid(
        self, horizons: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, /
    ) -> FloatArray:
        """The expectation if alive at every horizon (``recency`` does not enter it)."""
        return self._model.expected_if_alive_grid(horizons, frequency, T)


def _per_purchase(
    spend: SpendModel | ArrayLike, x: FloatArray, monetary_value: ArrayLike | None
) -> FloatArray:
    """The expected value of one purchase of each customer (see :func:`customer_lifetime_value`).

    Raises:
        ModelInputError: a spend model without ``monetary_value``, or one value per customer
            of another count.
    """
    if isinstance(spend, SpendModel):
        if monetary_value is None:
            raise ModelInputError(
                "A spend model needs each customer's monetary_value; pass monetary_value=..., "
                "or pass the expected spend per purchase instead of the model."
            )
        per_purchase = spend.expected_spend(x, monetary_value)
    else:
        per_purchase = as_float_array("spend", spend, per_customer=False)
        if per_purchase.ndim == 0:
            per_purchase = np.full(x.shape, float(per_purchase))
    if per_purchase.shape != x.shape:
        raise ModelInputError(
            f"spend must give one value per customer ({x.size}) or one for all; "
            f"got shape {per_purchase.shape}."
        )
    return per_purchase


def _discounted_purchases(
    model: TransactionModel | PurchaseGridModel,
    edges: FloatArray,
    discount: FloatArray,
    customers: tuple[FloatArray, FloatArray, FloatArray],
) -> FloatArray:
    """sum_k (E[Y(t_(k+1))] - E[Y(t_k)]) / discount_k per customer, E[Y(0)] = 0.

    Models with ``predict_purchases_grid`` give every edge in one call; others are asked
    edge by edge.
    """
    n_customers = customers[0].size
    if isinstance(model, PurchaseGridModel):
        at_edges = model.predict_purchases_grid(edges[edges > 0], *customers)
        cumulative = list(at_edges.T) if edges[0] > 0 else [np.zeros(n_customers), *at_edges.T]
    else:
        previous = model.predict_purchases(edges[0], *customers) if edges[0] > 0 else 0.0
        cumulative = [np.broadcast_to(previous, (n_customers,))]
        cumulative += [model.predict_purchases(edge, *customers) for edge in edges[1:]]
    total = np.zeros(n_customers)
    for k, factor in enumerate(discount):
        total += (cumulative[k + 1] - cumulative[k]) / factor
    return total
