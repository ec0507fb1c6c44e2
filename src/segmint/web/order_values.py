"""The value and number of lines of every order, kept in memory for the 360° view.

The view shows a customer's latest orders with their net value
(``sum(quantity * unit_price - discount)`` over the order's lines, as the mart defines a
line's value) and number of lines. Probing ``order_lines`` for them on every view was its
dearest statement (about 6 ms of engine CPU at a million customers, over 16 million
lines); summing every order once, by the same ``GROUP BY`` statement the probe runs, and
keeping the sums sorted by order id costs about 20 bytes per order (200 MB at 9 million
orders) and turns the probe into a binary search. Orders that arrived after the sums were
built are not found, and the view probes the mart for those.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from segmint.mart import Mart
from segmint.web.keys import as_keys, key_range

VALUE_SQL = "sum(quantity * unit_price - coalesce(discount, 0.0)) AS value, count(*) AS lines"
"""An order's value and number of lines: one definition for the sums kept and the probe."""

ALL_SQL = f"""
SELECT order_id, {VALUE_SQL} FROM order_lines WHERE order_id IS NOT NULL
GROUP BY order_id ORDER BY order_id
"""

PROBE_SQL = f"""
SELECT order_id, {VALUE_SQL}
FROM order_lines
WHERE order_id BETWEEN $1 AND $2 AND order_id IN (SELECT unnest($3::VARCHAR[]))
GROUP BY order_id
"""
"""The same sums for a few orders, found by the range of their ids (lines are stored in
order id order) and the ids themselves."""

OrderValue = tuple[float | None, int]
"""An order's net value (None when every line's value is missing) and number of lines."""


@dataclass(frozen=True)
class OrderValues:
    """Every order's value and number of lines, sorted by order id."""

    keys: npt.NDArray[np.bytes_]
    values: npt.NDArray[np.float64]
    valid: npt.NDArray[np.bool_]
    lines: npt.NDArray[np.int64]

    @classmethod
    def build(cls, mart: Mart) -> OrderValues:
        """Sum every order's lines in the mart."""
        table = mart.raw.execute(ALL_SQL).fetch_arrow_table()
        keys = as_keys(table.column("order_id"))
        order = None
        if len(keys) > 1 and not bool(np.all(keys[1:] >= keys[:-1])):
            order = np.argsort(keys, kind="stable")  # the engine's order of text differs
            keys = keys[order]
        value = table.column("value").combine_chunks()
        values = value.to_numpy(zero_copy_only=False)
        valid = np.asarray(value.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        lines = table.column("lines").to_numpy().astype(np.int64)
        if order is not None:
            values, valid, lines = values[order], valid[order], lines[order]
        return cls(keys, values.astype(np.float64), valid, lines)

    def lookup(self, order_ids: list[str]) -> dict[str, OrderValue]:
        """The value and lines of each of ``order_ids`` that was summed (others are absent)."""
        found: dict[str, OrderValue] = {}
        for order_id in order_ids:
            low, high = key_range(self.keys, order_id)
            if low < high:
                value = float(self.values[low]) if self.valid[low] else None
                found[order_id] = (value, int(self.lines[low]))
        return found

    @property
    def nbytes(self) -> int:
        """Memory held, in bytes."""
        return sum(int(a.nbytes) for a in (self.keys, self.values, self.valid, self.lines))


def probe(mart: Mart, order_ids: list[str]) -> dict[str, OrderValue]:
    """The value and lines of ``order_ids`` summed by the engine now (orders without lines
    are absent)."""
    if not order_ids:
        return {}
    rows = mart.raw.execute(PROBE_SQL, [min(order_ids), max(order_ids), order_ids]).fetchall()
    return {row[0]: (row[1], row[2]) for row in rows}
