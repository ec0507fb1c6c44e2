"""The mart commands: init, tables, ingest, load, quarantine, ingests.

Data goes to stdout, messages to stderr; a user's mistake is one line on stderr and exit
code 2, never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from segmint.mart import TABLES, connect

from .conftest import Segmint

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CDNOW = PROJECT_ROOT.parent / "shared" / "datasets" / "cdnow" / "CDNOW_master.txt"

CUSTOMERS = "customer_id,country\nc1,UK\nc2,FR\n"
ORDERS = "order_id,cust,when\no1,c1,2024-01-01\no2,c9,2024-01-02\no3,c2,someday\n"


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def loaded(segmint_cli: Segmint, tmp_path: Path) -> Segmint:
    """A mart with two customers and an orders file loaded with one unknown customer and one bad date."""
    assert segmint_cli("ingest", "customers", _write(tmp_path / "c.csv", CUSTOMERS)).exit_code == 0
    result = segmint_cli(
        "ingest",
        "orders",
        _write(tmp_path / "orders.csv", ORDERS),
        "--map",
        "customer_id=cust",
        "--map",
        "order_ts=when",
    )
    assert result.exit_code == 0, result.stderr
    return segmint_cli


def test_init_then_tables(segmint_cli: Segmint) -> None:
    result = segmint_cli("init")
    assert result.exit_code == 0
    assert f"{len(TABLES)} tables ready" in result.stdout
    listing = segmint_cli("tables")
    assert listing.exit_code == 0
    for name in TABLES:
        assert name in listing.stdout
    assert segmint_cli("init").exit_code == 0  # safe to run again


def test_tables_lists_the_tables_commands_write_too(loaded: Segmint) -> None:
    assert loaded("segment", "rfm").exit_code == 0  # writes feature parts and segment runs
    listing = loaded("tables")
    assert listing.exit_code == 0
    with connect(loaded.mart, read_only=True) as mart:
        written = set(mart.con.list_tables()) - set(TABLES)
        counts = {name: mart.count(name) for name in written}
    assert "segment_runs" in written and any(n.startswith("feature_part_") for n in written)
    rows = dict(re.findall(r"│ (\w+)\s+│ ([\d,]+)\s+│", listing.stdout))
    for name, count in counts.items():
        assert rows[name] == f"{count:,}"


def test_tables_of_a_missing_mart_is_a_one_line_error(segmint_cli: Segmint) -> None:
    result = segmint_cli("tables")
    assert result.exit_code == 2
    assert "no mart at" in _one_line_error(result.stderr)
    assert not segmint_cli.mart.exists()


def test_ingest_prints_the_reconciliation(loaded: Segmint, tmp_path: Path) -> None:
    result = loaded(
        "ingest", "customers", _write(tmp_path / "more.csv", "customer_id,shoe\nc3,42\nc1,40\n")
    )
    assert result.exit_code == 0
    # c1 is known already, but its shoe size is new: both rows add something.
    assert "more.csv → customers: read 2 = loaded 2 + duplicates 0 + quarantined 0" in result.stdout
    assert "wrote 1 customers, 2 customer_attributes" in result.stdout
    assert "columns: 2 in = 1 loaded + 1 attributes + 0 ignored + 0 not loaded" in result.stdout
    assert "shoe → attribute shoe" in result.stdout


def test_ingest_with_rejects_points_at_the_quarantine(segmint_cli: Segmint, tmp_path: Path) -> None:
    result = segmint_cli(
        "ingest",
        "orders",
        _write(tmp_path / "orders.csv", ORDERS),
        "--map",
        "customer_id=cust",
        "--map",
        "order_ts=when",
        "--create-customers",
    )
    assert result.exit_code == 0
    assert "read 3 = loaded 2 + duplicates 0 + quarantined 1" in result.stdout
    assert "segmint quarantine --ingest 1" in result.stdout


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, r"missing\.csv: no such file"),
        ("empty.csv", b"", r"empty\.csv: the file is empty"),
        ("garbage.csv", b"\x00\x01binary\x00", r"garbage\.csv: looks like a binary file"),
        (
            "latin.csv",
            "customer_id,city\nc1,Zürich\n".encode("latin-1"),
            r"latin\.csv: .*--encoding",
        ),
        ("broken.csv.gz", b"\x1f\x8b\x08junk", r"broken\.csv\.gz: not a valid gzip file"),
    ],
)
def test_unreadable_input_is_exit_2_and_one_line(
    segmint_cli: Segmint, tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        _write(path, content)
    result = segmint_cli("ingest", "customers", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert re.search(message, _one_line_error(result.stderr))


def test_encoding_option_loads_a_latin_1_file(segmint_cli: Segmint, tmp_path: Path) -> None:
    path = _write(tmp_path / "latin.csv", "customer_id,city\nc1,Zürich\n".encode("latin-1"))
    result = segmint_cli("ingest", "customers", path, "--encoding", "latin-1", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["rows_loaded"] == 1


def test_delimiter_and_date_format_options(segmint_cli: Segmint, tmp_path: Path) -> None:
    path = _write(tmp_path / "t.txt", "customer_id;order_ts;amount\nc1;01/02/2024;5,50\n")
    result = segmint_cli(
        "ingest",
        "transactions",
        path,
        "--delimiter",
        ";",
        "--date-format",
        "%d/%m/%Y",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["rows_loaded"] == 1


def test_a_semicolon_file_with_decimal_commas_stores_the_amounts_it_shows(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    text = (
        "customer_id;order_ts;amount\nc1;2024-01-05;10,50\nc2;2024-01-06;1.234,56\n"
        "c3;2024-01-07;3,99\n"
    )
    result = segmint_cli("ingest", "transactions", _write(tmp_path / "euro.csv", text))
    assert result.exit_code == 0, result.stderr
    assert "read 3 = loaded 3 + duplicates 0 + quarantined 0" in result.stdout
    assert "values read: amount with a decimal comma" in result.stdout
    with connect(segmint_cli.mart, read_only=True) as mart:
        lines = mart.table("order_lines").join(mart.table("orders"), "order_id")
        frame = lines.select("customer_id", "unit_price").execute()
    stored = dict(zip(frame.customer_id, frame.unit_price, strict=True))
    assert stored == pytest.approx({"c1": 10.5, "c2": 1234.56, "c3": 3.99})


def test_numbers_that_read_both_ways_stop_with_the_decimal_flags(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = _write(tmp_path / "t.csv", "customer_id;order_ts;amount\nc1;2024-01-05;1,250\n")
    result = segmint_cli("ingest", "transactions", path)
    assert result.exit_code == 2
    assert "--decimal . or --decimal ," in _one_line_error(result.stderr)
    forced = segmint_cli("ingest", "transactions", path, "--decimal", ",", "--format", "json")
    assert forced.exit_code == 0, forced.stderr
    assert json.loads(forced.stdout)[0]["readings"] == ["amount with a decimal comma (--decimal ,)"]


def test_a_dry_run_says_what_it_would_write(segmint_cli: Segmint, tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "customer_id,order_ts,amount\nc1,2024-01-05,3\n")
    result = segmint_cli("ingest", "transactions", path, "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "  would write 1 customers, 1 orders, 1 order_lines" in result.stdout
    assert "wrote" not in result.stdout


def test_a_load_that_writes_nothing_prints_no_wrote_line(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    path = _write(tmp_path / "t.csv", "customer_id,order_ts,amount\nc1,someday,3\n")
    result = segmint_cli("ingest", "transactions", path)
    assert result.exit_code == 0, result.stderr
    assert "read 1 = loaded 0 + duplicates 0 + quarantined 1" in result.stdout
    assert "wrote" not in result.stdout


def test_json_output_parses_and_reconciles(loaded: Segmint, tmp_path: Path) -> None:
    path = _write(tmp_path / "c2.csv", "customer_id\nc5\nc5\n\n")
    result = loaded("ingest", "customers", path, "--format", "json")
    [record] = json.loads(result.stdout)
    assert (
        record["rows_read"]
        == record["rows_loaded"] + record["rows_duplicate"] + record["rows_quarantined"]
    )
    assert (record["table"], record["rows_loaded"], record["rows_duplicate"]) == ("customers", 1, 1)
    again = json.loads(loaded("ingest", "customers", path, "--format", "json").stdout)
    assert again[0]["already_loaded"] is True


def test_csv_output_has_a_header_and_a_row(loaded: Segmint, tmp_path: Path) -> None:
    result = loaded(
        "ingest", "customers", _write(tmp_path / "c3.csv", "customer_id\nc7\n"), "--format", "csv"
    )
    header, row = result.stdout.strip().splitlines()
    assert header.split(",")[:2] == ["ingest_id", "table"]
    assert row.split(",")[1] == "customers"


def test_csv_output_keeps_a_file_name_with_commas_in_one_cell(
    loaded: Segmint, tmp_path: Path
) -> None:
    path = _write(tmp_path / "=shop, 2024.csv", "customer_id\nc8\n")
    result = loaded("ingest", "customers", path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    header, row = list(csv.reader(io.StringIO(result.stdout)))
    assert len(row) == len(header)
    assert row[header.index("source")].endswith("=shop, 2024.csv")
    assert row[header.index("rows_loaded")] == "1"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            "customer_id",
            r"--map customer_id: expected target=source, e\.g\. --map customer_id=Cust",
        ),
        ("=cust", r"--map =cust: expected target=source"),
        ("customer_id=client", r"--map customer_id=client: the file has no column 'client'"),
        ("buyer=cust", r"--map buyer=cust: 'buyer' is not a column of orders"),
    ],
)
def test_map_errors(segmint_cli: Segmint, tmp_path: Path, mapping: str, message: str) -> None:
    result = segmint_cli(
        "ingest", "orders", _write(tmp_path / "orders.csv", ORDERS), "--map", mapping
    )
    assert result.exit_code == 2
    assert re.search(message, _one_line_error(result.stderr))


def test_missing_column_suggests_the_map(segmint_cli: Segmint, tmp_path: Path) -> None:
    result = segmint_cli("ingest", "orders", _write(tmp_path / "orders.csv", ORDERS))
    assert result.exit_code == 2
    line = _one_line_error(result.stderr)
    assert "has no column 'customer_id', 'order_ts' needed for orders" in line
    assert "--map customer_id=<column> --map order_ts=<column>" in line


def test_a_file_without_a_header_line_is_said_to_lack_one(segmint_cli: Segmint) -> None:
    # The CDNOW sample has no header: its first line of data was taken for column names,
    # and the refusal asked for --map flags naming those numbers.
    sample = CDNOW.with_name("CDNOW_sample.txt")
    for flags in ((), ("--map", "customer_id=sample_id")):
        result = segmint_cli("ingest", "transactions", str(sample), "--dry-run", *flags)
        assert result.exit_code == 2
        line = _one_line_error(result.stderr)
        assert "found ['00004', '0001', '19970101', '2', '29.33']" in line
        assert line.endswith(
            "Its first line holds values, not column names: the file seems to have no header "
            "line. Add one naming its columns (the mart's names, such as customer_id, "
            "order_ts) and load it again."
        )


def test_unknown_table_is_exit_2(segmint_cli: Segmint, tmp_path: Path) -> None:
    result = segmint_cli("ingest", "clients", _write(tmp_path / "c.csv", CUSTOMERS))
    assert result.exit_code == 2
    assert "unknown table 'clients'" in _one_line_error(result.stderr)


def test_quarantine_lists_reasons_and_rows(loaded: Segmint) -> None:
    result = loaded("quarantine")
    assert result.exit_code == 0
    assert "unknown customer_id '…'" in result.stdout
    assert "order_ts: cannot read 'someday' as a timestamp" in result.stdout
    assert "2 of 2 rejected rows" in result.stdout


def test_quarantine_shows_the_current_entry_of_a_row_and_the_superseded_on_request(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    text = 'customer_id,order_id,order_ts,amount\nc1,t1,2024-01-02,"1.2,3.4"\n'
    path = _write(tmp_path / "lines.csv", text)
    for decimal in (",", "."):
        result = segmint_cli("ingest", "transactions", path, "--decimal", decimal)
        assert result.exit_code == 0, result.stderr
    rows = json.loads(segmint_cli("quarantine", "--format", "json").stdout)
    assert [(r["ingest_id"], r["reason"][-13:]) for r in rows] == [(2, "decimal point")]
    shown = segmint_cli("quarantine").stdout
    assert "1 of 1 rejected rows" in shown
    assert "1 earlier entry is not shown: a later load of the same file rejected" in shown
    every = segmint_cli("quarantine", "--superseded", "--format", "json").stdout
    assert [r["ingest_id"] for r in json.loads(every)] == [2, 1]


def test_quarantine_leaves_out_the_entry_of_a_row_a_later_load_let_in(
    loaded: Segmint, tmp_path: Path
) -> None:
    assert (
        loaded("ingest", "customers", _write(tmp_path / "c9.csv", "customer_id\nc9\n")).exit_code
        == 0
    )
    again = loaded(
        "ingest",
        "orders",
        tmp_path / "orders.csv",
        "--map",
        "customer_id=cust",
        "--map",
        "order_ts=when",
    )
    assert "read 3 = loaded 1 + duplicates 2 + quarantined 0" in again.stdout
    assert "1 row was let in that an earlier load of this file quarantined" in again.stdout
    shown = loaded("quarantine").stdout
    assert "1 of 1 rejected rows" in shown and "someday" in shown and "'c9'" not in shown
    assert "1 earlier entry is not shown: a later load of the same file let the row in" in shown
    every = json.loads(loaded("quarantine", "--superseded", "--format", "json").stdout)
    assert [(r["row_number"], r["let_in_by"]) for r in every] == [(2, 4), (3, None)]
    assert "let in by load" in loaded("quarantine", "--superseded").stdout


def test_quarantine_json_and_csv(loaded: Segmint) -> None:
    rows = json.loads(loaded("quarantine", "--format", "json").stdout)
    assert [(r["row_number"], r["ingest_id"]) for r in rows] == [(2, 2), (3, 2)]
    assert json.loads(rows[1]["raw"]) == {"order_id": "o3", "cust": "c2", "when": "someday"}
    filtered = json.loads(loaded("quarantine", "--reason", "timestamp", "--format", "json").stdout)
    assert [r["row_number"] for r in filtered] == [3]
    assert json.loads(loaded("quarantine", "--ingest", "1", "--format", "json").stdout) == []
    csv_lines = loaded("quarantine", "--format", "csv", "--limit", "1").stdout.strip().splitlines()
    assert csv_lines[0] == "ingest_id,source,row_number,reason,raw"
    assert len(csv_lines) == 2


def test_ingests_lists_every_load(loaded: Segmint) -> None:
    records = json.loads(loaded("ingests", "--format", "json").stdout)
    assert [(r["ingest_id"], r["table_name"], r["rows_quarantined"]) for r in records] == [
        (2, "orders", 2),
        (1, "customers", 0),
    ]
    human = loaded("ingests").stdout
    assert "orders" in human and "customers" in human


def test_load_folder_parents_first_and_skips_unmatched(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder / "orders.csv", "order_id,customer_id,order_ts\no1,c1,2024-01-01\n")
    _write(folder / "customers.csv", CUSTOMERS)
    _write(folder / "notes.txt", "hello\n")
    result = segmint_cli("load", folder, "--format", "json")
    assert result.exit_code == 0, result.stderr
    records = json.loads(result.stdout)
    assert [(r["table"], r["rows_loaded"], r["rows_quarantined"]) for r in records] == [
        ("customers", 2, 0),
        ("orders", 1, 0),
    ]
    assert "skipped notes.txt: no mart table of that name" in result.stderr


def test_load_folder_with_two_files_for_one_table_is_exit_2(
    segmint_cli: Segmint, tmp_path: Path
) -> None:
    _write(tmp_path / "orders.csv", "order_id\no1\n")
    _write(tmp_path / "orders.jsonl", '{"order_id": "o1"}\n')
    result = segmint_cli("load", tmp_path)
    assert result.exit_code == 2
    assert "two files for table orders" in _one_line_error(result.stderr)


def test_a_real_process_exits_2_without_traceback(tmp_path: Path) -> None:
    command = [
        sys.executable,
        "-c",
        "from segmint.cli.main import app; app()",
        "ingest",
        "orders",
        str(tmp_path / "absent.csv"),
        "--mart",
        str(tmp_path / "m.duckdb"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "absent.csv: no such file" in _one_line_error(done.stderr)


@pytest.mark.slow
def test_readme_cdnow_worked_example(segmint_cli: Segmint) -> None:
    result = segmint_cli(
        "ingest",
        "transactions",
        CDNOW,
        "--date-format",
        "%Y%m%d",
        "--map",
        "order_ts=date",
        "--map",
        "quantity=number_of_cds",
        "--map",
        "amount=dollar_value",
    )
    assert result.exit_code == 0, result.stderr
    assert "read 69,659 = loaded 69,659 + duplicates 0 + quarantined 0" in result.stdout
    assert "wrote 23,570 customers, 67,591 orders, 69,659 order_lines" in result.stdout
