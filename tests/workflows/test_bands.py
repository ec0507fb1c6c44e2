"""The issue's households, end to end: a banded demographics file and a transactions file
loaded with guessed mappings, then rules, profiles, personas and clusters on the bands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmint import workflows
from segmint.features import build_features
from segmint.features.bands import attribute_bands, rule_bands
from segmint.mart import Mart, connect
from segmint.mart.ingest import ingest
from segmint.segmentation import store
from segmint.segmentation.rules_lexer import RuleError
from segmint.workflows.clusters import ClusterOptions, run_clusters
from segmint.workflows.profile import personas, profile

AGES = ["19-24", "25-34", "35-44", "45-54", "55-64", "65+"]
INCOMES = ["Under 15K", "15-24K", "25-34K", "35-49K", "50-74K", "75-99K", "100-124K", "250K+"]
SIZES = ["1", "2", "3", "4", "5+"]
N = 48


@pytest.fixture(scope="module")
def households(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mart]:
    folder = tmp_path_factory.mktemp("households")
    demographics = {
        "household_id": list(range(1, N + 1)),
        "age": [AGES[i % len(AGES)] for i in range(N)],
        "income": [INCOMES[(i * 3) % len(INCOMES)] for i in range(N)],
        "home_ownership": ["Homeowner" if i % 3 else "Renter" for i in range(N)],
        "household_size": [SIZES[i % len(SIZES)] for i in range(N)],
        "kids_count": ["None/Unknown" if i % 4 else "3+" for i in range(N)],
    }
    pq.write_table(pa.table(demographics), folder / "demographics.parquet")
    lines = ["household_key,BASKET_ID,purchase_date,PRODUCT_ID,QUANTITY,SALES_VALUE"]
    for h in range(1, N + 1):
        for k in range(1 + h % 3):
            lines.append(f"{h},b{h}-{k},2024-0{1 + k}-{10 + h % 15},p{h % 5},{1 + k},{2.5 * h + k}")
    (folder / "transactions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with connect(folder / "mart.duckdb") as mart:
        ingest(mart, "transactions", folder / "transactions.csv")
        ingest(mart, "customers", folder / "demographics.parquet")
        workflows.refresh_features(mart, "2024-12-31")
        yield mart


def test_bands_are_found_in_their_order(households: Mart) -> None:
    import datetime as dt

    bands = attribute_bands(households, dt.date(2024, 12, 31))
    assert bands["age_attr"].levels == tuple(AGES)  # 'age' is a built-in feature's name
    assert bands["income"].levels == tuple(INCOMES)
    assert bands["household_size"].levels == tuple(SIZES)
    assert "kids_count" not in bands  # one band and 'None/Unknown': nothing to order
    assert "home_ownership" not in bands  # words: no order
    assert rule_bands(households, dt.date(2024, 12, 31))["age"] == bands["age_attr"]


def test_rules_on_bands_compare_by_band_order(households: Mart, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "segments:\n"
        "  - name: Older well-off\n"
        "    where: \"age >= '45-54' and income in ('100-124K', '250K+')\"\n"
        "  - name: Young big households\n"
        "    where: \"age between '19-24' and '25-34' and household_size >= '4'\"\n"
        "  - name: Others\n"
        "    else: true\n",
        encoding="utf-8",
    )
    run = workflows.run_rules(households, "life_stage", rules, "2024-12-31")
    features = build_features(households, "2024-12-31").execute().set_index("customer_id")
    segments = store.assignments(households, "life_stage", run.as_of).execute()
    got = dict(zip(segments.customer_id, segments.segment, strict=True))
    for customer, row in features.iterrows():
        older = AGES.index(row.age_attr) >= AGES.index("45-54")
        rich = row.income in ("100-124K", "250K+")
        young = AGES.index(row.age_attr) <= AGES.index("25-34")
        big = SIZES.index(row.household_size) >= SIZES.index("4")
        expected = (
            "Older well-off"
            if older and rich
            else "Young big households"
            if young and big
            else "Others"
        )
        assert got[customer] == expected, customer
    assert run.sizes["Older well-off"] > 0 and run.sizes["Young big households"] > 0


def test_a_band_value_that_does_not_exist_is_a_clear_error(
    households: Mart, tmp_path: Path
) -> None:
    rules = tmp_path / "bad.yaml"
    rules.write_text("segments:\n  - name: X\n    where: \"age >= '35-45'\"\n", encoding="utf-8")
    with pytest.raises(
        RuleError, match=r"'35-45' is not a value of age.*its values in order: 19-24, 25-34"
    ):
        workflows.run_rules(households, "bad", rules, "2024-12-31")


def test_profiles_and_personas_show_bands_in_order(households: Mart, tmp_path: Path) -> None:
    rules = tmp_path / "owners.yaml"
    rules.write_text(
        "segments:\n  - name: Owners\n    where: \"home_ownership = 'Homeowner'\"\n"
        "  - name: Renters\n    else: true\n",
        encoding="utf-8",
    )
    workflows.run_rules(households, "tenure", rules, "2024-12-31")
    mix = profile(households, "tenure", "2024-12-31").mix
    owners_income = mix[(mix.segment == "Owners") & (mix.dimension == "income")].value.tolist()
    assert owners_income == [v for v in INCOMES if v in owners_income]  # band order, not text
    ages = mix[(mix.segment == "Renters") & (mix.dimension == "age_attr")].value.tolist()
    assert ages == [a for a in AGES if a in ages]
    cards = personas(households, "tenure", "2024-12-31")
    sketches = {c.segment: c.demographics for c in cards}
    assert sketches["Owners"]["home_ownership"] == "Homeowner"
    assert sketches["Renters"]["home_ownership"] == "Renter"
    assert set(sketches["Owners"]) >= {"age_attr", "income", "household_size", "kids_count"}


def test_clusters_take_band_attributes(households: Mart) -> None:
    options = ClusterOptions(
        features=["income", "household_size", "monetary_total"], k=3, n_bootstrap=0
    )
    run = run_clusters(households, "bands", "2024-12-31", options)
    assert run.features == ["income", "household_size", "monetary_total"]
    assert int(run.sizes.sum()) == N
