"""Load-planning helpers: reasons, references, key labels, and duplicates within and across loads.

Whole loads (files in, rows and quarantine out) are in ``test_ingest.py``; here each helper
runs on small in-memory tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import ibis
import pandas as pd
import pytest

import segmint
from segmint.mart import Mart
from segmint.mart.plan import (
    add_reason,
    check_reference,
    count,
    key_label,
    rejected,
    split_duplicates,
    temp,
)
from segmint.mart.validation import REASON, ROW


@pytest.fixture
def mart() -> Iterator[Mart]:
    with segmint.connect(":memory:") as made:
        yield made


def table(mart: Mart, **columns: list[object]) -> ibis.Table:
    return temp(mart, ibis.memtable(pd.DataFrame(columns)))


def reasons(rows: ibis.Table) -> dict[int, str | None]:
    frame = rows.execute().sort_values(ROW)
    return {
        int(r): (None if pd.isna(why) else why)
        for r, why in zip(frame[ROW], frame[REASON], strict=True)
    }


def test_temp_and_count(mart: Mart) -> None:
    rows = table(mart, x=[1, 2, 3])
    assert count(rows) == 3
    assert count(rows.filter(rows.x > 1)) == 2
    assert table(mart, x=[1]).get_name() != rows.get_name()


def test_add_reason_keeps_the_first_reason(mart: Mart) -> None:
    rows = table(mart, _row=[1, 2, 3], x=[5, -1, -1], _reason=[None, None, "earlier"])
    rows = rows.mutate(_reason=rows[REASON].cast("string"))
    flagged = add_reason(rows, rows.x < 0, ibis.literal("negative"))
    assert reasons(flagged) == {1: None, 2: "negative", 3: "earlier"}


def test_check_reference_names_column_value_and_hint(mart: Mart) -> None:
    parent = table(mart, customer_id=["a", "b"])
    rows = table(mart, _row=[1, 2, 3], customer_id=["a", "x'; drop", None])
    rows = rows.mutate(_reason=ibis.null("string"))
    checked = check_reference(rows, "customer_id", parent, "customer_id", "load customers first")
    assert reasons(checked) == {
        1: None,
        2: "unknown customer_id 'x'; drop': load customers first",
        3: None,  # a missing reference is for the column's own null check
    }
    assert set(checked.columns) == {ROW, "customer_id", REASON}


def test_key_label(mart: Mart) -> None:
    rows = table(mart, order_id=["O1"], line_no=[2])
    assert rows.select(k=key_label(rows, ("order_id", "line_no"))).execute().k[0] == (
        "order_id=O1, line_no=2"
    )


def test_rejected_rows_carry_their_raw_content_as_json(mart: Mart) -> None:
    stage = table(mart, _row=[1, 2], name=["ok", 'bad "one"'], n=["1", "x"])
    checked = table(mart, _row=[1, 2], _reason=[None, "n is not a number"])
    checked = checked.mutate(_reason=checked[REASON].cast("string"))
    frame = rejected(checked, stage).execute()
    assert list(frame._row) == [2]
    assert list(frame.reason) == ["n is not a number"]
    assert json.loads(frame.raw[0]) == {"name": 'bad "one"', "n": "x"}


def test_split_duplicates_within_the_file_and_against_the_mart(mart: Mart) -> None:
    good = table(
        mart,
        _row=[1, 2, 3, 4, 5],
        k=["a", "a", "a", "b", "c"],
        v=[1, 1, 2, 5, 7],
    ).mutate(_reason=ibis.null("string"))
    existing = table(mart, k=["c"], v=[7])
    new, conflicts, n_duplicate, n_new = split_duplicates(mart, good, ("k",), existing, ["k", "v"])
    assert sorted(new.execute()[ROW]) == [1, 4]
    frame = conflicts.execute()
    assert list(frame[ROW]) == [3]
    assert frame[REASON][0] == "duplicate key k=a with different content than row 1"
    assert n_duplicate == 2  # row 2 repeats row 1; row 5 is already in the mart
    assert n_new == 2


def test_split_duplicates_without_repeats(mart: Mart) -> None:
    good = table(mart, _row=[1, 2], k=["a", "b"], v=[1, 2]).mutate(_reason=ibis.null("string"))
    existing = table(mart, k=["z"], v=[0]).limit(0)
    new, conflicts, n_duplicate, n_new = split_duplicates(mart, good, ("k",), existing, ["k", "v"])
    assert count(new) == 2 and count(conflicts) == 0
    assert (n_duplicate, n_new) == (0, 2)
