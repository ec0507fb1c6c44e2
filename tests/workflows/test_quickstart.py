"""The five-minute path: one export in, segments with money, personas and CLV out."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import ibis
import pytest

import segmint
from segmint.features import btyd
from segmint.mart import Mart
from segmint.workflows.quickstart import MIN_REPEAT_BUYERS, quickstart

CDNOW = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "cdnow" / "CDNOW_master.txt"
SHOPIFY = Path(__file__).resolve().parents[1] / "mart" / "data" / "shopify_orders_export.csv"


def _cdnow_head(path: Path, lines: int) -> tuple[Path, float]:
    """The first ``lines`` purchases of the CDNOW log (its first customers' whole
    histories, as the log is sorted by customer), and their total value."""
    with CDNOW.open(encoding="utf-8") as text:
        head = [next(text) for _ in range(lines + 1)]
    path.write_text("".join(head), encoding="utf-8")
    return path, sum(float(line.split()[3]) for line in head[1:])


@pytest.fixture
def summed(monkeypatch: pytest.MonkeyPatch) -> list[dt.date]:
    """The dates every purchase is summed into a BTYD summary as of, by whichever step asks
    (the repeat buyers' count, the CLV fit, its scores, the histories' churn risk): the
    summary's purchases read in :mod:`segmint.features.btyd`, wherever it was imported."""
    dates: list[dt.date] = []
    purchases = btyd.purchase_values

    def counted(mart: Mart, day: dt.date) -> ibis.Table:
        dates.append(day)
        return purchases(mart, day)

    monkeypatch.setattr(btyd, "purchase_values", counted)
    return dates


@pytest.mark.slow
def test_enough_repeat_buyers_get_clv_and_the_money_adds_up(
    tmp_path: Path, summed: list[dt.date]
) -> None:
    path, total = _cdnow_head(tmp_path / "cdnow_head.txt", 6_000)
    with segmint.connect(tmp_path / "m.duckdb") as mart:
        run = quickstart(mart, path)
        assert summed == []  # the stored features' summary, for the count and the CLV alike
        assert run.load.reconciles and run.load.rows_quarantined == 0
        assert run.load.guessed == {
            "order_ts": "date",
            "quantity": "number_of_cds",
            "amount": "dollar_value",
        }
        last = mart.table("orders").order_ts.max().execute()
        assert run.as_of == last.date()
        assert [s.name for s in run.segmentations] == ["rfm", "lifecycle"]
        assert run.clv is not None and run.clv_note == "", run.clv_note
        assert any("segmint segment value" in step for step in run.next_steps)
        value = mart.table("order_lines")
        assert float((value.quantity * value.unit_price).sum().execute()) == pytest.approx(total)
        assert run.personas
        # judged with CLV: a BG/NBD's P(alive) is the mean of the repeat buyers, whom every
        # segment with more than one order per member on average has
        assert all(math.isfinite(c.p_alive) for c in run.personas if c.orders > 1.5), [
            (c.segment, c.orders, c.p_alive) for c in run.personas
        ]


def test_too_few_repeat_buyers_say_why_clv_is_not_fitted(
    tmp_path: Path, summed: list[dt.date]
) -> None:
    with segmint.connect(tmp_path / "m.duckdb") as mart:
        run = quickstart(mart, SHOPIFY)  # a Shopify export, recognised without --preset
        assert summed == []  # repeat buyers counted in the stored features
        assert run.load.guessed["order_id"] == "Name"
        assert run.clv is None
        assert run.clv_note.startswith("CLV not fitted: ")
        assert f"at least {MIN_REPEAT_BUYERS} are needed" in run.clv_note
        assert any("segmint ingest customers FILE" in step for step in run.next_steps)
