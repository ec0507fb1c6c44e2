"""The ``clv`` group: fit (compare, check, store, plot), score, backtest. Adapters over
:mod:`segmint.workflows.clv`, ``clv_score``; plots by ``_clv_plots``, tables by ``_clv_output``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli._clv_options import (
    ChunkSizeOption,
    CovariateOption,
    MaxIterOption,
    PenalizerOption,
    PngOption,
    StrictOption,
    parse_window,
)
from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, stepped_progress, steps, user_errors
from segmint.cli._warnings import iterations_flag
from segmint.scoring.option_defaults import AUTO, MAX_ITER

clv_app = typer.Typer(
    help="Customer lifetime value: fit BTYD models, backtest them, score customers.",
    no_args_is_help=True,
)
Opt = typer.Option


@clv_app.command("fit")
@user_errors
@iterations_flag("--max-iter")
def fit(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    model: Annotated[
        str,
        Opt("--model", help="auto (compare on a holdout), bgnbd, paretonbd, mbgnbd, *-seasonal."),
    ] = AUTO,
    spend: Annotated[str, Opt("--spend", help="Spend model: gammagamma.")] = "gammagamma",
    holdout_weeks: Annotated[
        int, Opt("--holdout-weeks", min=1, help="Weeks before --as-of held out to check.")
    ] = 26,
    penalizer: PenalizerOption = 0.0,
    strict: StrictOption = False,
    covariate: CovariateOption = None,
    max_iter: MaxIterOption = MAX_ITER,
    plots: Annotated[Path, Opt("--plots", help="Directory for the diagnostic plots.")] = Path(
        "clv_diagnostics"
    ),
    png: PngOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Fit a transaction model and Gamma-Gamma; print parameters, store the fit, write plots."""
    from segmint.cli import _clv_output as show
    from segmint.cli._clv_plots import write_fit_plots
    from segmint.mart import connect
    from segmint.workflows import clv

    options = clv.ClvFitOptions(model, spend, holdout_weeks, penalizer, strict, covariate, max_iter)
    with connect(mart) as m, steps("clv fit") as step:
        run = clv.fit(m, as_of, options, on_step=step)
    written = write_fit_plots(run, plots, png, mart)
    if format_ != OutputFormat.human:
        typer.echo(show.fit_document(run))
        return
    show.show_fit(run)
    show.show_notes(run.final.notes)
    err.print(f"stored as model run {run.run_id}; plots: {', '.join(str(p) for p in written)}")


@clv_app.command("score")
@user_errors
@iterations_flag("--max-iter")
def score(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    horizon_weeks: Annotated[
        float, Opt("--horizon-weeks", min=1, help="CLV horizon in weeks.")
    ] = 52.0,
    discount_rate: Annotated[
        float, Opt("--discount-rate", min=0, help="Yearly discount rate, applied monthly.")
    ] = 0.10,
    window: Annotated[
        list[str] | None,
        Opt("--window", help="Extra CLV window in months, START-END (repeatable)."),
    ] = None,
    model: Annotated[
        str | None, Opt("--model", help="Refit this model (bgnbd…) instead of the stored fit.")
    ] = None,
    penalizer: PenalizerOption = 0.0,
    chunk_size: ChunkSizeOption = 100_000,
    max_iter: MaxIterOption = MAX_ITER,
) -> None:
    """Score every customer: clv, p_alive, expected_purchases, expected_spend, stored in scores."""
    from segmint.cli import _clv_output as show
    from segmint.mart import connect
    from segmint.mart.shop_settings import shop_currency
    from segmint.workflows import clv_score

    windows = tuple(parse_window(w) for w in window or ())
    opts = clv_score.ClvScoreOptions(
        horizon_weeks, discount_rate, windows, model, penalizer, chunk_size, max_iter
    )
    with connect(mart) as m, stepped_progress("clv score") as (step, update):
        run = clv_score.score(m, as_of, opts, on_note=err.print, on_progress=update, on_step=step)
        currency = shop_currency(m)
    show.show_scores(run, currency)


@clv_app.command("backtest")
@user_errors
@iterations_flag("--max-iter")
def backtest_command(
    calibration_end: Annotated[
        str, Opt("--calibration-end", help="Last day of the calibration period.")
    ],
    mart: MartOption = None,
    holdout_end: Annotated[
        str | None, Opt("--holdout-end", help="Last day of the holdout. Default: last order day.")
    ] = None,
    model: Annotated[
        list[str] | None, Opt("--model", help="Model to backtest (repeatable). Default: all.")
    ] = None,
    penalizer: PenalizerOption = 0.0,
    strict: StrictOption = False,
    covariate: CovariateOption = None,
    max_iter: MaxIterOption = MAX_ITER,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Fit on the calibration period and measure each model's holdout predictions.

    Models: all three, and their seasonal forms when the calibration spans a year; with
    --covariate, each one also split by the covariate.
    """
    from segmint.cli import _clv_output as show
    from segmint.mart import connect
    from segmint.workflows import clv

    models = tuple(model or ())
    with connect(mart) as m, steps("clv backtest") as step:
        result = clv.backtest(
            m,
            calibration_end,
            holdout_end,
            models,
            penalizer=penalizer,
            strict=strict,
            covariate=covariate,
            on_step=step,
            max_iter=max_iter,
        )
    show.print_backtest(result, format_)


def register(app: typer.Typer) -> None:
    """Add the ``clv`` group to ``app``."""
    app.add_typer(clv_app, name="clv")
