"""A customers file's signup date replaces the one segmint derived from the first order,
never one a file gave."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from segmint.features.build import build_features
from segmint.mart import Mart
from segmint.mart.signups import derived_signups

from .conftest import load, write

SALES = (
    "customer_id,order_ts,amount\n"
    "c1,2024-03-05,10\n"
    "c1,2024-03-01,12\n"  # c1's first order: its derived signup date
    "c2,2024-03-02,7\n"
)


def _signups(mart: Mart) -> dict[str, dt.date]:
    frame = mart.table("customers").execute()
    return {r.customer_id: r.signup_date.date() for r in frame.itertuples()}


def test_a_customers_file_replaces_the_signup_date_derived_from_the_orders(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "sales.csv", SALES))
    assert _signups(mart) == {"c1": dt.date(2024, 3, 1), "c2": dt.date(2024, 3, 2)}
    people = "customer_id,signup_date\nc1,2023-06-01\nc2,2024-03-02\n"  # c2: the same date
    result = load(mart, "customers", write(tmp_path / "people.csv", people))
    assert result.reconciles
    assert (result.rows_loaded, result.rows_duplicate, result.rows_quarantined) == (1, 1, 0)
    assert result.written == {"customers": 0, "customers updated": 1}
    assert _signups(mart) == {"c1": dt.date(2023, 6, 1), "c2": dt.date(2024, 3, 2)}
    note = {u.column: u.note for u in result.columns}["signup_date"]
    assert "the derived value of 1 existing customers replaced by the file's" in note
    assert "another value" not in note


def test_a_signup_date_a_file_gave_is_kept(mart: Mart, tmp_path: Path) -> None:
    load(mart, "transactions", write(tmp_path / "sales.csv", SALES))
    load(mart, "customers", write(tmp_path / "a.csv", "customer_id,signup_date\nc1,2023-06-01\n"))
    result = load(
        mart, "customers", write(tmp_path / "b.csv", "customer_id,signup_date\nc1,2022-01-01\n")
    )
    assert (result.rows_loaded, result.rows_duplicate) == (0, 1)
    assert _signups(mart)["c1"] == dt.date(2023, 6, 1)
    note = {u.column: u.note for u in result.columns}["signup_date"]
    assert "c1: 2023-06-01 kept, the file says 2022-01-01" in note


def test_customers_loaded_from_a_customers_file_keep_their_signup_date(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "customers", write(tmp_path / "a.csv", "customer_id,signup_date\nc1,2024-03-01\n"))
    load(mart, "transactions", write(tmp_path / "sales.csv", SALES))
    assert set(derived_signups(mart).customer_id.execute()) == {"c2"}
    result = load(
        mart, "customers", write(tmp_path / "b.csv", "customer_id,signup_date\nc1,2020-01-01\n")
    )
    assert result.written.get("customers updated", 0) == 0
    assert _signups(mart)["c1"] == dt.date(2024, 3, 1)


def test_the_next_command_counts_tenure_from_the_replaced_date(mart: Mart, tmp_path: Path) -> None:
    day = dt.date(2024, 4, 1)
    load(mart, "transactions", write(tmp_path / "sales.csv", SALES))
    before = build_features(mart, day, ["tenure_days"]).to_pandas().set_index("customer_id")
    assert before.tenure_days["c1"] == (day - dt.date(2024, 3, 1)).days
    load(mart, "customers", write(tmp_path / "b.csv", "customer_id,signup_date\nc1,2023-06-01\n"))
    after = build_features(mart, day, ["tenure_days"]).to_pandas().set_index("customer_id")
    assert after.tenure_days["c1"] == (day - dt.date(2023, 6, 1)).days


WEB = (
    "event_id,customer_id,event_ts,event_type\n"
    "e1,c1,2024-03-03 10:00,page_view\n"
    "e2,v9,2024-03-20 23:50,add_to_cart\n"
    "e3,v9,2024-03-09 08:00,page_view\n"  # v9's first event: the day they became known
)


def test_customers_an_events_file_creates_are_dated_by_their_first_event(
    mart: Mart, tmp_path: Path
) -> None:
    load(mart, "transactions", write(tmp_path / "sales.csv", SALES))
    result = load(mart, "events", write(tmp_path / "web.csv", WEB), create_customers=True)
    assert (result.rows_loaded, result.written["customers"]) == (3, 1)
    assert _signups(mart)["v9"] == dt.date(2024, 3, 9)
    assert _signups(mart)["c1"] == dt.date(2024, 3, 1)  # an existing customer is unchanged
    # a prospect known only from the site has a feature row: the carts count somewhere
    rows = build_features(mart, dt.date(2024, 3, 31), ["cart_adds", "sessions"]).to_pandas()
    v9 = rows.set_index("customer_id").loc["v9"]
    assert (v9.cart_adds, v9.sessions) == (1, 2)
    # and the real signup date of a later customers file replaces the derived one
    people = "customer_id,signup_date\nv9,2023-11-30\n"
    replaced = load(mart, "customers", write(tmp_path / "people.csv", people))
    assert replaced.written == {"customers": 0, "customers updated": 1}
    assert _signups(mart)["v9"] == dt.date(2023, 11, 30)
