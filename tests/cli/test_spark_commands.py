"""The commands a user runs give the same answers on a Spark mart as on the DuckDB mart.

A synthetic retailer is loaded with ``segmint load`` into a DuckDB mart and into an empty
Spark warehouse, and the same commands run on both, the Spark ones with
``--engine pyspark --mart WAREHOUSE``: the loads themselves, RFM, lifecycle, the CLV fit
and scores, value tiers, a profile, the assignment exports, a rules segmentation,
migration, churn and intent scores, a campaign and its results, association rules and
popularity, buy-again and rules recommendations, a k-means segmentation and its stored
model applied to an earlier day. Spark runs locally on two cores; it needs Java, which
``.ci/setup-java.sh`` installs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import SparkSession
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.synth import synthesize

pytestmark = [pytest.mark.slow, pytest.mark.spark]

AS_OF = "2025-06-30"


@pytest.fixture(scope="module")
def marts(
    spark_session: SparkSession, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A DuckDB mart file and a Spark warehouse, each loaded from the same retailer's files
    with ``segmint load`` (the loads must report the same)."""
    folder = tmp_path_factory.mktemp("spark_commands")
    synthesize(folder / "data", 300, seed=5, start=pd.Timestamp("2023-01-01").date(), years=3)
    for truth in ("ground_truth.parquet", "ground_truth_campaigns.parquet"):
        (folder / "data" / truth).unlink(missing_ok=True)
    duck, spark = folder / "mart.duckdb", folder / "warehouse"
    spark.mkdir()  # a folder: the Spark engine's mart
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
        loads = [
            json.loads(run(m, "load", folder / "data", "--format", "json")) for m in (spark, duck)
        ]
    assert loads[0] == loads[1] and len(loads[0]) >= 5
    return duck, spark


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
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    duck, spark = marts
    fit = ("clv", "fit", "--as-of", AS_OF, "--model", "bgnbd", "--no-png", "--plots")
    features = ("features", "--as-of", AS_OF, "--format", "json")
    assert_same(run(spark, *features), run(duck, *features), "features", at_least=2)
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
    assert_same(run(spark, *profile), run(duck, *profile), "profile", at_least=50)


def test_rules_migration_scores_campaigns_and_recommendations_are_the_same_on_spark(
    marts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    duck, spark = marts
    rules = Path(__file__).parents[2] / "examples" / "rules" / "behavioural.yaml"
    campaign = ("campaign", "create", "spring", "--segmentation", "lifecycle")
    campaign += ("--segment", "at risk", "--segment", "lapsed", "--channel", "email")
    campaign += ("--start", "2025-07-01", "--end", "2025-07-31", "--as-of", AS_OF)
    answers: dict[Path, dict[str, str]] = {}
    for mart in (spark, duck):
        run(mart, "segment", "rules", "behaviour", "--file", rules, "--as-of", AS_OF)
        for day in ("2025-03-31", AS_OF):
            run(mart, "segment", "lifecycle", "--as-of", day)
        run(mart, "recommend", "fit", "--method", "popularity", "--as-of", AS_OF)
        answers[mart] = {
            "migration": run(
                mart,
                "migration",
                "lifecycle",
                "--from",
                "2025-03-31",
                "--to",
                AS_OF,
                "--format",
                "json",
            ),
            "score": run(mart, "score", "--as-of", AS_OF, "--format", "json"),
            "campaign": run(mart, *campaign, "--format", "json"),
            "results": run(mart, "campaign", "results", "spring", "--format", "json"),
            "rules": run(
                mart, "recommend", "rules", "--as-of", AS_OF, "--min-count", "3", "--format", "json"
            ),
        }
    on_spark, on_duck = (
        exported(spark, "behaviour", tmp_path),
        exported(duck, "behaviour", tmp_path),
    )
    assert on_duck.segment.nunique() > 3
    pd.testing.assert_frame_equal(on_spark, on_duck)
    for what, text in answers[duck].items():
        assert_same(answers[spark][what], text, what)
    recommended = [tmp_path / f"recommended_{m.name}.csv" for m in (spark, duck)]
    for mart, out in zip((spark, duck), recommended, strict=True):
        run(mart, "recommend", "export", "--out", out)
    frames = [
        pd.read_csv(out, dtype=str).sort_values(["customer_id", "rank"]) for out in recommended
    ]
    assert len(frames[1]) > 100
    pd.testing.assert_frame_equal(
        frames[0].reset_index(drop=True), frames[1].reset_index(drop=True)
    )


@pytest.mark.parametrize(("method", "at_least"), [("buy-again", 50), ("rules", 5)])
def test_buy_again_and_rules_recommendations_are_the_same_on_spark(
    marts: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    at_least: int,
) -> None:
    # 300 customers' baskets support few association rules: a handful of customers get one
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    frames = []
    for mart in marts:
        run(mart, "recommend", "fit", "--method", method, "--as-of", AS_OF)
        out = tmp_path / f"{method}_{mart.name}.csv"
        run(mart, "recommend", "export", "--out", out)
        frame = pd.read_csv(out, dtype=str).sort_values(["customer_id", "rank"])
        frames.append(frame.reset_index(drop=True))
    assert len(frames[0]) > at_least and frames[0].reason.nunique() > 1
    pd.testing.assert_frame_equal(frames[1], frames[0])


def test_clusters_fitted_and_a_stored_model_applied_are_the_same_on_spark(
    marts: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")  # --engine sets it: restored after
    duck, spark = marts
    fit = ("segment", "cluster", "behaviour-k4", "--algorithm", "kmeans", "--k", "4")
    fit += ("--bootstrap", "0", "--as-of", AS_OF, "--format", "json")
    fits = {mart: json.loads(run(mart, *fit)) for mart in (spark, duck)}
    for document in fits.values():  # a hash of the learnt floats: equal only to the last bit
        assert len(document.pop("model_id")) == 16
    assert_same(json.dumps(fits[spark]), json.dumps(fits[duck]), "cluster fit", at_least=20)
    on_spark, on_duck = (exported(m, "behaviour-k4", tmp_path) for m in (spark, duck))
    assert on_duck.segment.nunique() >= 4
    pd.testing.assert_frame_equal(on_spark, on_duck)
    applied = ("segment", "cluster", "behaviour-k4", "--assign", "--as-of", "2025-03-31")
    for mart in (spark, duck):
        run(mart, *applied)
    (tmp_path / "earlier").mkdir()
    earlier = [exported(m, "behaviour-k4", tmp_path / "earlier") for m in (spark, duck)]
    pd.testing.assert_frame_equal(*earlier)


def assert_same(on_spark: str, on_duck: str, what: str, at_least: int = 5) -> None:
    """The two JSON answers hold the same values (numbers to 1e-6: sums and p-values are
    equal up to the order of addition)."""
    got, expected = leaves(json.loads(on_spark)), leaves(json.loads(on_duck))
    assert got.keys() == expected.keys() and len(expected) > at_least, what
    for key, value in expected.items():
        if isinstance(value, int | float) and not isinstance(value, bool):  # 7209 or 7209.0…01
            assert got[key] == pytest.approx(value, rel=1e-6, nan_ok=True), (what, key)
        else:
            assert got[key] == value, (what, key)


def test_a_dry_run_into_a_spark_warehouse_writes_nothing(
    spark_session: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMINT_ENGINE", "duckdb")
    orders = tmp_path / "orders.csv"
    orders.write_text("order_id,customer_id,order_ts,amount\no1,c1,2025-01-02,5\n")
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    out = run(warehouse, "ingest", "transactions", orders, "--dry-run")
    assert "would load 1" in out
    assert list(warehouse.iterdir()) == []


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
