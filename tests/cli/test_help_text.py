"""Every command's help wraps to the terminal: no paragraph keeps the docstring's line breaks."""

from __future__ import annotations

from typing import Any

import click
from typer.main import get_command
from typer.testing import CliRunner

from segmint.cli.help_text import unwrapped
from segmint.cli.main import app


def test_later_paragraphs_are_joined_and_laid_out_ones_kept() -> None:
    text = (
        "First line\n    goes on.\n\n    --currency sets it, as `segmint currency`\n    does."
        "\n\n    \bkept\n    as is\n\n    - a list\n    - of two"
    )
    assert unwrapped(text) == (
        "First line\ngoes on.\n\n--currency sets it, as `segmint currency` does."
        "\n\n\bkept\nas is\n\n- a list\n- of two"
    )


def _helps(command: Any, ctx: Any, path: str) -> list[tuple[str, str]]:
    """(path, help) of every command under ``command`` (Typer's groups are not
    ``click.Group``: Typer carries its own Click)."""
    if hasattr(command, "list_commands"):
        found = []
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            assert sub is not None
            found += _helps(sub, type(ctx)(sub, parent=ctx), f"{path} {name}".strip())
        return found
    return [(path, command.help or "")]


def test_no_command_keeps_the_docstrings_line_breaks() -> None:
    root = get_command(app)
    helps = _helps(root, click.Context(root), "")
    assert len(helps) > 40  # every command, those of sub-groups included
    ragged = [
        (path, paragraph)
        for path, text in helps
        for paragraph in text.split("\n\n")[1:]
        if "\n" in paragraph
    ]
    assert ragged == []


def test_a_long_paragraph_is_wrapped_by_the_terminal() -> None:
    shown = CliRunner().invoke(app, ["quickstart", "--help"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0
    assert "as `segmint currency` does, and the money is shown in it" in shown.output
