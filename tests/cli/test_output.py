"""One-line errors print the message as written."""

from __future__ import annotations

import io

import duckdb
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from segmint.cli import _output
from segmint.cli._output import stepped_progress, steps, user_errors
from segmint.exceptions import MartError


def test_an_error_message_keeps_its_brackets() -> None:
    app = typer.Typer()

    @app.command()
    @user_errors
    def broken() -> None:
        raise MartError("pip install 'segmint[spark]'; the column price[usd] is empty")

    result = CliRunner().invoke(app, [])
    assert result.exit_code == 2
    assert "error: pip install 'segmint[spark]'; the column price[usd] is empty" in result.stderr


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
