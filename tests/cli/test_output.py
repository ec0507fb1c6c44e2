"""One-line errors print the message as written."""

from __future__ import annotations

import io

import duckdb
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from segmint.cli import _output
from segmint.cli._output import option_flag, stepped_progress, steps, user_errors
from segmint.exceptions import AdvisedInputError, MartError


def test_an_error_message_keeps_its_brackets() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def broken() -> None:
        raise MartError("pip install 'segmint[spark]'; the column price[usd] is empty")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "error: pip install 'segmint[spark]'; the column price[usd] is empty" in result.stderr


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
    assert option_flag("holdout") == "--holdout"
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
