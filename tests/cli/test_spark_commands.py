"""The commands a user runs give the same answers on a Spark mart as on the DuckDB mart.

A synthetic retailer is loaded into DuckDB as a user would, copied to a Spark warehouse
(:func:`segmint.mart.spark.copy_mart`), and the same commands run on both, the Spark ones
with ``--engine pyspark --mart WAREHOUSE``: RFM, lifecycle, the CLV fit and scores, value
tiers, a profile and the assignment exports. Spark runs locally on two cores; it needs
Java, which ``.ci/setup-java.sh`` installs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import SparkSession
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.mart import connect
from segmint.mart.spark import connect_spark, copy_mart
from segmint.synth import synthesize
from segmint.workflows.load import load_folder

pytestmark = [pytest.mark.slow, pytest.mark.spark]

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def session() -> Iterator[SparkSession]:
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("segmint-commands")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    yield spark
    spark.stop()


@pytest.fixture(scope="module")
def marts(session: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A DuckDB mart file and a Spark warehouse holding the same retailer."""
    folder = tmp_path_factory.mktemp("spark_commands")
    synthesize(folder / "data", 300, seed=5, start=pd.Timestamp("2023-01-01").date(), years=3)
    for truth in ("ground_truth.parquet", "ground_truth_campaigns.parquet"):
        (folder / "data" / truth).unlink(missing_ok=True)
    with connect(folder / "mart.duckdb") as duck:
        load_folder(duck, folder / "data")
        copy_mart(duck, connect_spark(folder / "warehouse", session))
    return folder / "mart.duckdb", folder / "warehouse"


def run(mart: Path, *args: str | Path) -> str:
    """``segmint --engine E ARGS --mart MART``; its output (the command must succeed)."""
    engine = "pyspark" if mart.is_dir() else "duckdb"
    argv = ["--engine", engine, *(str(a) for a in args), "--mart", str(mart)]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, (argv, result.stdout, result.stderr, result.exception)
    return result.stdout


def exported(mart: Path, name: str, folder: Path) -> pd.DataFrame:
    out = folder / f"{name}_{'spark' if mart.is_dir() else 'duck'}.csv"
    run(mart, "assignments", name, "--out", out)
    frame = pd.read_csv(out, dtype=str)
    return frame.sort_values("customer_id").reset_index(drop=True)


def test_segmentations_clv_and_value_tiers_are_the_same_on_spark(
    marts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SEGMINT_ENGINE", raising=False)  # --engine sets it: restored after
    duck, spark = marts
    fit = ("clv", "fit", "--as-of", AS_OF, "--model", "bgnbd", "--no-png", "--plots")
    for mart in (duck, spark):
        run(mart, "segment", "rfm", "--as-of", AS_OF)
        run(mart, "segment", "lifecycle", "--as-of", AS_OF)
        run(mart, *fit, tmp_path / mart.name)
        run(mart, "clv", "score", "--as-of", AS_OF)
        run(mart, "segment", "value", "--as-of", AS_OF)
    for name in ("rfm", "lifecycle", "value"):
        on_spark, on_duck = exported(spark, name, tmp_path), exported(duck, name, tmp_path)
        assert len(on_duck) > 200
        pd.testing.assert_frame_equal(on_spark, on_duck)
    fits = [json.loads(run(m, *fit, tmp_path / "again", "--format", "json")) for m in (spark, duck)]
    params = [f["transactions"]["params"] for f in fits]
    assert params[0] == pytest.approx(params[1], rel=1e-9)
    profile = ("profile", "lifecycle", "--as-of", AS_OF, "--format", "json")
    on_spark, on_duck = (leaves(json.loads(run(m, *profile))) for m in (spark, duck))
    assert on_spark.keys() == on_duck.keys() and len(on_duck) > 50
    for key, value in on_duck.items():
        if isinstance(value, float):  # sums and p-values: equal up to the order of addition
            assert on_spark[key] == pytest.approx(value, rel=1e-6, nan_ok=True), key
        else:
            assert on_spark[key] == value, key


def leaves(document: object, path: str = "") -> dict[str, object]:
    """Every scalar of a JSON document by its path."""
    if isinstance(document, dict):
        return {
            k: v for key, item in document.items() for k, v in leaves(item, f"{path}/{key}").items()
        }
    if isinstance(document, list):
        return {
            k: v for i, item in enumerate(document) for k, v in leaves(item, f"{path}/{i}").items()
        }
    return {path: document}
