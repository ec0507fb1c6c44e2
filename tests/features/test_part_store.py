"""Feature groups built only when asked for, stored once, reused while the data is unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd
import pytest

import segmint
from segmint.features.build import FEATURE_COLUMNS, assemble, build_features
from segmint.features.groups import ALL_GROUPS, groups_for
from segmint.features.part_store import CATALOG, built_methods, part_table, stored_parts
from segmint.mart import TABLES, Mart

from .conftest import AS_OF, fill, fixture_tables, ts


@pytest.fixture
def shop() -> Iterator[Mart]:
    """A fresh copy of the main hand-made fixture, to load more into."""
    with segmint.connect(":memory:") as mart:
        fill(mart, fixture_tables())
        yield mart


def load(mart: Mart, name: str, rows: list[dict[str, Any]], ingest_id: int) -> None:
    """Append ``rows`` to ``name`` as the load ``ingest_id`` would."""
    schema = TABLES[name].ibis_schema()
    frame = pd.DataFrame(rows).reindex(columns=list(schema))
    frame["ingest_id"] = ingest_id
    mart.con.insert(name, ibis.memtable(frame).cast(schema))


def rows_of(table: ir.Table) -> pd.DataFrame:
    """``table`` as a frame sorted by customer, for exact comparison."""
    frame = table.to_pandas().sort_values("customer_id", ignore_index=True)
    return frame


def built_at(mart: Mart) -> dict[str, Any]:
    """Group → when its part as of the fixture date was stored."""
    table = mart.con.table(CATALOG)
    frame = table.filter(table.as_of == AS_OF).execute()
    return dict(zip(frame.feature_group, frame.built_at, strict=True))


def from_store(mart: Mart, groups: tuple[str, ...] = ALL_GROUPS) -> ir.Table:
    return assemble(stored_parts(mart, AS_OF, groups), AS_OF)


def test_rfm_columns_build_only_the_population_and_purchases(shop: Mart) -> None:
    partial = build_features(shop, AS_OF, ["recency_days", "frequency", "monetary_total"])
    assert partial.columns == (
        "customer_id",
        "as_of",
        "recency_days",
        "frequency",
        "repeat_orders",
        "monetary_total",
        "monetary_avg",
        "tenure_days",
        "first_order_date",
        "last_order_date",
    )
    full = build_features(shop, AS_OF)
    pd.testing.assert_frame_equal(rows_of(partial), rows_of(full.select(*partial.columns)))


def test_every_column_has_a_group_and_all_groups_give_the_full_table(shop: Mart) -> None:
    assert groups_for(FEATURE_COLUMNS) == tuple(g for g in ALL_GROUPS if g != "attributes")
    built = build_features(shop, AS_OF)
    assert built.columns[: len(FEATURE_COLUMNS)] == FEATURE_COLUMNS
    pd.testing.assert_frame_equal(rows_of(from_store(shop)), rows_of(built))


def test_two_columns_store_only_their_groups(shop: Mart) -> None:
    stored_parts(shop, AS_OF, groups_for(["frequency", "country"]))
    assert built_methods(shop, AS_OF) == {
        "population": "full",
        "purchases": "full",
        "demographics": "full",
    }


def test_unchanged_data_is_read_not_rebuilt(shop: Mart) -> None:
    first = from_store(shop, ("purchases", "cadence")).to_pandas()
    before = built_at(shop)
    again = from_store(shop, ("purchases", "cadence")).to_pandas()
    assert built_at(shop) == before
    pd.testing.assert_frame_equal(first, again)


def test_more_orders_are_seen_by_the_next_command(shop: Mart) -> None:
    before = rows_of(from_store(shop)).set_index("customer_id")
    order = {"order_id": "o-late", "customer_id": "c3", "order_ts": ts("2024-03-30 10:00")}
    load(shop, "orders", [order], ingest_id=2)
    line = {"order_id": "o-late", "line_no": 1, "quantity": 2, "unit_price": 5.0}
    load(shop, "order_lines", [line], ingest_id=2)
    after = rows_of(from_store(shop))
    assert after.set_index("customer_id").loc["c3", "frequency"] == (
        before.loc["c3", "frequency"] + 1
    )
    pd.testing.assert_frame_equal(after, rows_of(build_features(shop, AS_OF)))
    assert built_methods(shop, AS_OF)["purchases"] == "incremental"


def test_an_unrelated_load_keeps_the_order_groups(shop: Mart) -> None:
    from_store(shop).execute()
    before = built_at(shop)
    event = {
        "event_id": "e-new",
        "customer_id": "c2",
        "event_ts": ts("2024-03-30 10:00"),
        "event_type": "page_view",
    }
    load(shop, "events", [event], ingest_id=2)
    after_rows = rows_of(from_store(shop))
    after = built_at(shop)
    for group in ("purchases", "cadence", "margins", "btyd", "categories", "windows"):
        assert after[group] == before[group], group
    assert after["web"] != before["web"]
    pd.testing.assert_frame_equal(after_rows, rows_of(build_features(shop, AS_OF)))


def test_deleted_orders_rebuild_from_all_the_data(shop: Mart) -> None:
    from_store(shop, ("purchases",)).execute()
    shop.delete("orders", customer_id="c1")
    after = rows_of(from_store(shop, ("purchases",)))
    assert built_methods(shop, AS_OF)["purchases"] == "full"
    assert after.set_index("customer_id").loc["c1", "frequency"] == 0
    expected = build_features(shop, AS_OF, ["frequency"]).select(*after.columns)
    pd.testing.assert_frame_equal(after, rows_of(expected))


def test_a_later_date_brings_the_purchases_forward(shop: Mart) -> None:
    from_store(shop).execute()
    later = AS_OF + dt.timedelta(days=40)
    moved = assemble(stored_parts(shop, later, ALL_GROUPS), later)
    assert built_methods(shop, later)["purchases"] == "incremental"
    pd.testing.assert_frame_equal(rows_of(moved), rows_of(build_features(shop, later)))


def test_the_latest_two_dates_of_a_group_are_kept_plus_the_one_just_written(shop: Mart) -> None:
    days = [AS_OF - dt.timedelta(days=n) for n in (30, 20, 10, 0)]
    for day in days:
        stored_parts(shop, day, ("purchases",))
    assert stored_dates(shop, "purchases") == days[2:]
    stored_parts(shop, days[0], ("purchases",))  # an earlier date, written again
    assert stored_dates(shop, "purchases") == [days[0], *days[2:]]


def stored_dates(mart: Mart, group: str) -> list[dt.date]:
    """The dates of ``group`` in the catalogue, checked equal to those of its part table."""
    catalog = mart.con.table(CATALOG)
    listed = catalog.filter(catalog.feature_group == group).as_of.to_pandas()
    part = mart.con.table(part_table(group)).as_of.to_pandas()
    assert set(part) == set(listed)
    return sorted(pd.to_datetime(listed).dt.date)


@pytest.mark.parametrize("days_later", [0, 1])
def test_parts_stored_without_an_aggregate_are_built_again(shop: Mart, days_later: int) -> None:
    from_store(shop).execute()
    stored = shop.table(part_table("btyd"))  # as stored before the repeat value was kept
    older = stored.drop("btyd_repeat_value").to_pyarrow()
    shop.create_table(part_table("btyd"), ibis.memtable(older))
    day = AS_OF + dt.timedelta(days=days_later)
    moved = rows_of(assemble(stored_parts(shop, day, ALL_GROUPS), day))
    methods = built_methods(shop, day)
    assert methods["btyd"] == "full"
    assert methods["purchases"] == ("incremental" if days_later else "full")
    pd.testing.assert_frame_equal(moved, rows_of(build_features(shop, day)))
    assert moved.btyd_monetary.notna().sum() == 3  # c1, c3, c8


def test_a_web_part_stored_without_the_30_day_columns_is_built_again(shop: Mart) -> None:
    from_store(shop, ("web",)).execute()
    stored = shop.table(part_table("web"))  # as stored before the 30-day columns existed
    older = stored.drop("sessions_30d", "cart_adds_30d", "cart_adds_without_purchase_30d")
    shop.create_table(part_table("web"), ibis.memtable(older.to_pyarrow()))
    again = rows_of(from_store(shop, ("web",)))
    assert built_methods(shop, AS_OF)["web"] == "full"
    c1 = again.set_index("customer_id").loc["c1"]
    assert (c1.sessions_30d, c1.cart_adds_30d) == (4, 3)
