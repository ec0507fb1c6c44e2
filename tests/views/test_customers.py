"""A segment's members page by page from the cached id list: the same rows as the search;
the parts of a segment filter checked together; what a cached audience holds, in bytes."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator

import pandas as pd
import pyarrow as pa
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.serving.customer_lookup import customers_by_id
from segmint.serving.frames import records
from segmint.serving.sorted_copies import SortedCopies
from segmint.views.customers import (
    AudienceIndex,
    AudienceRows,
    check_segment_filter,
    member_ids,
    search,
)
from segmint.views.dashboard import store_version


@pytest.fixture(scope="module")
def copies(mart: Mart) -> Iterator[SortedCopies]:
    built = SortedCopies()
    built.rebuild(mart)
    yield built
    built.clear()


@pytest.mark.parametrize("use_copies", [True, False], ids=["sorted copies", "mart table"])
@pytest.mark.parametrize("segmentation", ["rfm", "lifecycle"])
def test_pages_of_cached_ids_are_the_search_pages(
    mart: Mart, copies: SortedCopies, segmentation: str, use_copies: bool
) -> None:
    day = store.as_of_dates(mart, segmentation)[-1]
    version = store_version(mart, segmentation, day)
    sizes = store.assignments(mart, segmentation, day).segment.value_counts().execute()
    segment = str(sizes.sort_values("segment_count").iloc[-1]["segment"])
    ids = member_ids(mart, segmentation, segment, day, version)
    for limit, offset in [(50, 0), (7, 3), (25, len(ids) - 10), (10, len(ids) + 5)]:
        page, total = search(
            mart,
            segmentation=segmentation,
            segment=segment,
            as_of=day,
            version=version,
            limit=limit,
            offset=offset,
        )
        assert len(ids) == total
        read = customers_by_id(mart, ids[offset : offset + limit], copies if use_copies else None)
        assert read == records(page)


def test_copied_rows_of_any_ids_are_the_statement_rows(mart: Mart, copies: SortedCopies) -> None:
    """Unknown, repeated and unsorted ids give what the statement on the mart gives."""
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    asked = [ids[-1], "nobody", ids[3], ids[-1], ids[0] + "x", ids[len(ids) // 2]]
    assert customers_by_id(mart, asked, copies) == customers_by_id(mart, asked)
    assert len(customers_by_id(mart, asked, copies)) == 3


def test_no_ids_no_rows(mart: Mart, copies: SortedCopies) -> None:
    assert customers_by_id(mart, []) == customers_by_id(mart, [], copies) == []


@pytest.mark.parametrize(
    ("segmentation", "segment", "as_of", "message"),
    [
        (None, "Champions", None, "segment needs the segmentation it belongs to"),
        ("rfm", None, None, "filtering by segmentation needs a segment too"),
        (None, None, "2024-01-31", "as_of is the date of the segment filter"),
        (None, None, "9999-99-99", "as_of must be a date written YYYY-MM-DD; got '9999-99-99'"),
        ("rfm", "Champions", "31/01/2024", "as_of must be a date"),
    ],
)
def test_a_segment_filter_missing_a_part_is_bad_input(
    segmentation: str | None, segment: str | None, as_of: str | None, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        check_segment_filter(segmentation, segment, as_of)


def test_a_whole_segment_filter_gives_its_date() -> None:
    assert check_segment_filter("rfm", "Champions", "2024-01-31") == dt.date(2024, 1, 31)
    assert check_segment_filter("rfm", "Champions", None) is None
    assert check_segment_filter(None, None, "") is None


N_IDS = 20_000


def test_an_audience_index_counts_the_arrow_buffers_it_holds() -> None:
    before = pa.total_allocated_bytes()
    keys = pa.array([f"P{i:020d}" for i in range(N_IDS)], pa.string())
    members = pa.array([f"C{i:09d}" for i in range(N_IDS)], pa.string())
    allocated = pa.total_allocated_bytes() - before
    pseudonymised = AudienceIndex(keys, members, N_IDS, 0, 0, pseudonymised=True)
    assert 0.95 * allocated <= pseudonymised.nbytes <= allocated
    plain = AudienceIndex(members, members, N_IDS, 0, 0)  # one array: its buffers once
    assert plain.nbytes == members.get_total_buffer_size()
    sliced = AudienceIndex(members[:10], members[5:], 10, 0, 0)
    assert sliced.nbytes == plain.nbytes  # slices keep their whole (shared) buffers alive


def test_a_whole_audience_counts_its_frame_and_its_ids() -> None:
    """The estimate is within 5% of what Python allocated for the frame's strings and the
    tuple of ids (other objects than the frame's)."""
    tracemalloc.start()
    try:
        frame = pd.DataFrame(
            {
                "customer_id": pd.Series([f"C{i:09d}" for i in range(N_IDS)], dtype=object),
                "email": pd.Series([f"u{i}@example.com" for i in range(N_IDS)], dtype=object),
            }
        )
        members = tuple(f"C{i:09d}" for i in range(N_IDS))
        allocated, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    held = AudienceRows(frame, 0, 0, members).nbytes
    assert 0.95 * allocated <= held <= 1.05 * allocated
    arrow_text = AudienceRows(frame.astype("str"), 0, 0, members).nbytes
    assert arrow_text < held  # text in Arrow buffers is smaller than Python strings
