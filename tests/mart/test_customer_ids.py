"""Customer ids given from Python as numbers are the text ingest stores for them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.customer_ids import customer_id_text, customer_id_texts

from .conftest import column, float_id_orders, load


def test_a_float_column_of_ids_names_the_customers_ingest_stored(
    mart: Mart, tmp_path: Path
) -> None:
    """The ids pandas reads from the file ingest loaded (floats, as Online Retail's
    ``Customer ID``) are written as the ids the mart holds, whatever their number type."""
    path = float_id_orders(tmp_path / "orders.parquet")
    load(mart, "transactions", path)
    read_back = pd.read_parquet(path)["customer_id"]
    assert read_back.dtype == np.float64
    assert sorted(customer_id_texts(read_back)) == column(mart, "customers", "customer_id")
    assert customer_id_texts(read_back.astype(np.int64).to_numpy()) == ["13085", "13078", "12346"]


@pytest.mark.parametrize(
    ("value", "text"),
    [("C-1", "C-1"), ("13085.0", "13085.0"), (7, "7"), (np.int32(7), "7"), (2.5, "2.5")],
)
def test_text_is_kept_as_it_is_and_numbers_lose_a_whole_number_s_point(
    value: object, text: str
) -> None:
    assert customer_id_text(value) == text


def test_one_id_is_a_list_of_one_not_its_characters() -> None:
    assert customer_id_texts("13085") == ["13085"]
    assert customer_id_texts(13085.0) == ["13085"]


def test_a_missing_id_or_a_value_that_is_no_id_is_refused_by_name() -> None:
    with pytest.raises(InputError, match=r"cannot be nan: the id is missing.*dropna"):
        customer_id_text(float("nan"))
    with pytest.raises(TypeError, match=r"text or a number; got None \(NoneType\)"):
        customer_id_text(None)
    with pytest.raises(TypeError, match=r"got True \(bool\)"):
        customer_id_text(True)
