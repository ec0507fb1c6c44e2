"""Commands for predictive scores: ``predict churn|intent`` and ``score`` (refresh them all).

Adapters over :mod:`segmint.workflows.predict`; the calibration chart is drawn by
:mod:`segmint.views.plots.propensity`, the tables by :mod:`segmint.cli._predict_output`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli._clv_options import MaxIterOption, StrictOption
from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, steps, user_errors
from segmint.cli._predict_options import (
    SPLITS,
    HorizonOption,
    PlotOption,
    SplitChoice,
    SplitOption,
)
from segmint.cli._warnings import iterations_flag
from segmint.scoring.option_defaults import MAX_ITER

predict_app = typer.Typer(
    help="Churn and purchase-intent scores: train, compare with BTYD, score, store.",
    no_args_is_help=True,
)


def _predict(
    target: str,
    mart: Path | None,
    as_of: str | None,
    horizon_days: int | None,
    plot: Path | None,
    format_: OutputFormat,
    split: SplitChoice,
    strict: bool,
    max_iter: int,
) -> None:
    from segmint.cli._predict_output import show_prediction
    from segmint.mart import connect
    from segmint.views.plots.propensity import write_calibration_chart
    from segmint.workflows import privacy
    from segmint.workflows.predict import run_prediction

    with connect(mart) as m, steps(f"{target} model") as step:
        step("building features, training and scoring")
        run = run_prediction(
            m, target, as_of, horizon_days, split=SPLITS[split], strict=strict, max_iter=max_iter
        )
    if plot is not None:
        title = f"{target} in {run.horizon_days} days, validated as of {run.validation_as_of}"
        write_calibration_chart(run.validation, title, plot)
        with connect(mart) as m:  # drawn from every customer's score: listed by erasures
            privacy.register_files(m, [plot], "plot", f"{target} calibration chart")
        err.print(f"calibration chart written to {plot}", highlight=False)
    show_prediction(run, format_)


@predict_app.command("churn")
@user_errors
@iterations_flag("--max-iter")
def churn(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    horizon_days: HorizonOption = None,
    plot: PlotOption = None,
    format_: FormatOption = OutputFormat.human,
    split: SplitOption = SplitChoice.auto,
    strict: StrictOption = False,
    max_iter: MaxIterOption = MAX_ITER,
) -> None:
    """Churn risk: P(no purchase in the next N days) for every customer who has bought."""
    _predict("churn", mart, as_of, horizon_days, plot, format_, split, strict, max_iter)


@predict_app.command("intent")
@user_errors
@iterations_flag("--max-iter")
def intent(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    horizon_days: HorizonOption = None,
    plot: PlotOption = None,
    format_: FormatOption = OutputFormat.human,
    split: SplitOption = SplitChoice.auto,
    strict: StrictOption = False,
    max_iter: MaxIterOption = MAX_ITER,
) -> None:
    """Purchase intent: P(at least one purchase in the next N days), prospects included."""
    _predict("intent", mart, as_of, horizon_days, plot, format_, split, strict, max_iter)


@user_errors
@iterations_flag("--max-iter")
def score(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    retrain: Annotated[
        bool,
        typer.Option(
            "--retrain", help="Train churn and intent again even when a stored model is fresh."
        ),
    ] = False,
    strict: StrictOption = False,
    max_iter: MaxIterOption = MAX_ITER,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Refresh every score: churn risk, purchase intent and CLV (with the stored CLV fit).

    Churn and intent use the models stored last while they are younger than their horizon
    (90 and 30 days) and no erasure flagged them; otherwise they are trained again (with
    --strict, refusing a BTYD baseline whose maximum is on the boundary).
    """
    from segmint.cli._predict_output import show_refresh
    from segmint.mart import connect
    from segmint.workflows.predict import refresh_scores

    with connect(mart) as m, steps("scores") as step:
        step("churn, intent and CLV")
        refresh = refresh_scores(m, as_of, retrain=retrain, strict=strict, max_iter=max_iter)
    if refresh.clv is None:
        err.print(
            "no usable CLV fit up to this date (none stored, or the stored one is flagged "
            "for refit after an erasure): run `segmint clv fit` to add CLV scores"
        )
    show_refresh(refresh, format_)


def register(app: typer.Typer) -> None:
    """Add the ``predict`` group and the top-level ``score`` command to ``app``."""
    app.add_typer(predict_app, name="predict")
    app.command("score")(score)
