"""Every order's value and number of lines, kept in memory, equal the engine's probe."""

from __future__ import annotations

from segmint.mart import Mart
from segmint.web.order_values import OrderValues, probe


def test_kept_values_equal_the_probe_for_every_order(mart: Mart) -> None:
    kept = OrderValues.build(mart)
    ids = [row[0] for row in mart.raw.execute("SELECT order_id FROM orders").fetchall()]
    found = kept.lookup(ids)
    assert found == probe(mart, ids)
    with_lines = mart.raw.execute("SELECT count(DISTINCT order_id) FROM order_lines").fetchone()
    assert with_lines is not None and len(found) == with_lines[0] > 0
    assert kept.nbytes > 0


def test_orders_not_summed_are_absent_and_the_probe_sums_them(mart: Mart) -> None:
    kept = OrderValues.build(mart)
    mart.raw.execute(
        "INSERT INTO order_lines (order_id, line_no, quantity, unit_price, discount) "
        "VALUES ('O-new', 1, 2.0, 5.5, 1.0), ('O-new', 2, 1.0, 3.0, NULL)"
    )
    try:
        assert kept.lookup(["O-new", "O-none"]) == {}
        assert probe(mart, ["O-new", "O-none"]) == {"O-new": (13.0, 2)}
        assert OrderValues.build(mart).lookup(["O-new"]) == {"O-new": (13.0, 2)}
    finally:
        mart.raw.execute("DELETE FROM order_lines WHERE order_id = 'O-new'")


def test_an_order_whose_lines_have_no_value_has_none(mart: Mart) -> None:
    mart.raw.execute(
        "INSERT INTO order_lines (order_id, line_no, quantity, unit_price) "
        "VALUES ('O-null', 1, NULL, 5.5)"
    )
    try:
        assert OrderValues.build(mart).lookup(["O-null"]) == {"O-null": (None, 1)}
        assert probe(mart, ["O-null"]) == {"O-null": (None, 1)}
    finally:
        mart.raw.execute("DELETE FROM order_lines WHERE order_id = 'O-null'")
