"""Age, age band and the customers table's descriptive columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

from segmint.mart import Mart

Rows = dict[str, dict[str, Any]]


def test_demographics_of_the_main_fixture(rows: Rows) -> None:
    c1 = rows["c1"]
    assert (c1["age"], c1["age_band"], c1["gender"]) == (34, "25-34", "F")
    assert (c1["country"], c1["region"], c1["city"]) == ("UK", "London", "London")
    assert c1["acquisition_channel"] == "search"
    assert (rows["c2"]["age"], rows["c2"]["age_band"]) == (24, "18-24")
    assert (rows["c3"]["age"], rows["c3"]["age_band"], rows["c3"]["gender"]) == (None,) * 3


BANDS = {2010: "<18", 2006: "18-24", 2000: "18-24", 1999: "25-34", 1980: "35-44"}
BANDS |= {1970: "45-54", 1960: "55-64", 1959: "65+", 1930: "65+"}


def test_age_band_boundaries(empty_mart: Mart, insert_rows: Any, features_of: Any) -> None:
    signup = dt.date(2020, 1, 1)
    insert_rows(
        empty_mart,
        "customers",
        [{"customer_id": str(y), "signup_date": signup, "birth_year": y} for y in BANDS],
    )
    rows = features_of(empty_mart, "2024-06-30")
    got = {int(c): (row["age"], row["age_band"]) for c, row in rows.items()}
    assert got == {year: (2024 - year, band) for year, band in BANDS.items()}
