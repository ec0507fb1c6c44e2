"""``segmint segment cluster`` and ``segmint persona`` on a small demo mart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from segmint.cli._output import out
from segmint.cli.main import app

pytestmark = pytest.mark.slow

runner = CliRunner()


@pytest.fixture(scope="module")
def mart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.duckdb"
    args = [
        "demo",
        "--no-serve",
        "--customers",
        "1000",
        "--seed",
        "2",
        "--data",
        str(folder / "data"),
    ]
    result = runner.invoke(app, [*args, "--no-serve", "--mart", str(path)])
    assert result.exit_code == 0, result.output
    return path


def segmint(mart: Path, *args: str) -> Result:
    out.width = 240
    return runner.invoke(app, [*args, "--mart", str(mart)], catch_exceptions=False)


def test_cluster_auto_prints_choice_stability_rules_and_writes_plots(
    mart: Path, tmp_path: Path
) -> None:
    plots = tmp_path / "plots"
    result = segmint(
        mart,
        "segment",
        "cluster",
        "shoppers",
        "--k-max",
        "5",
        "--bootstrap",
        "3",
        "--plots",
        str(plots),
    )
    assert result.exit_code == 0, result.output
    # the default algorithm (auto) fits mixtures to these numeric features and BIC decides k
    assert "choice of k" in result.stdout and "has the lowest BIC" in result.stdout
    assert "stability: adjusted Rand index" in result.stdout
    assert "surrogate tree, fidelity" in result.stdout
    assert sorted(p.name for p in plots.iterdir()) == [
        "elbow.svg",
        "k_selection.csv",
        "silhouette.svg",
    ]
    assert (plots / "elbow.svg").read_text().startswith("<svg")


def test_cluster_json_and_assign_reuse_the_model(mart: Path) -> None:
    result = segmint(
        mart, "segment", "cluster", "four", "--k", "4", "--bootstrap", "0", "--format", "json"
    )
    document = json.loads(result.stdout)
    assert document["k"] == 4 and len(document["rules"]) == 4
    again = segmint(mart, "segment", "cluster", "four", "--assign", "--format", "json")
    sizes = {row["segment"]: row["members"] for row in json.loads(again.stdout)}
    assert sizes == document["sizes"]


def test_persona_prints_a_card_per_segment(mart: Path) -> None:
    segmint(mart, "segment", "cluster", "three", "--k", "3", "--bootstrap", "0")
    result = segmint(mart, "persona", "three", "--format", "json")
    cards = json.loads(result.stdout)["data"]
    assert len(cards) == 4  # three clusters and the prospects
    human = segmint(mart, "persona", "rfm")
    assert human.exit_code == 0 and "→" in human.stdout and "members" in human.stdout


def test_errors_are_one_line_with_exit_2(mart: Path) -> None:
    result = segmint(mart, "segment", "cluster", "bad", "--features", "frequncy")
    assert result.exit_code == 2
    assert "unknown feature 'frequncy' (did you mean 'frequency'?)" in result.stderr
    assert segmint(mart, "segment", "cluster", "bad", "--k", "many").exit_code == 2
    assert (
        "no cluster model stored" in segmint(mart, "segment", "cluster", "nope", "--assign").stderr
    )
