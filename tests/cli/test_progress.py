"""Commands that can run for seconds at a million customers show progress on stderr.

The spinner is drawn only on a terminal, so the tests give the shared stderr console a
terminal that writes into memory and look for the step's description there.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import Result

from segmint.cli import _output


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """What the commands draw on stderr, as a terminal would receive it."""
    screen = io.StringIO()
    monkeypatch.setattr(_output, "err", Console(file=screen, force_terminal=True, width=120))
    return screen


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["sales", "channels"], "sales per channel"),
        (["sales", "segments", "rfm"], "sales per segment of rfm"),
        (["report", "--out", "{tmp}/report.html"], "writing"),
        (["assignments", "rfm", "--out", "{tmp}/rfm.csv"], "exporting rfm"),
        (["retention", "--events", "400d", "--dry-run"], "retention"),
        (["recommend", "fit", "--method", "popular"], "recommend fit: "),
    ],
)
def test_long_commands_show_progress_on_stderr(
    shop_cli: Callable[..., Result],
    terminal: io.StringIO,
    tmp_path: Path,
    args: list[str],
    shown: str,
) -> None:
    result = shop_cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 0, result.output
    assert shown in terminal.getvalue()


def test_without_a_terminal_nothing_is_drawn(shop_cli: Callable[..., Result]) -> None:
    result = shop_cli("sales", "channels")
    assert result.exit_code == 0 and "sales per channel" not in result.stderr
