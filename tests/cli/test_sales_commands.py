"""``segmint sales``: a bad date names the flag it came from; amounts name the currency,
shares read in percent."""

from __future__ import annotations

from pathlib import Path

import pytest

from segmint.cli.sales_commands import _cell

from .conftest import Segmint


@pytest.mark.parametrize("flag", ["--start", "--end"])
def test_a_bad_date_names_its_flag(segmint_cli: Segmint, flag: str) -> None:
    assert segmint_cli("init").exit_code == 0
    result = segmint_cli("sales", "channels", flag, "31/01/2024")
    assert result.exit_code == 2
    assert f"{flag} must be a date written YYYY-MM-DD; got '31/01/2024'." in result.stderr
    assert f"Example: {flag} 2024-12-31." in result.stderr


SALES = (
    "order_id,customer_id,order_ts,product_id,quantity,unit_price,channel\n"
    "o1,c1,2024-01-05 10:00:00,p1,2,10.5,web\n"
    "o2,c2,2024-01-20 11:00:00,p1,1,1200,store\n"
    "o3,c1,2024-02-03 09:00:00,p2,3,4.25,web\n"
)


def _rows(text: str) -> list[list[str]]:
    """The cells of each row of the tables in ``text``, headings included."""
    return [
        [cell.strip() for cell in line.strip("│┃ ").replace("┃", "│").split("│")]
        for line in text.splitlines()
        if "│" in line or "┃" in line
    ]


def test_sales_tables_name_the_shops_currency_over_amounts_not_counts(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(SALES, encoding="utf-8")
    assert segmint_cli("ingest", "transactions", path).exit_code == 0
    plain = segmint_cli("sales", "channels")
    assert plain.exit_code == 0, plain.output
    assert [
        "channel",
        "revenue",
        "orders",
        "customers",
        "average_order_value",
        "revenue_share",
    ] in _rows(plain.stdout)
    assert segmint_cli("currency", "EUR").exit_code == 0
    euros = _rows(segmint_cli("sales", "channels").stdout)
    heads = [
        "channel",
        "revenue (EUR)",
        "orders",
        "customers",
        "average_order_value (EUR)",
        "revenue_share",
    ]
    assert heads in euros and ["store", "1,200.00", "1", "1", "1,200.00", "97.3%"] in euros
    assert segmint_cli("currency", "JPY").exit_code == 0
    yen = _rows(segmint_cli("sales", "channels").stdout)
    assert ["store", "1,200", "1", "1", "1,200", "97.3%"] in yen  # no minor unit
    assert ["web", "34", "2", "1", "17", "2.7%"] in yen  # 33.75 and 16.875 to the yen


def test_shares_read_in_percent_and_growth_with_its_sign() -> None:
    assert _cell(0.9726, "revenue_share", 2) == "97.3%"
    assert _cell(0.8, "margin_coverage", 2) == "80.0%"
    assert _cell(-0.125, "revenue_growth", 2) == "-12.5%"
    assert _cell(0.5, "gross_margin_growth", 2) == "+50.0%"
    assert _cell(1234.6, "revenue", 0) == "1,235" and _cell(3, "orders", 2) == "3"
