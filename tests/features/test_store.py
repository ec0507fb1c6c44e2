"""Storing features in the mart and loading them back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from segmint.exceptions import MartError
from segmint.features import build_features, load_features, store_features, stored_dates
from segmint.features import store as store_module
from segmint.features.part_store import part_table
from segmint.features.store import FEATURES_TABLE
from segmint.mart import Mart

DAY = dt.date(2024, 3, 31)


def _sorted(frame: Any) -> Any:
    return frame.sort_values("customer_id").reset_index(drop=True)


@pytest.fixture
def filled(empty_mart: Mart, tables: dict[str, list[dict[str, Any]]], insert_rows: Any) -> Mart:
    for name, rows in tables.items():
        insert_rows(empty_mart, name, rows)
    return empty_mart


def test_round_trip(filled: Mart) -> None:
    stored = store_features(filled, DAY)
    assert (stored.as_of, stored.rows) == (DAY, 5)
    loaded = load_features(filled, DAY)
    assert loaded.schema() == build_features(filled, DAY).schema()
    assert _sorted(loaded.to_pandas()).equals(_sorted(build_features(filled, DAY).to_pandas()))


def test_dates_accumulate_and_restoring_a_date_replaces_it(filled: Mart, insert_rows: Any) -> None:
    store_features(filled, "2024-02-29")
    store_features(filled, DAY)
    insert_rows(
        filled,
        "orders",
        [{"order_id": "late", "customer_id": "c9", "order_ts": dt.datetime(2024, 3, 30)}],
    )
    again = store_features(filled, DAY)
    assert again.rows == 6  # c9 is new
    assert stored_dates(filled) == [dt.date(2024, 2, 29), DAY]
    features = filled.table("features")
    per_date = features.group_by("as_of").aggregate(n=features.count()).to_pandas()
    assert sorted(per_date.n) == [4, 6]  # 2024-02-29: c1, c2, c3, c5


def test_a_new_attribute_extends_the_table(filled: Mart, insert_rows: Any) -> None:
    store_features(filled, "2024-02-29")
    insert_rows(
        filled,
        "customer_attributes",
        [
            {
                "customer_id": "c2",
                "name": "pet",
                "value": "cat",
                "updated_at": dt.datetime(2024, 3, 5),
            }
        ],
    )
    store_features(filled, DAY)
    old = load_features(filled, "2024-02-29").to_pandas()
    new = load_features(filled, DAY).to_pandas().set_index("customer_id")
    assert old.pet.isna().all()
    assert new.loc["c2", "pet"] == "cat"
    assert load_features(filled).as_of.execute().iloc[0].date() == DAY  # latest by default


def test_a_column_changing_type_becomes_text(filled: Mart, insert_rows: Any) -> None:
    store_features(filled, DAY)  # loyalty_points is numeric
    insert_rows(
        filled,
        "customer_attributes",
        [{"customer_id": "c3", "name": "Loyalty Points", "value": "lots", "updated_at": None}],
    )
    store_features(filled, "2024-04-30")
    schema = filled.table("features").schema()
    assert schema["loyalty_points"].is_string()
    old = load_features(filled, DAY).to_pandas().set_index("customer_id")
    assert float(old.loc["c1", "loyalty_points"]) == 130.5


def test_load_errors_name_the_fix(filled: Mart) -> None:
    with pytest.raises(MartError, match=r"holds no stored features\. Run `segmint features`"):
        load_features(filled)
    store_features(filled, DAY)
    with pytest.raises(
        MartError, match=r"no features stored as of 2024-01-01; stored dates: 2024-03-31"
    ):
        load_features(filled, "2024-01-01")


def test_storing_a_date_again_from_unchanged_data_keeps_the_stored_rows(filled: Mart) -> None:
    store_features(filled, DAY)
    catalog = filled.table("feature_builds")
    before = catalog.filter(catalog.feature_group == "table:features").built_at.execute()
    again = store_features(filled, DAY)
    after = catalog.filter(catalog.feature_group == "table:features").built_at.execute()
    assert list(after) == list(before)
    assert again.rows == 5


def test_a_mart_of_no_customers_stores_a_date_of_no_rows(empty_mart: Mart) -> None:
    stored = store_features(empty_mart, dt.date(2024, 1, 31))
    assert (stored.as_of, stored.rows) == (dt.date(2024, 1, 31), 0)
    assert "recency_days" in stored.columns
    assert store_features(empty_mart, dt.date(2024, 1, 31)).rows == 0


def test_only_the_latest_dates_and_the_segmentations_dates_stay(filled: Mart) -> None:
    filled.raw.execute(
        "INSERT INTO assignments VALUES (?, ?, ?, ?, ?)",
        ["rfm", 1, dt.date(2024, 1, 31), "c1", "a"],
    )
    for day in ("2024-01-31", "2024-02-29", "2024-03-15", "2024-03-31"):
        store_features(filled, day)
    kept = [dt.date(2024, 1, 31), dt.date(2024, 3, 15), DAY]  # rfm's date, the latest two
    assert stored_dates(filled) == kept
    catalog = filled.table("feature_builds")
    entries = catalog.filter(catalog.feature_group == "table:features").as_of.execute()
    assert sorted(d.date() for d in entries) == kept
    older = store_features(filled, "2024-02-29")  # built again when asked for, and kept
    assert older.rows == 4
    assert stored_dates(filled) == [
        dt.date(2024, 1, 31),
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 15),
        DAY,
    ]
    store_features(filled, "2024-04-30")
    assert stored_dates(filled) == [dt.date(2024, 1, 31), DAY, dt.date(2024, 4, 30)]


def test_a_date_stored_with_other_built_in_columns_is_built_again(
    filled: Mart, earlier_version: Callable[[Mart], None]
) -> None:
    store_features(filled, DAY)
    earlier_version(filled)
    store_features(filled, DAY)  # not reused: built again, the BTYD part with it
    assert "btyd_repeat_value" in filled.table(part_table("btyd")).columns
    stored = filled.table(FEATURES_TABLE)
    monetary = stored.filter(stored.as_of == DAY).btyd_monetary.execute()
    assert monetary.notna().sum() == 3  # c1, c3 and c8 bought


@pytest.mark.parametrize("stored_since", [False, True])
def test_a_date_stored_before_btyd_monetary_reads_as_if_stored_now(
    filled: Mart,
    earlier_version: Callable[[Mart], None],
    monkeypatch: pytest.MonkeyPatch,
    stored_since: bool,
) -> None:
    store_features(filled, DAY)
    fresh = _sorted(load_features(filled, DAY).to_pandas())
    earlier_version(filled)
    later = dt.date(2024, 4, 30)
    if stored_since:  # a date stored since the upgrade: the column is back, null on DAY
        store_features(filled, later)
        stored = filled.table(FEATURES_TABLE)
        assert stored.filter(stored.as_of == DAY).btyd_monetary.count().execute() == 0
    built: list[list[str]] = []

    def counted(mart: Mart, as_of: Any, columns: list[str]) -> Any:
        built.append(list(columns))
        return build_features(mart, as_of, columns)

    monkeypatch.setattr(store_module, "build_features", counted)
    loaded = _sorted(load_features(filled, DAY).to_pandas())
    pd.testing.assert_frame_equal(loaded, fresh, check_exact=True)
    assert loaded.btyd_monetary.notna().sum() == 3  # c1, c3 and c8 bought
    assert built == [["btyd_monetary"]]  # only the BTYD group built, and nothing stored
    if stored_since:
        load_features(filled, later).execute()
        assert built == [["btyd_monetary"]]  # a date stored now is read as it is


def _stored_ids(mart: Mart, day: dt.date) -> list[str]:
    """The ids of ``day``'s rows of ``features`` in the order the table holds them."""
    rows = mart.raw.execute(
        "SELECT customer_id FROM features WHERE as_of = $1 ORDER BY rowid", [day]
    ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.parametrize("rewritten", [False, True], ids=["appended", "rewritten"])
def test_each_date_is_stored_in_customer_order(
    empty_mart: Mart, insert_rows: Any, rewritten: bool
) -> None:
    """A read of a range of customers then skips the rest of the table (zone maps), whether
    the second date is appended or (a new attribute) the table is written again."""
    ids = [f"c{n:05d}" for n in range(3000, 0, -1)]  # loaded in descending order
    insert_rows(empty_mart, "customers", [{"customer_id": i} for i in ids])
    orders = [
        {"order_id": f"o{i}", "customer_id": i, "order_ts": dt.datetime(2024, 1, 1 + n % 28)}
        for n, i in enumerate(ids)
    ]
    insert_rows(empty_mart, "orders", orders)
    store_features(empty_mart, dt.date(2024, 2, 29))
    if rewritten:
        pet = {"customer_id": ids[0], "name": "pet", "value": "cat"}
        insert_rows(
            empty_mart, "customer_attributes", [pet | {"updated_at": dt.datetime(2024, 3, 5)}]
        )
    store_features(empty_mart, DAY)
    assert ("pet" in empty_mart.table("features").columns) == rewritten
    stored = [_stored_ids(empty_mart, day) for day in (dt.date(2024, 2, 29), DAY)]
    assert stored == [sorted(ids), sorted(ids)]
    by_date = empty_mart.raw.execute("SELECT as_of FROM features ORDER BY rowid").fetchall()
    assert by_date == sorted(by_date)  # each date's rows one block
