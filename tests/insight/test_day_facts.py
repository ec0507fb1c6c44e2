"""What the profiles of a date share gives the same profiles, computed once."""

from __future__ import annotations

import pytest

from segmint.exceptions import SegmintError
from segmint.features.orders import purchase_orders
from segmint.insight import profile
from segmint.insight.day_facts import channel_orders, day_facts
from segmint.insight.money import year_start
from segmint.insight.segment_sums import OneSegmentation
from segmint.mart import Mart
from segmint.segmentation import store

from .conftest import AS_OF, EARLIER, assert_same_profile


@pytest.mark.parametrize("name", ["tiers", "style"])
def test_a_profile_with_the_shared_facts_is_the_profile_without(mart: Mart, name: str) -> None:
    alone = profile(mart, name, AS_OF, cost_to_serve=5.0)
    with day_facts(mart, AS_OF) as shared:
        together = profile(mart, name, AS_OF, cost_to_serve=5.0, shared=shared)
    assert_same_profile(alone, together)


def test_facts_of_another_date_are_refused(mart: Mart) -> None:
    with day_facts(mart, EARLIER) as shared, pytest.raises(SegmintError, match="as of"):
        profile(mart, "tiers", AS_OF, shared=shared)


def test_orders_per_channel_add_up_to_the_year_s_purchase_orders(mart: Mart) -> None:
    counted = channel_orders(mart, AS_OF).to_pandas()
    year = purchase_orders(mart, AS_OF, year_start(AS_OF))
    assert int(counted.orders.sum()) == int(year.count().execute()) > 0
    assert not counted.duplicated(["customer_id", "channel"]).any()
    assert (counted.channel == counted.channel.str.lower().str.strip()).all()


def test_sums_per_segment_are_of_the_joined_members_when_they_hold_the_segmentation(
    mart: Mart,
) -> None:
    with day_facts(mart, AS_OF, ["tiers"]) as shared:
        joined, own = shared.per_segment(mart, "tiers"), shared.per_segment(mart, "style")
        assert shared.joined is not None
        assert not isinstance(joined, OneSegmentation) and isinstance(own, OneSegmentation)
        for per, name in ((joined, "tiers"), (own, "style")):
            found = (
                per.sums("members", lambda table: {"n": table.count()})
                .set_index("segment")
                .n.sort_index()
            )
            members = store.assignments(mart, name, AS_OF).to_pandas()
            assert found.to_dict() == members.segment.value_counts().sort_index().to_dict()
