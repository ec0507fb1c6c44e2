"""One-line errors print the message as written; so does every name from the data."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from segmint.cli import _output
from segmint.cli._output import option_flag, stepped_progress, steps, user_errors
from segmint.exceptions import AdvisedInputError, MartError
from segmint.mart import connect
from segmint.mart.ingest import ingest
from segmint.synth import generate

from .conftest import Segmint


def test_an_error_message_keeps_its_brackets() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def broken() -> None:
        raise MartError("pip install 'segmint[spark]'; the column price[usd] is empty")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "error: pip install 'segmint[spark]'; the column price[usd] is empty" in result.stderr


def test_an_error_message_keeps_every_character_of_a_name() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def broken() -> None:
        raise MartError("no segment 'a\\[b' nor 'Champions[/]' in '[red]VIP'")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "error: no segment 'a\\[b' nor 'Champions[/]' in '[red]VIP'" in result.stderr


def test_advice_names_the_command_s_options_where_python_is_told_its_arguments() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def advised() -> None:
        raise AdvisedInputError(
            "campaign '{as_of}' needs a share and a campaign; got a share.",
            "Give {select_share} with {select_from}, and {window_days} over {segments}.",
        )

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert (
        "error: campaign '{as_of}' needs a share and a campaign; got a share. Give --select "
        "with --from-campaign, and --window-days over --segment." in " ".join(result.stderr.split())
    )


def test_an_option_is_the_setting_with_dashes_unless_named_otherwise() -> None:
    assert option_flag("window_days") == "--window-days"
    assert option_flag("holdout_share") == "--holdout-share"
    assert option_flag("min_segment_size") == "--min-segment-size"
    assert option_flag("select_from") == "--from-campaign"
    assert option_flag("segments") == "--segment"


def test_the_engine_out_of_memory_says_which_cap_to_raise(monkeypatch: pytest.MonkeyPatch) -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def big() -> None:  # a real out-of-memory error of the engine, under a 2 MB cap
        engine = duckdb.connect(config={"memory_limit": "2MB", "threads": 1})
        engine.sql("SELECT list(i) FROM range(5000000) t(i)").fetchall()

    monkeypatch.setenv("SEGMINT_MEMORY_LIMIT", "2MB")
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    message = " ".join(result.stderr.split())
    assert "error: the engine ran out of memory (failed to allocate" in message
    assert "It may use 2MB; give it more with SEGMINT_MEMORY_LIMIT" in message


def test_other_unexpected_errors_are_not_disguised() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def broken() -> None:
        raise ZeroDivisionError("a bug")

    result = CliRunner().invoke(app, [])
    assert isinstance(result.exception, ZeroDivisionError)


def test_every_step_is_drawn_however_short(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(_output, "err", Console(file=screen, force_terminal=True, width=120))
    with steps("work") as step, stepped_progress("bar") as (named, _):
        for name in ("first", "second", "third"):
            step(name)  # each done at once: shorter than the display's redraw interval
            named(name)
    drawn = screen.getvalue()
    for name in ("first", "second", "third"):
        assert f"work: {name}" in drawn and f"bar: {name}" in drawn


def test_a_step_named_after_data_is_drawn_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(_output, "err", Console(file=screen, force_terminal=True, width=120))
    with steps("profiling Champions[/]") as step, stepped_progress("[red]bar") as (named, _):
        step("[bold]VIP")
        named("a\\[b")
    drawn = screen.getvalue()
    assert "profiling Champions[/]: [bold]VIP" in drawn
    assert "[red]bar: a\\[b" in drawn


SEGMENTATION = "tiers[/]"
SEGMENTS = ("Champions[/]", "[bold]VIP", "a\\[b")
RULES = """
segments:
  - name: 'Champions[/]'
    where: "frequency >= 4"
  - name: '[bold]VIP'
    where: "frequency >= 2"
  - name: 'a\\[b'
    else: true
"""
CAMPAIGN = "[red]K001"
CHANNEL = "web[/]"
CATEGORY = "[i]electronics"
PRODUCT_MARK = "[/bold]"
BAD_TIME = "[red]never[/]"
"""Names in the shop's data that Rich would read as markup: a closing tag with nothing open
(an error), opening tags (a style, the name shortened), and an escaped bracket."""
CREATE = (
    "campaign", "create", "[b]autumn", "--segmentation", SEGMENTATION,
    "--segment", SEGMENTS[0], "--segment", SEGMENTS[1], "--channel", "email",
)  # fmt: skip


@pytest.fixture(scope="module")
def bracketed_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400-customer synthetic retailer whose names are full of square brackets: a channel,
    a product category and every product's name, campaign K001's id, a quarantined value,
    and a rules segmentation (stored at two dates) with its segments."""
    folder = tmp_path_factory.mktemp("brackets")
    tables = generate(400, seed=5)
    tables["orders"] = _replaced(tables["orders"], "channel", "web", CHANNEL)
    tables["products"] = _replaced(tables["products"], "category", "electronics", CATEGORY)
    names = pc.binary_join_element_wise(tables["products"]["name"], PRODUCT_MARK, "")
    tables["products"] = tables["products"].set_column(1, "name", names)
    for name in ("campaigns", "campaign_members"):
        tables[name] = _replaced(tables[name], "campaign_id", "K001", CAMPAIGN)
    path = folder / "shop.duckdb"
    with connect(path) as mart:
        for name in ("customers", "consents", "products", "orders", "order_lines", "events",
                     "campaigns", "campaign_members"):  # fmt: skip
            pq.write_table(tables[name], folder / f"{name}.parquet")
            ingest(mart, name, folder / f"{name}.parquet")
        late = folder / "late.csv"
        late.write_text(f"order_id,customer_id,order_ts\nX1,C0000001,{BAD_TIME}\n", "utf-8")
        ingest(mart, "orders", late)
    rules = folder / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    segmint = Segmint(path)
    for as_of in ("--as-of=2024-01-31", "--as-of=2025-01-31"):
        made = segmint("segment", "rules", SEGMENTATION, "--file", rules, as_of, "--format=json")
        assert made.exit_code == 0, made.output
    return path


def _replaced(table: pa.Table, column: str, value: str, by: str) -> pa.Table:
    """``table`` with ``value`` in ``column`` replaced by ``by``."""
    at = table.schema.get_field_index(column)
    values = pc.if_else(pc.equal(table[column], value), by, table[column])
    return table.set_column(at, column, values)


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["segment", "rules", SEGMENTATION, "--file", "{rules}"], (SEGMENTATION, *SEGMENTS)),
        (["segmentations"], (SEGMENTATION,)),
        (["profile", SEGMENTATION], (SEGMENTATION, *SEGMENTS)),
        (
            ["migration", SEGMENTATION, "--from", "2024-01-31", "--to", "2025-01-31"],
            (SEGMENTATION, *SEGMENTS),
        ),
        (["persona", SEGMENTATION], (*SEGMENTS, CHANNEL, CATEGORY)),
        (["sales", "channels"], (CHANNEL,)),
        (["sales", "segments", SEGMENTATION], (SEGMENTATION, *SEGMENTS)),
        (["campaign", "list"], (CAMPAIGN,)),
        (["campaign", "results", CAMPAIGN, "--segmentation", SEGMENTATION], (CAMPAIGN,)),
        ([*CREATE], ("[b]autumn", SEGMENTS[0], SEGMENTS[1])),
        (["recommend", "rules", "--min-support", "0.001"], (PRODUCT_MARK,)),
        (["quarantine"], (BAD_TIME,)),
        (["assignments", SEGMENTATION, "--out", "{folder}/[i]out.csv"], ("[i]out.csv",)),
        (["ingest", "orders", "{folder}/[b]late.csv"], ("[b]late.csv", BAD_TIME)),
    ],
)
def test_names_from_the_data_print_as_written(
    bracketed_shop: Path,
    segmint_cli: Segmint,
    tmp_path: Path,
    args: list[str],
    shown: tuple[str, ...],
) -> None:
    shutil.copyfile(bracketed_shop, segmint_cli.mart)
    rules = bracketed_shop.parent / "rules.yaml"
    (tmp_path / "[b]late.csv").write_text(
        f"order_id,customer_id,order_ts\nX2,C0000001,{BAD_TIME}\n", encoding="utf-8"
    )
    result = segmint_cli(*(a.format(rules=rules, folder=tmp_path) for a in args))
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    for name in shown:
        assert name in said, (name, said)


def test_json_output_keeps_the_names(bracketed_shop: Path, segmint_cli: Segmint) -> None:
    shutil.copyfile(bracketed_shop, segmint_cli.mart)
    rules = bracketed_shop.parent / "rules.yaml"
    made = segmint_cli("segment", "rules", SEGMENTATION, "--file", rules, "--format", "json")
    assert made.exit_code == 0, made.output
    assert [r["segment"] for r in json.loads(made.stdout)] == list(SEGMENTS)
    rejected = segmint_cli("quarantine", "--format", "json")
    assert rejected.exit_code == 0, rejected.output
    assert any(BAD_TIME in r["raw"] for r in json.loads(rejected.stdout))
