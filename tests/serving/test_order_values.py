"""Every customer's orders with their values, copied in memory, equal the engine's lookups."""

from __future__ import annotations

import pytest

from segmint.features import order_totals
from segmint.mart import Mart, connect
from segmint.serving import order_values
from segmint.serving.customer_lookup import ORDERS_SQL, recent_orders
from segmint.serving.order_values import (
    HISTORY_SQL,
    ORDER_COLUMNS,
    RECENT,
    TOTALS_SQL,
    order_history,
    order_parts,
    probe,
)
from segmint.serving.sorted_copies import SortedCopies, file_state


def test_copied_orders_of_every_customer_equal_the_lookups(mart: Mart) -> None:
    history = order_history(mart)
    assert history is not None and history.columns == ORDER_COLUMNS
    ids = [row[0] for row in mart.raw.execute("SELECT customer_id FROM customers").fetchall()]
    copied = 0
    for customer_id in ids:
        rows = mart.raw.execute(ORDERS_SQL, [customer_id]).fetchall()
        values = probe(mart, [row[0] for row in rows])
        expected = [(*row, *values.get(row[0], (None, None))) for row in rows]
        assert history.rows(customer_id) == expected, customer_id
        copied += len(history.rows(customer_id))
    kept = mart.raw.execute(
        "SELECT sum(least(n, $1)), max(n) FROM "
        "(SELECT customer_id, count(*) AS n FROM orders GROUP BY customer_id)",
        [RECENT],
    ).fetchone()
    assert kept is not None and copied == kept[0] > 0
    assert kept[1] > RECENT  # some customer has more orders than the copy keeps


def test_the_copy_reads_the_kept_totals_and_equals_the_lines_sums(
    mart: Mart, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert order_totals.kept(mart) is not None  # the demo's loads kept them
    read: list[str] = []
    real = order_values.regrouped_table
    monkeypatch.setattr(
        order_values,
        "regrouped_table",
        lambda con, sql, *rest: read.append(sql) or real(con, sql, *rest),
    )
    kept = order_history(mart, most=None, parts=order_parts(mart, 3))
    monkeypatch.setattr(order_totals, "kept", lambda _: None)
    summed = order_history(mart, most=None, parts=order_parts(mart, 3))
    assert read == [TOTALS_SQL, HISTORY_SQL]
    assert kept is not None and summed is not None
    assert list(kept.keys) == list(summed.keys) and list(kept.starts) == list(summed.starts)
    for customer_id in summed.keys:
        assert kept.rows(customer_id.decode()) == summed.rows(customer_id.decode())


def test_orders_read_in_ranges_of_order_ids_are_the_orders_read_whole(mart: Mart) -> None:
    parts = order_parts(mart, 4)
    assert len(parts) == 4 and parts[0][0] is None and parts[-1][1] is None
    cuts = [part[1] for part in parts[:-1]]
    assert cuts == sorted(cuts, key=lambda cut: str(cut).encode()) and len(set(cuts)) == 3
    whole, parted = order_history(mart), order_history(mart, parts=parts)
    assert whole is not None and parted is not None
    assert list(parted.keys) == list(whole.keys) and list(parted.starts) == list(whole.starts)
    for customer_id in whole.keys:
        assert parted.rows(customer_id.decode()) == whole.rows(customer_id.decode())


def test_an_order_without_an_id_is_in_the_first_range(mart: Mart) -> None:
    customer = mart.raw.execute("SELECT min(customer_id) FROM customers").fetchone()
    assert customer is not None
    mart.raw.execute(
        "INSERT INTO orders (order_id, customer_id, order_ts, channel, status) "
        "VALUES (NULL, $1, TIMESTAMP '2100-01-01 10:00:00', 'web', 'completed')",
        customer,
    )
    try:
        whole, parted = order_history(mart), order_history(mart, parts=order_parts(mart, 3))
        assert whole is not None and parted is not None
        assert parted.rows(customer[0]) == whole.rows(customer[0])
        assert parted.rows(customer[0])[0][0] is None  # the latest, without an id
    finally:
        mart.raw.execute("DELETE FROM orders WHERE order_id IS NULL")


def test_one_range_when_the_orders_are_fewer_than_the_ranges_asked(mart: Mart) -> None:
    assert order_parts(mart, 1) == [(None, None)]
    assert order_parts(mart, 10**9) == [(None, None)]


def test_every_order_is_kept_when_asked(mart: Mart) -> None:
    history = order_history(mart, most=None)
    assert history is not None
    stored = mart.raw.execute("SELECT count(*) FROM orders").fetchone()
    assert stored is not None and int(history.starts[-1]) == stored[0]


def test_more_orders_than_the_copy_keeps_are_read_from_the_mart(mart: Mart) -> None:
    customer = mart.raw.execute(
        "SELECT customer_id FROM orders GROUP BY customer_id ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()
    assert customer is not None
    copies = SortedCopies()
    copies.rebuild(mart)
    assert copies.recent_orders(mart, customer[0], RECENT) is not None
    assert copies.recent_orders(mart, customer[0], RECENT + 1) is None


def test_the_copy_is_set_aside_after_a_commit_until_confirmed(mart: Mart) -> None:
    customer = mart.raw.execute("SELECT min(customer_id) FROM orders").fetchone()
    assert customer is not None
    copies = SortedCopies()
    copies.rebuild(mart)
    before = copies.recent_orders(mart, customer[0], RECENT)
    assert before is not None and before[1]
    mart.raw.execute(
        "INSERT INTO orders (order_id, customer_id, order_ts, channel, status) "
        "VALUES ('O-newest', $1, TIMESTAMP '2100-01-01 10:00:00', 'web', 'completed')",
        customer,
    )
    mart.raw.execute(
        "INSERT INTO order_lines (order_id, line_no, quantity, unit_price, discount) "
        "VALUES ('O-newest', 1, 2.0, 5.5, 1.0), ('O-newest', 2, 1.0, 3.0, NULL)"
    )
    try:
        assert copies.recent_orders(mart, customer[0], RECENT) is None
        newest = recent_orders(mart, copies, customer[0])[0]
        assert (newest["order_id"], newest["value"], newest["lines"]) == ("O-newest", 13.0, 2)
    finally:
        mart.raw.execute("DELETE FROM order_lines WHERE order_id = 'O-newest'")
        mart.raw.execute("DELETE FROM orders WHERE order_id = 'O-newest'")
    copies.confirm(file_state(mart))
    assert copies.recent_orders(mart, customer[0], RECENT) == before


def test_an_order_whose_lines_have_no_value_has_none(mart: Mart) -> None:
    mart.raw.execute(
        "INSERT INTO order_lines (order_id, line_no, quantity, unit_price) "
        "VALUES ('O-null', 1, NULL, 5.5)"
    )
    try:
        assert probe(mart, ["O-null", "O-none"]) == {"O-null": (None, 1)}
    finally:
        mart.raw.execute("DELETE FROM order_lines WHERE order_id = 'O-null'")


def test_a_mart_without_a_file_never_reads_the_orders_copy() -> None:
    """Commits to an in-memory mart leave no trace on disk, so its copy could go stale."""
    with connect(":memory:") as mart:
        copies = SortedCopies()
        copies.rebuild(mart)
        assert copies.nbytes >= 0 and copies.has_scores() is not None
        assert copies.recent_orders(mart, "C1", RECENT) is None


@pytest.mark.parametrize("sampled", [10_000, 40])
def test_ranges_of_order_ids_hold_about_as_many_orders(
    mart: Mart, monkeypatch: pytest.MonkeyPatch, sampled: int
) -> None:
    monkeypatch.setattr(order_values, "SAMPLED", sampled)
    total = mart.raw.execute("SELECT count(*) FROM orders").fetchone()
    assert total is not None
    step = max(total[0] // sampled, 1)  # 1 (every order) and about 170
    parts = order_parts(mart, 4)
    sizes = []
    for low, high in parts:
        counted = mart.raw.execute(
            "SELECT count(*) FROM orders WHERE ($1::VARCHAR IS NULL OR order_id >= $1) "
            "AND ($2::VARCHAR IS NULL OR order_id < $2)",
            [low, high],
        ).fetchone()
        assert counted is not None
        sizes.append(counted[0])
    assert sum(sizes) == total[0]
    # cut at ids of every step-th stored row: a quarter each, give or take a step (the demo
    # stores its orders in order id order)
    assert max(abs(size - total[0] / 4) for size in sizes) <= step, sizes
