"""Options and the progress bar of the ``recommend`` group (:mod:`.recommend_commands`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from segmint.cli._output import err

Opt = typer.Option
KOption = Annotated[int, Opt("--k", min=1, max=100, help="Items per customer.")]
ExcludeOption = Annotated[
    list[str] | None,
    Opt(
        "--exclude-product",
        help="A product id that is not goods (postage, fees): never counted or recommended "
        "(repeatable).",
    ),
]
SegmentationOption = Annotated[
    str | None,
    Opt(
        "--segmentation",
        help="Stored segmentation whose segments segment popularity counts within. "
        "Default: rfm when stored, else groups by orders and repeat buying.",
    ),
]
METHOD_HELP = "auto (per customer group, what wins on validation), popular, segment-popular, buy-again, rules, item-knn, als, bpr."


@contextmanager
def fit_progress() -> Iterator[tuple[Callable[[str], None], Callable[[float], None]]]:
    """One Rich bar on stderr for a fit: its description names the step, it fills as the
    lists are written. Yields ``(on_step, on_progress)``."""
    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("recommend fit", total=1.0)

        def step(name: str) -> None:
            bar.update(task, description=f"recommend fit: {name}")

        def done(share: float) -> None:
            bar.update(task, completed=share)

        yield step, done
