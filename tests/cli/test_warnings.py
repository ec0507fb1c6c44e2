"""Warnings in the command's words: a fit's iteration limit names the command's option."""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable

from rich.console import Console

from segmint.cli._warnings import iterations_flag, shown_warnings
from segmint.exceptions import SegmintWarning
from segmint.models._optimize import IterationLimitWarning

FINDING = "BGNBD stopped at its limit of 5 iterations before converging."
ADVICE = "Raise {limit} (now 5) to let it converge."


def shown(run: Callable[[], None]) -> str:
    """What ``run`` (called inside :func:`shown_warnings`) printed, on one line."""
    screen = io.StringIO()
    with shown_warnings(Console(file=screen, width=400)):
        run()
    return " ".join(screen.getvalue().split())


def warn_limit() -> None:
    warnings.warn(IterationLimitWarning(FINDING, ADVICE), stacklevel=1)


def test_a_command_with_the_option_names_it() -> None:
    printed = shown(iterations_flag("--max-iter")(warn_limit))
    assert printed == f"warning: {FINDING} Raise --max-iter (now 5) to let it converge."


def test_a_command_without_the_option_says_what_happened_without_advice() -> None:
    assert shown(warn_limit) == f"warning: {FINDING}"


def test_the_same_warning_is_shown_once_and_others_as_before() -> None:
    def twice() -> None:
        warn_limit()
        warn_limit()
        warnings.warn("a date is after the last order", SegmintWarning, stacklevel=1)

    printed = shown(twice)
    assert printed.count("BGNBD stopped") == 1
    assert printed.endswith("warning: a date is after the last order")
