"""``segmint profile`` and ``segmint migration`` on a small mart file, read back from stored results."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from io import StringIO
from pathlib import Path

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

import segmint
from segmint.cli.main import app
from segmint.features.labels import NO_CLV_SCORE
from segmint.insight.money import COST_DEPENDENT
from segmint.mart import TABLES
from segmint.segmentation import store

runner = CliRunner()

BEFORE = {"k1": "High", "k2": "Low", "k3": "Low", "k4": "Low"}
AFTER = {"k1": "High", "k2": "High", "k3": "Low", "k5": "Low"}
TIERS_BEFORE = {"k1": "high", "k2": "unassigned", "k3": "unassigned"}
TIERS_AFTER = {"k1": "high", "k2": "high", "k3": "unassigned"}
"""Value tiers (kind ``value``): customers without a CLV score are stored ``unassigned``."""


@pytest.fixture(scope="module")
def mart_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """k1 spends 100 and k2 40 in the year to 2024-06-30; ``value`` (rules) and
    ``value_tiers`` (value tiers) stored at two dates."""
    path = tmp_path_factory.mktemp("insight") / "m.duckdb"
    with segmint.connect(path) as mart:
        orders = pd.DataFrame(
            {
                "order_id": ["o1", "o2"],
                "customer_id": ["k1", "k2"],
                "order_ts": [dt.datetime(2024, 5, 1), dt.datetime(2024, 6, 1)],
                "channel": ["web", "store"],
                "status": ["completed", "completed"],
                "ingest_id": [1, 1],
            }
        )
        lines = pd.DataFrame(
            {
                "order_id": ["o1", "o2"],
                "line_no": [1, 1],
                "quantity": [1.0, 2.0],
                "unit_price": [100.0, 20.0],
                "ingest_id": [1, 1],
            }
        )
        for name, frame in (("orders", orders), ("order_lines", lines)):
            schema = TABLES[name].ibis_schema()
            mart.con.insert(name, ibis.memtable(frame.reindex(columns=list(schema))).cast(schema))
        for day, segments in ((dt.date(2024, 3, 31), BEFORE), (dt.date(2024, 6, 30), AFTER)):
            frame = pd.DataFrame(
                {"customer_id": list(segments), "segment": list(segments.values())}
            )
            store.save(mart, "value", "rules", {}, day, ibis.memtable(frame))
        for day, tiers in (
            (dt.date(2024, 3, 31), TIERS_BEFORE),
            (dt.date(2024, 6, 30), TIERS_AFTER),
        ):
            frame = pd.DataFrame({"customer_id": list(tiers), "segment": list(tiers.values())})
            store.save(mart, "value_tiers", "value", {}, day, ibis.memtable(frame))
    return path


def test_profile_prints_the_money_table_with_totals(mart_file: Path) -> None:
    result = runner.invoke(app, ["profile", "value", "--mart", str(mart_file)])
    assert result.exit_code == 0, result.output
    assert "value as of 2024-06-30: 4 customers" in result.stdout
    assert "total" in result.stdout
    assert "140" in result.stdout  # portfolio revenue
    assert "what sets each segment apart" in result.stdout
    assert "do segments differ?" in result.stdout
    assert "segment High is too small to act on: 2 members is below 30" in result.stderr


def test_profile_json_parses_and_holds_the_money(mart_file: Path) -> None:
    result = runner.invoke(
        app,
        ["profile", "value", "--mart", str(mart_file), "--format", "json", "--cost-to-serve", "10"],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    segments = {s["segment"]: s for s in document["segments"]}
    assert segments["High"]["revenue"] == 140.0
    # no line has a known cost: margin and profit are unknown (null), never 0 or -2 × 10
    assert document["costs_known"] is False
    for row in [*document["segments"], document["portfolio"]]:
        assert {row[c] for c in COST_DEPENDENT if c in row} == {None}, row
    assert set(COST_DEPENDENT) <= set(segments["High"])
    assert segments["High"]["margin_coverage"] == 0.0  # the reason: no revenue is costed
    assert segments["Low"]["margin_coverage"] is None  # no revenue at all
    assert segments["Low"]["revenue_per_member"] == 0.0
    assert segments["Low"]["step_up_revenue"] == pytest.approx(0.02 * 70.0)
    assert document["portfolio"]["members"] == 4
    # counts are whole numbers in the portfolio too, as in the segments (not 4.0)
    assert type(document["portfolio"]["members"]) is type(document["portfolio"]["orders"]) is int
    assert document["sampled"] is False
    assert {"feature", "p_adjusted", "effect_size"} <= set(document["statistics"][0])


def test_profile_names_the_shops_currency(mart_file: Path, tmp_path: Path) -> None:
    copy = tmp_path / "m.duckdb"
    shutil.copy(mart_file, copy)
    plain = runner.invoke(app, ["profile", "value", "--mart", str(copy), "--format", "json"])
    assert json.loads(plain.stdout)["currency"] is None
    assert runner.invoke(app, ["currency", "GBP", "--mart", str(copy)]).exit_code == 0
    found = runner.invoke(app, ["profile", "value", "--mart", str(copy), "--format", "json"])
    document = json.loads(found.stdout)
    assert document["currency"] == "GBP"
    assert {s["segment"]: s["revenue"] for s in document["segments"]}["High"] == 140.0
    shown = runner.invoke(app, ["profile", "value", "--mart", str(copy)])
    assert shown.exit_code == 0, shown.output
    assert (  # two months of orders, not a year's
        "money over the 365 days to that date (the orders start on 2024-05-01: only 61 days, "
        "so values per year are per 61 days), in GBP"
    ) in " ".join(shown.stdout.split())


def test_profile_csv_has_a_totals_row(mart_file: Path) -> None:
    result = runner.invoke(
        app, ["profile", "value", "--mart", str(mart_file), "--format", "csv", "--min-share", "0.5"]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(StringIO(result.stdout))
    assert frame.segment.tolist() == ["High", "Low", "(total)"]
    assert frame.revenue.iloc[:2].sum() == frame.revenue.iloc[2]
    members = result.stdout.splitlines()[-1].split(",")[1]
    assert members == str(frame.members.iloc[:2].sum()) == "4"  # a count, not 4.0
    # no known cost: the margin and profit cells are empty, not 0
    assert frame[["gross_margin", "profit", "profit_per_member"]].isna().all().all()
    assert frame.margin_coverage.tolist()[0] == 0.0


def test_profile_by_sub_segments_leave_an_unknown_profit_empty(mart_file: Path) -> None:
    args = ["profile", "value", "--mart", str(mart_file), "--by", "value", "--cost-to-serve", "5"]
    shown = runner.invoke(app, args)
    assert shown.exit_code == 0, shown.output
    high = next(line for line in shown.stdout.splitlines() if line.startswith("│ High    │ High"))
    assert "-10" not in high and "—" in high  # profit unknown, not 0 - 2 × 5
    listed = runner.invoke(app, [*args, "--format", "json"])
    subs = json.loads(listed.stdout)["sub_segments"]
    assert subs and {row["profit"] for row in subs} == {None}


def test_profile_by_a_column_gives_sub_segment_rows(mart_file: Path) -> None:
    result = runner.invoke(
        app,
        ["profile", "value", "--mart", str(mart_file), "--by", "value", "--as-of", "2024-06-30"],
    )
    assert result.exit_code == 0, result.output
    assert "by value" in result.stdout


def test_migration_prints_matrix_and_flows(mart_file: Path) -> None:
    args = ["migration", "value", "--from", "2024-03-31", "--to", "2024-06-30"]
    result = runner.invoke(app, [*args, "--mart", str(mart_file)])
    assert result.exit_code == 0, result.output
    assert "1 entered the base, 1 left it." in result.stdout
    assert "1 Low became High" in result.stdout


def test_migration_of_value_tiers_reads_unassigned_as_the_pages_do(mart_file: Path) -> None:
    args = ["migration", "value_tiers", "--from", "2024-03-31", "--to", "2024-06-30"]
    result = runner.invoke(app, [*args, "--mart", str(mart_file)])
    assert result.exit_code == 0, result.output
    assert f"1 {NO_CLV_SCORE} became high" in result.stdout
    assert NO_CLV_SCORE in result.stdout.split("entered the base")[0]  # the matrix too
    assert "unassigned" not in result.stdout
    document = json.loads(
        runner.invoke(app, [*args, "--mart", str(mart_file), "--format", "json"]).stdout
    )
    assert document["counts"]["unassigned"]["high"] == 1  # machine answers keep stored names
    assert document["top_flows"] == ["1 unassigned became high"]
    csv = runner.invoke(app, [*args, "--mart", str(mart_file), "--format", "csv"]).stdout
    assert "unassigned,high,1" in csv and NO_CLV_SCORE not in csv


def test_migration_json_parses(mart_file: Path) -> None:
    args = ["migration", "value", "--from", "2024-03-31", "--to", "2024-06-30", "--format", "json"]
    result = runner.invoke(app, [*args, "--mart", str(mart_file)])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["counts"]["Low"]["High"] == 1
    assert document["counts"]["(entered)"]["Low"] == 1
    assert document["revenue"]["Low"]["High"] == 40.0
    assert document["entered"] == 1 and document["left"] == 1
    assert sum(f["customers"] for f in document["flows"]) == 5


def test_migration_csv_is_the_flow_table(mart_file: Path) -> None:
    args = ["migration", "value", "--from", "2024-03-31", "--to", "2024-06-30", "--format", "csv"]
    result = runner.invoke(app, [*args, "--mart", str(mart_file)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(StringIO(result.stdout))
    assert list(frame.columns) == ["source", "target", "customers", "revenue"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["profile", "nope"], "error: no segmentation named 'nope'; stored: value"),
        (["profile", "value", "--as-of", "2024-01-01"], "stored dates: 2024-03-31, 2024-06-30"),
        (["profile", "value", "--by", "planet"], "by (--by) must name a feature column"),
        (["profile", "value", "--as-of", "June"], "as_of must be a date written YYYY-MM-DD"),
        (["migration", "value", "--from", "2024-01-01", "--to", "2024-06-30"], "no results as of"),
        (
            ["migration", "value", "--from", "2024-06-30", "--to", "2024-03-31"],
            "--from must be before --to; got --from 2024-06-30",
        ),
        (["migration", "value", "--from", "June", "--to", "2024-03-31"], "--from must be a date"),
    ],
)
def test_errors_are_one_line(mart_file: Path, args: list[str], message: str) -> None:
    result = runner.invoke(app, [*args, "--mart", str(mart_file)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_profile_by_profit_without_known_costs_is_refused_naming_the_fix(
    mart_file: Path,
) -> None:
    result = runner.invoke(app, ["profile", "value", "--value", "profit", "--mart", str(mart_file)])
    assert result.exit_code == 2
    assert "cannot be ordered by profit: no revenue of the year to 2024-06-30" in result.stderr
    assert "unit_cost" in result.stderr and "--value revenue" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""
