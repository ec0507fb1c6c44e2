"""Do the segments really differ? One test per feature, corrected for testing many features.

* **Numeric features**: the Kruskal–Wallis H test across segments (Kruskal & Wallis, 1952,
  *JASA* 47(260)), which compares rank distributions and needs no normality, with effect
  size epsilon² = H / (n − 1) (Tomczak & Tomczak, 2014, *Trends in Sport Sciences* 21(1),
  eq. 10): the share of rank variance explained by the segments, from 0 to 1.
* **Categorical features**: Pearson's chi-square test of independence of segment and value
  (no continuity correction), with Cramér's V = sqrt(χ² / (n · (min(r, c) − 1)))
  (Cramér, 1946, *Mathematical Methods of Statistics*, p. 282): 0 for no association, 1
  when the value is determined by the segment. Values beyond the ``MAX_LEVELS - 1`` most
  frequent are pooled as ``other`` so that sparse tables stay valid.
* **Many tests**: p-values are adjusted with the Benjamini–Hochberg procedure (Benjamini &
  Hochberg, 1995, *JRSS B* 57(1)), controlling the false discovery rate; ``significant``
  means ``p_adjusted < alpha``.

On a large base almost every difference is "significant"; read the effect size. The tests
run on a seeded sample of at most ``max_customers`` members (200,000 by default), drawn in
the engine by ordering on a hash of the customer id and the seed, so the same seed gives the
same sample; the ``n`` column says how many customers each test used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

import ibis
import ibis.expr.types as ir
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

MAX_CUSTOMERS = 200_000
"""Default sample size for the tests."""

MAX_LEVELS = 20
"""Categorical values kept as they are; rarer ones are pooled as ``other``."""

COLUMNS = [
    "feature",
    "kind",
    "statistic",
    "p_value",
    "p_adjusted",
    "effect_size",
    "significant",
    "n",
]


def sample(table: ir.Table, max_customers: int = MAX_CUSTOMERS, random_state: int = 0) -> ir.Table:
    """At most ``max_customers`` rows of ``table`` (one row per customer), the same ones for
    the same ``random_state``, in the order of their hash.

    The customers are chosen from their ids alone and only their rows are read whole: the
    engine ranks a million ids instead of a million wide rows (about 2× faster at a
    million customers with the feature table's 56 columns).
    """
    key = (table.customer_id.cast("string") + ibis.literal(f"#{random_state}")).hash()
    chosen = table.select("customer_id", _key=key).order_by(["_key", "customer_id"])
    picked = table.join(chosen.limit(max_customers), "customer_id")
    return picked.order_by(["_key", "customer_id"]).drop("_key")


def feature_kinds(table: ir.Table, exclude: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """The numeric and the categorical (text or boolean) columns of ``table``, minus ``exclude``."""
    numeric, categorical = [], []
    for name, dtype in table.schema().items():
        if name in exclude:
            continue
        if dtype.is_numeric():
            numeric.append(name)
        elif dtype.is_string() or dtype.is_boolean():
            categorical.append(name)
    return numeric, categorical


Moments = dict[str, tuple[float, float]]
"""Per numeric feature: its mean and standard deviation over the base."""


def base_moments(table: ir.Table, numeric: list[str]) -> Moments:
    """The mean and sample standard deviation of each of the ``numeric`` columns of
    ``table`` over all its rows (NaN when undefined), in one engine aggregate."""
    if not numeric:
        return {}
    values = {c: table[c].cast("float64") for c in numeric}
    whole = table.aggregate(
        **{f"{c}__mean": v.mean() for c, v in values.items()},
        **{f"{c}__std": v.std() for c, v in values.items()},
    ).to_pyarrow()
    return {c: (_number(whole[f"{c}__mean"][0]), _number(whole[f"{c}__std"][0])) for c in numeric}


def _number(scalar: pa.Scalar) -> float:
    value = scalar.as_py()
    return float("nan") if value is None else float(value)


def kruskal_wallis(values: pd.Series, groups: pd.Series) -> tuple[float, float, float, int]:
    """H, p-value, epsilon² and n for ``values`` across ``groups`` (rows missing either left
    out).

    Fewer than two non-empty groups, or values all equal, give H = 0, p = 1, ε² = 0: there is
    no difference to find. ``groups`` is best categorical (its codes are read as they are).

    The statistic of Kruskal & Wallis (1952, eq. 1.1, with the correction for ties of their
    eq. 1.3): H = [12 / (n(n + 1)) Σ R_i² / n_i − 3(n + 1)] / [1 − Σ(t³ − t) / (n³ − n)],
    R_i the rank sum of group i and t the size of each group of tied values, p from the
    chi-square distribution with (groups − 1) degrees of freedom. ``scipy.stats.kruskal``
    computes the same (a test checks it on any data) with three sorts of the values; here
    one sort gives the ranks, the ties and the groups' rank sums, which makes the dashboard's
    tests of every feature of every segmentation 2-3× faster.
    """
    codes = _codes(groups)
    known = values.notna().to_numpy() & (codes >= 0)
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)[known]
    return _kruskal(Ranks.of(numbers), codes[known])


@dataclass(frozen=True)
class Ranks:
    """One sort of a feature's known values: what the test of any grouping of them needs.

    Attributes:
        order: the positions of the values in ascending order.
        ranks: the rank of each value in that order (mean rank for ties, from 1).
        correction: the correction for ties, 1 − Σ(t³ − t) / (n³ − n).
        varies: whether there are at least two distinct values.
    """

    order: npt.NDArray[np.intp]
    ranks: npt.NDArray[np.float64]
    correction: float
    varies: bool

    @classmethod
    def of(cls, numbers: npt.NDArray[np.float64]) -> Ranks:
        """The ranks of ``numbers`` (no missing value among them)."""
        order = np.argsort(numbers)
        ordered = numbers[order]
        edges = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1], True])
        if edges.size < 3:  # one distinct value, or none
            return cls(order, np.zeros(0), 1.0, False)
        tied = np.diff(edges)
        ranks = np.repeat(edges[:-1] + (tied + 1) / 2.0, tied)  # mean rank of each tie
        ties = tied.astype(np.float64)
        n = float(numbers.size)
        correction = 1.0 - float((ties**3 - ties).sum()) / (n**3 - n)
        return cls(order, ranks, correction, True)


def _kruskal(ranked: Ranks, codes: npt.NDArray[np.int64]) -> tuple[float, float, float, int]:
    """H, p-value, epsilon² and n of the values ``ranked`` across the groups ``codes`` (one
    per value, from 0)."""
    n = int(ranked.order.size)
    sizes = np.bincount(codes) if n else np.zeros(0, np.int64)
    present = sizes > 0
    if int(present.sum()) < 2 or not ranked.varies:
        return 0.0, 1.0, 0.0, n
    sums = np.bincount(codes[ranked.order], weights=ranked.ranks, minlength=sizes.size)[present]
    between = float((sums**2 / sizes[present]).sum())
    h = (12.0 / (n * (n + 1.0)) * between - 3.0 * (n + 1.0)) / ranked.correction
    p = float(_stats().chi2.sf(h, int(present.sum()) - 1))
    return h, p, h / (n - 1), n


def _stats() -> ModuleType:
    """``scipy.stats``, imported when a test first runs rather than with this module: its
    import takes about 0.4 s, which a server's start would wait for, while the server runs
    its first tests in a background thread (:mod:`segmint.insight.joined_members`)."""
    return importlib.import_module("scipy.stats")


def _codes(groups: pd.Series) -> npt.NDArray[np.int64]:
    """Each row's group as a code from 0, -1 for a row without one."""
    if isinstance(groups.dtype, pd.CategoricalDtype):
        return groups.cat.codes.to_numpy().astype(np.int64)
    return pd.factorize(groups)[0].astype(np.int64)


def chi_square(values: pd.Series, groups: pd.Series) -> tuple[float, float, float, int]:
    """χ², p-value, Cramér's V and n for the segment × value table (missing values dropped)."""
    known, text = _pooled(values)
    table = pd.crosstab(groups[known], text)
    return _chi_square(table.to_numpy())


def _pooled(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Which rows of ``values`` are known, and their values as text with all but the
    :data:`MAX_LEVELS` − 1 most frequent pooled as ``other`` (equal counts by value, not by
    the rows' order)."""
    known = values.notna()
    text = values[known].astype(str)
    counts = text.value_counts().sort_index()  # ties by value, not by the rows' order
    top = counts.sort_values(ascending=False, kind="stable").index[: MAX_LEVELS - 1]
    return known, text.where(text.isin(top), "other")


def _chi_square(table: npt.NDArray[np.int64]) -> tuple[float, float, float, int]:
    """χ², p-value, Cramér's V and n of a segment × value table of counts (no empty row or
    column)."""
    n = int(table.sum())
    if min(table.shape) < 2:
        return 0.0, 1.0, 0.0, n
    result = _stats().chi2_contingency(table, correction=False)
    chi2 = float(result.statistic)
    return chi2, float(result.pvalue), cramers_v(chi2, n, table.shape), n


@dataclass(frozen=True)
class Levels:
    """One categorical feature's pooled values (:func:`_pooled`), coded once: what the
    chi-square test of any grouping of the same rows needs.

    Attributes:
        known: per row, whether the feature has a value.
        codes: per known row, its value's position among the values in sorted order.
        count: how many values there are.
    """

    known: npt.NDArray[np.bool_]
    codes: npt.NDArray[np.int64]
    count: int

    @classmethod
    def of(cls, values: pd.Series) -> Levels:
        """The levels of ``values``."""
        known, text = _pooled(values)
        coded = text.astype("category")  # its values in sorted order, as a crosstab's columns
        codes = coded.cat.codes.to_numpy().astype(np.int64)
        return cls(known.to_numpy(), codes, len(coded.cat.categories))

    def table(self, groups: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The group × value counts of the known rows, ``groups`` the code of each row's
        group (from 0 in sorted order; -1: none, left out): the table ``pd.crosstab`` of the
        groups and values gives, with the same rows and columns in the same order."""
        mine = groups[self.known]
        kept = mine >= 0
        width = max(self.count, 1)
        rows = int(mine.max()) + 1 if kept.any() else 0
        flat = np.bincount(mine[kept] * width + self.codes[kept], minlength=rows * width)
        counts: npt.NDArray[np.int64] = flat.reshape(rows, width)[:, : self.count]
        filled: npt.NDArray[np.int64] = counts[counts.sum(axis=1) > 0][:, counts.sum(axis=0) > 0]
        return filled


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Cramér's V of a table of ``shape`` with total ``n`` and statistic ``chi2``."""
    return float(np.sqrt(chi2 / (n * (min(shape) - 1))))


def compare_segments(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    segment: str = "segment",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Test every feature of ``frame`` for a difference between segments.

    Args:
        frame: one row per customer with the ``segment`` column and the features.
        numeric: columns tested with Kruskal–Wallis.
        categorical: columns tested with chi-square.
        segment: the column holding the segment.
        alpha: false discovery rate for ``significant``.

    Returns:
        One row per feature: ``feature``, ``kind``, ``statistic``, ``p_value``,
        ``p_adjusted`` (Benjamini–Hochberg), ``effect_size`` (ε² or Cramér's V),
        ``significant`` and ``n``; strongest effects first within each kind.
    """
    return compare_many(frame, numeric, categorical, [segment], alpha)[segment]


def compare_many(
    frame: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    segments: list[str],
    alpha: float = 0.05,
) -> dict[str, pd.DataFrame]:
    """:func:`compare_segments` of each of the columns ``segments`` of ``frame`` (several
    segmentations of the same customers), each numeric feature sorted once for all of them
    (the sort is most of a Kruskal–Wallis test's cost) and each categorical one pooled and
    coded once, its tables counted from the codes (:class:`Levels`: the same tables as
    ``pd.crosstab``, a fraction of its cost)."""
    groups = {name: frame[name].astype(str) for name in segments}
    codes = {name: _codes(g.astype("category")) for name, g in groups.items()}
    rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in segments}
    for feature in numeric:
        values = frame[feature]
        known = values.notna().to_numpy()
        ranked = Ranks.of(values.to_numpy(dtype="float64", na_value=np.nan)[known])
        for name, coded in codes.items():
            if bool((coded[known] >= 0).all()):  # the same values known: the same ranks
                tested = _kruskal(ranked, coded[known])
            else:  # some without a segment: their values are left out, ranked apart
                tested = kruskal_wallis(values, groups[name].astype("category"))
            rows[name].append((feature, "numeric", *tested))
    for feature in categorical:
        levels = Levels.of(frame[feature])  # pooled and coded once for every segmentation
        for name, coded in codes.items():
            tested = _chi_square(levels.table(coded))
            rows[name].append((feature, "categorical", *tested))
    return {name: _tested(found, alpha) for name, found in rows.items()}


def _tested(rows: list[tuple[object, ...]], alpha: float) -> pd.DataFrame:
    """The rows of the tests as :func:`compare_segments` returns them."""
    result = pd.DataFrame(
        rows, columns=["feature", "kind", "statistic", "p_value", "effect_size", "n"]
    )
    if len(result):
        result["p_adjusted"] = _stats().false_discovery_control(result["p_value"].to_numpy())
    else:
        result["p_adjusted"] = pd.Series(dtype="float64")
    result["significant"] = result["p_adjusted"] < alpha
    result = result.sort_values(["kind", "effect_size"], ascending=[False, False])
    return result[COLUMNS].reset_index(drop=True)


def segment_statistics(
    table: ir.Table,
    exclude: tuple[str, ...] = ("customer_id", "as_of", "segment"),
    max_customers: int = MAX_CUSTOMERS,
    random_state: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """:func:`compare_segments` on a seeded sample of the members in ``table``.

    Args:
        table: one row per member with ``customer_id``, ``segment`` and feature columns.
        exclude: columns that are not features.
        max_customers: largest number of members tested (see the module docstring).
        random_state: seed of the sample.
        alpha: false discovery rate for ``significant``.
    """
    numeric, categorical = feature_kinds(table, exclude)
    frame = sample_frame(table, max_customers, random_state)
    return compare_segments(frame, numeric, categorical, alpha=alpha)


def sample_frame(
    table: ir.Table, max_customers: int = MAX_CUSTOMERS, random_state: int = 0
) -> pd.DataFrame:
    """The seeded :func:`sample` of ``table`` as a pandas frame, for :func:`compare_segments`."""
    # Arrow's own conversion: Ibis's pandas conversion of a wide sample costs more than the
    # query; the tests only need plain numbers and labels
    frame: pd.DataFrame = sample(table, max_customers, random_state).to_pyarrow().to_pandas()
    return frame
