"""The dirt in the files is exactly what ``dirty_manifest.json`` says was injected."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segmint.synth import generate, synthesize
from segmint.synth.dirty import PLAN, as_text_dates

N, SEED, RATE = 2_500, 21, 0.05


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dirty_parquet")
    synthesize(out, N, seed=SEED, dirty_rate=RATE)
    return out


@pytest.fixture(scope="module")
def files(parquet_dir: Path) -> dict[str, pa.Table]:
    return {name: pq.read_table(parquet_dir / f"{name}.parquet") for name in PLAN}


@pytest.fixture(scope="module")
def injected(parquet_dir: Path) -> dict[str, dict[str, object]]:
    manifest = json.loads((parquet_dir / "dirty_manifest.json").read_text())
    assert manifest["dirty_rate"] == RATE
    tables: dict[str, dict[str, object]] = manifest["tables"]
    return tables


@pytest.fixture(scope="module")
def clean() -> dict[str, pa.Table]:
    return generate(N, seed=SEED)


def _parses(text: str | None) -> bool:
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            dt.datetime.strptime(str(text), fmt)
        except ValueError:
            continue
        return True
    return False


def _kinds(injected: dict[str, dict[str, object]], name: str) -> dict[str, int]:
    counts: dict[str, int] = injected[name]["injected"]  # type: ignore[assignment]
    return counts


def test_manifest_counts_rows(
    files: dict[str, pa.Table], injected: dict[str, dict[str, object]], clean: dict[str, pa.Table]
) -> None:
    assert set(injected) == set(PLAN)
    for name, entry in injected.items():
        assert entry["rows_in_file"] == files[name].num_rows, name
        assert entry["rows_clean"] == clean[name].num_rows, name
        kinds = _kinds(injected, name)
        assert "malformed_line" not in kinds  # Parquet cannot hold a malformed line
        assert sum(kinds.values()) == files[name].num_rows - clean[name].num_rows
        assert 0.02 < sum(kinds.values()) / clean[name].num_rows < 0.08, name


def test_negative_prices(
    files: dict[str, pa.Table], injected: dict[str, dict[str, object]]
) -> None:
    for name, column in [("products", "list_price"), ("order_lines", "unit_price")]:
        negative = pc.sum(pc.less(files[name].column(column), 0)).as_py()
        assert negative == _kinds(injected, name)["negative_price"], name


def test_unknown_references(
    files: dict[str, pa.Table], injected: dict[str, dict[str, object]]
) -> None:
    lines, orders = files["order_lines"], files["orders"]
    unknown_product = pc.invert(
        pc.is_in(lines.column("product_id"), value_set=files["products"].column("product_id"))
    )
    assert pc.sum(unknown_product).as_py() == _kinds(injected, "order_lines")["unknown_product"]
    unknown_customer = pc.invert(
        pc.is_in(orders.column("customer_id"), value_set=files["customers"].column("customer_id"))
    )
    assert pc.sum(unknown_customer).as_py() == _kinds(injected, "orders")["unknown_customer"]


def test_duplicates(files: dict[str, pa.Table], injected: dict[str, dict[str, object]]) -> None:
    for name, kinds in ((n, _kinds(injected, n)) for n in PLAN):
        table = files[name]
        distinct = table.group_by(table.column_names).aggregate([]).num_rows
        assert table.num_rows - distinct == kinds["exact_duplicate"], name
    orders = files["orders"]
    distinct_keys = len(pc.unique(orders.column("order_id")))
    conflicting = orders.num_rows - distinct_keys - _kinds(injected, "orders")["exact_duplicate"]
    assert conflicting == _kinds(injected, "orders")["conflicting_duplicate"]


def test_bad_and_future_dates(
    files: dict[str, pa.Table], injected: dict[str, dict[str, object]]
) -> None:
    for name, column in [
        ("customers", "signup_date"),
        ("orders", "order_ts"),
        ("events", "event_ts"),
    ]:
        values = files[name].column(column).to_pylist()
        assert files[name].schema.field(column).type == pa.string()
        assert sum(not _parses(v) for v in values) == _kinds(injected, name)["bad_date"], name
        future = sum(str(v).startswith("2091-") for v in values)
        assert future == _kinds(injected, name).get("future_date", 0), name


def test_removing_the_bad_rows_gives_back_the_clean_table(
    files: dict[str, pa.Table], clean: dict[str, pa.Table]
) -> None:
    orders = files["orders"]
    known = pc.is_in(
        orders.column("customer_id"), value_set=files["customers"].column("customer_id")
    )
    dated = pa.array(
        [_parses(v) and not v.startswith("2091-") for v in orders.column("order_ts").to_pylist()]
    )
    kept = orders.filter(pc.and_(known, dated))
    seen: set[str] = set()
    first = []
    for key in kept.column("order_id").to_pylist():
        first.append(key not in seen)
        seen.add(key)
    assert kept.filter(pa.array(first)).equals(as_text_dates("orders", clean["orders"]))


def test_csv_files_carry_the_malformed_lines(tmp_path: Path) -> None:
    result = synthesize(tmp_path, 1_500, seed=SEED, dirty_rate=RATE, fmt="csv")
    manifest = json.loads((tmp_path / "dirty_manifest.json").read_text())
    for name in ("orders", "order_lines", "events"):
        with (tmp_path / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        wrong = sum(len(row) != len(header) for row in body)
        assert wrong == manifest["tables"][name]["injected"]["malformed_line"] > 0, name
        assert len(body) == manifest["tables"][name]["rows_in_file"] == result.rows[name], name


def test_clean_runs_write_no_manifest(tmp_path: Path) -> None:
    result = synthesize(tmp_path, 300, seed=SEED)
    assert not (tmp_path / "dirty_manifest.json").exists()
    assert result.dirt == {}
