"""One-line errors print the message as written."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from segmint.cli._output import user_errors
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
