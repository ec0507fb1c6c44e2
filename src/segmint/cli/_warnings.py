"""Warnings shown to command users: one line each on stderr, in the command's words.

:func:`shown_warnings` is entered by every command (through ``user_errors``);
:func:`iterations_flag` tells it which option of the command raises a fit's iteration
limit, so the advice the models give in Python terms (``max_iter``) names the option.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import ParamSpec, TextIO, TypeVar

from rich.console import Console
from rich.text import Text

from segmint.exceptions import AdvisedWarning, SegmintWarning

P = ParamSpec("P")
R = TypeVar("R")

_ITERATIONS_FLAG: ContextVar[str | None] = ContextVar("iterations_flag", default=None)
"""The running command's option for the models' ``max_iter``, if it has one."""


@contextmanager
def shown_warnings(err: Console) -> Iterator[None]:
    """While inside, print each :class:`SegmintWarning` on stderr as ``warning: …``, as it
    comes and once per message (several steps may check the same date); a fit stopped at
    its iteration limit likewise, in the command's words (:func:`iterations_flag`); other
    warnings are shown as Python shows them. Lines go to the console ``err``."""
    shown: set[str] = set()
    python_way = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if isinstance(message, AdvisedWarning):
            flag = _ITERATIONS_FLAG.get()
            message = message.naming(flag) if flag else message.finding
        elif not issubclass(category, SegmintWarning):
            python_way(message, category, filename, lineno, file, line)
            return
        if str(message) not in shown:
            shown.add(str(message))
            err.print(Text.assemble(("warning:", "yellow"), f" {message}"), highlight=False)

    with warnings.catch_warnings():
        warnings.simplefilter("always", SegmintWarning)
        warnings.simplefilter("always", AdvisedWarning)
        warnings.showwarning = show
        yield


def iterations_flag(flag: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a command's fits stopped at their iteration limit advise its option ``flag``
    where the models advise their ``max_iter``; a command without such an option shows
    what happened without advice (no knob of its own would follow it)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            token = _ITERATIONS_FLAG.set(flag)
            try:
                return func(*args, **kwargs)
            finally:
                _ITERATIONS_FLAG.reset(token)

        return wrapper

    return decorate
