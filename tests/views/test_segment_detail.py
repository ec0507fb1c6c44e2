"""The explorer's ranked members, cut into pages, are the pages the engine would return."""

from __future__ import annotations

import ibis

from segmint.insight.members import features_as_of
from segmint.mart import Mart
from segmint.segmentation import store
from segmint.views.segment_detail import MEMBER_COLUMNS, page_of, ranked_members, segment_members


def test_pages_of_the_ranking_are_the_engine_pages(mart: Mart) -> None:
    day = store.as_of_dates(mart, "rfm")[-1]
    segment = str(store.assignments(mart, "rfm", day).segment.execute().mode().iloc[0])
    ranked = ranked_members(mart, "rfm", segment, day)
    who = segment_members(mart, "rfm", segment, day)
    features = features_as_of(mart, day).select("customer_id", *MEMBER_COLUMNS)
    rows = who.left_join(features, "customer_id").select("customer_id", *MEMBER_COLUMNS)
    ordered = rows.order_by([ibis.desc("spend_365d"), "customer_id"])
    assert len(ranked) == int(who.count().execute())
    for limit, offset in [(25, 0), (25, 25), (10, len(ranked) - 4)]:
        expected = ordered.limit(limit, offset=offset).execute()
        got = page_of(ranked, limit, offset)
        assert got.to_dict("records") == expected.to_dict("records")
