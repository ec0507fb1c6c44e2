"""Each segment's share of members who ordered and cancelled every order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from segmint import workflows
from segmint.exceptions import SegmintError
from segmint.insight.day_facts import day_facts
from segmint.insight.segment_cancelled import segment_cancelled
from segmint.mart import connect
from segmint.mart.ingest import IngestOptions, ingest

FILES = {
    "customers": "customer_id\nc1\nc2\nc3\nc4\n",
    "orders": "order_id,customer_id,order_ts,status\no1,c1,2024-02-01,completed\n"
    "o2,c2,2024-02-03,cancelled\no3,c3,2024-02-04,cancelled\no4,c3,2024-02-05,completed\n",
}
"""c1 bought; c2 ordered once and cancelled; c3 cancelled one order of two; c4 never ordered."""


def test_only_members_who_cancelled_every_order_count(tmp_path: Path) -> None:
    with connect(tmp_path / "mart.duckdb") as mart:
        for name, text in FILES.items():
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
            ingest(mart, name, tmp_path / f"{name}.csv", IngestOptions())
        day = dt.date(2024, 2, 5)
        workflows.run_lifecycle(mart, day)
        shares = segment_cancelled(mart, "lifecycle", day)
        assert shares.to_dict() == {"cancelled only": pytest.approx(1.0)}


def test_the_shared_facts_of_the_date_give_the_same_shares(tmp_path: Path) -> None:
    with connect(tmp_path / "mart.duckdb") as mart:
        for name, text in FILES.items():
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
            ingest(mart, name, tmp_path / f"{name}.csv", IngestOptions())
        day = dt.date(2024, 2, 5)
        workflows.run_lifecycle(mart, day)
        workflows.run_rfm(mart, day)
        alone = segment_cancelled(mart, "lifecycle", day)
        with day_facts(mart, day, ["lifecycle", "rfm"]) as shared:
            assert shared.joined is not None and "lifecycle" in shared.joined.columns
            together = segment_cancelled(mart, "lifecycle", day, shared)
            assert segment_cancelled(mart, "rfm", day, shared).to_dict() == {
                "Cancelled only": pytest.approx(1.0)
            }
        with (
            day_facts(mart, day - dt.timedelta(days=1)) as other,
            pytest.raises(SegmintError, match="as of"),
        ):
            segment_cancelled(mart, "lifecycle", day, other)
        assert together.to_dict() == alone.to_dict() == {"cancelled only": pytest.approx(1.0)}
