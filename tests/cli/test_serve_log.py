"""segmint's log while the server runs: one line per message unless on a terminal."""

from __future__ import annotations

import io
import logging

import pytest
from rich.console import Console

from segmint.cli._serve_log import server_log

LONG = "computing what the dashboard shows first " + "and more " * 20 + "until the end"


class Screen(io.StringIO):
    """A file that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_captured_log_has_each_message_on_one_line() -> None:
    logger = logging.getLogger("segmint.views.warmup")
    before = (list(logging.getLogger("segmint").handlers), logging.getLogger("segmint").level)
    captured = io.StringIO()
    with server_log(Console(file=captured, force_terminal=True)):  # as FORCE_COLOR=1 would
        logger.info(LONG)
        logger.debug("not shown")
    logger.info("after the block: not shown")
    said = captured.getvalue().splitlines()
    assert len(said) == 1 and said[0].endswith(f" INFO {LONG}")
    after = (list(logging.getLogger("segmint").handlers), logging.getLogger("segmint").level)
    assert after == before


def test_a_terminal_shows_the_messages_through_rich(capsys: pytest.CaptureFixture[str]) -> None:
    screen = Screen()
    with server_log(Console(file=screen, width=200)):
        logging.getLogger("segmint.views.warmup").warning("the dashboard is warm")
    assert "the dashboard is warm" in screen.getvalue()
    assert "WARNING" in screen.getvalue() and not capsys.readouterr().err
