"""Shared output for CLI commands: data to stdout, progress and hints to stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from segmint.cli._warnings import shown_warnings
from segmint.exceptions import AdvisedInputError, SegmintError

# Piped output keeps wide tables readable instead of folding them to 80 columns.
# Markup is off: what is printed names shops' segments, campaigns, products and files, and a
# name like ``Champions[/]``, ``[red]VIP`` or ``a\[b`` must show as written, not crash, turn
# red or lose a character. This covers table cells and titles too. A line that styles a word
# prints a :class:`rich.text.Text` (``Text.assemble(("note:", "yellow"), f" {note}")``), never
# markup around a value: :func:`rich.markup.escape` leaves ``\[`` to be read as an escape.
out = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 200, markup=False)
err = Console(stderr=True, soft_wrap=True, markup=False)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str) -> typer.Exit:
    """Print a one-line error to stderr and return the exit to raise (the message as written:
    brackets in it, like ``segmint[spark]`` or a column ``price[usd]``, are not markup)."""
    err.print(Text.assemble(("error:", "bold red"), f" {message}"), highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


OUT_OF_MEMORY = (
    "the engine ran out of memory ({detail}). It may use {limit}; give it more with "
    "SEGMINT_MEMORY_LIMIT (e.g. SEGMINT_MEMORY_LIMIT=8GB) and free disk space beside the "
    "mart for what it spills."
)
"""The message when DuckDB hits its memory cap: the set-up to change, not a bug to report."""


OPTION_FLAGS = {
    "segments": "--segment",
    "select_share": "--select",
    "select_from": "--from-campaign",
    "random_state": "--seed",
}
"""The options a command names otherwise than the Python setting with dashes."""


def option_flag(setting: str) -> str:
    """The command-line option of the Python setting ``setting``: its name with dashes
    (``window_days`` is ``--window-days``), but for those of :data:`OPTION_FLAGS`."""
    return OPTION_FLAGS.get(setting, "--" + setting.replace("_", "-"))


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn :class:`SegmintError`, and the engine running out of memory, into a one-line
    message and exit code 2, no traceback; show each :class:`SegmintWarning` as one line
    (:func:`shown_warnings`). Advice that names a setting names the command's option
    (:class:`AdvisedInputError`, :func:`option_flag`)."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            with shown_warnings(err):
                return func(*args, **kwargs)
        except AdvisedInputError as exc:
            raise fail(exc.naming(option_flag)) from None
        except SegmintError as exc:
            raise fail(str(exc)) from None
        except Exception as exc:
            if type(exc).__name__ != "OutOfMemoryException":
                raise
            raise fail(out_of_memory(exc)) from None

    return wrapper


def out_of_memory(exc: Exception) -> str:
    """:data:`OUT_OF_MEMORY` for DuckDB's ``exc``: its first line and the cap in force
    (``SEGMINT_MEMORY_LIMIT`` or the default)."""
    from segmint.config import default_memory_limit

    detail = (str(exc).strip().splitlines() or [""])[0].removeprefix("Out of Memory Error: ")
    limit = os.environ.get("SEGMINT_MEMORY_LIMIT") or f"{default_memory_limit()} (the default)"
    return OUT_OF_MEMORY.format(detail=detail, limit=limit)


def _bar() -> Progress:
    """A transient Rich bar on stderr (spinner, description as written, bar, time), drawn
    only on a terminal."""
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
    ]
    return Progress(*columns, console=err, transient=True, disable=not err.is_terminal)


@contextmanager
def progress(description: str, total: float | None = None) -> Iterator[Callable[[float], None]]:
    """A Rich progress bar on stderr; yields a function that sets the completed amount."""
    with _bar() as bar:
        task = bar.add_task(description, total=total)

        def update(completed: float) -> None:
            bar.update(task, completed=completed)

        yield update


@contextmanager
def stepped_progress(
    description: str,
) -> Iterator[tuple[Callable[[str], None], Callable[[float], None]]]:
    """One Rich bar on stderr for work done in named steps, some of which fill it: its
    description names the step, it fills with the share done. Yields ``(on_step, on_progress)``.
    Each step is drawn as soon as it is named, as by :func:`steps`."""
    with _bar() as bar:
        task = bar.add_task(description, total=1.0)

        def step(name: str) -> None:
            bar.update(task, description=f"{description}: {name}", refresh=True)

        def done(share: float) -> None:
            bar.update(task, completed=share)

        yield step, done


@contextmanager
def steps(description: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr for work done in named steps; yields a function naming the next step.

    Each step is drawn as soon as it is named: the display otherwise redraws ten times a
    second, and a step shorter than that would never be seen."""
    columns = [SpinnerColumn(), TextColumn("{task.description}", markup=False), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task(description)

        def step(name: str) -> None:
            bar.update(task, description=f"{description}: {name}", refresh=True)

        yield step
