"""``segmint warm``: what the dashboard reads first, computed and kept without a server.

A server warms its caches at start (most of a minute at a million customers) unless it
finds them kept beside the mart for the same data (:mod:`segmint.serving.warm_state`). This
command does a server's warm-up and keeps it, so a nightly job can end with it and the
next ``segmint serve`` on that data is ready in seconds.
"""

from __future__ import annotations

import typer

from segmint.cli._options import MartOption
from segmint.cli._output import out, steps, user_errors
from segmint.config import get_settings
from segmint.exceptions import MartError


@user_errors
def warm(mart: MartOption = None) -> None:
    """Compute what the dashboard reads first and keep it beside the mart, so that a server
    started on this data is ready in seconds.

    Run it after a load or refresh while no server runs (a running server keeps its own).
    """
    import time
    from contextlib import nullcontext

    from segmint.mart import connect
    from segmint.mart.snapshot import warm_state_path
    from segmint.serving.sorted_copies import SortedCopies
    from segmint.views.dashboard import Dashboard
    from segmint.views.warmup import Warmer

    path = get_settings(mart).mart
    if not path.is_file():
        raise MartError(f"no mart at {path}. Load data into it first (`segmint load`).")
    started = time.perf_counter()
    kept = warm_state_path(path)
    with connect(path, read_only=True) as opened, steps("warming the dashboard"):
        warmer = Warmer(
            lambda: nullcontext(opened),
            Dashboard(ttl=None, catalogue_ttl=None),
            SortedCopies(),
            kept=kept,
        )
        warmer.check(opened)
    took = f"{time.perf_counter() - started:.1f} s"
    if not (warmer.taken_back or warmer.kept_now):
        raise MartError(
            f"the dashboard's warm state of {path} was computed ({took}) but not kept in {kept}: "
            "it was discarded (an erasure or a retention run) after the mart was last written, "
            "or the folder cannot be written (see the warning above). Run `segmint warm` again "
            "after the next load or refresh."
        )
    done = "already kept" if warmer.taken_back else "kept"
    out.print(
        f"{done} the dashboard's warm state of {path} in {kept} ({took}): `segmint serve` on "
        "this data is ready in seconds.",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("warm")(warm)
