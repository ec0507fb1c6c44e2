"""Statistics detect real differences, stay quiet on identical groups, and measure effect sizes."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from segmint.insight.statistics import (
    MAX_LEVELS,
    Levels,
    chi_square,
    compare_many,
    compare_segments,
    cramers_v,
    kruskal_wallis,
    sample,
    segment_statistics,
)


def groups(shift: float, n: int = 300, seed: int = 7) -> pd.DataFrame:
    """Three segments of ``n`` normal values; segment C's mean is moved by ``shift``."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "segment": np.repeat(["A", "B", "C"], n),
            "spend": np.concatenate(
                [rng.normal(0, 1, n), rng.normal(0, 1, n), rng.normal(shift, 1, n)]
            ),
            "colour": rng.choice(["red", "blue"], 3 * n),
        }
    )


def test_shifted_means_are_significant_and_identical_groups_are_not() -> None:
    shifted = compare_segments(groups(1.0), ["spend"], ["colour"]).set_index("feature")
    assert bool(shifted.loc["spend", "significant"])
    assert shifted.loc["spend", "p_adjusted"] < 1e-10
    assert shifted.loc["spend", "effect_size"] > 0.1
    assert not bool(shifted.loc["colour", "significant"])
    same = compare_segments(groups(0.0), ["spend"], ["colour"]).set_index("feature")
    assert not bool(same.loc["spend", "significant"])
    assert same.loc["spend", "effect_size"] < 0.02


def test_frame_has_the_documented_columns_and_kinds() -> None:
    result = compare_segments(groups(0.5), ["spend"], ["colour"])
    assert list(result.columns) == [
        "feature",
        "kind",
        "statistic",
        "p_value",
        "p_adjusted",
        "effect_size",
        "significant",
        "n",
    ]
    assert dict(zip(result.feature, result.kind, strict=True)) == {
        "spend": "numeric",
        "colour": "categorical",
    }
    assert (result.p_adjusted >= result.p_value).all()


def test_epsilon_squared_is_h_over_n_minus_one() -> None:
    frame = groups(0.8)
    h, p, epsilon, n = kruskal_wallis(frame.spend, frame.segment)
    assert n == 900
    assert epsilon == pytest.approx(h / 899)
    assert 0 < p < 1e-6


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C", "D"]),
            st.one_of(st.none(), st.integers(-3, 3).map(float), st.floats(-1e3, 1e3)),
        ),
        min_size=2,
        max_size=60,
    )
)
def test_kruskal_wallis_equals_scipy_on_any_data(rows: list[tuple[str, float | None]]) -> None:
    frame = pd.DataFrame(rows, columns=["segment", "value"])
    h, p, epsilon, n = kruskal_wallis(frame.value, frame.segment.astype("category"))
    known = frame.dropna()
    samples = [g.value.to_numpy() for _, g in known.groupby("segment")]
    assert n == len(known)
    if len(samples) < 2 or known.value.nunique() < 2:
        assert (h, p, epsilon) == (0.0, 1.0, 0.0)
        return
    expected = stats.kruskal(*samples)
    assert h == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
    assert p == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)
    assert epsilon == pytest.approx(expected.statistic / (n - 1), rel=1e-9, abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["A", "B", "C"]),
            st.one_of(st.none(), st.sampled_from(["x", "y"])),
            st.one_of(st.none(), st.integers(-3, 3).map(float), st.floats(-1e3, 1e3)),
            st.sampled_from(["red", "blue", None]),
        ),
        min_size=2,
        max_size=60,
    )
)
def test_compare_many_tests_each_segmentation_as_scipy_and_as_alone(
    rows: list[tuple[str, str | None, float | None, str | None]],
) -> None:
    frame = pd.DataFrame(rows, columns=["first", "second", "spend", "colour"])
    found = compare_many(frame, ["spend"], ["colour"], ["first", "second"])
    for name in ("first", "second"):
        alone = compare_segments(frame.rename(columns={name: "segment"}), ["spend"], ["colour"])
        pd.testing.assert_frame_equal(found[name], alone)
        spend = found[name].set_index("feature").loc["spend"]
        known = frame.dropna(subset=["spend", name])  # rows without a segment left out
        samples = [g.spend.to_numpy() for _, g in known.groupby(name)]
        assert spend.n == len(known)
        if len(samples) < 2 or known.spend.nunique() < 2:
            assert (spend.statistic, spend.p_value) == (0.0, 1.0)
            continue
        expected = stats.kruskal(*samples)
        assert spend.statistic == pytest.approx(expected.statistic, rel=1e-9, abs=1e-9)
        assert spend.p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-12)


def test_kruskal_wallis_leaves_out_rows_without_a_segment() -> None:
    values = pd.Series([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 500.0])
    segments = pd.Series(["A", "A", "A", "B", "B", "B", None])
    expected = stats.kruskal([1.0, 2.0, 3.0], [10.0, 11.0, 12.0])
    for groups in (segments, segments.astype("category")):
        h, p, _, n = kruskal_wallis(values, groups)
        assert n == 6
        assert (h, p) == pytest.approx((expected.statistic, expected.pvalue), rel=1e-12)


def test_cramers_v_of_a_perfectly_associated_table_is_one() -> None:
    segments = pd.Series(["A"] * 40 + ["B"] * 30 + ["C"] * 30)
    values = segments.map({"A": "x", "B": "y", "C": "z"})
    _, p, v, n = chi_square(values, segments)
    assert v == pytest.approx(1.0)
    assert n == 100
    assert p < 1e-10


def test_cramers_v_of_an_independent_table_is_zero() -> None:
    segments = pd.Series(["A", "A", "B", "B"] * 10)
    values = pd.Series(["x", "y", "x", "y"] * 10)
    assert chi_square(values, segments)[2] == pytest.approx(0.0)
    assert cramers_v(0.0, 40, (2, 2)) == 0.0


def test_constant_feature_and_single_segment_find_nothing() -> None:
    frame = pd.DataFrame({"segment": ["A", "B"] * 5, "flat": [3.0] * 10, "kind": ["k"] * 10})
    result = compare_segments(frame, ["flat"], ["kind"]).set_index("feature")
    assert result.loc["flat", "p_value"] == 1.0
    assert result.loc["kind", "effect_size"] == 0.0
    assert not result.significant.any()


def test_sample_is_seeded_and_bounded() -> None:
    table = ibis.memtable({"customer_id": [f"c{i}" for i in range(500)], "x": range(500)})
    first = set(sample(table, 50, random_state=1).to_pandas().customer_id)
    again = set(sample(table, 50, random_state=1).to_pandas().customer_id)
    other = set(sample(table, 50, random_state=2).to_pandas().customer_id)
    assert len(first) == 50
    assert first == again
    assert first != other
    assert len(sample(table, 1000).to_pandas()) == 500


def test_sample_is_the_first_rows_in_hash_order_with_every_column() -> None:
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(300)], "x": range(300)})
    table = ibis.memtable(frame)
    key = (table.customer_id.cast("string") + ibis.literal("#4")).hash()
    expected = table.order_by([key, table.customer_id]).limit(40).to_pandas()
    result = sample(table, 40, random_state=4).to_pandas()
    assert list(result.columns) == ["customer_id", "x"]
    pd.testing.assert_frame_equal(result.reset_index(drop=True), expected.reset_index(drop=True))


def test_segment_statistics_tests_numeric_and_text_columns_of_a_table() -> None:
    frame = groups(1.0).assign(customer_id=[f"c{i}" for i in range(900)])
    result = segment_statistics(ibis.memtable(frame), max_customers=600, random_state=3)
    assert set(result.feature) == {"spend", "colour"}
    assert (result.n == 600).all()
    assert bool(result.set_index("feature").loc["spend", "significant"])


@given(seed=st.integers(0, 2**32 - 1))
@settings(max_examples=20)
def test_chi_square_does_not_depend_on_the_rows_order(seed: int) -> None:
    # 30 levels of 4 customers each: which levels are kept and which become "other" is a
    # tie at every count; a Spark mart returned the rows in another order on every run
    values = pd.Series([f"level{i:02d}" for i in range(30) for _ in range(4)])
    groups = pd.Series(np.tile(["a", "b", "c"], 40))
    order = np.random.default_rng(seed).permutation(len(values))
    shuffled = chi_square(
        values[order].reset_index(drop=True), groups[order].reset_index(drop=True)
    )
    assert shuffled == pytest.approx(chi_square(values, groups), rel=1e-12)


def test_values_beyond_the_19_most_frequent_are_pooled_as_other() -> None:
    # 25 values, value i held by i + 2 customers of segment a and 2i + 1 of segment b: the
    # six rarest (i < 6) are pooled, so the table has 19 values and "other"
    a, b = [i + 2 for i in range(25)], [2 * i + 1 for i in range(25)]
    values = pd.Series([f"v{i:02d}" for i in range(25) for _ in range(a[i] + b[i])])
    groups = pd.Series([g for i in range(25) for g in ["a"] * a[i] + ["b"] * b[i]])
    pooled = np.array([[sum(a[:6]), *a[6:]], [sum(b[:6]), *b[6:]]])
    unpooled = stats.chi2_contingency(np.array([a, b]), correction=False)
    expected = stats.chi2_contingency(pooled, correction=False)
    chi2, p, _, n = chi_square(values, groups)
    assert (chi2, p, n) == pytest.approx((expected.statistic, expected.pvalue, len(values)))
    assert chi2 != pytest.approx(unpooled.statistic)


text_rows = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C", None]),
        st.sampled_from(["x", "y"]),
        st.one_of(st.none(), st.integers(0, MAX_LEVELS + 5).map(lambda i: f"v{i:02d}")),
    ),
    min_size=0,
    max_size=80,
)


@settings(max_examples=80, deadline=None)
@given(text_rows)
def test_levels_count_the_tables_crosstab_counts(
    rows: list[tuple[str | None, str, str | None]],
) -> None:
    # rows without a segment, values only segments without one hold, rare values pooled
    frame = pd.DataFrame(rows, columns=["segment", "other", "value"], dtype=object)
    levels = Levels.of(frame.value)
    for name in ("segment", "other"):
        groups = frame[name].astype("category")
        known = frame.value.notna()
        text = frame.value[known].astype(str)
        top = text.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        text = text.where(text.isin(top.index[: MAX_LEVELS - 1]), "other")
        expected = pd.crosstab(frame[name][known], text).to_numpy()
        found = levels.table(groups.cat.codes.to_numpy().astype(np.int64))
        assert found.shape == expected.shape
        assert np.array_equal(found, expected)


@settings(max_examples=60, deadline=None)
@given(text_rows)
def test_compare_many_gives_each_segmentation_the_chi_square_of_its_crosstab(
    rows: list[tuple[str | None, str, str | None]],
) -> None:
    frame = pd.DataFrame(rows, columns=["first", "second", "value"], dtype=object)
    found = compare_many(frame, [], ["value"], ["first", "second"])
    for name in ("first", "second"):
        tested = found[name].set_index("feature").loc["value"]
        expected = chi_square(frame.value, frame[name].astype(str))
        assert (tested.statistic, tested.p_value, tested.effect_size, tested.n) == expected
