"""Recognising input files: every unreadable file is a one-line InputError naming it, and
leaves the mart exactly as it was; readable files of every supported shape load."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from segmint.exceptions import InputError
from segmint.mart import Mart
from segmint.mart.files import inspect, table_stem

from .conftest import CUSTOMERS_CSV, column, counts, load, write

LATIN_1_CSV = "customer_id,city\nc9,Zürich\n".encode("latin-1")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "orders.csv"
    folder.mkdir()
    return folder


UNREADABLE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (lambda d: d / "absent.csv", r"absent\.csv: no such file"),
    "folder": (_folder, r"orders\.csv: is a folder; give a file"),
    "empty": (lambda d: write(d / "empty.csv", b""), r"empty\.csv: the file is empty"),
    "blank": (lambda d: write(d / "blank.csv", "  \n\n"), r"blank\.csv: the file is empty"),
    "header only": (
        lambda d: write(d / "header.csv", "customer_id,country\n"),
        r"header\.csv: the file has no data rows",
    ),
    "binary": (
        lambda d: write(d / "garbage.csv", b"customer_id\n\x00\x01\x02\xff\x00"),
        r"garbage\.csv: looks like a binary file.*NUL bytes",
    ),
    "latin-1 read as utf-8": (
        lambda d: write(d / "latin.csv", LATIN_1_CSV),
        r"latin\.csv: not valid utf-8 text.*--encoding",
    ),
    "bad gzip": (
        lambda d: write(d / "broken.csv.gz", b"\x1f\x8b\x08not gzip at all"),
        r"broken\.csv\.gz: not a valid gzip file",
    ),
    "truncated gzip": (
        lambda d: write(d / "cut.csv.gz", gzip.compress(CUSTOMERS_CSV.encode())[:-12]),
        r"cut\.csv\.gz: not a valid gzip file",
    ),
    "parquet suffix, not parquet": (
        lambda d: write(d / "fake.parquet", CUSTOMERS_CSV),
        r"fake\.parquet: named like a Parquet file but is not one",
    ),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_unreadable_file_is_a_clear_error_and_leaves_the_mart_untouched(
    case: str, shop: Mart, tmp_path: Path
) -> None:
    before = counts(shop)
    make, message = UNREADABLE[case]
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as raised:
        load(shop, "customers", path)
    assert "\n" not in str(raised.value)
    assert counts(shop) == before


def test_unknown_encoding_is_named(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "c.csv", CUSTOMERS_CSV)
    with pytest.raises(InputError, match=r"c\.csv: unknown encoding 'klingon'"):
        load(mart, "customers", path, encoding="klingon")
    assert mart.count("ingests") == 0


def test_latin_1_file_loads_with_its_encoding(mart: Mart, tmp_path: Path) -> None:
    result = load(mart, "customers", write(tmp_path / "latin.csv", LATIN_1_CSV), encoding="latin-1")
    assert result.rows_loaded == 1
    assert column(mart, "customers", "city") == ["Zürich"]


@pytest.mark.parametrize(
    ("name", "text", "delimiter"),
    [
        ("c.csv", "customer_id,country\nc1,UK\nc2,FR\n", ","),
        ("c.tsv", "customer_id\tcountry\nc1\tUK\nc2\tFR\n", "\t"),
        ("c.csv", "customer_id;country\nc1;UK\nc2;FR\n", ";"),
        ("c.txt", "customer_id|country\nc1|UK\nc2|FR\n", "|"),
        ("c.txt", "customer_id   country\r\n  c1     UK \r\nc2 FR\r\n", "whitespace"),
    ],
)
def test_delimiter_is_detected_and_the_file_loads(
    name: str, text: str, delimiter: str, mart: Mart, tmp_path: Path
) -> None:
    path = write(tmp_path / name, text)
    assert inspect(path).delimiter == delimiter
    result = load(mart, "customers", path)
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert column(mart, "customers", "customer_id") == ["c1", "c2"]
    assert column(mart, "customers", "country") == ["FR", "UK"]


def test_a_given_delimiter_wins_over_detection(mart: Mart, tmp_path: Path) -> None:
    path = write(tmp_path / "c.tsv", "customer_id\tcity, town\nc1\tParis, France\n")
    assert inspect(path).delimiter == ","  # a tie between tab and comma in the header
    load(mart, "customers", path, delimiter="\t", mapping={"city": "city, town"})
    assert column(mart, "customers", "city") == ["Paris, France"]


def test_parquet_named_csv_is_read_as_parquet(mart: Mart, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    pd.DataFrame({"customer_id": ["p1", "p2"], "birth_year": [1980, 1990]}).to_parquet(path)
    assert inspect(path).format == "parquet"
    result = load(mart, "customers", path)
    assert result.rows_loaded == 2
    assert column(mart, "customers", "birth_year") == [1980, 1990]


def test_gzip_csv_and_json_lines_load(mart: Mart, tmp_path: Path) -> None:
    gz = write(tmp_path / "c.csv.gz", gzip.compress(b"customer_id,country\ng1,UK\n"))
    jsonl = write(
        tmp_path / "c.jsonl", '{"customer_id": "j1", "country": "FR"}\n\n{"customer_id": "j2"}\n'
    )
    assert inspect(gz).compressed
    assert inspect(jsonl).format == "jsonl"
    assert load(mart, "customers", gz).rows_loaded == 1
    assert load(mart, "customers", jsonl).rows_loaded == 2
    assert column(mart, "customers", "customer_id") == ["g1", "j1", "j2"]
    assert column(mart, "customers", "country") == ["FR", "UK", None]


def test_checksum_depends_on_the_bytes_only(tmp_path: Path) -> None:
    a = write(tmp_path / "a.csv", CUSTOMERS_CSV)
    b = write(tmp_path / "b.csv", CUSTOMERS_CSV)
    c = write(tmp_path / "c.csv", CUSTOMERS_CSV + "c4,ES\n")
    assert inspect(a).checksum == inspect(b).checksum != inspect(c).checksum
    assert re.fullmatch(r"[0-9a-f]{64}", inspect(a).checksum)


@pytest.mark.parametrize(
    ("name", "stem"),
    [("orders.csv.gz", "orders"), ("customers.parquet", "customers"), ("events", "events")],
)
def test_table_stem_drops_format_and_compression_suffixes(name: str, stem: str) -> None:
    assert table_stem(Path(name)) == stem


def test_latin_1_byte_after_the_sample_is_an_encoding_error(shop: Mart, tmp_path: Path) -> None:
    head = "customer_id,city\n" + "".join(f"x{i},London\n" for i in range(8_000))
    path = write(tmp_path / "late.csv", head.encode() + "x9,Zürich\n".encode("latin-1"))
    before = counts(shop)
    with pytest.raises(InputError, match=r"late\.csv: .*--encoding"):
        load(shop, "customers", path)
    assert counts(shop) == before
