"""The decimal separator of each numeric column, decided over the column or given."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.exceptions import SchemaError
from segmint.mart import Mart

from .conftest import load, write


def _amounts(mart: Mart) -> dict[str, float]:
    """Customer → the value of their order line, as stored."""
    lines = mart.table("order_lines").join(mart.table("orders"), "order_id")
    frame = lines.select("customer_id", "unit_price").execute()
    return dict(zip(frame.customer_id, frame.unit_price, strict=True))


def test_decimal_commas_are_read_as_decimals(mart: Mart, tmp_path: Path) -> None:
    text = (
        "customer_id;order_ts;amount\nc1;2024-01-05;10,50\nc2;2024-01-06;1.234,56\n"
        "c3;2024-01-07;3,99\n"
    )
    result = load(mart, "transactions", write(tmp_path / "euro.csv", text))
    assert (result.rows_loaded, result.rows_quarantined) == (3, 0)
    assert _amounts(mart) == pytest.approx({"c1": 10.5, "c2": 1234.56, "c3": 3.99})
    assert any("amount with a decimal comma" in r for r in result.readings)


def test_thousands_commas_are_read_as_thousands(mart: Mart, tmp_path: Path) -> None:
    text = (
        'customer_id,order_ts,amount\nc1,2024-01-05,"1,234"\nc2,2024-01-06,"1,234,567"\n'
        'c3,2024-01-07,"1,234.56"\n'
    )
    result = load(mart, "transactions", write(tmp_path / "us.csv", text))
    assert result.rows_loaded == 3
    assert _amounts(mart) == pytest.approx({"c1": 1234.0, "c2": 1_234_567.0, "c3": 1234.56})
    assert any("amount with a decimal point" in r for r in result.readings)


def test_a_column_that_cannot_decide_follows_the_files_other_numbers(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id;order_ts;amount;unit_cost\nc1;2024-01-05;10,50;1,250\nc2;2024-01-06;3,99;2,000\n"
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    costs = mart.table("order_lines").unit_cost.execute().tolist()
    assert sorted(costs) == pytest.approx([1.25, 2.0])


def test_a_comma_separated_file_says_thousands(mart: Mart, tmp_path: Path) -> None:
    text = 'customer_id,order_ts,amount\nc1,2024-01-05,"1,250"\nc2,2024-01-06,"2,000"\n'
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert _amounts(mart) == pytest.approx({"c1": 1250.0, "c2": 2000.0})


def test_a_column_nothing_decides_stops_with_the_flags(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id;order_ts;amount\nc1;2024-01-05;1,250\nc2;2024-01-06;2,000\n"
    with pytest.raises(SchemaError, match=r"'amount' .*'1,250'.*--decimal \. or --decimal ,"):
        load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert mart.count("orders") == 0
    forced = load(mart, "transactions", write(tmp_path / "t.csv", text), decimal=",")
    assert forced.rows_loaded == 2
    assert _amounts(mart) == pytest.approx({"c1": 1.25, "c2": 2.0})


def test_a_column_of_both_forms_stops_with_the_flags(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id;order_ts;amount\nc1;2024-01-05;10,50\nc2;2024-01-06;10.50\n"
    with pytest.raises(SchemaError, match=r"'amount' .*'10\.50'.*'10,50'.*--decimal \. or"):
        load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert mart.count("orders") == 0


def test_a_value_not_in_the_given_form_is_quarantined_with_the_reason(
    mart: Mart, tmp_path: Path
) -> None:
    text = "customer_id;order_ts;amount\nc1;2024-01-05;10,50\nc2;2024-01-06;10.50\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text), decimal=",")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert _amounts(mart) == pytest.approx({"c1": 10.5})
    reason = mart.table("quarantine").reason.execute().tolist()
    assert reason == ["amount: cannot read '10.50' as a number with a decimal comma"]


def test_an_unknown_separator_is_refused(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "t.csv", "customer_id,order_ts,amount\nc1,2024-01-05,1\n")
    with pytest.raises(SchemaError, match=r"--decimal x: expected \. or ,"):
        load(mart, "transactions", path, decimal="x")


def test_a_lone_separator_decides_nothing_and_is_quarantined(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id;order_ts;amount\nc1;2024-01-05;10,50\nc2;2024-01-06;.\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert _amounts(mart) == pytest.approx({"c1": 10.5})
