"""``segmint campaign create|power|export|results|list`` on a small synthetic retailer: the
same numbers as the workflows, JSON shapes, errors in one line."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import pyarrow.parquet as pq
import pytest

from segmint.cli.main import app
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.segmentation import store
from segmint.synth import generate
from segmint.workflows import campaigns

from .conftest import Segmint, loaded_by

TABLES = (
    "customers",
    "consents",
    "products",
    "orders",
    "order_lines",
    "events",
    "campaigns",
    "campaign_members",
)


@pytest.fixture(scope="module")
def shop_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mart of a 3,000-customer retailer (campaigns K001-K003) with ``latent`` segments."""
    folder = tmp_path_factory.mktemp("campaign-cli")
    tables = generate(3_000, seed=5)
    path = folder / "shop.duckdb"
    with connect(path) as mart:
        for name in TABLES:
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet")
        truth = tables["ground_truth"].select(["customer_id", "latent_type"])
        labels = ibis.memtable(truth.rename_columns(["customer_id", "segment"]))
        store.save(mart, "latent", "rules", {"truth": 1}, dt.date(2025, 6, 30), labels)
    return path


@pytest.fixture
def shop(shop_template: Path, segmint_cli: Segmint) -> Segmint:
    shutil.copyfile(shop_template, segmint_cli.mart)
    return segmint_cli


def test_power_reproduces_the_issue_numbers(shop: Segmint) -> None:
    result = shop(
        "campaign",
        "power",
        "--baseline-rate",
        "0.02",
        "--lift",
        "0.10",
        "--holdout-share",
        "0.5",
        "--format",
        "json",
        mart=False,
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["n_per_arm"] == 80_679
    assert payload["n_control"] == payload["n_target"] == 80_679
    assert payload["n_total"] == 2 * 80_679
    assert payload["mde"] == pytest.approx(0.002, rel=1e-3)
    human = shop("campaign", "power", "--baseline-rate", "0.02", "--audience", "5000", mart=False)
    assert "minimum detectable effect" in human.stdout
    tiny = shop("campaign", "power", "--baseline-rate", "0.02", "--audience", "1", mart=False)
    assert tiny.exit_code == 2 and "'--audience'" in " ".join(tiny.output.split())


def test_power_for_a_decrease_prints_the_smallest_detectable_decrease(shop: Segmint) -> None:
    """-10 % at 2 %: the groups sized for it detect a drop of 10.0 %, not a rise of 10.1 %."""
    human = shop("campaign", "power", "--baseline-rate", "0.02", "--lift", "-0.1", mart=False)
    assert human.exit_code == 0, human.output
    assert "minimum detectable effect: -0.00200" in human.stdout
    assert "relative to the baseline: -10.0%" in human.stdout
    assert "+10.1%" not in human.stdout


def test_create_prints_groups_per_stratum_and_never_redraws(shop: Segmint) -> None:
    args = (
        "campaign", "create", "spring", "--segmentation", "latent", "--segment", "bargain_hunter",
        "--segment", "steady_regular", "--channel", "email", "--holdout-share", "0.2", "--seed", "3",
    )  # fmt: skip
    created = shop(*args, "--format", "json")
    assert created.exit_code == 0, created.output
    payload = json.loads(created.stdout)
    strata = {s["stratum"]: s for s in payload["strata"]}
    assert set(strata) == {"bargain_hunter", "steady_regular"}
    total = payload["groups"]["target"] + payload["groups"]["control"]
    assert total == payload["audience"]["n_eligible"]
    assert payload["groups"]["control"] == pytest.approx(0.2 * total, abs=2)
    again = shop(*args)
    assert again.exit_code == 2
    assert "already exists" in again.stderr and "never redrawn" in again.stderr
    listed = json.loads(shop("campaign", "list", "--format", "json").stdout)
    assert {c["campaign_id"] for c in listed["data"]} == {"spring", "K001", "K002", "K003"}
    # the planned period and control share have the names of the campaigns table
    row = next(c for c in listed["data"] if c["campaign_id"] == "spring")
    assert (payload["start_date"], payload["end_date"]) == (row["start_date"], row["end_date"])
    assert payload["holdout_share"] == row["holdout_share"] == 0.2
    assert not {"start", "end", "holdout"} & set(payload)
    assert "holdout" not in payload["power"]
    assert payload["power"]["holdout_share"] == pytest.approx(0.2, abs=0.01)  # as drawn
    assert payload["random_state"] == 3 and "seed" not in payload  # the seed's one name


def test_results_runs_without_pandas(shop: Segmint) -> None:
    # member outcomes are read as Arrow and NumPy: loading pandas would cost the command
    # about half a second of a 1M-member campaign's budget (create needs it: Ibis loads it
    # for in-memory tables, so create imports it on a thread while DuckDB works)
    mart = ("--mart", str(shop.mart))
    create = ("campaign", "create", "arrow", "--segmentation", "latent", "--segment")
    created, _ = loaded_by(
        *create, "bargain_hunter", "--channel", "email", "--format", "json", *mart
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["groups"]["control"] > 0
    measured, loaded = loaded_by("campaign", "results", "arrow", "--format", "json", *mart)
    assert measured.returncode == 0, measured.stderr
    assert json.loads(measured.stdout)["campaign_id"] == "arrow" and "pandas" not in loaded


def test_export_writes_the_send_list_and_its_manifest(shop: Segmint, tmp_path: Path) -> None:
    shop(
        "campaign",
        "create",
        "spring",
        "--segmentation",
        "latent",
        "--segment",
        "bargain_hunter",
        "--channel",
        "email",
    )
    out = tmp_path / "send" / "spring.csv"
    result = shop("campaign", "export", "spring", "--out", out, "--format", "json")
    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    assert manifest == json.loads((tmp_path / "send" / "spring.csv.manifest.json").read_text())
    lines = out.read_text().splitlines()
    assert lines[0] == "customer_id" and len(lines) - 1 == manifest["counts"]["n_exported"]
    with connect(shop.mart, read_only=True) as mart:
        assert (
            manifest["counts"]["n_target"]
            == campaigns.campaigns(mart).set_index("campaign_id").loc["spring", "n_target"]
        )


def test_results_json_is_the_workflow_s(shop: Segmint, rounded: Callable[..., Any]) -> None:
    result = shop("campaign", "results", "K003", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    with connect(shop.mart, read_only=True) as mart:
        expected = {**campaigns.results(mart, "K003").as_dict(), "currency": None}  # none set
    # equal up to the last digits of the engine's parallel sums
    assert rounded(payload) == rounded(json.loads(json.dumps(expected)))
    assert set(payload) >= {"campaign_id", "groups", "srm_p", "lift", "segments", "economics"}
    assert set(payload["lift"]["revenue_per_member"]) >= {"abs", "rel", "ci95", "cuped_ci95"}
    human = shop(
        "campaign", "results", "K003", "--segmentation", "latent", "--min-segment-size", "20"
    )
    assert "revenue_per_member" in human.stdout and "lift per segment" in human.stdout


def test_results_seed_reproduces_the_bootstrap_intervals(shop: Segmint) -> None:
    """``--seed`` is the bootstrap's ``random_state``: one seed, one answer; another seed,
    other resamples; the JSON records the seed it was measured with."""

    def measured(*seed: str) -> dict[str, Any]:
        result = shop("campaign", "results", "K003", "--format", "json", *seed)
        assert result.exit_code == 0, result.output
        payload: dict[str, Any] = json.loads(result.stdout)
        return payload

    default, first, again, other = (
        measured(),
        measured("--seed", "11"),
        measured("--seed", "11"),
        measured("--seed", "12"),
    )
    assert default["bootstrap"] == {"n_resamples": 2_000, "random_state": 0}
    assert first["bootstrap"]["random_state"] == 11
    intervals = [p["lift"]["revenue_per_member"]["bootstrap_ci95"] for p in (first, again, other)]
    assert intervals[0] == intervals[1] and intervals[0] != intervals[2]
    with connect(shop.mart, read_only=True) as mart:
        options = campaigns.ResultsOptions(random_state=11)
        python = campaigns.results(mart, "K003", options).as_dict()
    assert python["lift"]["revenue_per_member"]["bootstrap_ci95"] == intervals[0]
    refused = shop("campaign", "results", "K003", "--seed", "-1")
    assert refused.exit_code == 2
    said = " ".join(refused.stderr.split())
    assert "got -1. Set --seed to 0 or more" in said and "random_state" not in said


def test_create_and_export_count_suppressed_before_without_consent(
    shop: Segmint, tmp_path: Path
) -> None:
    """The counts are printed in the order the exclusions are applied (docs/privacy.md):
    suppression first, then consent."""
    created = shop(
        "campaign", "create", "order", "--segmentation", "latent", "--segment",
        "bargain_hunter", "--channel", "email",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    audience = next(line for line in created.stdout.splitlines() if "audience:" in line)
    assert audience.index("suppressed") < audience.index("without consent"), audience
    exported = shop("campaign", "export", "order", "--out", tmp_path / "order.csv")
    assert exported.exit_code == 0, exported.output
    said = " ".join(exported.stdout.split())
    assert said.index(" suppressed, ") < said.index(" without consent now)"), said


def test_results_report_reach_and_contamination_beside_the_itt_lifts(shop: Segmint) -> None:
    human = shop("campaign", "results", "K001")
    assert human.exit_code == 0, human.output
    text = " ".join(human.stdout.split())
    assert "controls reached anyway (0.0%)" in text and "intention to treat" in text
    payload = json.loads(shop("campaign", "results", "K001", "--format", "json").stdout)
    assert payload["compliance"]["contamination_rate"] == 0.0
    assert payload["compliance"]["itt_effect"] == pytest.approx(
        payload["lift"]["conversion"]["abs"]
    )


def test_results_name_the_shops_currency_for_money_only(shop: Segmint) -> None:
    assert shop("currency", "EUR").exit_code == 0
    human = shop(
        "campaign", "results", "K003", "--segmentation", "latent", "--min-segment-size", "20"
    )
    assert human.exit_code == 0, human.output
    rows = {line.split("│")[1].strip(): line for line in human.stdout.splitlines() if "│" in line}
    assert "revenue_per_member (EUR)" in rows and "conversion" in rows
    assert "€" not in rows["conversion"] + rows["orders_per_member"]  # counts and shares
    assert "┃ segment ┃ target ┃ control ┃ conversion ┃ q ┃ revenue (EUR) ┃ q ┃" in " ".join(
        human.stdout.split()
    )
    roi = next(line for line in human.stdout.splitlines() if line.startswith("ROI ("))
    assert "incremental revenue " in roi and "contact cost €" in roi and "net " in roi
    assert "ROI €" not in roi


def test_results_without_a_cost_name_the_option_that_gives_one(
    shop: Segmint, tmp_path: Path
) -> None:
    """A campaign loaded from files without a cost per contact (as Hillstrom's): the note
    says the contacts counted as free and how to give their cost."""
    with connect(shop.mart) as mart:
        for name in ("campaigns", "campaign_members"):
            table = mart.table(name)
            rows = table.filter(table.campaign_id == "K001").mutate(campaign_id=ibis.literal("F1"))
            if name == "campaigns":
                rows = rows.mutate(cost_per_contact=ibis.null("float64"))
            rows.to_parquet(tmp_path / f"{name}.parquet")
            ingest(mart, name, tmp_path / f"{name}.parquet")
    free = shop("campaign", "results", "F1")
    assert free.exit_code == 0, free.output
    note = next(line for line in free.stderr.splitlines() if "no cost per contact" in line)
    assert note == (
        "note: no cost per contact recorded: ROI assumes contacts were free; give the cost "
        "of one contact with --cost-per-contact AMOUNT"
    )
    priced = shop("campaign", "results", "F1", "--cost-per-contact", "0.10")
    assert priced.exit_code == 0, priced.output
    assert "no cost per contact" not in priced.stderr
    assert "contact cost 0.00" not in priced.stdout


def test_a_campaign_created_without_a_cost_is_measured_as_one_loaded_without(
    shop: Segmint,
) -> None:
    """No ``--cost-per-contact`` at creation: the cost is unknown, and the results say so
    with the option, as for a loaded campaign; ``--cost-per-contact 0`` means free contacts."""
    args = ("--segmentation", "latent", "--segment", "bargain_hunter", "--channel", "email")
    for name, cost in (("unpriced", ()), ("free", ("--cost-per-contact", "0"))):
        created = shop("campaign", "create", name, *args, *cost)
        assert created.exit_code == 0, created.output
    listed = json.loads(shop("campaign", "list", "--format", "json").stdout)["data"]
    costs = {c["campaign_id"]: c["cost_per_contact"] for c in listed}
    assert (costs["unpriced"], costs["free"]) == (None, 0.0)
    unpriced = shop("campaign", "results", "unpriced")
    assert unpriced.exit_code == 0, unpriced.output
    assert (
        "note: no cost per contact recorded: ROI assumes contacts were free; give the cost "
        "of one contact with --cost-per-contact AMOUNT"
    ) in unpriced.stderr.splitlines()
    free = shop("campaign", "results", "free", "--format", "json")
    assert free.exit_code == 0, free.output
    assert "no cost per contact" not in free.stderr
    roi = json.loads(free.stdout)["economics"]
    assert (roi["cost_per_contact"], roi["contact_cost"]) == (0.0, 0.0)
    assert roi["net_return"] == pytest.approx(roi["incremental_margin"])


def test_create_keeps_the_uplift_top_share_and_shows_its_power(shop: Segmint) -> None:
    """``--select 'uplift-top 30%' --from-campaign K003``, as the issue writes it."""
    args = (
        "campaign", "create", "next", "--segmentation", "latent", "--segment", "bargain_hunter",
        "--segment", "steady_regular", "--channel", "email", "--seed", "4",
        "--select", "uplift-top 30%", "--from-campaign", "K003",
    )  # fmt: skip
    created = shop(*args, "--format", "json")
    assert created.exit_code == 0, created.output
    payload = json.loads(created.stdout)
    selection = payload["selection"]
    assert (selection["from_campaign"], selection["share"]) == ("K003", 0.3)
    total = payload["groups"]["target"] + payload["groups"]["control"]
    assert total == selection["n_selected"]
    assert total == pytest.approx(0.3 * payload["audience"]["n_eligible"], abs=2)
    assert payload["power"]["mde"] > 0 and payload["baseline_rate"] is not None
    human = shop(*args[:2], "next-human", *args[3:])
    assert "uplift selection: the top 30%" in human.stdout
    said = " ".join(human.stdout.split())
    assert "power: baseline response" in said
    relative = payload["power"]["mde_relative"]
    assert f"({relative:+.1%} relative to the baseline) at 80% power" in said


def test_errors_are_one_line(shop: Segmint) -> None:
    missing = shop("campaign", "results", "nope")
    assert missing.exit_code == 2 and "no campaign 'nope'" in missing.stderr
    bad = shop(
        "campaign",
        "create",
        "x",
        "--segmentation",
        "latent",
        "--segment",
        "bargain_hunter",
        "--channel",
        "email",
        "--select",
        "best 10",
    )
    assert bad.exit_code == 2 and "uplift-top 30%" in bad.stderr
    unknown = shop(
        "campaign",
        "create",
        "x",
        "--segmentation",
        "latent",
        "--segment",
        "nobody",
        "--channel",
        "email",
    )
    assert unknown.exit_code == 2 and "has no segment 'nobody'" in unknown.stderr
    base = ("campaign", "create", "x", "--segmentation", "latent", "--segment", "bargain_hunter")
    for flag in ("--start", "--end", "--as-of"):
        dated = shop(*base, "--channel", "email", flag, "June")
        assert dated.exit_code == 2
        assert f"{flag} must be a date written YYYY-MM-DD; got 'June'" in dated.stderr
    future = shop(*base, "--channel", "email", "--as-of", "2999-01-01")
    assert future.exit_code == 2 and "2999-01-01 is in the future" in future.stderr
    assert "leave --as-of out" in future.stderr and "as_of " not in future.stderr


def test_advice_names_the_command_s_options(shop: Segmint) -> None:
    """Errors raised below the command name its options where Python is told its arguments
    (tests/test_workspace_campaigns.py)."""
    base = ("campaign", "create", "x", "--segmentation", "latent", "--segment", "bargain_hunter")
    base = (*base, "--channel", "email")

    def refused(*args: str) -> str:
        result = shop(*args)
        assert result.exit_code == 2, result.output
        return " ".join(result.stderr.split())

    lone = refused(*base, "--select", "uplift-top 30%")
    assert "together with --from-campaign NAME" in lone and "select_from" not in lone
    assert "Raise --holdout-share (2 of" in refused(*base, "--holdout-share", "0.000001")
    assert "Lower --holdout-share (2 of" in refused(*base, "--holdout-share", "0.999999")
    early = refused(*base, "--start", "2025-06-30", "--as-of", "2025-06-30")
    assert early.endswith(
        "Give a --start after 2025-06-30 (the default is 2025-07-01), or pick segments "
        "stored before the start with --as-of."
    )
    results = ("campaign", "results", "K001")
    assert refused(*results, "--window-days", "0").endswith("Set --window-days to 1 or more.")
    assert "Set --pre-days to 1 or more" in refused(*results, "--pre-days", "0")


def test_the_options_advice_is_spelt_in_are_the_commands() -> None:
    """Each setting the command line names otherwise than with dashes is an option of
    ``campaign create``, the command whose settings they are."""
    import typer.main

    from segmint.cli._output import OPTION_FLAGS

    group = typer.main.get_command(app)
    create = group.commands["campaign"].commands["create"]  # type: ignore[attr-defined]
    options = {flag for param in create.params for flag in param.opts}
    assert set(OPTION_FLAGS.values()) <= options


def test_create_and_power_take_the_control_share_as_holdout_share(shop: Segmint) -> None:
    """The control share is ``--holdout-share``, as for ``campaign results`` (``--holdout``
    is no option any more); a share outside (0, 1) and a negative seed are refused naming
    the options, not the Python names."""
    base = ("campaign", "create", "x", "--segmentation", "latent", "--segment", "bargain_hunter")
    base = (*base, "--channel", "email")
    power = ("campaign", "power", "--baseline-rate", "0.02")
    for command in (base, power):
        old = shop(*command, "--holdout", "0.2", mart=command is base)
        assert old.exit_code == 2 and "No such option: --holdout" in old.output
    sized = shop(*power, "--holdout-share", "0.5", "--format", "json", mart=False)
    assert sized.exit_code == 0 and json.loads(sized.stdout)["n_per_arm"] == 80_679
    assert json.loads(sized.stdout)["holdout_share"] == 0.5  # the share's one name
    assert "holdout" not in json.loads(sized.stdout)
    for command in (base, power):
        wide = shop(*command, "--holdout-share", "1", mart=command is base)
        said = " ".join(wide.stderr.split())
        assert wide.exit_code == 2, wide.output
        assert "got 1.0. Set --holdout-share to the share of the audience" in said
        assert "holdout_share" not in said
    negative = " ".join(shop(*base, "--seed", "-1").stderr.split())
    assert "got -1. Set --seed to 0 or more, or leave it out" in negative
    assert "random_state" not in negative
    created = shop(*base, "--holdout-share", "0.3", "--seed", "4", "--format", "json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["holdout_share"] == 0.3


def test_help_lists_every_command() -> None:
    from typer.testing import CliRunner

    text = CliRunner().invoke(app, ["campaign", "--help"]).stdout
    for command in ("create", "power", "export", "results", "list"):
        assert command in text
