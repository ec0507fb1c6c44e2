"""Bringing your own data through the CLI: guessed mappings, presets, sheets, --ignore,
--dry-run and ``segmint quickstart``."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

import pytest
import xlsxwriter

from .conftest import Segmint, assert_limit_advised
from .test_clv_commands import CDNOW

DATA = Path(__file__).resolve().parents[1] / "mart" / "data"
RETAIL_CSV = (
    "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085,United Kingdom\n"
    "489435,22350,CAT BOWL,12,2009-12-01 07:46:00,2.55,13085,United Kingdom\n"
    "C489449,22350,CAT BOWL,-12,2009-12-01 10:33:00,2.55,13085,United Kingdom\n"
    "489436,21523,DOORMAT,10,2009-12-01 09:06:00,5.95,13078,United Kingdom\n"
    "489437,21523,DOORMAT,2,2009-12-01 09:08:00,5.95,,United Kingdom\n"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_ingest_without_map_prints_the_guessed_mapping_as_flags(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = _write(tmp_path / "retail.csv", RETAIL_CSV)
    result = segmint_cli("ingest", "transactions", path)
    assert result.exit_code == 0, result.stderr
    assert "read 5 = loaded 4 + duplicates 0 + quarantined 1" in result.stdout
    line = next(x for x in result.stdout.splitlines() if "mapping guessed; to repeat it:" in x)
    flags = shlex.split(line.split("to repeat it:")[1])
    assert flags[0::2] == ["--map"] * 8
    assert {"order_id=Invoice", "customer_id=Customer ID", "unit_price=Price"} <= set(flags)
    assert "columns: 8 in = 8 loaded + 0 attributes + 0 ignored + 0 not loaded" in result.stdout
    assert (
        "1 new return or cancellation order; 1 of its lines is booked on the order it reverses"
        in result.stdout
    )
    fresh = tmp_path / "preview.duckdb"
    preview = segmint_cli("ingest", "transactions", path, "--dry-run", "--mart", fresh, mart=False)
    assert "1 of its lines is booked on the order it reverses" in preview.stdout
    assert "were" not in preview.stdout and "wrote" not in preview.stdout  # nothing happened
    # The printed flags load the same file the same way (into a fresh mart).
    again = segmint_cli(
        "ingest",
        "transactions",
        path,
        *flags,
        "--no-guess",
        "--mart",
        tmp_path / "b.duckdb",
        mart=False,
    )
    assert again.exit_code == 0, again.stderr
    assert "read 5 = loaded 4 + duplicates 0 + quarantined 1" in again.stdout


def test_an_ambiguous_file_stops_with_the_flags_to_choose(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = _write(
        tmp_path / "t.csv",
        "customer_id,Order Date,Invoice Date,amount\nc1,2024-01-02,2024-01-03,3\n",
    )
    result = segmint_cli("ingest", "transactions", path)
    assert result.exit_code == 2
    assert "--map 'order_ts=Order Date' or --map 'order_ts=Invoice Date'" in result.stderr
    assert "Traceback" not in result.stderr


def test_dry_run_writes_nothing_and_says_what_would_be_quarantined(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = _write(tmp_path / "retail.csv", RETAIL_CSV)
    missing = segmint_cli("ingest", "transactions", path, "--dry-run")
    assert missing.exit_code == 0, missing.stderr
    assert not segmint_cli.mart.exists()  # not even created
    assert missing.stdout.startswith("dry run, nothing written: ")
    assert "would quarantine 1: missing customer_id" in missing.stdout
    assert segmint_cli("init").exit_code == 0
    before = hashlib.sha256(segmint_cli.mart.read_bytes()).hexdigest()
    result = segmint_cli("ingest", "transactions", path, "--dry-run", "--format", "json")
    assert result.exit_code == 0, result.stderr
    (document,) = json.loads(result.stdout)
    assert document["dry_run"] and document["rows_loaded"] == 4
    assert document["quarantine_reasons"] == [{"reason": "missing customer_id", "rows": 1}]
    assert [c["fate"] for c in document["columns"]] == ["loaded"] * 8
    assert hashlib.sha256(segmint_cli.mart.read_bytes()).hexdigest() == before


def test_a_dry_run_into_a_spark_warehouse_not_made_yet_creates_nothing(
    segmint_cli: Segmint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    path = _write(tmp_path / "retail.csv", RETAIL_CSV)
    warehouse = tmp_path / "wh"
    dry = segmint_cli(
        "--engine",
        "pyspark",
        "ingest",
        "transactions",
        path,
        "--dry-run",
        "--mart",
        warehouse,
        mart=False,
    )
    assert dry.exit_code == 0, dry.stderr
    assert "would quarantine 1: missing customer_id" in dry.stdout
    assert not warehouse.exists() and not (tmp_path / ":memory:").exists()


def test_preset_sheet_and_ignore(segmint_cli: Segmint, tmp_path: Path) -> None:
    shopify = segmint_cli(
        "ingest", "transactions", DATA / "shopify_orders_export.csv", "--preset", "shopify"
    )
    assert shopify.exit_code == 0, shopify.stderr
    assert "read 7 = loaded 7" in shopify.stdout
    assert "Email → customer_pii.email" in shopify.stdout
    book = xlsxwriter.Workbook(str(tmp_path / "people.xlsx"))
    book.add_worksheet("Readme").write(0, 0, "notes")
    sheet = book.add_worksheet("People")
    for r, row in enumerate(
        [["Customer Id", "Age", "Income", "Shoe"], ["c9", "25-34", "50-74K", 42]]
    ):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.close()
    result = segmint_cli(
        "ingest", "customers", tmp_path / "people.xlsx", "--sheet", "People", "--ignore", "Shoe"
    )
    assert result.exit_code == 0, result.stderr
    assert "columns: 4 in = 1 loaded + 2 attributes + 1 ignored + 0 not loaded" in result.stdout
    assert "Shoe ignored (--ignore)" in result.stdout
    bad = segmint_cli("ingest", "customers", tmp_path / "people.xlsx", "--sheet", "Nope")
    assert bad.exit_code == 2 and "its sheets are ['Readme', 'People']" in bad.stderr


def test_quickstart_loads_segments_and_says_what_next(segmint_cli: Segmint, tmp_path: Path) -> None:
    result = segmint_cli(
        "quickstart", DATA / "uci_online_retail.csv", "--preset", "uci-online-retail"
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "read 17 = loaded 16 + duplicates 0 + quarantined 1" in out
    assert "rfm as of 2010-12-15:" in out and "lifecycle as of 2010-12-15:" in out
    assert "money over the 365 days" in out and "total" in out
    assert "What next" in out and f"segmint report --mart {segmint_cli.mart}" in out
    assert "CLV not fitted: 1 customers bought more than once" in result.stderr
    document = json.loads(
        segmint_cli(
            "quickstart",
            DATA / "uci_online_retail.csv",
            "--preset",
            "uci-online-retail",
            "--format",
            "json",
        ).stdout,
        parse_constant=_not_json,  # NaN and Infinity are no JSON
    )
    assert document["load"]["summary"].endswith("(this file was loaded before; nothing added)")
    assert set(document["segmentations"]) == {"rfm", "lifecycle"}
    assert document["personas"] and document["next_steps"]
    # the file carries prices and no unit cost: margin and profit are unknown, not 0
    assert document["costs_known"] is False
    assert document["money"] and {row["gross_margin"] for row in document["money"]} == {None}
    assert {row["profit"] for row in document["money"]} == {None}
    assert {card["profit_per_member"] for card in document["personas"]} == {None}


def test_quickstart_sets_the_currency_and_shows_its_money_in_it(segmint_cli: Segmint) -> None:
    retail = (DATA / "uci_online_retail.csv", "--preset", "uci-online-retail")
    bad = segmint_cli("quickstart", *retail, "--currency", "pounds")
    assert bad.exit_code != 0 and "currency 'pounds' is not an ISO 4217 code" in bad.stderr
    assert not segmint_cli.mart.exists()  # refused before anything was loaded
    result = segmint_cli("quickstart", *retail, "--currency", "gbp")
    assert result.exit_code == 0, result.stderr
    assert "revenue (GBP)" in result.stdout
    again = segmint_cli("quickstart", *retail, "--format", "json")  # the one set stays
    assert json.loads(again.stdout)["currency"] == "GBP"


def test_quickstart_clv_fits_stopped_at_their_iteration_limit_advise_the_flag(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    rows = [line.split() for line in CDNOW.read_text(encoding="utf-8").splitlines()]
    lines = [f"{r[1]},{r[2][:4]}-{r[2][4:6]}-{r[2][6:]},{r[3]},{r[4]}" for r in rows]
    orders = _write(tmp_path / "cdnow.csv", "\n".join(["id,date,cds,dollars", *lines]))
    maps = ["customer_id=id", "order_ts=date", "quantity=cds", "amount=dollars"]
    result = segmint_cli(
        "quickstart", orders, *(a for m in maps for a in ("--map", m)), "--max-iter", "2"
    )
    assert result.exit_code == 0, result.stderr
    assert "CLV not fitted" not in result.stderr
    assert_limit_advised(result.stderr, 2)


def test_load_applies_a_preset_to_the_transactions_file_only(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    (folder / "transactions.csv").write_bytes((DATA / "shopify_orders_export.csv").read_bytes())
    _write(folder / "products.csv", "product_id,name,category\nMUG-01,Mug,kitchen\n")
    result = segmint_cli("load", folder, "--preset", "shopify")
    assert result.exit_code == 0, result.stderr
    assert "products.csv → products: read 1 = loaded 1" in result.stdout
    assert "transactions.csv → transactions: read 7 = loaded 7" in result.stdout
    assert "customer_id=_segmint" not in result.stdout


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")
