"""The ``segmint synth`` command writes loadable files and says what it wrote."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.mart.schema import TABLES
from segmint.mart.targets import LOAD_ORDER

runner = CliRunner()


def test_synth_writes_one_parquet_file_per_table(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["synth", "--customers", "500", "--seed", "3", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for name in (*LOAD_ORDER, "ground_truth"):
        assert (tmp_path / f"{name}.parquet").exists(), name
        assert f"{name}.parquet" in result.stdout
    customers = pq.read_table(tmp_path / "customers.parquet")
    assert customers.num_rows == 500
    assert customers.column_names == TABLES["customers"].column_names


def test_synth_csv_with_dirt_writes_a_manifest(tmp_path: Path) -> None:
    args = ["synth", "-n", "400", "--out", str(tmp_path), "--format", "csv", "--dirty", "0.03"]
    args += ["--start", "2021-06-01", "--years", "2"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "dirty_manifest.json").read_text())
    assert manifest["format"] == "csv"
    campaigns = pacsv.read_csv(tmp_path / "campaigns.csv")
    assert str(campaigns.column("start_date")[0]) >= "2021-06-01"


def test_synth_rejects_an_unknown_format(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "--format must be one of parquet, csv; got 'xlsx'" in result.output


def test_synth_rejects_a_bad_start_date(tmp_path: Path) -> None:
    result = runner.invoke(app, ["synth", "--out", str(tmp_path), "--start", "01/02/2023"])
    assert result.exit_code == 2
    assert "--start must be a date like 2023-01-01; got '01/02/2023'" in result.output


def test_synth_december_peak_puts_that_multiple_of_purchases_in_december(tmp_path: Path) -> None:
    args = ["synth", "-n", "3000", "--seed", "2", "--out", str(tmp_path), "--years", "2"]
    result = runner.invoke(app, [*args, "--december-peak", "4"])
    assert result.exit_code == 0, result.output
    orders = pq.read_table(tmp_path / "orders.parquet").to_pandas()
    month = orders.order_ts.dt.month
    december, november = (month == 12).sum(), (month == 11).sum()
    assert 2.5 < december / november < 5  # about 4 times November's (31 vs 30 days, campaigns)
    bad = runner.invoke(app, [*args, "--december-peak", "-1"])
    assert bad.exit_code != 0 and "--december-peak" in bad.output


def test_synth_only_type_draws_every_customer_of_that_type(tmp_path: Path) -> None:
    args = ["synth", "-n", "600", "--seed", "4", "--out", str(tmp_path), "--years", "1"]
    result = runner.invoke(app, [*args, "--only-type", "bargain_hunter"])
    assert result.exit_code == 0, result.output
    types = pq.read_table(tmp_path / "ground_truth.parquet").column("latent_type").to_pylist()
    assert len(types) == 600 and set(types) == {"bargain_hunter"}
    bad = runner.invoke(app, [*args, "--only-type", "whale"])
    assert bad.exit_code != 0 and "--only-type must be one of" in bad.output
    assert "steady_regular" in bad.output
