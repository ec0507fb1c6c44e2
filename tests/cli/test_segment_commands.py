"""``segmint segment rfm|lifecycle|rules``, ``segmentations`` and ``assignments`` on a small mart."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner, Result

from segmint import workflows
from segmint.cli.main import app
from segmint.features import build_features
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.segmentation import store
from segmint.segmentation.lifecycle import STAGES
from segmint.synth import generate

runner = CliRunner()

RULES = """
segments:
  - name: Champion regulars
    where: "rfm = 'Champions' and frequency >= 3"
  - name: Buyers
    where: "frequency >= 1"
  - name: Everyone else
    else: true
"""


@dataclass(frozen=True)
class Shop:
    """A mart file, its last day with orders and its number of customers."""

    path: Path
    as_of: str
    customers: int


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """A mart holding a 400-customer synthetic retailer and its RFM segments."""
    folder = tmp_path_factory.mktemp("cli")
    tables = generate(400, seed=5)
    path = folder / "mart.duckdb"
    with connect(path) as mart:
        for name in ("customers", "customer_attributes", "products", "orders", "order_lines"):
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet")
        run = workflows.run_rfm(mart)
        customers = int(build_features(mart, run.as_of).count().execute())
    return Shop(path, run.as_of.isoformat(), customers)


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def stored(path: Path, name: str) -> pd.DataFrame:
    with connect(path, create=False) as mart:
        frame = store.assignments(mart, name).execute()
    return frame.sort_values("customer_id").reset_index(drop=True)


def assert_one_line_error(result: Result, message: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert message in lines[0]
    assert "Traceback" not in result.output


def test_segment_rfm_prints_sizes_that_sum_to_the_customers(shop: Shop) -> None:
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert {"segment", "members", "share"} <= set(rows[0])
    assert sum(r["members"] for r in rows) == shop.customers
    assert sum(r["share"] for r in rows) == pytest.approx(1.0)
    counts = stored(shop.path, "rfm").segment.value_counts().to_dict()
    assert {r["segment"]: r["members"] for r in rows} == counts


def test_segment_rfm_human_output_names_the_run(shop: Shop) -> None:
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--bins", "4", "--name", "rfm4")
    assert result.exit_code == 0, result.output
    assert f"rfm4 v1 as of {shop.as_of}: {shop.customers:,} customers" in result.stdout
    assert "R, F and M each scored 1-4" in " ".join(result.stdout.split())
    assert "Champions" in result.stdout


def test_segment_rfm_with_a_custom_map(shop: Shop, tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(
        "segments:\n  - {name: Recent, r: [4, 5], fm: [1, 5]}\n  - {name: Fading, r: [1, 3], fm: [1, 5]}\n",
        encoding="utf-8",
    )
    args = ("segment", "rfm", "--mart", str(shop.path), "--map", str(path), "--name", "rfm_map")
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [r["segment"] for r in json.loads(result.stdout)] == ["Recent", "Fading", "Prospect"]
    assert set(stored(shop.path, "rfm_map").segment) == {"Recent", "Fading", "Prospect"}


def test_segment_rfm_with_a_map_leaving_a_cell_uncovered_is_an_error(
    shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("segments:\n  - {name: Recent, r: [2, 5], fm: [1, 5]}\n", encoding="utf-8")
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--map", str(path))
    assert_one_line_error(result, "map.yaml: no segment covers the (R, FM) cells [(1, 1), (1, 2)")


def test_segment_rfm_with_a_missing_map_is_a_one_line_error(shop: Shop, tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--map", str(path))
    assert_one_line_error(result, f"cannot read RFM map file {path}: ")


def test_segment_rfm_with_a_map_repeating_a_key_is_a_one_line_error(
    shop: Shop, tmp_path: Path
) -> None:
    path = tmp_path / "map.yaml"
    path.write_text(
        "segments:\n  - {name: All, r: [1, 5], fm: [1, 5]}\nsegments: []\n", encoding="utf-8"
    )
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--map", str(path))
    assert_one_line_error(result, f"{path}, line 3: the key 'segments' appears twice")


def test_segment_rules_with_two_wheres_in_one_segment_is_a_one_line_error(
    shop: Shop, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "segments:\n  - name: X\n    where: frequency > 1\n    where: frequency > 5\n",
        encoding="utf-8",
    )
    result = invoke("segment", "rules", "x", "--file", str(rules), "--mart", str(shop.path))
    assert_one_line_error(result, f"{rules}, line 4: the key 'where' appears twice")


def test_segment_rfm_with_bad_bins_is_a_one_line_error(shop: Shop) -> None:
    result = invoke("segment", "rfm", "--mart", str(shop.path), "--bins", "11")
    assert_one_line_error(result, "bins must be between 2 and 10; got 11")


def test_segment_lifecycle_with_loyal_orders(shop: Shop) -> None:
    args = ("segment", "lifecycle", "--mart", str(shop.path), "--loyal-orders", "4")
    result = invoke(*args, "--name", "lc4")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "loyal: 4+ orders while active (--loyal-orders)" in said
    assert "active up to 1.5×, at risk up to 3.0×, lapsed up to 6.0×" in said
    with connect(shop.path, create=False) as mart:
        assert store.definition(mart, "lc4").definition["thresholds"] == {"loyal_orders": 4}
    segments = stored(shop.path, "lc4")
    assert len(segments) == shop.customers
    assert set(segments.segment) <= set(STAGES)


def test_segment_lifecycle_with_multipliers_out_of_order_is_an_error(shop: Shop) -> None:
    result = invoke("segment", "lifecycle", "--mart", str(shop.path), "--active-after", "4")
    assert_one_line_error(
        result,
        "lifecycle multipliers must increase: --active-after < --lapsed-after < "
        "--churned-after; got 4.0, 3.0, 6.0.",
    )
    assert "active_after" not in result.output


@pytest.mark.parametrize("loyal", ["0", "-2"])
def test_segment_lifecycle_refuses_fewer_than_one_loyal_order(shop: Shop, loyal: str) -> None:
    args = ("segment", "lifecycle", "--mart", str(shop.path), "--loyal-orders", loyal)
    result = invoke(*args, "--name", "lc0")
    assert_one_line_error(
        result,
        f"a customer with no orders cannot be loyal; got {loyal} orders. Set --loyal-orders to "
        "1 or more, or leave it out to take it from the data.",
    )
    with connect(shop.path, create=False) as mart:
        assert (
            mart.table("segmentations").filter(lambda t: t.segmentation == "lc0").count().execute()
            == 0
        )


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (
            ("--active-after", "0"),
            "nobody is active within 0.0 × their cadence since their last order: no days or "
            "fewer. Set --active-after above 0 (default 1.5), and --lapsed-after and "
            "--churned-after above it.",
        ),
        (
            ("--active-after", "-3", "--lapsed-after", "-2", "--churned-after", "-1"),
            "nobody is active within -3.0 × their cadence",
        ),
        (
            ("--new-days", "-5"),
            "a first order cannot be a negative number of days ago; got -5.0 days. Set "
            "--new-days to 0 or more (0: new on the day of the first order only), or leave it "
            "out to take the typical cadence.",
        ),
    ],
)
def test_segment_lifecycle_refuses_thresholds_that_make_no_sense(
    shop: Shop, options: tuple[str, ...], said: str
) -> None:
    result = invoke("segment", "lifecycle", "--mart", str(shop.path), "--name", "lc1", *options)
    assert_one_line_error(result, said)
    assert "active_after" not in result.output and "new_days" not in result.output
    with connect(shop.path, create=False) as mart:
        stored = mart.table("segmentations").filter(lambda t: t.segmentation == "lc1")
        assert stored.count().execute() == 0


def test_segment_rules_from_a_file(shop: Shop, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    result = invoke(
        "segment",
        "rules",
        "tiers",
        "--file",
        str(rules),
        "--mart",
        str(shop.path),
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    sizes = {r["segment"]: r["members"] for r in json.loads(result.stdout)}
    assert list(sizes) == ["Champion regulars", "Buyers", "Everyone else"]
    assert sum(sizes.values()) == shop.customers
    tiers = stored(shop.path, "tiers").set_index("customer_id").segment
    rfm = stored(shop.path, "rfm").set_index("customer_id").segment
    assert (tiers[rfm == "Prospect"] == "Everyone else").all()
    assert (rfm[tiers == "Champion regulars"] == "Champions").all()


def test_segment_rules_with_an_unknown_column_is_an_error(shop: Shop, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text('segments:\n  - name: X\n    where: "no_such_column > 1"\n', encoding="utf-8")
    result = invoke("segment", "rules", "bad", "--file", str(rules), "--mart", str(shop.path))
    assert result.exit_code == 2, result.output
    assert f"{rules}, line 3: segment 'X': unknown column 'no_such_column'" in result.stderr
    assert "Traceback" not in result.output


def test_segment_rules_under_the_rfm_name_is_refused(shop: Shop, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    before = stored(shop.path, "rfm")
    result = invoke("segment", "rules", "rfm", "--file", str(rules), "--mart", str(shop.path))
    assert result.exit_code == 2, result.output
    assert "'rfm' already names a segmentation of kind rfm" in result.stderr
    assert stored(shop.path, "rfm").equals(before)


def test_segmentations_lists_what_is_stored(shop: Shop) -> None:
    result = invoke("segmentations", "--mart", str(shop.path), "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["segmentation"]: r for r in json.loads(result.stdout)}
    assert rows["rfm"]["kind"] == "rfm"
    assert rows["rfm"]["version"] == 1
    assert rows["rfm"]["n_segments"] == stored(shop.path, "rfm").segment.nunique()
    assert rows["rfm"]["last_as_of"] == shop.as_of  # a date, not a midnight timestamp
    human = invoke("segmentations", "--mart", str(shop.path))
    assert human.exit_code == 0, human.output
    assert "rfm" in human.stdout and shop.as_of in human.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_assignments_writes_the_stored_segments(shop: Shop, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"rfm{suffix}"
    result = invoke("assignments", "rfm", "--mart", str(shop.path), "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str) if suffix == ".csv" else pq.read_table(out).to_pandas()
    expected = stored(shop.path, "rfm")
    assert list(written.columns) == ["customer_id", "segment"]
    assert written.customer_id.tolist() == expected.customer_id.tolist()
    assert written.segment.tolist() == expected.segment.tolist()
    assert f"wrote {len(expected):,} customers to" in result.stderr


def test_assignments_csv_neutralises_cells_a_spreadsheet_would_run(
    shop: Shop, tmp_path: Path
) -> None:
    copy = tmp_path / "hostile.duckdb"
    shutil.copy(shop.path, copy)
    with connect(copy, create=False) as mart:
        first = mart.raw.execute("SELECT min(customer_id) FROM assignments").fetchone()
        assert first is not None
        mart.raw.execute(
            "UPDATE assignments SET customer_id = '=1+2', segment = '@SUM(A1)' "
            "WHERE customer_id = $1",
            [first[0]],
        )
    out = tmp_path / "rfm.csv"
    result = invoke("assignments", "rfm", "--mart", str(copy), "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, dtype=str)
    assert written.customer_id.iloc[0] == "'=1+2" and written.segment.iloc[0] == "'@SUM(A1)"
    assert not written.stack().str.match(r"[=+\-@]").any()
    listed = invoke("segmentations", "--mart", str(copy), "--format", "csv")
    assert listed.exit_code == 0 and listed.stdout.startswith("segmentation,")


def test_assignments_as_of_a_date_without_results_lists_the_dates(
    shop: Shop, tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    result = invoke(
        "assignments", "rfm", "--mart", str(shop.path), "--out", str(out), "--as-of", "2024-01-01"
    )
    assert_one_line_error(result, f"has no results as of 2024-01-01; stored dates: {shop.as_of}")
    assert not out.exists()


def test_assignments_with_a_bad_suffix_is_an_error(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "rfm.xlsx"
    result = invoke("assignments", "rfm", "--mart", str(shop.path), "--out", str(out))
    assert_one_line_error(result, "rfm.xlsx: use a .csv or .parquet file name")
    assert not out.exists()


def test_assignments_into_a_missing_folder_make_it(shop: Shop, tmp_path: Path) -> None:
    out = tmp_path / "exports" / "june" / "rfm.parquet"
    result = invoke("assignments", "rfm", "--mart", str(shop.path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(out)) > 0


def test_assignments_onto_a_folder_or_under_a_file_are_one_line_errors(
    shop: Shop, tmp_path: Path
) -> None:
    folder = tmp_path / "out.csv"
    folder.mkdir()
    result = invoke("assignments", "rfm", "--mart", str(shop.path), "--out", str(folder))
    assert_one_line_error(result, "out.csv is a folder; name the file to write in it")
    blocker = tmp_path / "taken"
    blocker.write_text("a file, not a folder")
    under = blocker / "rfm.csv"
    result = invoke("assignments", "rfm", "--mart", str(shop.path), "--out", str(under))
    assert_one_line_error(result, "rfm.csv: cannot make its folder")
    assert blocker.read_text() == "a file, not a folder"


def test_an_unknown_segmentation_is_a_one_line_error(shop: Shop, tmp_path: Path) -> None:
    result = invoke(
        "assignments", "nope", "--mart", str(shop.path), "--out", str(tmp_path / "x.csv")
    )
    assert_one_line_error(result, "no segmentation named 'nope'; stored: ")
    assert "rfm" in result.stderr


def test_a_missing_mart_is_a_one_line_error(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    result = invoke("segmentations", "--mart", str(missing))
    assert_one_line_error(result, f"no mart at {missing}")
    assert not missing.exists()


COMPUTING = [
    ("segment", "rfm"),
    ("segment", "lifecycle"),
    ("segment", "cluster", "clusters"),
    ("features",),
    ("refresh",),
    ("score",),
    ("clv", "score"),
]
"""Commands that compute as of --as-of (the rules' file is left out: it needs one)."""


@pytest.mark.parametrize("command", COMPUTING, ids=" ".join)
def test_a_day_still_to_come_is_refused_by_every_computing_command(
    shop: Shop, command: tuple[str, ...]
) -> None:
    result = invoke(*command, "--as-of", "2999-01-01", "--mart", str(shop.path))
    assert_one_line_error(result, "2999-01-01 is in the future (the latest day anywhere is")
    assert "leave --as-of out" in result.stderr


@pytest.mark.parametrize("command", COMPUTING, ids=" ".join)
def test_a_day_before_the_first_order_says_there_are_no_orders_yet(
    shop: Shop, command: tuple[str, ...]
) -> None:
    result = invoke(*command, "--as-of", "2005-01-01", "--mart", str(shop.path))
    assert_one_line_error(result, "no orders up to 2005-01-01 (the first order is on 2023-")
    assert "pass a later --as-of" in result.stderr


def test_a_day_after_the_last_order_runs_with_one_warning(shop: Shop, tmp_path: Path) -> None:
    copy = tmp_path / "mart.duckdb"
    shutil.copy(shop.path, copy)
    later = (dt.date.fromisoformat(shop.as_of) + dt.timedelta(days=30)).isoformat()
    result = invoke("segment", "rfm", "--as-of", later, "--mart", str(copy), "--format", "json")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warned == [
        f"warning: as of {later}, after the last order ({shop.as_of}): the days in between "
        "count as days without orders for every customer."
    ]
    assert sum(r["members"] for r in json.loads(result.stdout)) == shop.customers
    with connect(copy, create=False) as mart:
        assert store.as_of_dates(mart, "rfm")[-1].isoformat() == later
