"""Workflows on a small synthetic retailer and on CDNOW: one stored segment per customer.

The synthetic mart is loaded the way a user loads it (``ingest``), in two steps: first
everything up to :data:`EARLY`, then the later orders. Segments computed as of ``EARLY``
before the second load must come out the same after it: nothing computed as of a date may
see later data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from segmint import workflows
from segmint.exceptions import MartError, SegmintError, SegmintWarning
from segmint.features import build_features
from segmint.features.build import FEATURE_COLUMNS
from segmint.mart import Mart, connect
from segmint.mart.ingest import IngestOptions, ingest
from segmint.segmentation import store
from segmint.segmentation.lifecycle import STAGES
from segmint.segmentation.rfm import CANCELLED_ONLY, PROSPECT, load_map
from segmint.segmentation.rules_lexer import RuleError
from segmint.synth import generate

pytestmark = pytest.mark.slow

N_CUSTOMERS = 2_000
EARLY = dt.date(2024, 6, 30)
CDNOW = (Path(__file__).parents[2] / ".." / "shared/datasets/cdnow/CDNOW_master.txt").resolve()
RFM_NAMES = {rule.name for rule in load_map()} | {PROSPECT, CANCELLED_ONLY}

RULES = """
segments:
  - name: Outdoor champions
    where: "rfm = 'Champions' and interest = 'outdoor'"
  - name: Frequent
    where: "frequency >= 8"
  - name: Never bought
    where: "frequency = 0"
  - name: Everyone else
    else: true
"""
RULE_NAMES = ["Outdoor champions", "Frequent", "Never bought", "Everyone else"]


@dataclass(frozen=True)
class Retailer:
    """The loaded synthetic mart and the segments stored as of ``EARLY`` before the late load."""

    mart: Mart
    early: dict[str, dict[str, str]]


def split_orders(tables: dict[str, pa.Table], day: dt.date) -> tuple[pa.Table, ...]:
    """Orders and their lines up to the end of ``day``, then those after it."""
    orders, lines = tables["orders"], tables["order_lines"]
    end = pa.scalar(
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time()), orders["order_ts"].type
    )
    early = pc.less(orders["order_ts"], end)
    early_ids = orders.filter(early)["order_id"]
    early_lines = pc.is_in(lines["order_id"], value_set=early_ids)
    return (
        orders.filter(early),
        lines.filter(early_lines),
        orders.filter(pc.invert(early)),
        lines.filter(pc.invert(early_lines)),
    )


def segments(mart: Mart, name: str, as_of: dt.date | None = None) -> dict[str, str]:
    frame = store.assignments(mart, name, as_of).execute()
    return dict(zip(frame.customer_id, frame.segment, strict=True))


@pytest.fixture(scope="module")
def retailer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Retailer]:
    folder = tmp_path_factory.mktemp("retailer")
    tables = generate(N_CUSTOMERS, seed=11)
    early_orders, early_lines, late_orders, late_lines = split_orders(tables, EARLY)
    assert early_orders.num_rows and late_orders.num_rows
    files = {
        "customers": tables["customers"],
        "customer_attributes": tables["customer_attributes"],
        "products": tables["products"],
        "orders_early": early_orders,
        "order_lines_early": early_lines,
        "orders_late": late_orders,
        "order_lines_late": late_lines,
    }
    for name, table in files.items():
        pq.write_table(table, folder / f"{name}.parquet")

    def load(table: str, name: str) -> None:
        result = ingest(mart, table, folder / f"{name}.parquet", IngestOptions())
        assert result.rows_loaded == files[name].num_rows, result.summary()

    with connect(folder / "mart.duckdb") as mart:
        for name in ("customers", "customer_attributes", "products"):
            load(name, name)
        load("orders", "orders_early")
        load("order_lines", "order_lines_early")
        day, features = workflows.refresh_features(mart, EARLY)
        workflows.run_rfm(mart, day, features=features)
        workflows.run_lifecycle(mart, day, features=features)
        early = {name: segments(mart, name, EARLY) for name in ("rfm", "lifecycle")}
        load("orders", "orders_late")
        load("order_lines", "order_lines_late")
        yield Retailer(mart, early)


@pytest.fixture(scope="module")
def latest(retailer: Retailer) -> tuple[dt.date, ir.Table]:
    """Features as of the last day with orders, built and stored once."""
    return workflows.refresh_features(retailer.mart)


def customers_of(features: ir.Table) -> list[str]:
    return sorted(features.customer_id.execute())


def assert_one_segment_each(
    mart: Mart, run: workflows.SegmentationRun, features: ir.Table, names: set[str]
) -> dict[str, str]:
    stored = segments(mart, run.name, run.as_of)
    customers = customers_of(features)
    assert sorted(stored) == customers
    assert set(stored.values()) <= names
    assert int(run.sizes.sum()) == len(customers)
    assert run.sizes.to_dict() == pd.Series(stored.values()).value_counts().to_dict()
    return stored


def test_rfm_stores_one_segment_per_customer(
    retailer: Retailer, latest: tuple[dt.date, ir.Table]
) -> None:
    day, features = latest
    run = workflows.run_rfm(retailer.mart, day, features=features, name="rfm_latest")
    assert (run.name, run.version, run.as_of) == ("rfm_latest", 1, day)
    stored = assert_one_segment_each(retailer.mart, run, features, RFM_NAMES)
    assert len(set(stored.values())) >= 8  # a real spread, not everyone in one cell
    frequency = features.select("customer_id", "frequency").execute()
    prospects = set(frequency.customer_id[frequency.frequency == 0])
    assert {c for c, s in stored.items() if s in (PROSPECT, CANCELLED_ONLY)} == prospects
    in_map_order = [rule.name for rule in load_map()] + [PROSPECT, CANCELLED_ONLY]
    assert list(run.sizes.index) == [n for n in in_map_order if n in run.sizes.index]


def test_lifecycle_stores_one_stage_per_customer(
    retailer: Retailer, latest: tuple[dt.date, ir.Table]
) -> None:
    day, features = latest
    run = workflows.run_lifecycle(retailer.mart, day, features=features, name="lc_latest")
    stored = assert_one_segment_each(retailer.mart, run, features, set(STAGES))
    assert {"prospect", "active", "churned"} <= set(stored.values())
    assert list(run.sizes.index) == [s for s in STAGES if s in run.sizes.index]
    assert run.details["loyal_orders"] >= 3
    assert store.definition(retailer.mart, "lc_latest").definition == {
        "thresholds": {},
        "segments": list(STAGES),
    }


def test_rules_use_features_attributes_and_a_stored_rfm(
    retailer: Retailer, latest: tuple[dt.date, ir.Table], tmp_path: Path
) -> None:
    day, features = latest
    workflows.run_rfm(retailer.mart, day, features=features, name="rfm")
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    run = workflows.run_rules(retailer.mart, "hybrid", path, day, features=features)
    stored = assert_one_segment_each(retailer.mart, run, features, set(RULE_NAMES))
    # The same rules, first match wins, in plain pandas.
    frame = features.select("customer_id", "frequency", "interest").execute()
    frame["rfm"] = frame.customer_id.map(segments(retailer.mart, "rfm", day))
    expected = {}
    for row in frame.itertuples():
        if row.rfm == "Champions" and isinstance(row.interest, str) and row.interest == "outdoor":
            expected[row.customer_id] = "Outdoor champions"
        elif row.frequency >= 8:
            expected[row.customer_id] = "Frequent"
        elif row.frequency == 0:
            expected[row.customer_id] = "Never bought"
        else:
            expected[row.customer_id] = "Everyone else"
    assert stored == expected
    assert set(expected.values()) == set(RULE_NAMES)
    assert list(run.sizes.index) == RULE_NAMES


def test_rerunning_on_the_same_date_keeps_one_set_of_rows(
    retailer: Retailer, latest: tuple[dt.date, ir.Table]
) -> None:
    day, features = latest
    first = workflows.run_rfm(retailer.mart, day, features=features, name="rfm_twice")
    second = workflows.run_rfm(retailer.mart, day, features=features, name="rfm_twice")
    assert first.version == second.version == 1
    assert first.sizes.to_dict() == second.sizes.to_dict()
    table = retailer.mart.table("assignments")
    mine = table.filter(table.segmentation == "rfm_twice")
    assert int(mine.count().execute()) == len(customers_of(features))


def test_lifecycle_on_two_dates_keeps_one_version(retailer: Retailer) -> None:
    mart = retailer.mart
    dates = [dt.date(2024, 12, 31), dt.date(2025, 6, 30)]
    runs = [workflows.run_lifecycle(mart, day, name="lc_dates") for day in dates]
    assert [r.version for r in runs] == [1, 1]
    assert store.as_of_dates(mart, "lc_dates") == dates
    for run in runs:
        assert sorted(segments(mart, "lc_dates", run.as_of)) == customers_of(
            build_features(mart, run.as_of)
        )
    # A threshold the user sets is part of the definition: a new version.
    changed = workflows.run_lifecycle(mart, dates[0], name="lc_dates", loyal_orders=4)
    assert changed.version == 2
    assert changed.details["loyal_orders"] == 4
    assert store.definition(mart, "lc_dates").definition["thresholds"] == {"loyal_orders": 4}


def test_segments_as_of_an_early_date_ignore_orders_loaded_later(retailer: Retailer) -> None:
    mart = retailer.mart
    later = mart.table("orders").order_ts.max().execute()
    assert pd.Timestamp(later).date() > EARLY  # the late orders are in the mart
    rfm = workflows.run_rfm(mart, EARLY)
    lifecycle = workflows.run_lifecycle(mart, EARLY)
    assert (rfm.version, lifecycle.version) == (1, 1)
    assert segments(mart, "rfm", EARLY) == retailer.early["rfm"]
    assert segments(mart, "lifecycle", EARLY) == retailer.early["lifecycle"]


@pytest.fixture(scope="module")
def cdnow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    if not CDNOW.exists():
        pytest.fail(f"the CDNOW data set is missing: {CDNOW}")
    options = IngestOptions(
        mapping={"order_ts": "date", "quantity": "number_of_cds", "amount": "dollar_value"},
        date_formats=("%Y%m%d",),
    )
    with connect(tmp_path_factory.mktemp("cdnow") / "mart.duckdb") as mart:
        result = ingest(mart, "transactions", CDNOW, options)
        assert result.rows_loaded == 69_659, result.summary()
        yield mart


@pytest.mark.parametrize("as_of", [dt.date(1997, 9, 30), dt.date(1998, 6, 30)])
def test_cdnow_every_customer_gets_one_rfm_segment_and_one_stage(
    cdnow: Mart, as_of: dt.date
) -> None:
    day, features = workflows.refresh_features(cdnow, as_of)
    assert day == as_of
    rfm = workflows.run_rfm(cdnow, day, features=features)
    lifecycle = workflows.run_lifecycle(cdnow, day, features=features)
    for run, names in ((rfm, RFM_NAMES - {PROSPECT}), (lifecycle, set(STAGES))):
        stored = segments(cdnow, run.name, day)
        assert len(stored) == 23_570
        assert set(stored.values()) <= names
        assert int(run.sizes.sum()) == 23_570
    # Every CDNOW customer bought in the first quarter of 1997: none is a prospect or new.
    assert "prospect" not in lifecycle.sizes.index
    assert "new" not in lifecycle.sizes.index


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Mart, Path]]:
    """A small retailer loaded as a user loads it, and a folder for more files."""
    tables = generate(150, seed=5)
    for name in ("customers", "products", "orders", "order_lines"):
        pq.write_table(tables[name], tmp_path / f"{name}.parquet")
    with connect(tmp_path / "mart.duckdb") as mart:
        for name in ("customers", "products", "orders", "order_lines"):
            ingest(mart, name, tmp_path / f"{name}.parquet", IngestOptions())
        yield mart, tmp_path


def built_at(mart: Mart, name: str) -> list[object]:
    table = mart.table("segmentation_builds")
    return list(table.filter(table.segmentation == name).built_at.execute())


@pytest.mark.parametrize("run", [workflows.run_rfm, workflows.run_lifecycle])
def test_the_same_run_on_unchanged_data_reads_the_stored_result(
    small: tuple[Mart, Path], run: object
) -> None:
    mart, _ = small
    first = run(mart)  # type: ignore[operator]
    recorded = built_at(mart, first.name)
    second = run(mart)  # type: ignore[operator]
    assert built_at(mart, first.name) == recorded  # nothing was written again
    assert (second.version, second.as_of) == (first.version, first.as_of)
    assert second.sizes.to_dict() == first.sizes.to_dict()


def test_a_later_load_is_seen_by_the_next_run(small: tuple[Mart, Path]) -> None:
    mart, folder = small
    first = workflows.run_rfm(mart)
    stored = segments(mart, "rfm", first.as_of)
    newcomer = next(c for c, s in stored.items() if s == PROSPECT)
    day = dt.datetime.combine(first.as_of, dt.time(9))
    orders = pa.table({"order_id": ["late-1"], "customer_id": [newcomer], "order_ts": [day]})
    lines = pa.table(
        {"order_id": ["late-1"], "line_no": [1], "product_id": [None], "quantity": [1],
         "unit_price": [25.0]}
    )  # fmt: skip
    pq.write_table(orders, folder / "late_orders.parquet")
    pq.write_table(lines, folder / "late_lines.parquet")
    ingest(mart, "orders", folder / "late_orders.parquet", IngestOptions())
    ingest(mart, "order_lines", folder / "late_lines.parquet", IngestOptions())
    again = workflows.run_rfm(mart, first.as_of)
    assert segments(mart, "rfm", first.as_of)[newcomer] != PROSPECT
    fresh = workflows.run_rfm(
        mart, first.as_of, features=build_features(mart, first.as_of), name="rfm_fresh"
    )
    assert segments(mart, "rfm", first.as_of) == segments(mart, "rfm_fresh", first.as_of)
    assert again.sizes.to_dict() == fresh.sizes.to_dict()


@pytest.mark.parametrize(
    ("where", "meant"),
    [("monetary_totl >= 5000", "monetary_total"), ("intrest = 'outdoor'", "interest")],
)
def test_a_misspelt_column_is_matched_against_every_column_a_rule_could_use(
    small: tuple[Mart, Path], where: str, meant: str
) -> None:
    mart, folder = small
    pq.write_table(generate(150, seed=5)["customer_attributes"], folder / "attributes.parquet")
    ingest(mart, "customer_attributes", folder / "attributes.parquet", IngestOptions())
    rules = folder / "rules.yaml"
    rules.write_text(f'segments:\n  - name: X\n    where: "{where}"\n', encoding="utf-8")
    with pytest.raises(RuleError, match=rf"did you mean '{meant}'") as raised:
        workflows.run_rules(mart, "typo", rules)
    listed = str(raised.value).split("columns: ")[1].splitlines()[0].split(", ")
    # the groups the rule does not name are listed too, without being built for it
    assert {"interest", "monetary_total", "tenure_days", "interpurchase_mean_days"} <= set(listed)
    assert set(FEATURE_COLUMNS) <= set(listed)


def test_a_hybrid_rule_on_a_segmentation_without_results_then_names_the_file_and_line(
    small: tuple[Mart, Path],
) -> None:
    mart, folder = small
    stored = workflows.run_rfm(mart, name="rfm")
    earlier = stored.as_of - dt.timedelta(days=30)
    rules = folder / "hybrid.yaml"
    rules.write_text(
        "segments:\n  - name: Frequent\n    where: frequency >= 5\n"
        "  - name: Champions\n    description: the best\n    where: \"rfm = 'Champions'\"\n"
        "  - name: Rest\n    else: true\n",
        encoding="utf-8",
    )
    with pytest.raises(MartError) as raised:
        workflows.run_rules(mart, "hybrid", rules, earlier)
    assert str(raised.value) == (
        f"{rules}, line 6: segment 'Champions' names segmentation 'rfm': segmentation 'rfm' "
        f"has no results as of {earlier}; stored dates: {stored.as_of}; run 'rfm' as of "
        f"{earlier} first, or run these rules as of one of its dates"
    )


def test_a_segment_nobody_is_in_is_listed_with_zero_members_and_a_reason(
    small: tuple[Mart, Path],
) -> None:
    mart, folder = small
    rules = folder / "rules.yaml"
    rules.write_text(
        "segments:\n"
        '  - name: Buyers\n    where: "frequency >= 1"\n'
        '  - name: Frequent\n    where: "frequency >= 2"\n'
        "  - name: Martians\n    where: \"country = 'Mars'\"\n"
        "  - name: Rest\n    else: true\n",
        encoding="utf-8",
    )
    with pytest.warns(SegmintWarning) as caught:
        run = workflows.run_rules(mart, "empty", rules)
    assert list(run.sizes.index) == ["Buyers", "Frequent", "Martians", "Rest"]
    stored = segments(mart, "empty", run.as_of)
    assert run.sizes.to_dict() == {
        name: sum(1 for s in stored.values() if s == name) for name in run.sizes.index
    }
    assert run.sizes["Frequent"] == run.sizes["Martians"] == 0
    assert run.sizes.sum() == len(stored)
    frame = build_features(mart, run.as_of).select("frequency").execute()
    shadowed = int((frame.frequency >= 2).sum())
    assert shadowed > 0
    messages = [str(w.message) for w in caught]
    assert any(
        f"segment 'Frequent' has no members as of {run.as_of}: the {shadowed:,} customers" in m
        and "first match wins" in m
        for m in messages
    ), messages
    assert any(
        "segment 'Martians' has no members" in m and "`country = 'Mars'`" in m for m in messages
    ), messages


def refuse_to_build(*args: object, **kwargs: object) -> None:
    raise AssertionError("features were built before the name was checked")


@pytest.mark.parametrize(
    "run",
    [
        lambda mart: workflows.run_rfm(mart, name="taken"),
        lambda mart: workflows.run_lifecycle(mart, name="taken"),
        lambda mart: workflows.run_rules(mart, "taken", RULES),
    ],
    ids=["rfm", "lifecycle", "rules"],
)
def test_a_name_of_another_kind_is_refused_before_any_feature_is_built(
    monkeypatch: pytest.MonkeyPatch, run: object
) -> None:
    monkeypatch.setattr("segmint.workflows.segment.features_for", refuse_to_build)
    monkeypatch.setattr("segmint.workflows.segment.checked_as_of", refuse_to_build)
    with connect(":memory:") as mart:
        taken = ibis.memtable({"customer_id": ["a"], "segment": ["x"]})
        store.save(mart, "taken", "cluster", {}, EARLY, taken)
        with pytest.raises(SegmintError, match="'taken' already names a segmentation of kind"):
            run(mart)  # type: ignore[operator]


def test_an_empty_segment_in_the_wrong_case_names_the_values_ignoring_case(
    small: tuple[Mart, Path],
) -> None:
    mart, folder = small
    pq.write_table(generate(150, seed=5)["customer_attributes"], folder / "attributes.parquet")
    ingest(mart, "customer_attributes", folder / "attributes.parquet", IngestOptions())
    rules = folder / "rules.yaml"
    rules.write_text(
        "segments:\n"
        "  - name: Outdoor fans\n    where: \"interest = 'Outdoor'\"\n"
        "  - name: Martians\n    where: \"country = 'Mars'\"\n"
        "  - name: Rest\n    else: true\n",
        encoding="utf-8",
    )
    with pytest.warns(SegmintWarning) as caught:
        run = workflows.run_rules(mart, "cased", rules)
    assert run.sizes["Outdoor fans"] == 0
    messages = {str(w.message).split(":")[0]: str(w.message) for w in caught}
    outdoor = messages[f"segment 'Outdoor fans' has no members as of {run.as_of.isoformat()}"]
    assert "'outdoor' is a value of interest (the condition has 'Outdoor')" in outdoor
    assert "case included" in outdoor
    martians = messages[f"segment 'Martians' has no members as of {run.as_of.isoformat()}"]
    assert "is a value of" not in martians and "check the values" in martians


@pytest.fixture
def cancelling(tmp_path: Path) -> Iterator[Mart]:
    """c1 and c4 bought, c2 ordered twice and cancelled both, c3 never ordered."""
    files = {
        "customers": "customer_id,signup_date\nc1,2024-01-01\nc2,2024-01-01\nc3,2024-01-01\n"
        "c4,2024-01-01\n",
        "orders": "order_id,customer_id,order_ts,status\no1,c1,2024-02-01,completed\n"
        "o2,c2,2024-02-03,cancelled\no3,c2,2024-03-01,cancelled\no4,c4,2024-03-02,completed\n"
        "o5,c1,2024-03-05,completed\n",
        "order_lines": "order_id,line_no,quantity,unit_price\no1,1,1,10\no2,1,2,5\n"
        "o3,1,1,7\no4,1,3,4\no5,1,1,8\n",
    }
    with connect(tmp_path / "mart.duckdb") as mart:
        for name, text in files.items():
            (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
            ingest(mart, name, tmp_path / f"{name}.csv", IngestOptions())
        yield mart


def test_a_customer_who_cancelled_every_order_is_no_prospect(cancelling: Mart) -> None:
    day = dt.date(2024, 3, 5)
    rfm = workflows.run_rfm(cancelling, day)
    lifecycle = workflows.run_lifecycle(cancelling, day)
    assert segments(cancelling, "rfm", day)["c2"] == CANCELLED_ONLY
    assert segments(cancelling, "rfm", day)["c3"] == PROSPECT
    assert segments(cancelling, "lifecycle", day)["c2"] == "cancelled only"
    assert segments(cancelling, "lifecycle", day)["c3"] == "prospect"
    assert (rfm.sizes[CANCELLED_ONLY], rfm.sizes[PROSPECT]) == (1, 1)
    assert (lifecycle.sizes["cancelled only"], lifecycle.sizes["prospect"]) == (1, 1)
    # before the first cancelled order, c2 had not ordered yet: a prospect
    workflows.run_lifecycle(cancelling, dt.date(2024, 2, 2))
    assert segments(cancelling, "lifecycle", dt.date(2024, 2, 2))["c2"] == "prospect"
