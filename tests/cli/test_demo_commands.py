"""``segmint demo``: a synthetic retailer generated, loaded and segmented in one command."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import ibis
import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.features import btyd, load_features
from segmint.mart import Mart, connect
from segmint.mart.token_terms import Role
from segmint.mart.tokens import role_of
from segmint.segmentation import store
from segmint.workflows.demo import EARLIER_DAYS

from .conftest import assert_limit_advised

runner = CliRunner()


@pytest.mark.slow
def test_demo_generates_loads_and_prints_three_segmentations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summed: list[dt.date] = []  # purchases summed into a BTYD summary, wherever it is asked
    purchases = btyd.purchase_values

    def counted(mart: Mart, day: dt.date) -> ibis.Table:
        summed.append(day)
        return purchases(mart, day)

    monkeypatch.setattr(btyd, "purchase_values", counted)
    data, mart_path = tmp_path / "data", tmp_path / "demo.duckdb"
    args = ["demo", "--customers", "1500", "--seed", "3", "--data", str(data), "--no-serve"]
    result = runner.invoke(app, [*args, "--mart", str(mart_path)])
    assert result.exit_code == 0, result.output
    assert summed == []  # the CLV fit, scores and churn risk read the features stored first
    assert "synthetic retailer: 1,500 customers" in result.stdout
    assert (data / "orders.parquet").exists()
    assert re.search(r"orders\.parquet → orders: read [\d,]+ = loaded [\d,]+", result.stdout)
    with connect(mart_path, create=False) as mart:
        customers = int(load_features(mart).count().execute())
        summary = store.segmentations(mart).execute().set_index("segmentation")
        for name in ("rfm", "lifecycle", "demo_rules", "value", "clusters"):
            assert len(store.assignments(mart, name).execute()) == customers
        dates = {name: store.as_of_dates(mart, name) for name in ("rfm", "lifecycle")}
        scores = mart.table("scores")
        scored = scores.filter(scores.score_name == "clv").count().execute()
        listed = mart.table("recommendations").to_pandas()
    assert customers == 1_500
    latest = dates["rfm"][-1]
    earlier = latest - dt.timedelta(days=EARLIER_DAYS)
    assert dates == {"rfm": [earlier, latest], "lifecycle": [earlier, latest]}  # migration
    assert f"rfm, lifecycle also stored as of {earlier}" in result.stdout
    moves = re.findall(r"^• ([\d,]+) (.+) became (.+)$", result.stdout, re.M)
    stages = {"new", "active", "loyal", "at risk", "lapsed", "churned", "reactivated", "prospect"}
    assert moves and all({m[1], m[2]} <= stages for m in moves)
    assert 0 < scored <= customers
    assert summary.kind.to_dict() == {
        "clusters": "cluster",
        "demo_rules": "rules",
        "lifecycle": "lifecycle",
        "rfm": "rfm",
        "value": "value",
    }
    titles = re.findall(
        r"^\s*(\w+) v1 as of (\d{4}-\d{2}-\d{2}): ([\d,]+) customers", result.stdout, re.M
    )
    assert [t[0] for t in titles] == ["rfm", "lifecycle", "demo_rules", "value", "clusters"]
    assert {t[2] for t in titles} == {"1,500"}
    assert "customers by value and churn risk" in result.stdout
    assert re.search(
        r"CLV \(bgnbd\+gammagamma, next 52 weeks\): [\d,]+ buyers scored", result.stdout
    )
    assert result.stdout.count("→ ") >= 3  # persona cards with suggested actions
    for segment in ("Champions", "churned", "High-value outdoor fans", "Everyone else"):
        assert segment in result.stdout
    assert f"mart: {mart_path}" in result.stdout
    # every buyer with a kept basket gets ten recommendations, each with its reason (CLV
    # also scores the few whose every order went back)
    assert 0.98 * scored <= listed.customer_id.nunique() <= scored
    assert listed.groupby("customer_id").size().eq(10).all() and listed.reason.str.len().gt(0).all()
    assert "auto: what each customer group gets" in result.stdout


@pytest.mark.slow
def test_demo_ends_by_serving_with_an_admin_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[tuple[str, int, Path]] = []
    monkeypatch.setattr(
        "segmint.cli.demo_commands.serve",
        lambda host, port, mart: served.append((host, port, mart)),
    )
    data, mart_path = tmp_path / "data", tmp_path / "demo.duckdb"
    args = ["demo", "--customers", "300", "--data", str(data), "--mart", str(mart_path)]
    result = runner.invoke(app, [*args, "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert served == [("127.0.0.1", 8123, mart_path)]
    assert "http://127.0.0.1:8123/" in result.stdout
    token = result.stdout.strip().splitlines()[-1]
    with connect(mart_path, create=False) as mart:
        assert role_of(mart, token) == Role.admin


@pytest.mark.slow
def test_demo_fits_stopped_at_their_iteration_limit_advise_the_flag(tmp_path: Path) -> None:
    data, mart_path = tmp_path / "data", tmp_path / "demo.duckdb"
    args = ["demo", "--customers", "1500", "--seed", "3", "--data", str(data), "--no-serve"]
    result = runner.invoke(app, [*args, "--max-iter", "2", "--mart", str(mart_path)])
    assert result.exit_code == 0, result.output
    assert_limit_advised(result.stderr, 2)
    said = " ".join(result.stderr.split())
    assert "BGNBD stopped" in said and "GammaGamma stopped" in said
