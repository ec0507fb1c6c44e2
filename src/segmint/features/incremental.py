"""Bringing the stored aggregates of a group to a later date without re-reading everyone.

When the mart only *gained* orders and lines since a group was stored as of ``D1`` (every
row it had then is still there, nothing else it reads changed, nobody was erased), the
customers whose purchases up to ``D2 >= D1`` differ from those up to ``D1`` are exactly:

* those with an order loaded since (a newer ``ingest_id``), whatever its date;
* those with a line loaded since, on any of their orders (for a group that reads only
  ``orders``, since the last transactions load it was built after, when one came since: its
  returns change the status of the earlier orders they are booked on, and each such order
  receives a line of that load);
* those with an order stamped after ``D1`` and up to ``D2`` (already loaded, not yet known
  at ``D1``).

Their aggregates are computed again from their whole history; everyone else keeps the
stored ones, which do not depend on the date (an *ageable* group, see
:mod:`segmint.features.groups`). Recency, tenure and ``T`` are derived from them as of the
new date when read. The result is the same table a full build gives, row for row.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from segmint.features.asof import end_of
from segmint.features.keys import TableKey, table_key
from segmint.mart import Mart

APPENDABLE = ("orders", "order_lines")
"""Source tables that may have grown; any other source must be unchanged."""


def only_appended(mart: Mart, old: dict[str, TableKey], now: dict[str, TableKey]) -> bool:
    """Whether the sources went from ``old`` to ``now`` by loads alone: the appendable
    tables kept every row they had (by ingest id), every other key is equal."""
    if set(old) != set(now):
        return False
    for name, key in now.items():
        before = old[name]
        if name not in APPENDABLE:
            if key != before:
                return False
            continue
        if key.last_ingest < before.last_ingest:
            return False
        if key != before:
            table = mart.table(name)
            kept = table.filter(table.ingest_id <= before.last_ingest).count().execute()
            if int(kept) != before.rows:
                return False
    return True


def changed_customers(
    mart: Mart, old: dict[str, TableKey], old_day: dt.date, day: dt.date
) -> ir.Table:
    """The customers (one column, ``customer_id``) whose purchases as of ``day`` may differ
    from those as of ``old_day`` (see the module docstring)."""
    orders = mart.table("orders")
    newer = orders.ingest_id > old["orders"].last_ingest
    arrived = (orders.order_ts >= end_of(old_day)) & (orders.order_ts < end_of(day))
    direct = orders.filter(newer | arrived).select("customer_id")
    since = _lines_since(mart, old)
    if since is None:
        return direct.distinct()
    lines = mart.table("order_lines")
    added = lines.filter(lines.ingest_id > since)
    via_lines = orders.semi_join(added.select("order_id"), "order_id").select("customer_id")
    return direct.union(via_lines, distinct=True)


def _lines_since(mart: Mart, old: dict[str, TableKey]) -> int | None:
    """The ingest id after which a loaded line marks its order's customer as changed (None:
    no line can): the lines' last id when the group reads them, else the last transactions
    load the group was built after, when a transactions load came since (module docstring)."""
    if "order_lines" in old:
        return old["order_lines"].last_ingest
    before = old["orders"].last_fill
    return None if table_key(mart, "orders").last_fill == before else before
