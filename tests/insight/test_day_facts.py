"""What the profiles of a date share gives the same profiles, computed once."""

from __future__ import annotations

import pytest

from segmint.exceptions import SegmintError
from segmint.features.orders import purchase_orders
from segmint.insight import profile
from segmint.insight.day_facts import channel_orders, day_facts
from segmint.insight.money import year_start
from segmint.mart import Mart

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
