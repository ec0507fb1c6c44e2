"""Every column of a file finds a home: a mart column, a customer attribute, or a reason.

The first file is the issue's: a grocery chain's household demographics, one row per
household, every column a band (``19-24``, ``100-124K``, ``3+``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint.exceptions import SchemaError
from segmint.features.attributes import known_attributes
from segmint.mart import Mart
from segmint.mart.columns import attribute_name, attribute_names, personal_data

from .conftest import load, write

DEMOGRAPHICS = {
    "household_id": [1, 7, 8, 13, 16],
    "age": ["65+", "45-54", "25-34", "25-34", "45-54"],
    "income": ["35-49K", "50-74K", "25-34K", "75-99K", "100-124K"],
    "home_ownership": ["Homeowner", "Homeowner", "Unknown", "Homeowner", "Renter"],
    "marital_status": ["A", "A", "U", "U", "B"],
    "household_size": ["2", "2", "1", "2", "5+"],
    "household_comp": [
        "2 Adults No Kids",
        "2 Adults No Kids",
        "Single Female",
        None,
        "1 Adult Kids",
    ],
    "kids_count": ["None/Unknown", "None/Unknown", "None/Unknown", "None/Unknown", "3+"],
}
BANDS = [c for c in DEMOGRAPHICS if c != "household_id"]


def _demographics(path: Path) -> Path:
    pq.write_table(pa.table(DEMOGRAPHICS), path)
    return path


def _attributes(mart: Mart) -> dict[tuple[str, str], str]:
    rows = mart.table("customer_attributes").to_pyarrow().to_pylist()
    return {(r["customer_id"], r["name"]): r["value"] for r in rows}


def test_every_column_of_a_demographics_file_becomes_an_attribute(
    mart: Mart, tmp_path: Path
) -> None:
    result = load(mart, "customers", _demographics(tmp_path / "demographics.parquet"))
    assert result.guessed == {"customer_id": "household_id"}
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 5, 0)
    uses = {u.column: u for u in result.columns}
    assert list(uses) == list(DEMOGRAPHICS), "columns in must equal columns out, in file order"
    assert uses["household_id"].target == "customers.customer_id"
    assert {c: (uses[c].fate, uses[c].target) for c in BANDS} == {
        c: ("attribute", c) for c in BANDS
    }
    assert result.ignored_columns == ()
    attributes = _attributes(mart)
    assert len(attributes) == 5 * 7 - 1  # one household_comp is empty: no row for it
    assert attributes[("1", "age")] == "65+"
    assert attributes[("16", "kids_count")] == "3+"
    assert attributes[("16", "household_size")] == "5+"
    assert ("13", "household_comp") not in attributes
    assert result.written == {"customers": 5, "customer_attributes": 34}
    frame = mart.table("customer_attributes").execute()
    assert set(frame.source) == {"demographics.parquet"}
    assert frame.updated_at.isna().all()  # undated: known as of any date


def test_attributes_reach_customers_already_created_by_their_orders(
    mart: Mart, tmp_path: Path
) -> None:
    orders = "household_key,BASKET_ID,purchase_date,SALES_VALUE\n1,b1,2024-01-02,3.5\n7,b2,2024-01-03,4\n"
    load(mart, "transactions", write(tmp_path / "transactions.csv", orders))
    result = load(mart, "customers", _demographics(tmp_path / "demographics.parquet"))
    # Households 1 and 7 exist already, but their attributes are new: every row adds something.
    assert (result.rows_loaded, result.rows_duplicate) == (5, 0)
    assert result.written == {"customers": 3, "customer_attributes": 34}
    again = load(mart, "customers", write(tmp_path / "d.csv", "household_id,age\n1,19-24\n"))
    assert (again.rows_loaded, again.rows_duplicate) == (0, 1)  # a known value is not overwritten
    assert _attributes(mart)[("1", "age")] == "65+"


def test_ignore_drops_a_column_on_purpose(mart: Mart, tmp_path: Path) -> None:
    path = _demographics(tmp_path / "demographics.parquet")
    result = load(mart, "customers", path, ignore=("marital_status", "kids_count"))
    uses = {u.column: u.fate for u in result.columns}
    assert uses["marital_status"] == uses["kids_count"] == "ignored"
    assert len(uses) == len(DEMOGRAPHICS)
    assert {name for _, name in _attributes(mart)} == set(BANDS) - {"marital_status", "kids_count"}


def test_ignoring_a_column_the_file_lacks_names_the_columns(mart: Mart, tmp_path: Path) -> None:
    path = _demographics(tmp_path / "demographics.parquet")
    with pytest.raises(
        SchemaError, match=r"--ignore shoe: the file has no column 'shoe'; found \["
    ):
        load(mart, "customers", path, ignore=("shoe",))
    assert mart.count("customers") == 0


def test_personal_data_is_reported_not_made_an_attribute(mart: Mart, tmp_path: Path) -> None:
    text = "Customer Id,E-mail,Phone number,Loyalty Tier\nc1,a@b.se,+46 1,Gold\n"
    result = load(mart, "customers", write(tmp_path / "people.csv", text))
    uses = {u.column: u for u in result.columns}
    assert uses["Customer Id"].target == "customers.customer_id"
    assert uses["E-mail"].fate == uses["Phone number"].fate == "reported"
    assert "segmint ingest customer_pii FILE --map email=E-mail" in uses["E-mail"].note
    assert (uses["Loyalty Tier"].fate, uses["Loyalty Tier"].target) == ("attribute", "loyalty_tier")
    assert _attributes(mart) == {("c1", "loyalty_tier"): "Gold"}


def test_customer_level_columns_of_a_transactions_file(mart: Mart, tmp_path: Path) -> None:
    text = (
        "CustomerID,InvoiceDate,Total,Country,City,Tier,Colour\n"
        "c1,2024-01-01,10,UK,Leeds,silver,red\n"
        "c1,2024-02-01,12,UK,York,gold,blue\n"
        "c2,2024-01-05,7,FR,Lyon,gold,red\n"
        "c2,2024-01-09,7,FR,Lyon,gold,green\n"
        "c3,2024-01-09,7,DE,,,red\n"
    )
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    uses = {u.column: u for u in result.columns}
    assert list(uses) == ["CustomerID", "InvoiceDate", "Total", "Country", "City", "Tier", "Colour"]
    assert uses["Country"].target == "customers.country"
    assert uses["City"].target == "customers.city"
    assert "1 customers had more than one value" in uses["City"].note
    assert "c1: Leeds, York" in uses["City"].note
    assert (uses["Tier"].fate, uses["Tier"].target) == ("attribute", "tier")
    assert "c1: gold, silver" in uses["Tier"].note  # several values are reported, all kept
    assert uses["Colour"].fate == "reported"
    assert "varies within a customer's rows" in uses["Colour"].note
    customers = mart.table("customers").execute().set_index("customer_id")
    assert customers.loc["c1", "city"] == "York"  # the latest value
    rows = mart.table("customer_attributes").to_pyarrow().to_pylist()
    dated = sorted((r["customer_id"], str(r["updated_at"])[:10], r["value"]) for r in rows)
    assert dated == [
        ("c1", "2024-01-01", "silver"),  # each value dated by its first row
        ("c1", "2024-02-01", "gold"),
        ("c2", "2024-01-05", "gold"),  # its first row
    ]  # c3: no value, no attribute


def test_a_customer_level_value_is_known_from_the_first_row_that_shows_it(
    mart: Mart, tmp_path: Path
) -> None:
    # Dated by the customer's last row, the value was unknown as of every earlier day, and
    # only for customers who ordered again: features as of a past day told who would
    # (a churn model on CDNOW's master id had AUC 1.0 on its evaluation window).
    text = (
        "CustomerID,InvoiceDate,Total,Tier\n"
        "c1,2024-01-01,10,gold\n"
        "c1,2024-03-01,10,gold\n"
        "c2,2024-01-01,10,gold\n"
        "c2,2024-02-01,10,silver\n"
        "c2,2024-02-10,10,gold\n"
        "c2,2024-03-01,10,gold\n"
        "c3,2024-01-01,10,gold\n"
    )
    load(mart, "transactions", write(tmp_path / "t.csv", text))
    rows = mart.table("customer_attributes").to_pyarrow().to_pylist()
    since = sorted((r["customer_id"], str(r["updated_at"])[:10], r["value"]) for r in rows)
    # a value that never changed from its first row; c2's each from the row that began it
    assert since == [
        ("c1", "2024-01-01", "gold"),
        ("c2", "2024-01-01", "gold"),
        ("c2", "2024-02-01", "silver"),
        ("c2", "2024-02-10", "gold"),
        ("c3", "2024-01-01", "gold"),
    ]
    known = known_attributes(mart, dt.date(2024, 1, 15)).execute()
    assert sorted(known.customer_id) == ["c1", "c2", "c3"]  # whether or not they order again


def test_attribute_names_are_normalised_and_unique() -> None:
    assert attribute_name("Loyalty-Tier ") == "loyalty_tier"
    assert attribute_name("Âge (years)") == "âge_years"
    assert attribute_names(["a b", "a_b", "A-B"]) == {"a b": "a_b", "a_b": "a_b_2", "A-B": "a_b_3"}
    assert personal_data("Billing Name") == "personal data"
    assert personal_data("Email (Billing)") == "personal data"
    assert personal_data("home_ownership") is None


def test_an_empty_trailing_column_is_reported_as_empty(mart: Mart, tmp_path: Path) -> None:
    text = "customer_id,order_ts,amount,\nc1,2024-01-05,3,\nc1,2024-01-06,4,\n"
    result = load(mart, "transactions", write(tmp_path / "t.csv", text))
    assert result.rows_loaded == 2
    (empty,) = [u for u in result.columns if u.column not in ("customer_id", "order_ts", "amount")]
    assert empty.fate == "reported"
    assert empty.note.startswith("empty: no loaded row has a value in it")
    assert "varies" not in empty.note
