"""segmint's own log while ``segmint serve`` runs: what the server is doing, on stderr.

A user starting the server on a million customers waits about half a minute for the
dashboard to be warm; the warmer says when it starts, when it is done and how long it
took, and any failure. On a terminal the messages go through Rich; a captured log (a
service manager, a file) gets one line per message with its time and level, so a long
message is not wrapped at a console width.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.logging import RichHandler


@contextmanager
def server_log(console: Console) -> Iterator[None]:
    """segmint's messages at INFO and above shown while the block runs (through Rich when
    ``console``, the CLI's stderr, writes to a terminal, else one line each to its file); the
    handler and level are put back as they were after it."""
    on_screen = console.file.isatty()  # not Rich's view, which FORCE_COLOR turns on
    handler = RichHandler(console=console, show_path=False) if on_screen else lines(console)
    logger = logging.getLogger("segmint")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def lines(console: Console) -> logging.Handler:
    """A handler writing each message on one line of ``console``'s file: time, level,
    message."""
    handler = logging.StreamHandler(console.file)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    return handler
