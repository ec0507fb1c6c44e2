"""Commands' help as Typer should draw it: every paragraph a run of text the terminal wraps.

Typer joins the lines of a command's first paragraph but draws the later ones line by line
as written in the docstring, so a paragraph wrapped at 90 columns in the source showed up
ragged in any terminal of another width. :func:`unwrap_commands` joins the lines of every
later paragraph, except those laid out on purpose: a block Click marks with ``\\b``, and
lists and indented lines.
"""

from __future__ import annotations

import inspect
from typing import Any

LAID_OUT = ("\b", "- ", "* ", " ", "|")
"""How a line starts when its paragraph is laid out on purpose and keeps its line breaks."""


def unwrapped(help_text: str) -> str:
    """``help_text`` with the lines of each paragraph after the first joined by spaces
    (paragraphs whose lines start with one of :data:`LAID_OUT` kept as written)."""
    first, *rest = inspect.cleandoc(help_text).split("\n\n")
    return "\n\n".join([first, *(_joined(paragraph) for paragraph in rest)])


def _joined(paragraph: str) -> str:
    lines = paragraph.split("\n")
    if any(line.startswith(LAID_OUT) for line in lines):
        return paragraph
    return " ".join(line.strip() for line in lines)


def unwrap_commands(command: Any) -> None:
    """Unwrap the help of ``command`` and, for a group, of every command under it."""
    if command.help:
        command.help = unwrapped(command.help)
    for sub in getattr(command, "commands", {}).values():
        unwrap_commands(sub)
