"""RFM: scores equal a plain pandas reference, ties share a score, and the segment map.

The reference computes each score the way the module documents it, independently of the
engine: ``rank(method='min')`` → ``pr = (rank - 1) / (n - 1)`` →
``min(bins, 1 + floor(pr * bins))``, with recency ranked in reverse (fewer days is better).
"""

from __future__ import annotations

import re
from pathlib import Path

import hypothesis.strategies as st
import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from segmint.exceptions import SegmintError
from segmint.segmentation.rfm import PROSPECT, SegmentRule, load_map, rfm_scores, rfm_segments

SHIPPED_NAMES = [
    "Champions",
    "Loyal",
    "Can't Lose Them",
    "At Risk",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "Hibernating",
    "Lost",
]


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    return ibis.duckdb.connect()


def features(
    recency: list[float], frequency: list[int], monetary: list[float], ids: list[str] | None = None
) -> pd.DataFrame:
    """A feature frame with the columns RFM reads; ids ``c0``, ``c1``… unless given."""
    return pd.DataFrame(
        {
            "customer_id": ids or [f"c{i}" for i in range(len(recency))],
            "recency_days": pd.array(recency, dtype="Float64"),
            "frequency": pd.array(frequency, dtype="Int64"),
            "monetary_total": pd.array(monetary, dtype="Float64"),
        }
    )


def run(con: ibis.BaseBackend, table: ir.Table) -> pd.DataFrame:
    return con.execute(table).set_index("customer_id").sort_index()


def reference_score(values: pd.Series, bins: int, higher_is_better: bool = True) -> pd.Series:
    """The documented score, in plain pandas."""
    ordered = values if higher_is_better else -values
    rank = ordered.rank(method="min")
    n = len(values)
    pr = (rank - 1) / (n - 1) if n > 1 else pd.Series(1.0, index=values.index)
    return np.minimum(bins, 1 + np.floor(pr * bins)).astype(int)


def reference_scores(frame: pd.DataFrame, bins: int) -> pd.DataFrame:
    buyers = frame[frame.frequency > 0].set_index("customer_id").astype(float)
    return pd.DataFrame(
        {
            "r_score": reference_score(buyers.recency_days, bins, higher_is_better=False),
            "f_score": reference_score(buyers.frequency, bins),
            "m_score": reference_score(buyers.monetary_total, bins),
        }
    ).sort_index()


# Few distinct values, so most draws hold many ties.
buyer_rows = st.lists(
    st.tuples(
        st.integers(0, 12),
        st.integers(1, 6),
        st.sampled_from([-5.0, 0.0, 9.99, 10.0, 25.5, 100.0, 1e4]),
    ),
    min_size=2,
    max_size=40,
)


@settings(max_examples=40, deadline=None)
@given(rows=buyer_rows, bins=st.integers(2, 10))
def test_scores_equal_the_pandas_reference(
    con: ibis.BaseBackend, rows: list[tuple[int, int, float]], bins: int
) -> None:
    recency, frequency, monetary = (list(column) for column in zip(*rows, strict=True))
    frame = features(recency, frequency, monetary)
    got = run(con, rfm_scores(ibis.memtable(frame), bins))
    expected = reference_scores(frame, bins)
    pd.testing.assert_frame_equal(
        got[["r_score", "f_score", "m_score"]].astype(int), expected, check_names=False
    )
    cells = got.r_score.astype(str) + got.f_score.astype(str) + got.m_score.astype(str)
    assert (got.rfm_cell == cells).all()


@settings(max_examples=15, deadline=None)
@given(rows=buyer_rows, bins=st.integers(2, 10), seed=st.integers(0, 2**32 - 1))
def test_scores_do_not_depend_on_row_order_and_ties_share_a_score(
    con: ibis.BaseBackend, rows: list[tuple[int, int, float]], bins: int, seed: int
) -> None:
    recency, frequency, monetary = (list(column) for column in zip(*rows, strict=True))
    frame = features(recency, frequency, monetary)
    shuffled = frame.sample(frac=1.0, random_state=np.random.default_rng(seed))
    original = run(con, rfm_scores(ibis.memtable(frame), bins))
    reordered = run(con, rfm_scores(ibis.memtable(shuffled), bins))
    pd.testing.assert_frame_equal(original, reordered)
    joined = original.join(frame.set_index("customer_id"))
    for value, score in (
        ("recency_days", "r_score"),
        ("frequency", "f_score"),
        ("monetary_total", "m_score"),
    ):
        assert (joined.groupby(value)[score].nunique() == 1).all()


def test_scores_use_the_whole_range_on_distinct_values(con: ibis.BaseBackend) -> None:
    frame = features([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], [10, 20, 30, 40, 50])
    got = run(con, rfm_scores(ibis.memtable(frame), 5))
    assert got.r_score.tolist() == [5, 4, 3, 2, 1]
    assert got.f_score.tolist() == [5, 4, 3, 2, 1]
    assert got.m_score.tolist() == [1, 2, 3, 4, 5]
    assert got.rfm_cell.tolist() == ["551", "442", "333", "224", "115"]


def test_a_tie_goes_to_the_lower_bin_of_the_tie(con: ibis.BaseBackend) -> None:
    # frequencies 1, 2, 2, 2, 9: the three 2s share min rank 2 → pr 0.25 → score 2.
    frame = features([1, 2, 3, 4, 5], [1, 2, 2, 2, 9], [1, 1, 1, 1, 1])
    got = run(con, rfm_scores(ibis.memtable(frame), 5))
    assert got.f_score.tolist() == [1, 2, 2, 2, 5]
    assert got.m_score.tolist() == [1, 1, 1, 1, 1]


def test_prospects_get_the_prospect_segment_and_no_scores(con: ibis.BaseBackend) -> None:
    frame = features([1, 2, 3, np.nan, np.nan], [3, 2, 1, 0, 0], [30, 20, 10, 0, 0])
    got = run(con, rfm_segments(ibis.memtable(frame)))
    assert got.loc[["c3", "c4"], "segment"].tolist() == [PROSPECT, PROSPECT]
    assert got.loc[["c3", "c4"], ["r_score", "f_score", "m_score", "rfm_cell"]].isna().all().all()
    assert PROSPECT not in got.loc[["c0", "c1", "c2"], "segment"].tolist()


def test_prospects_do_not_change_the_buyers_scores(con: ibis.BaseBackend) -> None:
    buyers = features([1, 5, 9, 9], [4, 2, 1, 1], [50, 20, 5, 8])
    prospects = features([np.nan] * 3, [0] * 3, [0.0] * 3, ids=["p0", "p1", "p2"])
    alone = run(con, rfm_scores(ibis.memtable(buyers), 4))
    mixed = run(con, rfm_scores(ibis.memtable(pd.concat([buyers, prospects])), 4))
    pd.testing.assert_frame_equal(alone, mixed)


def test_segments_do_not_depend_on_row_order(con: ibis.BaseBackend) -> None:
    rng = np.random.default_rng(5)
    frame = features(
        list(rng.integers(0, 20, 60)),
        list(rng.integers(0, 4, 60)),
        list(rng.integers(0, 9, 60) * 5.0),
    )
    for seed in range(3):
        shuffled = frame.sample(frac=1.0, random_state=seed)
        pd.testing.assert_frame_equal(
            run(con, rfm_segments(ibis.memtable(frame))),
            run(con, rfm_segments(ibis.memtable(shuffled))),
        )


@settings(max_examples=12, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 5), st.floats(0, 500, width=32)),
        min_size=1,
        max_size=30,
    ),
    bins=st.integers(2, 10),
)
def test_every_customer_gets_exactly_one_segment(
    con: ibis.BaseBackend, rows: list[tuple[int, int, float]], bins: int
) -> None:
    recency, frequency, monetary = (list(column) for column in zip(*rows, strict=True))
    frame = features(recency, frequency, monetary)
    got = con.execute(rfm_segments(ibis.memtable(frame), bins))
    assert sorted(got.customer_id) == sorted(frame.customer_id)
    assert got.segment.notna().all()
    assert set(got.segment) <= {*SHIPPED_NAMES, PROSPECT}
    buyers = set(frame.customer_id[frame.frequency > 0])
    assert set(got.customer_id[got.segment != PROSPECT]) == buyers


@pytest.mark.parametrize("bins", range(2, 11))
def test_the_best_buyer_is_a_champion_and_the_worst_is_lost(
    con: ibis.BaseBackend, bins: int
) -> None:
    # c0 is best on all three scores and c5 worst, so the map's top and bottom cells apply
    # whatever the number of bins.
    frame = features([0, 3, 6, 9, 12, 40], [9, 5, 4, 3, 2, 1], [900, 50, 40, 30, 20, 1])
    got = run(con, rfm_segments(ibis.memtable(frame), bins))
    assert got.loc["c0", "segment"] == "Champions"
    assert got.loc["c5", "segment"] == "Lost"


# Five buyers per case whose R, F and M scores are each a permutation of 1-5: recency
# 6 - R days, frequency F, monetary 10 × M. FM is the mean of F and M rounded half up.
HAND_CHECKED = [
    (
        [(5, 5, 5), (1, 4, 4), (3, 1, 2), (2, 2, 1), (4, 3, 3)],
        ["Champions", "Can't Lose Them", "Need Attention", "Hibernating", "Loyal"],
    ),
    (
        [(5, 1, 1), (4, 2, 2), (1, 3, 5), (3, 5, 3), (2, 4, 4)],
        ["New", "Potential Loyalist", "Can't Lose Them", "Loyal", "At Risk"],
    ),
    (
        [(3, 1, 1), (4, 2, 3), (1, 3, 2), (2, 5, 5), (5, 4, 4)],
        ["About to Sleep", "Loyal", "At Risk", "At Risk", "Champions"],
    ),
    (
        [(4, 1, 1), (1, 2, 2), (2, 3, 3), (3, 4, 5), (5, 5, 4)],
        ["Promising", "Lost", "At Risk", "Loyal", "Champions"],
    ),
]


@pytest.mark.parametrize(("cells", "names"), HAND_CHECKED)
def test_hand_checked_cells_get_their_named_segment(
    con: ibis.BaseBackend, cells: list[tuple[int, int, int]], names: list[str]
) -> None:
    frame = features(
        [6 - r for r, _, _ in cells], [f for _, f, _ in cells], [10.0 * m for *_, m in cells]
    )
    got = run(con, rfm_segments(ibis.memtable(frame)))
    assert got.rfm_cell.tolist() == [f"{r}{f}{m}" for r, f, m in cells]
    assert got.segment.tolist() == names


def first_match(rules: list[SegmentRule], r: int, fm: int) -> str | None:
    return next((x.name for x in rules if x.r[0] <= r <= x.r[1] and x.fm[0] <= fm <= x.fm[1]), None)


def test_the_shipped_map_names_all_25_cells() -> None:
    rules = load_map()
    assert [rule.name for rule in rules] == SHIPPED_NAMES
    grid = {(r, fm): first_match(rules, r, fm) for r in range(1, 6) for fm in range(1, 6)}
    assert None not in grid.values()
    assert set(grid.values()) == set(SHIPPED_NAMES)
    assert all(rule.action for rule in rules)
    assert grid[(5, 5)] == "Champions"
    assert grid[(1, 1)] == grid[(1, 2)] == "Lost"
    assert grid[(1, 5)] == "Can't Lose Them"
    assert grid[(3, 4)] == "Loyal"


def write_map(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_custom_map_file_names_the_segments(con: ibis.BaseBackend, tmp_path: Path) -> None:
    path = write_map(
        tmp_path,
        "segments:\n"
        "  - {name: Recent, r: [4, 5], fm: [1, 5], action: Thank them.}\n"
        "  - {name: Fading, r: [1, 3], fm: [1, 5]}\n",
    )
    rules = load_map(path)
    assert [(x.name, x.r, x.fm, x.action) for x in rules] == [
        ("Recent", (4, 5), (1, 5), "Thank them."),
        ("Fading", (1, 3), (1, 5), ""),
    ]
    frame = features([1, 2, 3, 4, 5, np.nan], [1, 1, 1, 1, 1, 0], [1, 1, 1, 1, 1, 0])
    got = run(con, rfm_segments(ibis.memtable(frame), rules=rules))
    assert got.segment.tolist() == ["Recent", "Recent", "Fading", "Fading", "Fading", PROSPECT]


def test_a_map_leaving_a_cell_uncovered_is_an_error(tmp_path: Path) -> None:
    path = write_map(
        tmp_path,
        "segments:\n  - {name: Top, r: [2, 5], fm: [1, 5]}\n  - {name: Low, r: [1, 1], fm: [2, 5]}\n",
    )
    with pytest.raises(
        SegmintError, match=r"map\.yaml: no segment covers the \(R, FM\) cells \[\(1, 1\)\]"
    ):
        load_map(path)


@pytest.mark.parametrize(
    ("ranges", "problem"),
    [
        ("r: [0, 5], fm: [1, 5]", r"range \[0, 5\] must be within 1\.\.5"),
        ("r: [1, 6], fm: [1, 5]", r"range \[1, 6\] must be within 1\.\.5"),
        ("r: [1, 5], fm: [4, 2]", r"range \[4, 2\] must be within 1\.\.5, low ≤ high"),
        ("r: [1, 5], fm: [x, 5]", r"ValueError"),
        ("r: [1, 5]", r"KeyError: 'fm'"),
    ],
)
def test_a_map_with_a_bad_range_is_an_error(tmp_path: Path, ranges: str, problem: str) -> None:
    path = write_map(tmp_path, f"segments:\n  - {{name: All, {ranges}}}\n")
    with pytest.raises(
        SegmintError, match=rf"map\.yaml: expected `segments:` with entries like .*{problem}"
    ):
        load_map(path)


@pytest.mark.parametrize("text", ["just text", "segments: 3", "- a\n- b\n", "segments: [\n"])
def test_a_map_of_the_wrong_shape_is_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(
        SegmintError, match=r"expected `segments:` with entries like \{name: Champions"
    ):
        load_map(write_map(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "line", "key"),
    [
        ("segments:\n  - {name: All, r: [1, 5], fm: [1, 5], r: [2, 5]}\n", 2, "r"),
        ("segments:\n  - {name: All, r: [1, 5], fm: [1, 5]}\nsegments: []\n", 3, "segments"),
    ],
)
def test_a_map_repeating_a_key_names_the_file_the_line_and_the_key(
    tmp_path: Path, text: str, line: int, key: str
) -> None:
    path = write_map(tmp_path, text)
    with pytest.raises(
        SegmintError, match=rf"^{re.escape(str(path))}, line {line}: the key '{key}' appears twice"
    ):
        load_map(path)


@pytest.mark.parametrize("bins", [-1, 0, 1, 11, 100])
def test_bins_outside_2_to_10_are_an_error(bins: int) -> None:
    table = ibis.memtable(features([1, 2], [1, 2], [1.0, 2.0]))
    with pytest.raises(SegmintError, match=rf"bins must be between 2 and 10; got {bins}"):
        rfm_scores(table, bins)
    with pytest.raises(SegmintError, match=rf"bins must be between 2 and 10; got {bins}"):
        rfm_segments(table, bins)


def test_a_single_buyer_gets_the_top_scores(con: ibis.BaseBackend) -> None:
    got = run(con, rfm_segments(ibis.memtable(features([7], [2], [40.0])), 5))
    assert got.loc["c0", "rfm_cell"] == "555"
    assert got.loc["c0", "segment"] == "Champions"


def test_other_bins_are_rescaled_linearly_onto_the_map(con: ibis.BaseBackend) -> None:
    # bins=3: scores 3, 2, 1 on every dimension map to 5, 3, 1 on the map's 1-5 scale.
    frame = features([1, 2, 3], [3, 2, 1], [30.0, 20.0, 10.0])
    got = run(con, rfm_segments(ibis.memtable(frame), 3))
    assert got.rfm_cell.tolist() == ["333", "222", "111"]
    assert got.segment.tolist() == ["Champions", "Loyal", "Lost"]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("missing.yaml", None, "No such file"),
        ("folder", b"", "Is a directory"),
        (
            "latin1.yaml",
            "segments:\n  - {name: Élite, r: [1, 5], fm: [1, 5]}\n".encode("latin-1"),
            "codec can't decode",
        ),
    ],
)
def test_a_map_file_that_cannot_be_read_is_named_in_the_error(
    tmp_path: Path, name: str, content: bytes | None, problem: str
) -> None:
    path = tmp_path / name
    if name == "folder":
        path.mkdir()
    elif content is not None:
        path.write_bytes(content)
    with pytest.raises(
        SegmintError, match=rf"^cannot read RFM map file {re.escape(str(path))}: .*{problem}"
    ):
        load_map(path)


def test_a_map_file_is_read_as_utf8(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_bytes("segments:\n  - {name: Élite, r: [1, 5], fm: [1, 5]}\n".encode())
    assert [rule.name for rule in load_map(path)] == ["Élite"]
