"""Each segment's share of members who ordered and cancelled every order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from segmint import workflows
from segmint.exceptions import SegmintError
from segmint.insight.day_facts import day_facts
from segmint.insight.segment_cancelled import segment_cancelled
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest

FILES = {
    "customers": "customer_id\nc1\nc2\nc3\nc4\n",
    "orders": "order_id,customer_id,order_ts,status\no1,c1,2024-02-01,completed\n"
    "o2,c2,2024-02-03,cancelled\no3,c3,2024-02-04,cancelled\no4,c3,2024-02-05,completed\n",
}
"""c1 bought; c2 ordered once and cancelled; c3 cancelled one order of two; c4 never ordered."""


DAY = dt.date(2024, 2, 5)


@pytest.fixture
def mart(tmp_path: Path) -> Iterator[Mart]:
    """:data:`FILES` loaded, with lifecycle and RFM as of :data:`DAY`."""
    with connect(tmp_path / "mart.duckdb") as made:
        for name, text in FILES.items():
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
            ingest(made, name, tmp_path / f"{name}.csv", IngestOptions())
        workflows.run_lifecycle(made, DAY)
        workflows.run_rfm(made, DAY)
        yield made


def test_only_members_who_cancelled_every_order_count(mart: Mart) -> None:
    shares = segment_cancelled(mart, "lifecycle", DAY)
    assert shares.to_dict() == {"cancelled only": pytest.approx(1.0)}


def test_the_shared_facts_of_the_date_give_the_same_shares(mart: Mart) -> None:
    alone = segment_cancelled(mart, "lifecycle", DAY)
    with day_facts(mart, DAY, ["lifecycle", "rfm"]) as shared:
        assert shared.joined is not None and "lifecycle" in shared.joined.columns
        together = segment_cancelled(mart, "lifecycle", DAY, shared)
        assert segment_cancelled(mart, "rfm", DAY, shared).to_dict() == {
            "Cancelled only": pytest.approx(1.0)
        }
    with (
        day_facts(mart, DAY - dt.timedelta(days=1)) as other,
        pytest.raises(SegmintError, match="as of"),
    ):
        segment_cancelled(mart, "lifecycle", DAY, other)
    assert together.to_dict() == alone.to_dict() == {"cancelled only": pytest.approx(1.0)}
