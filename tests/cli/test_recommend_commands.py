"""``segmint recommend``: fit and store, evaluate, rules, show and export, through the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
from pathlib import Path

import ibis
import pandas as pd
import pytest
from typer.testing import CliRunner

from segmint.cli.main import app
from segmint.mart import connect
from segmint.mart.privacy import SUPPRESSIONS_TABLE, entries, list_exports
from segmint.mart.privacy.keys import ENV_KEY

from .conftest import Segmint

PRODUCTS = {
    "coffee": "Espresso beans",
    "filter": "Paper filters",
    "milk": "Oat milk",
    "mug": "Stoneware mug",
    "tea": "Green tea",
    "honey": "Forest honey",
    "cake": "Lemon cake",
    "jam": "Plum jam",
}


def _shop(folder: Path) -> tuple[Path, Path]:
    """A year of baskets of 60 customers: coffee comes with filters, milk is bought weekly
    by the first twenty, the rest at random; consents for the first thirty."""
    rng = random.Random(7)
    rows = []
    start = dt.datetime(2024, 1, 1, 9)
    for n in range(700):
        customer = rng.randrange(60)
        when = start + dt.timedelta(hours=rng.randrange(24 * 360))
        items = rng.sample(["mug", "tea", "honey", "cake", "jam"], rng.randint(1, 2))
        if rng.random() < 0.4:
            items += ["coffee", "filter"]
        if customer < 20 and rng.random() < 0.7:
            items.append("milk")
        for item in dict.fromkeys(items):
            rows.append(
                {
                    "order_id": f"o{n}",
                    "customer_id": f"c{customer:02d}",
                    "order_ts": when.isoformat(" "),
                    "product_id": item,
                    "product_name": PRODUCTS[item],
                    "quantity": 1,
                    "unit_price": 3.5,
                }
            )
    shop = folder / "shop.csv"
    pd.DataFrame(rows).to_csv(shop, index=False)
    consents = folder / "consents.csv"
    pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(30)],
            "channel": ["email"] * 30,
            "granted": [i != 3 for i in range(30)],  # c03 withdrew
            "updated_at": ["2024-01-01 00:00:00"] * 30,
        }
    ).to_csv(consents, index=False)
    return shop, consents


@pytest.fixture
def shop(segmint_cli: Segmint, tmp_path: Path) -> Segmint:
    """The shop loaded through ``segmint ingest``."""
    baskets, consents = _shop(tmp_path)
    assert segmint_cli("ingest", "transactions", baskets).exit_code == 0
    assert segmint_cli("ingest", "consents", consents).exit_code == 0
    return segmint_cli


def test_fit_one_method_stores_every_customers_top_k_with_reasons(shop: Segmint) -> None:
    result = shop("recommend", "fit", "--method", "buy-again", "--k", "3")
    assert result.exit_code == 0, result.output
    assert "stored top 3 of 60 customers" in result.stderr
    with connect(shop.mart, create=False) as mart:
        stored = mart.table("recommendations").to_pandas()
        runs = mart.table("model_runs").to_pandas()
    assert set(stored.method) == {"buy_again"}
    assert stored.groupby("customer_id")["rank"].max().max() == 3
    assert stored.reason.str.match(r"you (buy this every ~\d+ days?, last|bought this)").all()
    (last,) = stored.as_of.astype(str).unique().tolist()  # the last day with orders
    assert last == "2024-12-26"
    run = runs[runs.kind == "recommend"].iloc[-1]
    rules = json.loads(run.metrics)["rules"]
    assert {"Espresso beans", "Paper filters"} == {rules[0]["consequent"], *rules[0]["antecedent"]}
    assert all(5 <= r["n_customers"] <= r["n_baskets"] for r in rules)  # the default 5
    # a second fit as of the same date replaces the lists, another date adds its own
    assert shop("recommend", "fit", "--method", "popular", "--k", "2").exit_code == 0
    assert shop("recommend", "fit", "--as-of", "2024-11-30", "--k", "2").exit_code == 0
    with connect(shop.mart, create=False) as mart:
        again = mart.table("recommendations").to_pandas()
    latest = again[again.as_of.astype(str) == last]
    assert set(latest.method) == {"popularity"} and latest["rank"].max() == 2
    assert (again.as_of.astype(str) == "2024-11-30").sum() > 0


def test_fit_auto_says_what_each_group_gets(shop: Segmint) -> None:
    result = shop("recommend", "fit")
    assert result.exit_code == 0, result.output
    assert "auto: what each customer group gets" in result.stdout
    assert "1 order, explorer" in result.stdout
    assert "method auto" in result.stderr


def test_unknown_method_and_bad_k_are_clear_errors(shop: Segmint) -> None:
    result = shop("recommend", "fit", "--method", "magic")
    assert result.exit_code == 2
    assert "unknown method 'magic'; choose one of auto, popular" in result.stderr
    assert shop("recommend", "fit", "--k", "0").exit_code == 2


def test_evaluate_json_has_exactly_the_documented_shape(shop: Segmint) -> None:
    result = shop(
        "recommend", "evaluate", "--split-date", "2024-10-31", "--k", "5", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"k", "methods", "chosen"}
    assert document["k"] == 5 and document["chosen"] == "auto"
    assert {"popularity", "segment_popularity", "buy_again", "rules", "item_knn", "auto"} <= set(
        document["methods"]
    )
    for scores in document["methods"].values():
        assert list(scores) == ["precision", "recall", "map", "ndcg", "hit_rate", "coverage"]
        assert all(0 <= v <= 1 for v in scores.values())
    table = shop("recommend", "evaluate", "--split-date", "2024-10-31")
    assert table.exit_code == 0, table.output
    assert "recall@10: auto" in table.stdout and "best baseline" in table.stdout


def test_rules_name_the_products_and_go_to_a_file(shop: Segmint, tmp_path: Path) -> None:
    out = tmp_path / "rules.csv"
    result = shop("recommend", "rules", "--min-count", "20", "--max-len", "2", "--out", out)
    assert result.exit_code == 0, result.output
    assert "Espresso beans" in result.stdout and "Paper filters" in result.stdout
    assert "customers" in result.stdout and "baskets of 5 customers" in result.stdout
    rules = pd.read_csv(out)
    assert ((rules.n_customers >= 5) & (rules.n_customers <= rules.n_baskets)).all()
    top = rules.iloc[0]
    assert {top.antecedent, top.consequent} == {"Espresso beans", "Paper filters"}
    assert {top.antecedent_ids, top.consequent_id} == {"coffee", "filter"}
    assert (rules.n_baskets >= 20).all() and rules.antecedent.str.contains(" and ").sum() == 0
    strict = shop("recommend", "rules", "--min-support", "0.5", "--format", "json")
    assert json.loads(strict.stdout) == []
    told = shop("recommend", "rules", "--min-support", "0.5")
    assert "no rules pass the thresholds" in told.stderr


def test_each_rules_threshold_reaches_its_own_setting(shop: Segmint) -> None:
    loose = json.loads(shop("recommend", "rules", "--min-count", "5", "--format", "json").stdout)
    result = shop(
        "recommend",
        "rules",
        *("--min-count", "12", "--min-confidence", "0.3", "--min-lift", "1.05"),
        *("--min-customers", "10", "--max-len", "3", "--format", "json"),
    )
    assert result.exit_code == 0, result.output
    rules = pd.DataFrame(json.loads(result.stdout))
    assert 0 < len(rules) < len(loose)
    assert (rules.n_baskets >= 12).all() and (rules.n_customers >= 10).all()
    assert (rules.confidence >= 0.3).all() and (rules.lift >= 1.05).all()
    assert rules.antecedent.str.contains(" and ").any()  # max_len 3 kept the triples
    looser = pd.DataFrame(loose)
    assert (looser.confidence < 0.3).any() and (looser.n_baskets < 12).any()
    assert (looser.n_customers < 10).any()


def test_show_lists_one_customer_with_the_reasons(shop: Segmint) -> None:
    assert shop("recommend", "fit", "--method", "rules", "--k", "4").exit_code == 0
    customer = "c45"
    result = shop("recommend", "show", customer, "--format", "json")
    assert result.exit_code == 0, result.output
    listed = pd.DataFrame(json.loads(result.stdout))
    assert listed["rank"].tolist() == list(range(1, len(listed) + 1))
    with connect(shop.mart, create=False) as mart:
        lines = mart.table("order_lines").join(mart.table("orders"), "order_id")
        mine = lines.filter(lines.customer_id == customer).product_id.execute()
    bought = {PRODUCTS[p] for p in mine}
    for reason in listed.reason:
        # "because you bought X and Y (lift 1.4)": X and Y are what the customer bought
        found = re.fullmatch(r"because you bought (.+) \(lift \d+\.\d\)", reason)
        assert found is not None, reason
        assert set(found.group(1).split(" and ")) <= bought
    assert not set(listed.product_name) & bought  # rules recommend new items only
    table = shop("recommend", "show", customer)
    day = listed.as_of.iloc[0]  # a date in JSON: 2024-06-30
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", day), day
    assert f"recommendations for {customer} as of {day}" in table.stdout
    assert "because you bought" in table.stdout
    missing = shop("recommend", "show", "nobody")
    assert missing.exit_code == 2 and "no customer with id 'nobody' in the mart" in missing.stderr


def test_export_keeps_customers_who_consented_when_the_file_is_made(
    shop: Segmint, tmp_path: Path
) -> None:
    assert shop("recommend", "fit", "--method", "popular", "--k", "2").exit_code == 0
    out = tmp_path / "email.csv"
    result = shop("recommend", "export", "--out", out)
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["customer_id", "rank", "product_id", "product_name", "reason"]
    exported = {r["customer_id"] for r in rows}
    assert exported == {f"c{i:02d}" for i in range(30)} - {"c03"}
    assert "without consent to email" in result.stderr
    # consent withdrawn after the lists were made: left out of the next export
    with connect(shop.mart, create=False) as mart:
        mart.raw.execute("UPDATE consents SET granted = false WHERE customer_id = 'c04'")
    assert shop("recommend", "export", "--out", out).exit_code == 0
    assert "c04" not in set(pd.read_csv(out).customer_id)
    # a later withdrawal row wins over the earlier grant, as in every export
    with connect(shop.mart, create=False) as mart:
        mart.raw.execute(
            "INSERT INTO consents (customer_id, channel, granted, updated_at) "
            "SELECT customer_id, channel, false, updated_at + INTERVAL 1 DAY "
            "FROM consents WHERE customer_id = 'c05'"
        )
    assert shop("recommend", "export", "--out", out).exit_code == 0
    assert "c05" not in set(pd.read_csv(out).customer_id)
    # every written file is registered, with who is in it
    with connect(shop.mart, create=False) as mart:
        files = [r for r in list_exports(mart) if r.kind == "recommendations"]
    assert len(files) == 3 and files[-1].path == str(out.resolve())
    assert files[-1].n_rows == len(pd.read_csv(out))


def test_export_leaves_out_and_counts_the_do_not_contact_table(
    shop: Segmint, tmp_path: Path
) -> None:
    """c01 consents to e-mail but is on ``suppressions`` for every channel (a null channel):
    left out and counted as suppressed; c02, on it for sms only, stays."""
    assert shop("recommend", "fit", "--method", "popular", "--k", "2").exit_code == 0
    with connect(shop.mart, create=False) as mart:
        listed = {"customer_id": ["c01", "c02"], "channel": [None, "sms"]}
        mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    out = tmp_path / "email.csv"
    result = shop("recommend", "export", "--out", out)
    assert result.exit_code == 0, result.output
    exported = set(pd.read_csv(out).customer_id)
    assert "c01" not in exported and "c02" in exported
    assert exported == {f"c{i:02d}" for i in range(30)} - {"c01", "c03"}
    said = " ".join(result.stderr.split())
    # counted in the order the export applies them: suppression before consent
    assert "left out 1 suppressed, " in said and " without consent to email" in said, said
    with connect(shop.mart, create=False) as mart:
        details = entries(mart, action="export")[-1].details
    assert details["n_suppressed"] == 1
    left_out = details["n_without_consent"] + details["n_suppressed"]
    assert details["n_candidates"] == len(exported) + left_out


def test_export_refuses_a_channel_without_any_consent_and_writes_one_nobody_granted(
    shop: Segmint, tmp_path: Path
) -> None:
    assert shop("recommend", "fit", "--method", "popular", "--k", "2").exit_code == 0
    with connect(shop.mart, create=False) as mart:
        n_with_lists = int(mart.table("recommendations").customer_id.nunique().execute())
    # the mart records no SMS consent at all: refused, nothing written, nothing registered
    sms = tmp_path / "sms.csv"
    refused = shop("recommend", "export", "--out", sms, "--channel", "SMS")
    assert refused.exit_code == 2 and not sms.exists()
    message = " ".join(refused.stderr.split())
    assert "the mart records no consent for sms at all" in message
    assert f"none of the {n_with_lists} customers with a list may be contacted" in message
    assert (
        "`segmint ingest consents FILE`" in message
        and "the mart has consents for email." in message
    )
    with connect(shop.mart, create=False) as mart:
        assert list_exports(mart) == []
    # SMS consents recorded, none granting contact: a true answer, an empty file and a note
    withdrawn = tmp_path / "sms_consents.csv"
    withdrawn.write_text("customer_id,channel,granted,updated_at\nc07,sms,false,2024-01-01\n")
    assert shop("ingest", "consents", withdrawn).exit_code == 0
    empty = shop("recommend", "export", "--out", sms, "--channel", "sms")
    assert empty.exit_code == 0 and pd.read_csv(sms).empty
    said = " ".join(empty.stderr.split())
    assert f"left out 0 suppressed, {n_with_lists} without consent to sms" in said, said


def test_export_of_one_segment(shop: Segmint, tmp_path: Path) -> None:
    assert shop("segment", "rfm").exit_code == 0
    assert shop("recommend", "fit", "--method", "popular", "--k", "1").exit_code == 0
    with connect(shop.mart, create=False) as mart:
        assigned = mart.table("assignments").to_pandas()
    segment = assigned.segment.value_counts().index[0]
    members = set(assigned[assigned.segment == segment].customer_id)
    out = tmp_path / "segment.parquet"
    result = shop(
        "recommend", "export", "--out", out, "--segmentation", "rfm", "--segment", segment
    )
    assert result.exit_code == 0, result.output
    exported = set(pd.read_parquet(out).customer_id)
    assert exported and exported <= members & {f"c{i:02d}" for i in range(30)}
    half = shop("recommend", "export", "--out", out, "--segment", segment)
    assert half.exit_code == 2 and "--segmentation and --segment go together" in half.stderr
    wrong = shop("recommend", "export", "--out", out, "--segmentation", "rfm", "--segment", "x")
    assert wrong.exit_code == 2 and "has no segment 'x'" in wrong.stderr


ONLINE_RETAIL = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "datasets"
    / "online_retail_ii_2009_2010"
    / "online_retail_ii_2009_2010.parquet"
)
RETAIL_MAP = {
    "order_id": "Invoice",
    "product_id": "StockCode",
    "product_name": "Description",
    "quantity": "Quantity",
    "order_ts": "InvoiceDate",
    "unit_price": "Price",
    "customer_id": "Customer ID",
    "country": "Country",
}


@pytest.mark.slow
def test_online_retail_the_chosen_method_beats_the_best_baseline(segmint_cli: Segmint) -> None:
    mapping = [arg for k, v in RETAIL_MAP.items() for arg in ("--map", f"{k}={v}")]
    loaded = segmint_cli("ingest", "transactions", ONLINE_RETAIL, *mapping)
    assert loaded.exit_code == 0, loaded.output
    result = segmint_cli("recommend", "evaluate", "--split-date", "2010-09-01", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    methods, chosen = document["methods"], document["chosen"]
    for metric in ("recall", "map"):
        best = max(
            ("popularity", "segment_popularity", "buy_again"), key=lambda m: methods[m][metric]
        )
        assert methods[chosen][metric] > methods[best][metric], (metric, methods)


def test_a_forgotten_customer_is_in_no_later_export(
    shop: Segmint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_KEY, "recommend-tests-privacy-key-0123456789abcdef")
    assert shop("recommend", "fit", "--method", "popular", "--k", "2").exit_code == 0
    forgotten = shop("forget", "c01", "--reason", "erasure request")
    assert forgotten.exit_code == 0, forgotten.output
    out = tmp_path / "email.csv"
    assert shop("recommend", "export", "--out", out).exit_code == 0
    exported = set(pd.read_csv(out).customer_id)
    assert "c01" not in exported and "c02" in exported


@pytest.mark.parametrize("command", ["show", "export"])
def test_as_of_picks_stored_lists_and_says_so(command: str) -> None:
    result = CliRunner().invoke(app, ["recommend", command, "--help"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    assert "The stored lists of this day (YYYY-MM-DD); nothing is computed." in result.output
    assert "Compute as of" not in result.output
