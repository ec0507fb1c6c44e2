"""Blend: per customer group, the method (or chain of methods) that won on validation.

No method wins for everyone. Heavy repeaters' next baskets are mostly their usual items
(buy-again wins); one-order customers have no usual items, so rules, neighbours or
popularity must speak for them. The blend splits customers into behavioural groups
(:func:`customer_groups`: orders so far × how much they repeat), scores every *option* on
a validation period held out before the evaluation date, and keeps the best per group.

An option is a chain of methods: the slots are filled from the first method's list, then
the next method's items not already listed (so "buy-again, then rules" lets a customer
with three usual items get seven rule-based ones too). A group too small to judge takes
the option that is best over everyone. :meth:`Blend.describe` says what was picked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import permutations
from typing import Any, Literal, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator

from segmint.models import ModelInputError
from segmint.models._fitted import check_fitted
from segmint.models.recommend._data import (
    IntArray,
    Interactions,
    Recommendations,
    check_k,
)
from segmint.models.recommend.metrics import per_user

_SLOT_FIELDS = (
    "items",
    "scores",
    "because_items",
    "lift",
    "confidence",
    "cycle_days",
    "days_since_last",
    "group",
    "method",
)

ORDER_BANDS = ((1, "1 order"), (2, "2-3 orders"), (4, "4-9 orders"), (10, "10+ orders"))
"""Lower bound and name of each band of orders placed before the date."""


def customer_groups(
    interactions: Interactions, repeat_share: float = 0.5
) -> tuple[IntArray, tuple[str, ...]]:
    """Each customer's behavioural group: band of orders × repeater or explorer.

    A customer is a *repeater* when at least ``repeat_share`` of their item purchases
    (orders × items) repeat an item they had bought before; otherwise an *explorer*.

    Returns:
        ``(codes, names)``: a code per customer (``-1`` for none: no orders) and the
        group names by code.
    """
    purchases = np.bincount(
        interactions.user, weights=interactions.n_orders, minlength=interactions.n_users
    )
    distinct = np.diff(interactions.indptr).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        repeats = np.where(purchases > 0, (purchases - distinct) / purchases, 0.0)
    orders = np.maximum(interactions.user_orders, np.where(distinct > 0, 1.0, 0.0))
    bounds = np.array([low for low, _ in ORDER_BANDS], dtype=np.float64)
    band = np.searchsorted(bounds, orders, side="right") - 1
    codes = band * 2 + (repeats >= repeat_share)
    codes = np.where(orders >= 1, codes, -1).astype(np.int64)
    names = tuple(f"{name}, {kind}" for _, name in ORDER_BANDS for kind in ("explorer", "repeater"))
    return codes, names


def take_rows(recommendations: Recommendations, rows: NDArray[Any]) -> Recommendations:
    """The recommendations of the selected customers (mask or indices)."""
    r = recommendations
    return Recommendations(
        users=r.users[rows],
        items=r.items[rows],
        scores=r.scores[rows],
        because_items=r.because_items[rows],
        lift=r.lift[rows],
        confidence=r.confidence[rows],
        cycle_days=r.cycle_days[rows],
        days_since_last=r.days_since_last[rows],
        group=r.group[rows],
        method=r.method[rows],
        methods=r.methods,
    )


def _first_k_distinct(joined: dict[str, NDArray[Any]], k: int) -> dict[str, NDArray[Any]]:
    """Per row, the first ``k`` filled slots whose item has not come earlier in the row,
    for every per-slot array of ``joined`` (``items`` decides)."""
    items = joined["items"]
    m = items.shape[0]
    order = np.argsort(items, axis=1, kind="stable")
    ordered = np.take_along_axis(items, order, axis=1)
    repeat = np.zeros_like(items, dtype=bool)
    later = (ordered[:, 1:] == ordered[:, :-1]) & (ordered[:, 1:] >= 0)
    np.put_along_axis(repeat, order[:, 1:], later, axis=1)
    usable = (items >= 0) & ~repeat
    slot = np.cumsum(usable, axis=1) - 1
    keep = usable & (slot < k)
    r, c = np.nonzero(keep)
    out: dict[str, NDArray[Any]] = {}
    for name, values in joined.items():
        if name == "because_items":
            target: NDArray[Any] = np.full((m, k, 2), -1, dtype=np.int64)
        elif values.dtype.kind in "iu":
            target = np.full((m, k), -1, dtype=np.int64)
        else:
            target = np.full((m, k), np.nan)
        target[r, slot[r, c]] = values[r, c]
        out[name] = target
    return out


def chain(parts: Sequence[Recommendations], k: int, methods: Sequence[str]) -> Recommendations:
    """Fill ``k`` slots per customer from ``parts`` in turn, skipping items already listed.

    Every part must cover the same customers in the same order. ``method`` indices of the
    result refer to ``methods``, which must name every part's methods.
    """
    first = parts[0]
    for part in parts[1:]:
        if not np.array_equal(part.users, first.users):
            raise ModelInputError("every part of a chain must list the same customers in order.")
    names = list(methods)
    fields: dict[str, list[NDArray[Any]]] = {}
    for part in parts:
        lookup = np.array([names.index(name) for name in part.methods] + [-1], dtype=np.int64)
        fields.setdefault("method", []).append(lookup[part.method])
        for name in (
            "items",
            "scores",
            "lift",
            "confidence",
            "cycle_days",
            "days_since_last",
            "group",
        ):
            fields.setdefault(name, []).append(getattr(part, name))
        fields.setdefault("because_items", []).append(part.because_items)
    joined = {name: np.concatenate(values, axis=1) for name, values in fields.items()}
    out = _first_k_distinct(joined, k)
    return Recommendations(
        users=first.users,
        items=out["items"],
        scores=out["scores"],
        because_items=out["because_items"],
        lift=out["lift"],
        confidence=out["confidence"],
        cycle_days=out["cycle_days"],
        days_since_last=out["days_since_last"],
        group=out["group"],
        method=out["method"],
        methods=tuple(names),
    )


def default_options(methods: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    """Every method alone, then every ordered pair of two different methods."""
    singles = tuple((name,) for name in methods)
    return singles + tuple(permutations(methods, 2))


class Blend(BaseEstimator):  # type: ignore[misc]
    """Pick, per customer group, the option that does best on a validation period.

    Args:
        options: chains of method names to try; ``None`` tries every method alone and
            every ordered pair (:func:`default_options`).
        metric: ``map`` or ``recall`` (at ``k``), averaged over the group's customers.
        k: items per customer.
        min_group_size: groups with fewer evaluated customers take the overall best option.

    Attributes:
        options_: the options tried.
        choice_: per group, the index of the chosen option.
        overall_: the index of the option best over everyone.
        group_scores_: ``(n_groups, n_options)`` the metric per group and option.
        group_sizes_: evaluated customers per group.
        group_names_: the group names.
    """

    def __init__(
        self,
        options: Sequence[Sequence[str]] | None = None,
        metric: Literal["map", "recall"] = "map",
        k: int = 10,
        min_group_size: int = 50,
    ) -> None:
        self.options = options
        self.metric = metric
        self.k = k
        self.min_group_size = min_group_size

    def fit(
        self,
        validation: Mapping[str, Recommendations],
        truth: sp.csr_array,
        groups: ArrayLike,
        group_names: Sequence[str] = (),
    ) -> Self:
        """Score every option on the validation period and choose per group.

        Args:
            validation: each method's recommendations from models fitted before the
                validation period, for the same customers in the same order.
            truth: ``(customers, n_items)`` what each of them bought in the period.
            groups: each customer's group code (``-1`` for none).
            group_names: names of the group codes.
        """
        k = check_k(self.k)
        if self.metric not in ("map", "recall"):
            raise ModelInputError(f"metric must be 'map' or 'recall'; got {self.metric!r}.")
        if not validation:
            raise ModelInputError("validation must hold at least one method's recommendations.")
        names = list(validation)
        options = tuple(tuple(o) for o in (self.options or default_options(names)))
        unknown = sorted({n for option in options for n in option} - set(names))
        if unknown:
            raise ModelInputError(
                f"options name methods without validation recommendations: {unknown}; have {names}."
            )
        codes = np.asarray(groups, dtype=np.int64)
        n_groups = max(len(group_names), int(codes.max(initial=-1)) + 1)
        scores = np.zeros((n_groups, len(options)))
        overall = np.zeros(len(options))
        sizes = np.zeros(n_groups, dtype=np.int64)
        for index, option in enumerate(options):
            merged = chain([validation[n] for n in option], k, names)
            values = per_user(merged.items, truth)[self.metric]
            evaluated = ~np.isnan(values) & (codes >= 0)
            sums = np.bincount(codes[evaluated], weights=values[evaluated], minlength=n_groups)
            sizes = np.bincount(codes[evaluated], minlength=n_groups)
            with np.errstate(invalid="ignore", divide="ignore"):
                scores[:, index] = sums / sizes
            overall[index] = float(np.nanmean(values)) if np.any(~np.isnan(values)) else 0.0
        self.options_ = options
        self.overall_ = int(np.argmax(overall))
        self.overall_scores_ = overall
        choice = np.argmax(np.nan_to_num(scores, nan=-1.0), axis=1)
        choice[sizes < self.min_group_size] = self.overall_
        self.choice_ = choice
        self.group_scores_ = scores
        self.group_sizes_ = sizes
        self.group_names_ = tuple(group_names) or tuple(str(g) for g in range(n_groups))
        return self

    def recommend(
        self, recommendations: Mapping[str, Recommendations], groups: ArrayLike
    ) -> Recommendations:
        """Combine each method's recommendations (same customers, same order) by group.

        Only the methods of the options picked for these customers' groups are needed
        (see :meth:`methods_for`).
        """
        check_fitted(self, "choice_", "fit(validation, truth, groups)")
        k = check_k(self.k)
        names = list(recommendations)
        picks = self._picks(groups)
        needed = {n for index in np.unique(picks) for n in self.options_[index]}
        missing = sorted(needed - set(names))
        if missing:
            raise ModelInputError(f"recommend needs the recommendations of {missing}.")
        users = next(iter(recommendations.values())).users
        result = Recommendations.build(
            users,
            np.full((users.size, k), -1, dtype=np.int64),
            np.full((users.size, k), np.nan),
            "",
        )
        for index in np.unique(picks):
            rows = np.flatnonzero(picks == index)
            parts = [take_rows(recommendations[n], rows) for n in self.options_[index]]
            chosen = chain(parts, k, names)
            for name in _SLOT_FIELDS:
                getattr(result, name)[rows] = getattr(chosen, name)
        return Recommendations(**{**result.__dict__, "methods": tuple(names)})

    def _picks(self, groups: ArrayLike) -> IntArray:
        """The option picked for each customer, by group (the overall best outside them)."""
        codes = np.asarray(groups, dtype=np.int64)
        picks = np.full(codes.size, self.overall_, dtype=np.int64)
        known = (codes >= 0) & (codes < self.choice_.size)
        picks[known] = self.choice_[codes[known]]
        return picks

    def methods_for(self, groups: ArrayLike) -> list[str]:
        """The methods whose recommendations :meth:`recommend` needs for these groups."""
        check_fitted(self, "choice_", "fit(validation, truth, groups)")
        picks = np.unique(self._picks(groups))
        return sorted({n for index in picks for n in self.options_[index]})

    def describe(self) -> list[dict[str, Any]]:
        """What was picked: per group, the option, its validation score and group size."""
        check_fitted(self, "choice_", "fit(validation, truth, groups)")
        rows = []
        for group, name in enumerate(self.group_names_):
            option = self.options_[int(self.choice_[group])]
            rows.append(
                {
                    "group": name,
                    "customers": int(self.group_sizes_[group]),
                    "picked": " then ".join(option),
                    self.metric: float(self.group_scores_[group, int(self.choice_[group])]),
                    "fallback": bool(self.group_sizes_[group] < self.min_group_size),
                }
            )
        return rows
