"""The five-minute path: one export in, segments with money and personas out.

``segmint quickstart FILE`` (and :meth:`segmint.workspace.Workspace.quickstart`) runs
:func:`quickstart`: load the file as transactions with a guessed mapping (or a preset),
build the features, run RFM and lifecycle stages, fit CLV where the data allows it
(enough customers who bought more than once), profile the RFM segments for their money
and write persona cards, and say what to run next. Every step is the same workflow
function the other commands call, so the numbers are the ones they would give.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import ibis

from segmint.exceptions import SegmintError
from segmint.features.btyd import summary_of_features
from segmint.insight.personas import PersonaCard, personas_from_profile
from segmint.insight.profile import SegmentProfile
from segmint.insight.segment_alive import segment_p_alive
from segmint.insight.segment_cancelled import segment_cancelled
from segmint.mart import Mart
from segmint.mart.ingest import IngestOptions, IngestResult
from segmint.scoring.clv_scores import ScoreRun
from segmint.scoring.option_defaults import MAX_ITER
from segmint.workflows import clv_score, load, profile, segment
from segmint.workflows.features import refresh_features

Step = Callable[[str], None]

MIN_REPEAT_BUYERS = 30
"""Customers with a repeat purchase needed before a CLV model is fitted."""


@dataclass(frozen=True)
class QuickstartRun:
    """What :func:`quickstart` loaded and found.

    Attributes:
        load: how the file was loaded (rows, columns, the mapping used).
        as_of: the date everything was computed as of (the last day with orders).
        segmentations: the RFM and lifecycle runs.
        money: the RFM profile (money per segment, mix, statistics).
        personas: a persona card per RFM segment, most valuable first.
        clv: the CLV scores, when the data allowed a fit.
        clv_note: why CLV was not fitted, when it was not.
        next_steps: commands to run next, ready to paste.
    """

    load: IngestResult
    as_of: dt.date
    segmentations: list[segment.SegmentationRun]
    money: SegmentProfile
    personas: list[PersonaCard]
    clv: ScoreRun | None = None
    clv_note: str = ""
    next_steps: list[str] = field(default_factory=list)


def quickstart(
    mart: Mart,
    path: Path | str,
    options: IngestOptions | None = None,
    *,
    on_step: Step | None = None,
    max_iter: int = MAX_ITER,
) -> QuickstartRun:
    """Load ``path`` as transactions and run the first analyses (see the module docstring);
    ``max_iter``: the iteration limit of the CLV fits.

    Raises:
        InputError, SchemaError: the file cannot be loaded (the message gives the fix:
            the ``--map`` flags or the preset); nothing else runs.
    """
    step = on_step or (lambda _: None)
    loaded = load.ingest(mart, "transactions", path, options, on_step=step)
    step("building features")
    day, features = refresh_features(mart)
    step("RFM and lifecycle")
    runs = [
        segment.run_rfm(mart, day, features=features),
        segment.run_lifecycle(mart, day, features=features),
    ]
    step("CLV")
    scored, note = _clv(mart, day, features, max_iter)
    step("money and personas")
    described = profile.profile(mart, "rfm", day)
    cards = personas_from_profile(
        described, segment_p_alive(mart, "rfm", day), segment_cancelled(mart, "rfm", day)
    )
    return QuickstartRun(
        loaded, day, runs, described, cards, scored, note, _next_steps(mart, scored is not None)
    )


def _clv(
    mart: Mart, day: dt.date, features: ibis.Table, max_iter: int
) -> tuple[ScoreRun | None, str]:
    """CLV scores when enough customers bought twice, else None and the reason.

    The repeat buyers are counted in ``features``, the features just stored for ``day``
    (their BTYD summary, :func:`segmint.features.btyd.summary_of_features`), and
    :func:`segmint.workflows.clv_score.run_clv` reads its summary from them too: no purchase is
    summed again.
    """
    summary = summary_of_features(features)
    repeaters = int(summary.filter(summary.frequency > 0).count().execute())
    if repeaters < MIN_REPEAT_BUYERS:
        return None, (
            f"CLV not fitted: {repeaters} customers bought more than once (at least "
            f"{MIN_REPEAT_BUYERS} are needed to fit a purchase model)"
        )
    try:
        return clv_score.run_clv(mart, day, max_iter=max_iter), ""
    except SegmintError as exc:
        return None, f"CLV not fitted: {exc}"


def _next_steps(mart: Mart, has_clv: bool) -> list[str]:
    """What to run next, with this mart."""
    at = f" --mart {mart.path}" if mart.path != ":memory:" else ""
    steps = [
        f"segmint persona lifecycle{at}    # cards for the lifecycle stages",
        f"segmint segment rules my_segments --file rules.yaml{at}    # your own segments",
        f"segmint segment cluster clusters{at}    # segments found in the data",
        f"segmint report{at}    # a self-contained HTML report",
        f"segmint serve{at}    # the dashboard",
    ]
    if has_clv:
        steps.insert(2, f"segmint segment value{at}    # value tiers by predicted CLV")
    else:
        steps.append(f"segmint ingest customers FILE{at}    # attributes for rules and profiles")
    return steps
