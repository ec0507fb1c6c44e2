"""Sorted in-process copies of what a 360° view looks up: built, found, forgotten, kept current.

Whether the view built on them equals the Ibis view is in ``tests/views/test_customer_view.py``.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest

import segmint
from segmint.features import stored_dates
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, ingest
from segmint.mart.privacy import SUPPRESSIONS_TABLE
from segmint.mart.shop_settings import set_currency
from segmint.serving.customer_lookup import SCORES_SQL, SEGMENTS_SQL, query
from segmint.serving.order_values import RECENT
from segmint.serving.score_table import SCORES_TABLE
from segmint.serving.sorted_copies import (
    COPIED,
    DERIVED,
    SortedCopies,
    file_state,
    fingerprint,
    whole_copies,
)

TABLES = [*COPIED, *DERIVED]
"""Every table a customer's rows are copied from."""

LOOKUPS = {SCORES_TABLE: SCORES_SQL, "assignments": SEGMENTS_SQL}
"""The view's statement on the mart for each derived copy."""


@pytest.fixture(scope="module")
def copies(mart: Mart) -> Iterator[SortedCopies]:
    """Sorted copies of the module's mart."""
    built = SortedCopies()
    built.rebuild(mart)
    yield built
    built.clear()


def sample_ids(mart: Mart) -> list[str]:
    """Customers with the most and the fewest orders, one without orders, and a spread."""
    counts = mart.raw.execute(
        "SELECT c.customer_id, count(o.order_id) AS n FROM customers c "
        "LEFT JOIN orders o USING (customer_id) GROUP BY 1 ORDER BY n DESC, 1"
    ).fetchall()
    ids = [row[0] for row in counts]
    return ids[:5] + ids[-5:] + ids[:: max(1, len(ids) // 20)]


def test_copies_are_absent_until_built_and_after_clear(mart: Mart) -> None:
    day = stored_dates(mart)[-1]
    customer = sample_ids(mart)[0]
    fresh = SortedCopies()
    assert [fresh.rows(t, customer) for t in TABLES] == [None] * len(TABLES)
    assert (fresh.feature_rows(day, customer), fresh.has_scores()) == (None, None)
    assert fresh.recent_orders(mart, customer, RECENT) is None
    fresh.rebuild(mart)
    assert fresh.feature_rows(day, customer) is not None
    assert fresh.feature_rows(day - dt.timedelta(days=1), customer) is None
    assert fresh.has_scores() is True
    assert fresh.nbytes > 0
    for table in TABLES:
        found = fresh.rows(table, customer)
        assert found is not None and found[1], table
    fresh.clear()
    assert [fresh.rows(t, customer) for t in TABLES] == [None] * len(TABLES)
    assert fresh.nbytes == 0


def copied_rows(copies: SortedCopies, table: str, customer_id: str) -> list[tuple[Any, ...]]:
    found = copies.rows(table, customer_id)
    assert found is not None, f"{table} was not copied"
    return found[1]


def test_every_copied_row_is_found_once(mart: Mart, copies: SortedCopies) -> None:
    """Every row of a copied table comes back for its customer, and nothing else does."""
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    for table in COPIED:
        found = sum(len(copied_rows(copies, table, customer_id)) for customer_id in ids)
        stored = mart.raw.execute(
            f"SELECT count(*) FROM {table} WHERE customer_id IN (SELECT customer_id FROM customers)"
        ).fetchone()
        assert stored is not None and found == stored[0], table
        assert copied_rows(copies, table, "nobody") == []
        assert copied_rows(copies, table, ids[0] + "x") == []


def test_rows_of_several_customers_are_their_rows_in_turn(mart: Mart, copies: SortedCopies) -> None:
    ids = sample_ids(mart)[:3]
    for table in TABLES:
        found = copies.rows_of(table, [*ids, "nobody"])
        assert found is not None
        expected = [row for customer_id in ids for row in copied_rows(copies, table, customer_id)]
        assert found[1] == expected


def test_customer_rows_equal_the_marts_in_its_column_order(
    mart: Mart, copies: SortedCopies
) -> None:
    customer = sample_ids(mart)[0]
    found = copies.rows("customers", customer)
    assert found is not None
    columns, rows = found
    assert "ingest_id" not in columns
    listed = ", ".join(f'"{c}"' for c in columns)
    stored = mart.raw.execute(
        f"SELECT {listed} FROM customers WHERE customer_id = $1", [customer]
    ).fetchall()
    assert rows == stored


def test_derived_copies_hold_what_the_views_statement_gives(
    mart: Mart, copies: SortedCopies
) -> None:
    """Every customer's segment runs and latest scores in the copy equal the statement the
    view runs on the mart for that one customer."""
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    for table, (columns, *_) in DERIVED.items():
        for customer_id in ids:
            found = copies.rows(table, customer_id)
            assert found is not None and found[0] == columns, table
            assert found == query(mart.raw, LOOKUPS[table], customer_id), (table, customer_id)
    runs = [row for c in ids for row in copied_rows(copies, "assignments", c)]
    assert len({row[0] for row in runs}) >= 2  # rfm and lifecycle at least
    assert any(since < until for _, since, until, _ in runs)  # kept a segment: one row
    moved = Counter((c, row[0]) for c in ids for row in copied_rows(copies, "assignments", c))
    assert max(moved.values()) >= 2  # a customer who moved between the two dates


def test_recent_orders_are_read_only_while_nothing_was_committed(mart: Mart) -> None:
    customer = sample_ids(mart)[0]
    built = SortedCopies()
    built.rebuild(mart)
    mart.raw.execute("CHECKPOINT")
    built.confirm(file_state(mart))
    orders = built.recent_orders(mart, customer, RECENT)
    assert orders is not None
    assert 0 < len(orders[1]) <= RECENT
    assert built.recent_orders(mart, customer, 1) == (orders[0], orders[1][:1])
    mart.raw.execute("CREATE TABLE _touch AS SELECT 1 AS x")
    try:
        assert built.recent_orders(mart, customer, RECENT) is None  # a commit since
        built.confirm(file_state(mart))
        assert built.recent_orders(mart, customer, RECENT) == orders
    finally:
        mart.raw.execute("DROP TABLE _touch")


def test_fingerprint_changes_when_a_copied_table_changes(mart: Mart) -> None:
    before = fingerprint(mart)
    assert fingerprint(mart) == before
    mart.raw.execute("INSERT INTO consents SELECT * FROM consents LIMIT 1")
    try:
        assert fingerprint(mart) != before
    finally:
        mart.raw.execute("DELETE FROM consents WHERE rowid = (SELECT max(rowid) FROM consents)")
    assert fingerprint(mart) == before


@pytest.fixture
def own_mart(demo_mart_file: Path, tmp_path: Path) -> Iterator[Mart]:
    """A private copy of the demo mart, for a test that changes it."""
    path = tmp_path / "own.duckdb"
    shutil.copy(demo_mart_file, path)
    with segmint.connect(path, create=False) as opened:
        yield opened


def test_fingerprint_changes_when_a_load_only_fills_empty_values(
    own_mart: Mart, tmp_path: Path
) -> None:
    """A load that gives a customer a gender the mart lacked adds no row, but it is a load."""
    mart = own_mart
    row = mart.raw.execute("SELECT customer_id FROM customers WHERE gender IS NULL").fetchone()
    assert row is not None
    before, counts = fingerprint(mart), mart.count("customers")
    update = tmp_path / "customers.csv"
    update.write_text(f"customer_id,gender\n{row[0]},F\n")
    ingest(mart, "customers", update, IngestOptions())
    assert mart.count("customers") == counts
    filled = mart.raw.execute("SELECT gender FROM customers WHERE customer_id = $1", [row[0]])
    assert filled.fetchone() == ("F",)
    assert fingerprint(mart) != before


def test_fingerprint_changes_with_the_do_not_contact_table(own_mart: Mart) -> None:
    """The ``suppressions`` table users write themselves decides who an audience hands out:
    making it, and changing a row's channel in place (no count changes), are both seen."""
    mart = own_mart
    before = fingerprint(mart)
    listed = {"customer_id": ["C0000001", "C0000002"], "channel": ["sms", None]}
    mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    made = fingerprint(mart)
    assert made != before and fingerprint(mart) == made
    mart.raw.execute(
        f"UPDATE {SUPPRESSIONS_TABLE} SET channel = 'email' WHERE customer_id = 'C0000001'"
    )
    assert fingerprint(mart) != made


def test_fingerprint_changes_with_the_shops_currency(own_mart: Mart) -> None:
    """Every page shows money in the shop's currency: setting another one is seen."""
    mart = own_mart
    before = fingerprint(mart)
    set_currency(mart, "EUR", "cli:test")
    euros = fingerprint(mart)
    assert euros != before and fingerprint(mart) == euros
    set_currency(mart, "GBP", "cli:test")
    assert fingerprint(mart) != euros


def test_fingerprint_changes_when_features_are_stored_again_at_the_same_date(
    own_mart: Mart,
) -> None:
    mart = own_mart
    before = fingerprint(mart)
    mart.raw.execute(
        "INSERT INTO feature_builds SELECT feature_group, as_of, source_key, method, "
        "now()::TIMESTAMP + INTERVAL 1 DAY FROM feature_builds LIMIT 1"
    )
    assert fingerprint(mart) != before


def test_an_in_memory_mart_is_copied_but_its_orders_never_trusted() -> None:
    with segmint.connect(":memory:") as mart:
        mart.raw.execute(
            "INSERT INTO customers (customer_id, country) VALUES ('a', 'VN'), ('b''; --', 'FR')"
        )
        built = SortedCopies()
        built.rebuild(mart)
        found = built.rows("customers", "b'; --")
        assert found is not None and len(found[1]) == 1
        assert built.has_scores() is True  # a new mart has an empty scores table
        assert built.rows("scores", "a") == (["as_of", "model", "score_name", "value"], [])
        assert all(state is None for state in file_state(mart))
        assert built.recent_orders(mart, "a", RECENT) is None
        assert stored_dates(mart) == []
        assert built.feature_rows(dt.date(2024, 6, 30), "a") is None


def test_a_column_name_holding_a_double_quote_is_read_as_that_column() -> None:
    with segmint.connect(":memory:") as mart:
        mart.raw.execute('ALTER TABLE consents ADD COLUMN "note"", x" VARCHAR')
        mart.raw.execute(
            'INSERT INTO consents (customer_id, channel, granted, updated_at, "note"", x") '
            "VALUES ('a', 'email', true, TIMESTAMP '2025-01-01 00:00:00', 'kept')"
        )
        built = SortedCopies()
        built.rebuild(mart)
        found = built.rows("consents", "a")
        assert found is not None
        columns, rows = found
        assert rows[0][columns.index('note", x')] == "kept"


def test_copies_read_in_parts_equal_copies_read_whole(
    mart: Mart, copies: SortedCopies, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every table read a few hundred values at a time (many parts, cut at customer ids)
    gives every customer the same rows as the copies read in one part."""
    import segmint.serving.sorted_copies as module

    monkeypatch.setattr(module, "PART_VALUES", 500)
    assert len(module.parts_of(mart, "scores", 5, _built(copies).tables["customers"].keys)) > 5
    parted = SortedCopies()
    parted.rebuild(mart)
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    day = stored_dates(mart)[-1]
    for customer_id in ids:
        for table in TABLES:
            assert parted.rows(table, customer_id) == copies.rows(table, customer_id), table
        assert parted.feature_rows(day, customer_id) == copies.feature_rows(day, customer_id)
        orders = _built(parted).orders, _built(copies).orders
        assert orders[0] is not None and orders[1] is not None
        assert orders[0].rows(customer_id) == orders[1].rows(customer_id)


def _built(copies: SortedCopies) -> Any:
    """The copies' current generation."""
    built = copies._built
    assert built is not None
    return built


def test_the_features_copy_is_cut_by_the_rows_of_its_date_alone(
    own_mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parts hold about :data:`PART_VALUES` values of the date copied, however many other
    dates are stored: counted over every date, a second date would halve them."""
    import segmint.serving.sorted_copies as module

    mart = own_mart
    day = stored_dates(mart)[-1]
    mart.raw.execute(
        "INSERT INTO features SELECT * REPLACE (DATE '2001-01-01' AS as_of) FROM features "
        "WHERE as_of = $1",
        [day],
    )
    rows = mart.raw.execute("SELECT count(*) FROM features WHERE as_of = $1", [day]).fetchone()
    assert rows is not None and len(stored_dates(mart)) > 1
    monkeypatch.setattr(module, "PART_VALUES", rows[0] * 20)  # 20 values a customer
    cut: list[int] = []
    own = module.sorted_table

    def counted(con: Any, sql: str, params: list[Any], shown: list[str], **kw: Any) -> Any:
        if "as_of = $3" in sql:
            cut.append(len(kw["parts"]))
        return own(con, sql, params, shown, **kw)

    monkeypatch.setattr(module, "sorted_table", counted)
    built = SortedCopies()
    built.rebuild(mart)
    columns = len(_built(built).features[1].columns)
    assert cut == [-(-columns // 20)]  # one part per 20 columns, as over its date alone


def test_copies_built_ahead_are_the_copies_built_in_place(mart: Mart, copies: SortedCopies) -> None:
    """The tables copied whole, built on a cursor of their own (beside a warm-up's
    summaries) and handed to the rebuild, give every customer the same rows."""
    ahead = SortedCopies()
    ahead.rebuild(mart, whole_copies(mart))
    assert set(_built(ahead).tables) == set(_built(copies).tables)
    for customer_id in sample_ids(mart):
        for table in TABLES:
            assert ahead.rows(table, customer_id) == copies.rows(table, customer_id), table
    ahead.clear()
