"""Which names from a file can be mart columns, and what the refusals say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.column_names import check_names, refusal, shown

from .conftest import load, quarantine, write


@pytest.mark.parametrize(
    "name", ["customer_id", 'a"b', "a'b", "a;b", "a\\b", "顧客", "Khách hàng", "x" * 255]
)
def test_names_with_quotes_semicolons_and_any_script_are_accepted(name: str) -> None:
    assert refusal(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is empty"),
        ("  ", "is empty"),
        ("a\x00b", r"control characters \(U\+0000\)"),
        ("a\nb\tc", r"control characters \(U\+0009, U\+000A\)"),
        ("x" * 256, "is 256 characters long"),
        ("_row", "bookkeeping"),
        ("_Segmint_k", "bookkeeping"),
        ("FILE_ROW_NUMBER", "bookkeeping"),
    ],
)
def test_unusable_names_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(InputError, match=rf"f\.csv: the column .* {reason}.*Rename it"):
        check_names(["customer_id", name], "f.csv")


def test_names_that_differ_only_in_case_are_refused() -> None:
    with pytest.raises(InputError, match=r"the keys 'Email' and 'email' differ only in case"):
        check_names(["Email", "email"], "f.jsonl", what="key")


def test_a_long_name_is_shown_cut_short_with_its_length() -> None:
    assert shown("y" * 10_000) == repr("y" * 60) + "… (10,000 characters)"


def test_json_objects_with_an_unusable_or_repeated_key_are_quarantined(
    mart: Mart, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"customer_id": "c1", "country": "UK"}),
        json.dumps({"customer_id": "c2", "bad\x00key": "x"}),
        '{"customer_id": "c3", "country": "FR", "country": "DE"}',
        json.dumps({"customer_id": "c4", "_row": "7"}),
    ]
    result = load(mart, "customers", write(tmp_path / "c.jsonl", "\n".join(lines) + "\n"))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
    reasons = {r["row_number"]: r["reason"] for r in quarantine(mart)}
    assert reasons == {
        2: "the key 'bad\\x00key' contains control characters (U+0000)",
        3: "the JSON object repeats a key",
        4: "the key '_row' is a name segmint uses for its own bookkeeping",
    }
    raws = {r["row_number"]: r["raw"] for r in quarantine(mart)}
    assert raws[3] == lines[2]


def test_a_parquet_column_name_with_a_nul_is_refused(mart: Mart, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "c.parquet"
    pq.write_table(pa.table({"customer_id": ["c1"], "a\x00b": ["x"]}), path)
    with pytest.raises(InputError, match=r"c\.parquet: the column 'a\\x00b' contains control"):
        load(mart, "customers", path)
    assert mart.count("customers") == 0
