"""Determinism, schema conformance and referential integrity of the generated tables."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import InputError
from segmint.mart.schema import TABLES
from segmint.mart.targets import LOAD_ORDER
from segmint.synth import TYPES, generate, synthesize
from segmint.synth.columns import mart_schema


def test_same_seed_gives_identical_tables() -> None:
    first, second = generate(1_500, seed=3), generate(1_500, seed=3)
    assert first.keys() == second.keys()
    for name in first:
        assert first[name].equals(second[name]), name


def test_different_seed_gives_different_tables() -> None:
    first, second = generate(1_500, seed=3), generate(1_500, seed=4)
    assert not first["orders"].equals(second["orders"])
    assert not first["ground_truth"].equals(second["ground_truth"])


def test_files_hold_exactly_what_generate_returns(tmp_path: pytest.TempPathFactory) -> None:
    synthesize(tmp_path, 1_200, seed=5)
    tables = generate(1_200, seed=5)
    for name, table in tables.items():
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(table), name


def test_same_seed_writes_identical_bytes(tmp_path: pytest.TempPathFactory) -> None:
    synthesize(tmp_path / "a", 800, seed=9)
    synthesize(tmp_path / "b", 800, seed=9)
    for path in sorted((tmp_path / "a").iterdir()):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", LOAD_ORDER)
def test_every_loadable_table_has_the_mart_columns_and_types(
    small: dict[str, pa.Table], name: str
) -> None:
    table = small[name]
    expected = [c for c in TABLES[name].column_names if c != "ingest_id"]
    assert table.column_names == expected
    assert table.schema == mart_schema(name)
    ibis_schema = ibis.memtable(table).schema()
    for column in TABLES[name].columns:
        assert ibis_schema[column.name].castable(dt.dtype(column.type)), column.name
    for column in TABLES[name].required:
        assert table.column(column).null_count == 0, column
    assert table.num_rows > 0


@pytest.mark.parametrize("name", LOAD_ORDER)
def test_keys_are_unique_and_closed_vocabularies_respected(
    small: dict[str, pa.Table], name: str
) -> None:
    table = small[name]
    key = list(TABLES[name].key)
    assert table.group_by(key).aggregate([]).num_rows == table.num_rows
    for column in TABLES[name].columns:
        values = table.column(column.name)
        if column.choices:
            assert set(pc.unique(values).to_pylist()) <= set(column.choices), column.name
        if column.non_negative:
            assert pc.min(values).as_py() >= 0, column.name


@pytest.mark.parametrize(
    ("child", "column", "parent", "parent_column"),
    [
        ("customer_pii", "customer_id", "customers", "customer_id"),
        ("customer_attributes", "customer_id", "customers", "customer_id"),
        ("consents", "customer_id", "customers", "customer_id"),
        ("orders", "customer_id", "customers", "customer_id"),
        ("order_lines", "order_id", "orders", "order_id"),
        ("order_lines", "product_id", "products", "product_id"),
        ("events", "customer_id", "customers", "customer_id"),
        ("campaign_members", "campaign_id", "campaigns", "campaign_id"),
        ("campaign_members", "customer_id", "customers", "customer_id"),
        ("ground_truth", "customer_id", "customers", "customer_id"),
    ],
)
def test_clean_data_is_referentially_consistent(
    small: dict[str, pa.Table], child: str, column: str, parent: str, parent_column: str
) -> None:
    known = small[parent].column(parent_column)
    assert pc.all(pc.is_in(small[child].column(column), value_set=known)).as_py()


def test_every_order_has_lines_and_product_events_name_known_products(
    small: dict[str, pa.Table],
) -> None:
    with_lines = pc.unique(small["order_lines"].column("order_id"))
    assert len(with_lines) == small["orders"].num_rows
    events = small["events"]
    for kind, parent, key in [
        ("product_view", "products", "product_id"),
        ("add_to_cart", "products", "product_id"),
        ("checkout", "orders", "order_id"),
        ("email_send", None, None),
    ]:
        objects = events.filter(pc.equal(events.column("event_type"), kind)).column("object_id")
        assert len(objects) > 0, kind
        if parent is not None:
            assert pc.all(pc.is_in(objects, value_set=small[parent].column(key))).as_py(), kind


def test_times_lie_in_the_history_and_after_signup(small: dict[str, pa.Table], history) -> None:
    start = pa.scalar(np.datetime64(history.start, "us"))
    end = pa.scalar(np.datetime64(history.end, "us"))
    for name, column in [
        ("orders", "order_ts"),
        ("events", "event_ts"),
        ("consents", "updated_at"),
    ]:
        values = small[name].column(column)
        assert pc.min(values).as_py() >= start.as_py(), name
        assert pc.max(values).as_py() < end.as_py(), name
    orders = small["orders"].join(small["customers"], "customer_id")
    order_day = pc.cast(orders.column("order_ts"), pa.date32())
    assert pc.all(pc.greater_equal(order_day, orders.column("signup_date"))).as_py()


def test_signups_spread_over_the_history_with_more_early(
    small: dict[str, pa.Table], history
) -> None:
    signup = small["customers"].column("signup_date").to_numpy(zero_copy_only=False)
    days = (signup - np.datetime64(history.start)).astype("timedelta64[D]").astype(int)
    thirds = np.bincount(days * 3 // history.n_days, minlength=3)
    assert thirds[0] > thirds[1] > 0 and thirds[2] > 0
    last_quarter = days > history.n_days * 0.75
    assert last_quarter.sum() > 0.1 * len(days)


def test_latent_types_are_all_present_with_their_shares(small: dict[str, pa.Table]) -> None:
    latent = small["ground_truth"].column("latent_type").to_numpy(zero_copy_only=False)
    n = len(latent)
    for t in TYPES:
        share = np.mean(latent == t.name)
        # binomial standard error of a share from N customers; 4 of them is a 1-in-15,000 miss
        tolerance = 4 * np.sqrt(t.share * (1 - t.share) / n)
        assert abs(share - t.share) < tolerance, t.name


def test_volumes_per_customer_are_in_the_intended_range(small: dict[str, pa.Table]) -> None:
    n = small["customers"].num_rows
    orders = small["orders"].num_rows / n
    lines = small["order_lines"].num_rows / small["orders"].num_rows
    events = small["events"].num_rows / n
    assert 6 <= orders <= 12
    assert 1.5 <= lines <= 2.5
    assert 10 <= events <= 30


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 0}, "--customers must be at least 1; got 0"),
        ({"n_customers": 10, "years": 0}, "--years must be between 1 and 20; got 0"),
        ({"n_customers": 10, "dirty_rate": 0.9}, "between 0 and 0.5; got 0.9"),
    ],
)
def test_bad_arguments_say_what_was_expected(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(InputError, match=message):
        generate(**kwargs)  # type: ignore[arg-type]
