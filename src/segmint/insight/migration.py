"""How customers moved between segments from one stored date to another.

Both dates must have stored assignments of the segmentation: migration is a query over
stored results, never a recomputation. The from→to matrix counts customers by their
segment at each date. Customers present only at the later date *entered* the base (row
``ENTERED``); those present only at the earlier date *left* it (column ``LEFT``). So each
real row sums to the segment's size at the from-date, each real column to its size at the
to-date, and the real rows (or columns) together to the base at that date. Each cell also
carries the revenue its customers brought in the year ending at the to-date (see
:mod:`segmint.insight.money`). ``flows`` holds the same cells as (source, target,
customers, revenue) rows, ready to draw as a Sankey diagram.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmint.exceptions import SegmintError, SegmintWarning
from segmint.features.asof import EXAMPLE_DAY, AsOf, parse_as_of
from segmint.features.labels import segment_label
from segmint.insight.money import customer_value
from segmint.mart import Mart
from segmint.segmentation import store

ENTERED = "(entered)"
"""Source of customers not in the base at the from-date."""

LEFT = "(left)"
"""Target of customers no longer in the base at the to-date."""


@dataclass(frozen=True)
class Migration:
    """Customers' moves between segments of ``segmentation`` from ``from_date`` to ``to_date``.

    Attributes:
        counts: customers per (from segment, to segment); rows are the from-date's
            segments then ``ENTERED``, columns the to-date's segments then ``LEFT``.
        row_shares: ``counts`` divided by the row total (where each segment's customers went).
        revenue: revenue in the year to ``to_date`` of each cell's customers.
        flows: one row per non-empty cell: ``source``, ``target``, ``customers``, ``revenue``,
            most customers first.
        entered: customers in the base at ``to_date`` only; ``left``: at ``from_date`` only.
    """

    segmentation: str
    from_date: dt.date
    to_date: dt.date
    counts: pd.DataFrame
    row_shares: pd.DataFrame
    revenue: pd.DataFrame
    flows: pd.DataFrame
    entered: int
    left: int

    def top_flows(self, n: int = 5, kind: str | None = None) -> list[str]:
        """The ``n`` largest moves as sentences ("412 Loyal became At Risk"); stays excluded.

        With ``kind`` (the segmentation's kind), segments read as people read them
        (:func:`segmint.features.labels.segment_label`: a value tier's ``unassigned`` is
        "no CLV score (no purchase yet)"); without it, as stored (the API and JSON)."""
        moves = self.flows[self.flows.source != self.flows.target].head(n)
        return [
            _sentence(segment_label(s, kind), segment_label(t, kind), int(c))
            for s, t, c in zip(moves.source, moves.target, moves.customers, strict=True)
        ]


def _sentence(source: str, target: str, customers: int) -> str:
    if source == ENTERED:
        return f"{customers:,} entered the base as {target}"
    if target == LEFT:
        return f"{customers:,} {source} left the base"
    return f"{customers:,} {source} became {target}"


def check_order(
    start: dt.date, end: dt.date, names: tuple[str, str] = ("from_date", "to_date")
) -> None:
    """Refuse a from-date that is not before the to-date, naming them as the caller spells
    them: the arguments of :func:`migration` by default, ``("--from", "--to")`` for the
    command, ``("from", "to")`` for a request.

    Raises:
        SegmintError: ``start`` is not before ``end``.
    """
    if start >= end:
        first, second = names
        raise SegmintError(
            f"{first} must be before {second}; got {first} {start.isoformat()} and "
            f"{second} {end.isoformat()}"
        )


def migration(mart: Mart, segmentation: str, from_date: AsOf, to_date: AsOf) -> Migration:
    """The migration of ``segmentation``'s customers from ``from_date`` to ``to_date``.

    Raises:
        SegmintError: the dates are not in order.
        MartError: unknown segmentation, or a date with no stored results (lists the dates).
    """
    start = parse_as_of(from_date, "from_date", f"from_date='{EXAMPLE_DAY}'")
    end = parse_as_of(to_date, "to_date", f"to_date='{EXAMPLE_DAY}'")
    check_order(start, end)
    before = store.assignments(mart, segmentation, start).select("customer_id", source="segment")
    after = store.assignments(mart, segmentation, end).select("customer_id", target="segment")
    _warn_versions(mart, segmentation, start, end)
    pairs = before.outer_join(after, "customer_id")
    ids = pairs.customer_id.coalesce(pairs.customer_id_right)
    moved = pairs.select(
        customer_id=ids,
        source=pairs.source.fill_null(ENTERED),
        target=pairs.target.fill_null(LEFT),
    )
    # .view(): a fresh relation, so Ibis does not fold this join into the outer join above
    valued = moved.view().left_join(customer_value(mart, end), "customer_id")
    cells = valued.group_by(["source", "target"]).aggregate(
        customers=valued.count(), revenue=valued.revenue.sum().fill_null(0.0)
    )
    flows = cells.to_pandas()
    flows["customers"] = flows["customers"].astype("int64")
    flows["revenue"] = flows["revenue"].astype("float64")
    flows = flows.sort_values(["customers", "source", "target"], ascending=[False, True, True])
    flows = flows.reset_index(drop=True)[["source", "target", "customers", "revenue"]]
    rows, columns = _order(flows, "source"), _order(flows, "target")
    counts = _matrix(flows, "customers", rows, columns).astype("int64")
    revenue = _matrix(flows, "revenue", rows, columns)
    totals = counts.sum(axis=1).astype("float64").replace(0.0, np.nan)
    return Migration(
        segmentation=segmentation,
        from_date=start,
        to_date=end,
        counts=counts,
        row_shares=counts.div(totals, axis=0),
        revenue=revenue,
        flows=flows,
        entered=int(flows.loc[flows.source == ENTERED, "customers"].sum()),
        left=int(flows.loc[flows.target == LEFT, "customers"].sum()),
    )


def _warn_versions(mart: Mart, segmentation: str, start: dt.date, end: dt.date) -> None:
    """Warn when the two dates' results come from different versions (definitions) of
    ``segmentation``: some of the moves then come from the changed definition (a rules file
    edited between the runs), not from customers."""
    before = store.version_as_of(mart, segmentation, start)
    after = store.version_as_of(mart, segmentation, end)
    if before != after:
        warnings.warn(
            f"'{segmentation}' as of {start} is version {before} and as of {end} version "
            f"{after}: its definition changed in between, so some moves come from the change, "
            f"not from customers; run one definition at both dates to compare like with like",
            SegmintWarning,
            stacklevel=3,
        )


def _order(flows: pd.DataFrame, side: str) -> list[str]:
    """Segments on ``side`` in one order shared by both axes, so stays lie on the diagonal.

    Segments are ranked by customers over both dates (ties by name); ``ENTERED`` and
    ``LEFT`` come last.
    """
    sizes = pd.concat(
        [flows.groupby("source")["customers"].sum(), flows.groupby("target")["customers"].sum()]
    )
    sizes = sizes.drop([ENTERED, LEFT], errors="ignore").groupby(level=0).sum()
    ranked = sorted(sizes.index, key=lambda s: (-int(sizes[s]), str(s)))
    present = set(flows[side])
    outside = ENTERED if side == "source" else LEFT
    return [s for s in ranked if s in present] + ([outside] if outside in present else [])


def _matrix(flows: pd.DataFrame, value: str, rows: list[str], columns: list[str]) -> pd.DataFrame:
    """``flows[value]`` pivoted to rows × columns, zeros where nobody moved."""
    table = flows.pivot_table(index="source", columns="target", values=value, aggfunc="sum")
    table = table.reindex(index=rows, columns=columns).fillna(0)
    table.index.name, table.columns.name = "from", "to"
    return table
