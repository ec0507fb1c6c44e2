"""Why is a customer in a cluster? Readable rules, their fidelity, and what sets clusters apart.

* **Rules**: a shallow decision tree (Breiman, Friedman, Olshen & Stone, 1984,
  *Classification and Regression Trees*) is trained to predict the cluster from the
  features in their own units; each leaf is a conjunction of thresholds. A cluster's rule
  is the leaf (or the two leaves, joined by "or") holding most of its members. This is a
  global surrogate model (Craven & Shavlik, 1996, *NIPS* 8): the tree imitates the
  clusters, it does not define them, so each rule comes with its **precision** (share of
  customers matching the rule who are in the cluster) and **recall** (share of the
  cluster matching the rule), and the tree with its overall **fidelity** (share of
  customers the tree puts in their own cluster).
* **Standardised differences**: per cluster and feature, (cluster mean − base mean) /
  base standard deviation (Cohen's d against the whole base; Cohen, 1988), so features in
  different units compare.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.tree import DecisionTreeClassifier

from segmint.models.clustering.algorithms import sample_rows

MAX_DEPTH = 3
TREE_SAMPLE = 50_000
MAX_LEAVES_PER_RULE = 2


@dataclass(frozen=True)
class Explanation:
    """Surrogate-tree rules for every cluster and the tree's fidelity.

    Attributes:
        rules: one row per cluster: ``cluster``, ``rule`` (readable conditions),
            ``precision`` and ``recall`` of the rule against the cluster.
        fidelity: share of customers the tree assigns to their own cluster.
        depth: the depth the tree was allowed.
    """

    rules: pd.DataFrame
    fidelity: float
    depth: int


def surrogate_rules(
    frame: pd.DataFrame,
    labels: NDArray[np.int64],
    max_depth: int = MAX_DEPTH,
    random_state: int = 0,
    max_rows: int = TREE_SAMPLE,
) -> Explanation:
    """Train a depth-``max_depth`` tree on ``frame`` (readable features) to predict ``labels``.

    One-hot columns named ``"column = value"`` read as equalities in the rules.
    """
    pick = sample_rows(len(frame), max_rows, random_state)
    features, target = frame.iloc[pick].to_numpy(dtype="float64"), labels[pick]
    tree = DecisionTreeClassifier(max_depth=max_depth, random_state=random_state)
    tree.fit(features, target)
    predicted = tree.predict(features)
    leaves = tree.apply(features)
    bounds = _leaf_bounds(tree, list(frame.columns))
    rows = []
    for cluster in np.unique(labels):
        members = target == cluster
        own = pd.Series(leaves[members & (predicted == cluster)]).value_counts()
        chosen = [int(leaf) for leaf in own.index[:MAX_LEAVES_PER_RULE]]
        if not chosen:
            rows.append(
                {
                    "cluster": int(cluster),
                    "rule": "(no leaf of its own)",
                    "precision": 0.0,
                    "recall": 0.0,
                }
            )
            continue
        covered = np.isin(leaves, chosen)
        rows.append(
            {
                "cluster": int(cluster),
                "rule": _rule([bounds[leaf] for leaf in chosen]),
                "precision": float((covered & members).sum() / covered.sum()),
                "recall": float((covered & members).sum() / members.sum()),
            }
        )
    fidelity = float((predicted == target).mean())
    return Explanation(pd.DataFrame(rows), fidelity, max_depth)


def standardised_differences(frame: pd.DataFrame, labels: NDArray[np.int64]) -> pd.DataFrame:
    """Per cluster and numeric feature: ``mean``, ``base_mean`` and ``smd`` (see module docs).

    Features that do not vary get a NaN ``smd``. Rows are ranked by |smd| within a cluster.
    """
    numbers = frame.select_dtypes("number").astype("float64")
    base_mean, base_std = numbers.mean(), numbers.std(ddof=0).replace(0.0, np.nan)
    means = numbers.groupby(labels).mean()
    long = means.stack().reset_index()
    long.columns = pd.Index(["cluster", "feature", "mean"])
    long["base_mean"] = long.feature.map(base_mean)
    long["smd"] = (long["mean"] - long["base_mean"]) / long.feature.map(base_std)
    long["_size"] = long.smd.abs()
    ranked = long.sort_values(["cluster", "_size", "feature"], ascending=[True, False, True])
    return ranked.drop(columns="_size").reset_index(drop=True)


Bounds = dict[str, list[float | None]]
"""Feature → [lower, upper] bound of a leaf (``lower < x ≤ upper``; None when open)."""


def _rule(leaves: list[Bounds]) -> str:
    """The leaves' conditions joined by "or", after merging leaves that differ in one
    feature only: ``(x > 290 and A) or (x ≤ 290 and A)`` reads ``A``."""
    merged = _merged(leaves[0], leaves[1]) if len(leaves) == 2 else None
    if merged is not None or len(leaves) == 1:
        return _conditions(merged if merged is not None else leaves[0])
    return " or ".join(f"({_conditions(b)})" for b in leaves)


def _merged(first: Bounds, second: Bounds) -> Bounds | None:
    """One conjunction equal to ``first or second``, or None when there is none this simple.

    Equal conditions on every feature but one, whose two intervals touch or overlap, merge
    into their union (dropped when the union is the whole line). A leaf whose conditions
    are all also in the other (a weaker leaf) absorbs it.
    """
    names = set(first) | set(second)
    open_: list[float | None] = [None, None]
    differing = [n for n in names if first.get(n, open_) != second.get(n, open_)]
    if not differing:
        return first
    if set(first) <= set(second) and all(first[n] == second[n] for n in first):
        return first
    if set(second) <= set(first) and all(second[n] == first[n] for n in second):
        return second
    if len(differing) != 1:
        return None
    name = differing[0]
    union = _union(first.get(name, open_), second.get(name, open_))
    if union is None:
        return None
    merged = {n: b for n, b in first.items() if n != name}
    if union != open_:
        merged[name] = union
    return merged


def _union(a: list[float | None], b: list[float | None]) -> list[float | None] | None:
    """The union of two intervals ``(low, high]`` when it is one interval, else None."""
    (a_low, a_high), (b_low, b_high) = a, b
    lower = [a_low, b_low]
    upper = [a_high, b_high]
    first_low = None if None in lower else min(x for x in lower if x is not None)
    last_high = None if None in upper else max(x for x in upper if x is not None)
    # They touch or overlap when each starts no later than the other ends.
    a_starts_before_b_ends = a_low is None or b_high is None or a_low <= b_high
    b_starts_before_a_ends = b_low is None or a_high is None or b_low <= a_high
    if a_starts_before_b_ends and b_starts_before_a_ends:
        return [first_low, last_high]
    return None


def _leaf_bounds(tree: DecisionTreeClassifier, names: list[str]) -> dict[int, Bounds]:
    """The bounds on each feature of every leaf, bounds on one feature merged."""
    inner = tree.tree_
    leaves: dict[int, Bounds] = {}
    stack: list[tuple[int, Bounds]] = [(0, {})]
    while stack:
        node, bounds = stack.pop()
        left, right = int(inner.children_left[node]), int(inner.children_right[node])
        if left == right:  # a leaf
            leaves[node] = bounds
            continue
        name, threshold = names[int(inner.feature[node])], float(inner.threshold[node])
        low, high = bounds.get(name, [None, None])
        stack.append(
            (left, {**bounds, name: [low, threshold if high is None else min(high, threshold)]})
        )
        stack.append(
            (right, {**bounds, name: [threshold if low is None else max(low, threshold), high]})
        )
    return leaves


def _conditions(bounds: Bounds) -> str:
    """``a > 1 and b ≤ 2``; one-hot columns (``x = v``) and indicators read as (in)equalities."""
    parts = []
    for name, (low, high) in sorted(bounds.items()):
        if " = " in name:
            parts.append(name if low is not None else name.replace(" = ", " ≠ "))
        elif name.endswith(" missing"):
            parts.append(name if low is not None else name.replace(" missing", " known"))
        elif low is not None and high is not None:
            parts.append(f"{_number(low)} < {name} ≤ {_number(high)}")
        elif low is not None:
            parts.append(f"{name} > {_number(low)}")
        elif high is not None:
            parts.append(f"{name} ≤ {_number(high)}")
    return " and ".join(parts) or "everyone"


def _number(value: float) -> str:
    return f"{value:.3g}" if abs(value) < 1e4 else f"{value:,.0f}"
