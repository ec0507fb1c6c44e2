"""Mean P(alive) per segment, from the first model by name that scored the date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

import segmint
from segmint.exceptions import SegmintError
from segmint.features import store_features
from segmint.insight.day_facts import day_facts
from segmint.insight.segment_alive import segment_p_alive
from segmint.mart import Mart
from segmint.segmentation import store

DAY = dt.date(2024, 6, 30)


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        members = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": list("XXYY")})
        store.save(made, "s", "rules", {"name": "s"}, DAY, ibis.memtable(members))
        yield made


def put(mart: Mart, model: str, day: dt.date, values: dict[str, float]) -> None:
    for customer, value in values.items():
        mart.raw.execute(
            "INSERT INTO scores VALUES ($1, $2, $3, 'p_alive', $4)", [customer, day, model, value]
        )


def test_means_of_the_first_model_by_name_on_the_date(mart: Mart) -> None:
    assert segment_p_alive(mart, "s", DAY).means.empty
    put(mart, "zeta", DAY, {"a": 0.0, "b": 0.0, "c": 0.0})
    put(mart, "beta", DAY, {"a": 0.2, "b": 0.4, "c": 0.9})  # d unscored: left out
    put(mart, "alpha", dt.date(2024, 5, 31), {"a": 1.0, "c": 1.0})  # another date
    alive = segment_p_alive(mart, "s", DAY)
    assert alive.means.to_dict() == {"X": pytest.approx(0.3), "Y": pytest.approx(0.9)}
    assert (alive.model, alive.repeat_buyers_only, alive.of_whom) == ("beta", False, "")


def test_the_shared_facts_of_the_date_give_the_same_means(mart: Mart) -> None:
    put(mart, "beta", DAY, {"a": 0.2, "b": 0.4, "c": 0.9})
    with day_facts(mart, DAY, ["s"]) as shared:
        assert shared.joined is not None and "s" in shared.joined.columns
        together = segment_p_alive(mart, "s", DAY, shared)
    alone = segment_p_alive(mart, "s", DAY)
    assert (together.model, together.repeat_buyers_only) == (alone.model, alone.repeat_buyers_only)
    pd.testing.assert_series_equal(together.means.sort_index(), alone.means.sort_index())
    assert together.means.to_dict() == {"X": pytest.approx(0.3), "Y": pytest.approx(0.9)}
    with (
        day_facts(mart, DAY - dt.timedelta(days=1)) as other,
        pytest.raises(SegmintError, match="as of"),
    ):
        segment_p_alive(mart, "s", DAY, other)


def buy(mart: Mart, customer: str, *days: str) -> None:
    """One order of value 10 for ``customer`` on each of ``days`` (on or before DAY)."""
    for n, day in enumerate(days):
        order = f"{customer}-{n}"
        mart.raw.execute(
            "INSERT INTO orders (order_id, customer_id, order_ts) VALUES ($1, $2, $3)",
            [order, customer, dt.datetime.fromisoformat(day)],
        )
        mart.raw.execute(
            "INSERT INTO order_lines (order_id, line_no, quantity, unit_price) "
            "VALUES ($1, 1, 1, 10.0)",
            [order],
        )


@pytest.mark.parametrize("model", ["bgnbd+gammagamma", "bgnbd-seasonal+gammagamma"])
def test_a_bgnbd_mean_leaves_out_members_it_holds_alive_by_assumption(
    mart: Mart, model: str
) -> None:
    buy(mart, "a", "2024-01-05", "2024-03-01")  # a repeat purchase day
    buy(mart, "b", "2024-01-05", "2024-01-05")  # two orders, one purchase day: no repeat
    buy(mart, "c", "2024-02-01")
    buy(mart, "d", "2024-02-01", "2024-06-01", "2024-06-20")
    # the BG/NBD gives 1 to every customer without a repeat purchase (b, c)
    put(mart, model, DAY, {"a": 0.4, "b": 1.0, "c": 1.0, "d": 0.6})
    alive = segment_p_alive(mart, "s", DAY)
    assert alive.means.to_dict() == {"X": pytest.approx(0.4), "Y": pytest.approx(0.6)}
    assert alive.repeat_buyers_only and alive.of_whom == " of its repeat buyers"
    store_features(mart, DAY)  # the repeat buyers read from the features stored for the date
    mart.raw.execute("DELETE FROM order_lines; DELETE FROM orders")
    assert segment_p_alive(mart, "s", DAY).means.to_dict() == alive.means.to_dict()
    # the MBG/NBD and the Pareto/NBD judge one-purchase customers too: every member counts
    mart.raw.execute("DELETE FROM scores")
    put(mart, "mbgnbd+gammagamma", DAY, {"a": 0.4, "b": 0.8, "c": 0.2, "d": 0.6})
    alive = segment_p_alive(mart, "s", DAY)
    assert alive.means.to_dict() == {"X": pytest.approx(0.6), "Y": pytest.approx(0.4)}
    assert not alive.repeat_buyers_only


def test_a_segment_without_a_repeat_buyer_has_no_bgnbd_mean(mart: Mart) -> None:
    buy(mart, "a", "2024-01-05")
    buy(mart, "b", "2024-02-05")
    buy(mart, "c", "2024-01-05", "2024-03-01")
    put(mart, "bgnbd+gammagamma", DAY, {"a": 1.0, "b": 1.0, "c": 0.7, "d": 1.0})
    assert segment_p_alive(mart, "s", DAY).means.to_dict() == {"Y": pytest.approx(0.7)}
