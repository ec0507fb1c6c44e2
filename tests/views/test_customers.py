"""A segment's members page by page from the cached id list: the same rows as the search."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from segmint.mart import Mart
from segmint.segmentation import store
from segmint.serving.customer_lookup import customers_by_id
from segmint.serving.frames import records
from segmint.serving.sorted_copies import SortedCopies
from segmint.views.customers import member_ids, search
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
