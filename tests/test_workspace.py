"""The Python API: its docstring example runs, and it gives the numbers the CLI prints.

The CLI and :class:`segmint.workspace.Workspace` are two adapters over the same use cases;
each comparison runs a command on one copy of a mart and the method on another.
"""

from __future__ import annotations

import doctest
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import segmint
import segmint.workspace
from segmint.cli.main import app
from segmint.mart import Mart
from segmint.synth import synthesize
from segmint.workspace import Workspace


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(segmint.workspace, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed mart holding a 500-customer synthetic retailer (copy it before use)."""
    folder = tmp_path_factory.mktemp("workspace")
    synthesize(folder / "data", 500, seed=11)
    with segmint.connect(folder / "shop.duckdb") as ws:
        ws.load(folder / "data")
    return folder / "shop.duckdb"


@pytest.fixture
def pair(shop: Path, tmp_path: Path) -> Iterator[tuple[Path, Workspace]]:
    """A copy of the mart for the CLI, and another opened as a workspace."""
    for name in ("cli.duckdb", "api.duckdb"):
        shutil.copy(shop, tmp_path / name)
    with segmint.connect(tmp_path / "api.duckdb") as ws:
        yield tmp_path / "cli.duckdb", ws


def cli(mart: Path, *args: str) -> str:
    result = CliRunner().invoke(app, [*args, "--mart", str(mart)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_connect_gives_a_workspace_that_is_a_mart(pair: tuple[Path, Workspace]) -> None:
    _, ws = pair
    assert isinstance(ws, Workspace) and isinstance(ws, Mart)
    assert ws.count("customers") == 500


def test_rfm_and_lifecycle_sizes_equal_the_cli(pair: tuple[Path, Workspace]) -> None:
    mart, ws = pair
    for command, run in (("rfm", ws.segment_rfm()), ("lifecycle", ws.segment_lifecycle())):
        printed = pd.DataFrame(json.loads(cli(mart, "segment", command, "--format", "json")))
        assert printed.set_index("segment")["members"].to_dict() == run.sizes.to_dict()


def test_the_profile_equals_the_cli(pair: tuple[Path, Workspace]) -> None:
    mart, ws = pair
    cli(mart, "segment", "rfm")
    ws.segment_rfm()
    printed = json.loads(cli(mart, "profile", "rfm", "--format", "json"))
    mine = ws.profile("rfm").overview
    assert [row["segment"] for row in printed["segments"]] == mine.segment.tolist()
    assert [row["revenue"] for row in printed["segments"]] == pytest.approx(mine.revenue.tolist())
    assert printed["n_base"] == ws.profile("rfm").n_base


def test_assignments_and_segmentations_equal_what_the_cli_exports(
    pair: tuple[Path, Workspace], tmp_path: Path
) -> None:
    mart, ws = pair
    cli(mart, "segment", "rfm")
    ws.segment_rfm()
    cli(mart, "assignments", "rfm", "--out", str(tmp_path / "rfm.parquet"))
    exported = pd.read_parquet(tmp_path / "rfm.parquet")
    assert exported.equals(ws.assignments("rfm")[["customer_id", "segment"]])
    assert ws.segmentations().segmentation.tolist() == ["rfm"]


def test_clv_fit_score_and_backtest_equal_the_cli(pair: tuple[Path, Workspace]) -> None:
    mart, ws = pair
    fitted = json.loads(
        cli(
            mart,
            "clv",
            "fit",
            "--model",
            "bgnbd",
            "--no-png",
            "--plots",
            str(mart.parent / "p"),
            "--format",
            "json",
        )
    )
    mine = ws.clv.fit(model="bgnbd")
    assert fitted["transactions"]["params"] == pytest.approx(mine.final.transactions.params_)
    assert fitted["holdout"] == pytest.approx(mine.holdout)
    scored = ws.clv.score()
    assert (scored.model, scored.n_customers) == (mine.final.model_name, mine.final.n_customers)
    backtest = json.loads(
        cli(mart, "clv", "backtest", "--calibration-end", "2025-06-30", "--format", "json")
    )
    mine_backtest = ws.clv.backtest("2025-06-30").metrics
    assert [row["model"] for row in backtest] == mine_backtest.model.tolist()
    assert backtest[0]["mae_purchases"] == pytest.approx(mine_backtest.mae_purchases.iloc[0])
    by_channel = ws.clv.backtest("2025-06-30", models=("bgnbd",), covariate="acquisition_channel")
    assert by_channel.metrics.model.tolist() == [
        "bgnbd+gammagamma",
        "bgnbd by acquisition_channel+gammagamma",
    ]


def test_keyword_options_reach_the_use_cases(pair: tuple[Path, Workspace]) -> None:
    _, ws = pair
    run = ws.segment_clusters("three", k=3, n_bootstrap=0)
    assert run.selection.k == 3
    assert ws.assign_clusters("three").version == run.version
    with pytest.raises(TypeError, match="unexpected keyword"):
        ws.segment_clusters("bad", clusters=3)


@pytest.mark.slow
def test_recommendations_equal_the_cli(pair: tuple[Path, Workspace], tmp_path: Path) -> None:
    mart, ws = pair
    cli(mart, "recommend", "fit", "--method", "buy-again", "--k", "3")
    run = ws.recommend.fit(method="buy-again", k=3)
    assert (run.method, run.k) == ("buy_again", 3)
    with segmint.connect(mart, read_only=True) as other:
        theirs = other.table("recommendations").to_pandas()
    mine = ws.table("recommendations").to_pandas()
    columns = ["customer_id", "rank", "product_id", "method", "reason"]
    assert run.n_rows == len(mine) == len(theirs) > 0
    key = ["customer_id", "rank"]
    pd.testing.assert_frame_equal(
        mine.sort_values(key)[columns].reset_index(drop=True),
        theirs.sort_values(key)[columns].reset_index(drop=True),
    )
    customer = str(mine.customer_id.iloc[0])
    shown = json.loads(cli(mart, "recommend", "show", customer, "--format", "json"))
    assert [r["product_id"] for r in shown] == ws.recommend.show(customer).product_id.tolist()
    listed = json.loads(
        cli(mart, "recommend", "rules", "--min-count", "3", "--max-len", "2", "--format", "json")
    )
    found = ws.recommend.rules(min_count=3, max_len=2).rules
    assert [r["consequent_id"] for r in listed] == found.consequent_id.tolist()
    assert len(found) > 0
    split = "2025-09-30"
    evaluated = json.loads(
        cli(mart, "recommend", "evaluate", "--split-date", split, "--k", "5", "--format", "json")
    )
    table = ws.recommend.evaluate(split, k=5).table.set_index("method")
    for method, scores in evaluated["methods"].items():
        assert scores["recall"] == pytest.approx(table.loc[method, "recall"])
    out = tmp_path / "lists.csv"
    cli(mart, "recommend", "export", "--out", str(tmp_path / "cli.csv"))
    exported = ws.recommend.export(out, channel="email")
    assert exported.rows.shape[0] == pd.read_csv(out).shape[0] > 0
    assert pd.read_csv(out).equals(pd.read_csv(tmp_path / "cli.csv"))
