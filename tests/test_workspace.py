"""The Python API: its docstring example runs, and it gives the numbers the CLI prints.

The CLI and :class:`segmint.workspace.Workspace` are two adapters over the same use cases;
each comparison runs a command on one copy of a mart and the method on another.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import doctest
import inspect
import json
import re
import shutil
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import segmint
import segmint.workspace
from segmint.cli.main import app
from segmint.exceptions import AdvisedWarning
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions
from segmint.scoring.recommend.rule_list import RuleQuery
from segmint.synth import synthesize
from segmint.workflows import campaigns, clusters, clv, clv_score, profile, recommend, value
from segmint.workspace import CampaignUseCases, ClvUseCases, RecommendUseCases, Workspace

PROJECT_ROOT = Path(__file__).parents[1]
PYTHON_API_DOC = PROJECT_ROOT / "docs" / "python-api.md"


def test_the_docstring_example_runs() -> None:
    result = doctest.testmod(segmint.workspace, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


def _flat_export(data: Path, out: Path) -> None:
    """Another shop's order lines as one CSV whose columns are named ``Cust`` and ``Date``
    (the ``map=`` of the page), its customers and orders apart from those of ``data``."""
    orders = pd.read_parquet(
        data / "orders.parquet", columns=["order_id", "customer_id", "order_ts"]
    )
    lines = pd.read_parquet(
        data / "order_lines.parquet", columns=["order_id", "product_id", "quantity", "unit_price"]
    )
    flat = orders.merge(lines, on="order_id").head(400)
    flat["order_id"] = "X" + flat["order_id"]
    flat["customer_id"] = "X" + flat["customer_id"]
    flat.rename(columns={"customer_id": "Cust", "order_ts": "Date"}).to_csv(out, index=False)


@pytest.mark.slow
def test_the_python_api_page_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ``python`` block of docs/python-api.md runs, in a folder holding the files it
    names, and does what its comments say."""
    synthesize(tmp_path / "data", 300, seed=3)
    _flat_export(tmp_path / "data", tmp_path / "orders.csv")
    (tmp_path / "rules").mkdir()
    shutil.copy(
        PROJECT_ROOT / "examples" / "rules" / "behavioural.yaml", tmp_path / "rules" / "vip.yaml"
    )
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"^```python\n(.*?)^```", PYTHON_API_DOC.read_text(), re.M | re.S)
    assert blocks
    names: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, str(PYTHON_API_DOC), "exec"), names)
    with segmint.connect("shop.duckdb", read_only=True) as ws:
        stored = ws.segmentations().set_index("segmentation")
        assert {"rfm", "lifecycle", "vip", "value", "shoppers"} <= set(stored.index)
        for day in ("2024-03-31", "2024-06-30"):
            assert len(ws.assignments("rfm", day)) > 0
        assert ws.table("customers").customer_id.to_pandas().str.startswith("X").any()
        assert "winback" in set(ws.campaigns.list().campaign_id)
    assert pd.read_csv(tmp_path / "lists.csv").shape[0] > 0
    assert pd.read_csv(tmp_path / "send" / "winback.csv").shape[0] > 0


KEYWORDS: dict[str, Callable[..., Any]] = {
    "ingest": IngestOptions,
    "load": IngestOptions,
    "quickstart": IngestOptions,
    "segment_value": value.run_value,
    "segment_clusters": clusters.ClusterOptions,
    "profile": profile.ProfileOptions,
    "clv.fit": clv.ClvFitOptions,
    "clv.score": clv_score.ClvScoreOptions,
    "recommend.fit": recommend.RecommendFitOptions,
    "recommend.evaluate": recommend.RecommendOptions,
    "recommend.rules": RuleQuery,
    "recommend.export": recommend.RecommendExportOptions,
    "campaigns.create": campaigns.CreateOptions,
    "campaigns.power": campaigns.PowerOptions,
    "campaigns.results": campaigns.ResultsOptions,
}
"""The options behind each method's ``**`` keywords, as the page names them."""

GROUPS: dict[str, type] = {
    group.GROUP: group for group in (ClvUseCases, RecommendUseCases, CampaignUseCases)
}
"""The use-case groups of a workspace, by the attribute that holds them (``ws.clv``…)."""


def _method_rows() -> list[tuple[str, str, str, str]]:
    """(method, its documented arguments, CLI command, returns) of the page's table."""
    rows = re.findall(
        r"^\| `([a-z_.]+)\((.*?)\)` \| `segmint ([^`]+)` \| (.*) \|$",
        PYTHON_API_DOC.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    return [(name, arguments, command, returns) for name, arguments, command, returns in rows]


def _parameters(method: str) -> tuple[Callable[..., Any], dict[str, Any]]:
    """The method and every argument it takes by name, with its default (or ``...``)."""
    owner, _, name = method.rpartition(".")
    function = getattr(GROUPS.get(owner, Workspace), name)
    found = {p.name: p.default for p in inspect.signature(function).parameters.values()}
    options = KEYWORDS.get(method)
    if dataclasses.is_dataclass(options):
        for field in dataclasses.fields(options):
            found[field.name] = field.default
    elif options is not None:
        found |= {p.name: p.default for p in inspect.signature(options).parameters.values()}
    return function, found


@pytest.mark.parametrize(
    ("method", "arguments", "command", "returns"), _method_rows(), ids=lambda v: v.split("(")[0]
)
def test_the_method_table_names_real_arguments_defaults_and_results(
    method: str, arguments: str, command: str, returns: str
) -> None:
    function, accepted = _parameters(method)
    for piece in filter(None, arguments.split(", ")):
        name, _, default = piece.lstrip("*").partition("=")
        assert name in accepted, f"{method}: no argument {name!r}"
        if default and default != "...":
            assert accepted[name] == ast.literal_eval(default), f"{method}: default of {name}"
    result = typing.get_type_hints(function)["return"]
    result = typing.get_args(result)[0] if typing.get_origin(result) is list else result
    assert re.search(rf"\b{result.__name__}\b", returns), f"{method} returns {result.__name__}"
    for attribute in re.findall(r"`([a-z_]+)(?:\(\))?`", returns.partition("(")[2]):
        assert hasattr(result, attribute) or attribute in result.__dataclass_fields__, attribute
    words = [w for w in command.split("\\|")[0].split() if not w.startswith("-")]
    assert CliRunner().invoke(app, [*words, "--help"]).exit_code == 0, command


CDNOW = PROJECT_ROOT / ".." / "shared" / "datasets" / "cdnow" / "CDNOW_sample.txt"


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
    for attribute, group in GROUPS.items():  # as the read-only refusals name them
        assert isinstance(getattr(ws, attribute), group)
        assert getattr(ws, attribute).mart is ws


def test_a_workspace_shows_how_to_open_it_again(tmp_path: Path) -> None:
    path = tmp_path / "shop.duckdb"
    with segmint.connect(path) as ws:
        assert repr(ws) == f"segmint.connect({str(path)!r})"
    with segmint.connect(path, read_only=True) as ws:
        assert repr(ws) == f"segmint.connect({str(path)!r}, read_only=True)"


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


def test_rules_migration_and_personas_equal_the_cli(pair: tuple[Path, Workspace]) -> None:
    mart, ws = pair
    rules = PROJECT_ROOT / "examples" / "rules" / "behavioural.yaml"
    printed = json.loads(
        cli(mart, "segment", "rules", "vip", "--file", str(rules), "--format", "json")
    )
    mine = ws.segment_rules("vip", rules).sizes
    assert {row["segment"]: row["members"] for row in printed} == mine.to_dict()
    for day in ("2025-06-30", "2025-12-31"):
        cli(mart, "segment", "rfm", "--as-of", day)
        ws.segment_rfm(as_of=day)
    moved = json.loads(
        cli(
            mart,
            "migration",
            "rfm",
            "--from",
            "2025-06-30",
            "--to",
            "2025-12-31",
            "--format",
            "json",
        )
    )
    migration = ws.migration("rfm", "2025-06-30", "2025-12-31")
    assert moved["top_flows"] == migration.top_flows()
    pd.testing.assert_frame_equal(
        pd.DataFrame(moved["flows"]),
        migration.flows.reset_index(drop=True),
        check_dtype=False,
        atol=0.01,
    )
    cards = json.loads(cli(mart, "persona", "rfm", "--format", "json"))
    mine_cards = ws.personas("rfm")
    assert [(c["segment"], c["name"], c["size"].split(" ")[0]) for c in cards["data"]] == [
        (c.segment, c.name, f"{c.members:,}") for c in mine_cards
    ]


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


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: ws.ingest("orders", "orders.csv", bogus=1),
        lambda ws: ws.load("data", bogus=1),
        lambda ws: ws.segment_value(bogus=1),
        lambda ws: ws.segment_clusters("c", bogus=1),
        lambda ws: ws.profile("rfm", bogus=1),
        lambda ws: ws.clv.fit(bogus=1),
        lambda ws: ws.clv.score(bogus=1),
        lambda ws: ws.recommend.fit(bogus=1),
        lambda ws: ws.recommend.evaluate("2025-06-30", bogus=1),
        lambda ws: ws.recommend.rules(bogus=1),
        lambda ws: ws.recommend.export("lists.csv", bogus=1),
    ],
)
def test_an_unknown_keyword_is_a_type_error_naming_it(
    pair: tuple[Path, Workspace], call: Callable[[Workspace], object]
) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        call(pair[1])


def test_an_unknown_lifecycle_threshold_is_named_with_the_known_ones(
    pair: tuple[Path, Workspace],
) -> None:
    with pytest.raises(segmint.SegmintError, match=r"\['bogus'\]; known: \[.*'loyal_orders'"):
        pair[1].segment_lifecycle(bogus=1)


@pytest.mark.parametrize(
    "options",
    [
        {"date_formats": "%Y%m%d", "ignore": "note"},
        {"date_formats": ["%Y%m%d"], "ignore": ["note"]},
    ],
    ids=["one value", "a list"],
)
def test_ingest_takes_one_date_format_or_ignored_column_alone_or_listed(
    tmp_path: Path, options: dict[str, Any]
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,date,amount,note\nc1,20240131,10.5,x\nc2,20240201,3,y\n")
    with segmint.connect(tmp_path / "shop.duckdb") as ws:
        result = ws.ingest("transactions", orders, map={"order_ts": "date"}, **options)
        ignored = [use.column for use in result.columns if use.fate == "ignored"]
        assert (result.rows_loaded, ignored) == (2, ["note"])
        days = ws.table("orders").order_ts.to_pandas().dt.date.tolist()
    assert sorted(days) == [dt.date(2024, 1, 31), dt.date(2024, 2, 1)]


def test_one_model_or_feature_alone_is_that_one_not_its_letters(
    pair: tuple[Path, Workspace],
) -> None:
    _, ws = pair
    backtest = ws.clv.backtest("2025-06-30", models="bgnbd")
    assert backtest.metrics.model.tolist() == ["bgnbd+gammagamma"]
    run = ws.segment_clusters("by_spend", k=3, n_bootstrap=0, features="monetary_total")
    assert list(run.features) == ["monetary_total"]


@pytest.mark.parametrize("by", [["region"], ("region", "gender")])
def test_profile_by_takes_one_name_and_refuses_a_list_saying_what_to_pass(
    pair: tuple[Path, Workspace], by: Any
) -> None:
    _, ws = pair
    ws.segment_rfm()
    assert ws.profile("rfm", by="region").by == "region"
    with pytest.raises(TypeError, match=r"by takes one feature column .*\(by='region'\), as a"):
        ws.profile("rfm", by=by)


def test_a_read_only_workspace_refuses_to_store_before_computing(
    shop: Path, tmp_path: Path
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("customer_id,order_ts,amount\nc1,2024-01-31,10.5\n")
    with segmint.connect(shop, read_only=True) as ws:
        for call, name in (
            (ws.segment_rfm, r"segment_rfm\(\)"),
            (ws.clv.fit, r"clv\.fit\(\)"),
            (lambda: ws.recommend.export(tmp_path / "lists.csv"), r"recommend\.export\(\)"),
            (lambda: ws.ingest("transactions", orders), r"ingest\(\)"),
        ):
            with pytest.raises(segmint.MartError, match=rf"open read-only, and {name} stores"):
                call()
        assert ws.ingest("transactions", orders, dry_run=True).rows_loaded == 1
        assert ws.retention(events="400d", dry_run=True).stored is False
        assert ws.count("customers") == 500
    assert not (tmp_path / "lists.csv").exists()


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


@pytest.mark.parametrize(
    "call",
    [
        lambda ws: ws.predict("churn", max_iter=2),
        lambda ws: ws.refresh_scores(retrain=True, max_iter=2),
    ],
)
def test_max_iter_reaches_the_btyd_baseline_and_the_advice_names_it(
    pair: tuple[Path, Workspace], call: Callable[[Workspace], object]
) -> None:
    _, ws = pair
    with pytest.warns(AdvisedWarning) as caught:
        call(ws)
    said = " ".join(str(w.message) for w in caught if issubclass(w.category, AdvisedWarning))
    assert "stopped at its limit of 2 iterations before converging" in said, said
    assert "Raise max_iter (now 2)" in said, said


def test_quickstart_takes_max_iter_for_its_fits(tmp_path: Path) -> None:
    rows = [line.split() for line in CDNOW.read_text(encoding="utf-8").splitlines()]
    lines = [f"{r[1]},{r[2][:4]}-{r[2][4:6]}-{r[2][6:]},{r[3]},{r[4]}" for r in rows]
    orders = tmp_path / "cdnow.csv"
    orders.write_text("\n".join(["id,date,cds,dollars", *lines]), encoding="utf-8")
    names = {"customer_id": "id", "order_ts": "date", "quantity": "cds", "amount": "dollars"}
    with (
        segmint.connect(tmp_path / "quick.duckdb") as ws,
        pytest.warns(AdvisedWarning, match=r"Raise max_iter \(now 2\)"),
    ):
        ws.quickstart(orders, map=names, max_iter=2)


def test_the_currency_is_read_and_set_as_the_cli_does(pair: tuple[Path, Workspace]) -> None:
    path, ws = pair
    assert ws.currency() is None
    assert ws.set_currency("eur") == "EUR" and ws.currency() == "EUR"
    with pytest.raises(segmint.SegmintError, match="currency 'EURO' is not an ISO 4217 code"):
        ws.set_currency("EURO")
    assert ws.currency() == "EUR"
    assert [e.details["currency"] for e in ws.audit().entries if e.action == "currency"] == ["EUR"]
    cli(path, "currency", "JPY")
    with segmint.connect(path) as other:
        assert other.currency() == "JPY"
        assert other.set_currency(None) is None and other.currency() is None
