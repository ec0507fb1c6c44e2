"""Monthly transactions files loaded in another order than their months, each next to those
loaded before it, give the attribute history loading them in order gives (what features
read as of any day is the same)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import segmint
from segmint.mart import Mart

from .conftest import load, write

_HEADER = "CustomerID,InvoiceDate,Total,Tier\n"
_CUSTOMERS = ("c1", "c2", "c3")

Month = list[tuple[str, int, str]]
"""A month's orders: customer, day of the month, tier."""

_ORDERS = {
    2: [(0, 1), (1, 0)],
    # each file next to those loaded before it: a month between two loaded ones is dated
    # inside the stored history, and there a different value is a conflict
    3: [(0, 1, 2), (1, 0, 2), (1, 2, 0), (2, 1, 0)],
}


@st.composite
def months(
    draw: st.DrawFn, orders: dict[int, list[tuple[int, ...]]] = _ORDERS
) -> tuple[list[Month], tuple[int, ...]]:
    """Two or three monthly files of orders, and one of ``orders`` to load them in."""
    n = draw(st.sampled_from(sorted(orders)))
    order = st.tuples(st.sampled_from(_CUSTOMERS), st.integers(1, 28), st.sampled_from(("A", "B")))
    files = [draw(st.lists(order, min_size=1, max_size=6)) for _ in range(n)]
    return files, draw(st.sampled_from(orders[n]))


def _text(month: int, orders: Month) -> str:
    rows = "".join(f"{c},2024-{month:02d}-{day:02d},10,{tier}\n" for c, day, tier in orders)
    return _HEADER + rows


def _runs(mart: Mart) -> list[tuple[str, str, str]]:
    """Each customer's history as runs of equal values (customer, first day, value): the
    value as of each day, whatever rows carry it."""
    rows = mart.table("customer_attributes").to_pyarrow().to_pylist()
    dated = sorted((r["customer_id"], str(r["updated_at"])[:10], r["value"]) for r in rows)
    runs: list[tuple[str, str, str]] = []
    for row in dated:
        if not runs or runs[-1][0] != row[0] or runs[-1][2] != row[2]:
            runs.append(row)
    return runs


def _history(
    template: Path, files: list[Month], order: tuple[int, ...]
) -> list[tuple[str, str, str]]:
    """The runs of a mart loaded with ``files`` in ``order`` (each load reconciles and
    reports no conflict)."""
    with tempfile.TemporaryDirectory() as folder:
        shutil.copyfile(template, Path(folder) / "mart.duckdb")
        with segmint.connect(Path(folder) / "mart.duckdb") as mart:
            for i in order:
                path = write(Path(folder) / f"m{i}.csv", _text(i + 1, files[i]))
                result = load(mart, "transactions", path)
                assert result.reconciles
                assert "another value in the mart" not in str(result.columns)
            return _runs(mart)


@pytest.mark.slow
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=months())
def test_monthly_files_in_any_order_give_the_same_history(
    empty_template: Path, drawn: tuple[list[Month], tuple[int, ...]]
) -> None:
    files, order = drawn
    in_order = _history(empty_template, files, tuple(range(len(files))))
    assert _history(empty_template, files, order) == in_order
