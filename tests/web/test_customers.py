"""A segment's members page by page from the cached id list: the same rows as the search."""

from __future__ import annotations

import pytest

from segmint.mart import Mart
from segmint.segmentation import store
from segmint.web.customers import customers_by_id, member_ids, search
from segmint.web.dashboard import store_version
from segmint.web.frames import records


@pytest.mark.parametrize("segmentation", ["rfm", "lifecycle"])
def test_pages_of_cached_ids_are_the_search_pages(mart: Mart, segmentation: str) -> None:
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
        assert customers_by_id(mart, ids[offset : offset + limit]) == records(page)


def test_no_ids_no_rows(mart: Mart) -> None:
    assert customers_by_id(mart, []) == []
