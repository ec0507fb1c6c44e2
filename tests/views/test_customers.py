"""A segment's members page by page from the cached id list: the same rows as the search;
the parts of a segment filter checked together."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.serving.customer_lookup import customers_by_id
from segmint.serving.frames import records
from segmint.serving.sorted_copies import SortedCopies
from segmint.views.customers import check_segment_filter, member_ids, search
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
