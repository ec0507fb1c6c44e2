"""Commands for customer lifetime value: clv fit|score|backtest, and segment value."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, progress, steps, user_errors
from segmint.cli.segment_commands import AsOfOption, NameOption, segment_app, show_run
from segmint.exceptions import InputError
from segmint.features import parse_as_of
from segmint.features.asof import resolve_as_of
from segmint.features.btyd import btyd_summary
from segmint.features.btyd_split import calibration_holdout
from segmint.insight.clv_diagnostics import diagnose
from segmint.mart import Mart, connect, csv_safety
from segmint.scoring.clv_backtest import METRICS, backtest, holdout_metrics
from segmint.scoring.clv_fit import (
    AUTO,
    TRANSACTION_MODELS,
    ClvFit,
    check_model,
    check_spend,
    choose_model,
    fit_clv,
)
from segmint.scoring.clv_scores import latest_fit, score_customers, store_fit
from segmint.segmentation.value import DEFAULT_CUTS, DEFAULT_RISK_CUTS, ValueRun, run_value
from segmint.views.plots.clv import diagnostic_figures, write_diagnostics
from segmint.workflows import SegmentationRun

clv_app = typer.Typer(
    help="Customer lifetime value: fit BTYD models, backtest them, score customers.",
    no_args_is_help=True,
)

PenalizerOption = Annotated[
    float,
    typer.Option(
        "--penalizer",
        help="L2 penalty on the log-parameters (0 = plain MLE; 0.001-0.1 for a few hundred customers).",
    ),
]


def _numbers(text: str, option: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(
            f"{option} takes numbers separated by commas, e.g. 0.01,0.05,0.2,0.5; got {text!r}"
        ) from None


def _window(text: str) -> tuple[float, float]:
    start, sep, end = text.partition("-")
    try:
        window = (float(start), float(end))
    except ValueError:
        window = (-1.0, -1.0)
    if not sep or not 0 <= window[0] < window[1]:
        raise InputError(f"--window takes months as START-END, e.g. 12-36; got {text!r}")
    return window


@clv_app.command("fit")
@user_errors
def fit(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    model: Annotated[
        str, typer.Option("--model", help="auto (compare on a holdout), bgnbd, paretonbd, mbgnbd.")
    ] = AUTO,
    spend: Annotated[str, typer.Option("--spend", help="Spend model: gammagamma.")] = "gammagamma",
    holdout_weeks: Annotated[
        int, typer.Option("--holdout-weeks", min=1, help="Weeks before --as-of held out to check.")
    ] = 26,
    penalizer: PenalizerOption = 0.0,
    plots: Annotated[
        Path, typer.Option("--plots", help="Directory for the diagnostic plots.")
    ] = Path("clv_diagnostics"),
    png: Annotated[
        bool, typer.Option("--png/--no-png", help="Also write PNG files (drives Chromium).")
    ] = True,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Fit a transaction model and Gamma-Gamma; print parameters, store the fit, write plots."""
    name, _ = check_model(model, allow_auto=True), check_spend(spend)
    with connect(mart) as m, steps("clv fit") as step:
        day = resolve_as_of(m, as_of)
        split_end = day - dt.timedelta(weeks=holdout_weeks)
        step(f"calibration to {split_end}, holdout to {day}")
        split = calibration_holdout(m, split_end, day)
        comparison = None
        if name == AUTO:
            step("comparing models on the holdout")
            choice = choose_model(split, penalizer=penalizer)
            name, calibration, comparison = choice.chosen, choice.fits[choice.chosen], choice
        else:
            calibration = fit_clv(split.frame, name, penalizer=penalizer)
        metrics = holdout_metrics(calibration, split)
        step("writing diagnostics")
        written = write_diagnostics(
            diagnostic_figures(diagnose(split, calibration)), plots, png=png
        )
        step(f"fitting {name} on everything up to {day}")
        final = fit_clv(btyd_summary(m, day).to_pandas(), name, penalizer=penalizer)
        stored: dict[str, Any] = {"holdout_weeks": holdout_weeks, "holdout": metrics}
        if comparison is not None:
            stored["comparison"] = comparison.comparison.to_dict(orient="records")
        run_id, _ = store_fit(m, final, day, stored)
    if format_ != OutputFormat.human:
        payload = {
            "as_of": day.isoformat(),
            "model": final.model_name,
            "run_id": run_id,
            "transactions": _estimates(final.transactions),
            "spend": _estimates(final.spend),
            "holdout": metrics,
            "comparison": None if comparison is None else comparison.comparison.to_dict("records"),
        }
        typer.echo(json.dumps(payload, default=float))
        return
    if comparison is not None:
        _show_comparison(comparison.comparison, split.calibration_end)
        out.print(f"chosen: {comparison.reason}", highlight=False)
    _show_params(final, day)
    err.print(f"stored as model run {run_id}; plots: {', '.join(str(p) for p in written)}")


def _estimates(model: Any) -> dict[str, Any]:
    return {
        "params": model.params_,
        "standard_errors": model.standard_errors_,
        "log_likelihood": model.log_likelihood_,
    }


def _show_comparison(frame: pd.DataFrame, calibration_end: dt.date) -> None:
    view = Table(
        "model",
        "log-likelihood",
        "MAE",
        "RMSE",
        "predicted",
        "actual",
        "total error",
        title=f"holdout purchases per customer, calibration to {calibration_end}",
    )
    for r in frame.itertuples(index=False):
        if r.error:
            view.add_row(str(r.model), "failed", "", "", "", "", str(r.error)[:60])
            continue
        view.add_row(
            str(r.model),
            f"{r.log_likelihood:,.2f}",
            f"{r.mae:.4f}",
            f"{r.rmse:.4f}",
            f"{r.predicted_total:,.1f}",
            f"{r.actual_total:,.0f}",
            f"{r.total_error:+.1%}",
        )
    out.print(view)


def _show_params(fit_: ClvFit, day: dt.date) -> None:
    for label, model in (("transactions", fit_.transactions), ("spend", fit_.spend)):
        view = Table(
            "parameter",
            "estimate",
            "std. error",
            title=f"{type(model).__name__} ({label}) as of {day}: log-likelihood "
            f"{model.log_likelihood_:,.3f}",
        )
        for key, value in model.params_.items():
            view.add_row(key, f"{value:.4f}", f"{model.standard_errors_[key]:.4f}")
        out.print(view)
    out.print(
        f"{fit_.n_customers:,} customers, {fit_.n_repeat_buyers:,} with repeat purchases",
        highlight=False,
    )


@clv_app.command("score")
@user_errors
def score(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    horizon_weeks: Annotated[
        float, typer.Option("--horizon-weeks", min=1, help="CLV horizon in weeks.")
    ] = 52.0,
    discount_rate: Annotated[
        float, typer.Option("--discount-rate", min=0, help="Yearly discount rate, applied monthly.")
    ] = 0.10,
    window: Annotated[
        list[str] | None,
        typer.Option("--window", help="Extra CLV window in months, START-END (repeatable)."),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Refit this model (bgnbd…) instead of the stored fit."),
    ] = None,
    penalizer: PenalizerOption = 0.0,
    chunk_size: Annotated[
        int, typer.Option("--chunk-size", min=1, help="Customers scored at a time.")
    ] = 100_000,
) -> None:
    """Score every customer: clv, p_alive, expected_purchases, expected_spend, stored in scores."""
    windows = tuple(_window(w) for w in window or ())
    with connect(mart) as m:
        day = resolve_as_of(m, as_of)
        fit_ = _fit_for(m, day, model, penalizer)
        with progress(f"scoring as of {day}", total=1.0) as update:
            run = score_customers(
                m,
                fit_,
                day,
                horizon_weeks=horizon_weeks,
                annual_discount_rate=discount_rate,
                windows=windows,
                chunk_size=chunk_size,
                on_progress=update,
            )
    view = Table("score", "total", "per customer", title=f"{run.model} as of {run.as_of}")
    for name, total in run.totals.items():
        view.add_row(name, f"{total:,.2f}", f"{total / run.n_customers:,.4f}")
    out.print(view)
    out.print(f"{run.n_customers:,} customers scored", highlight=False)


def _fit_for(m: Mart, day: dt.date, model: str | None, penalizer: float) -> ClvFit:
    """The stored fit (if fitted on data up to ``day``), else a new fit stored now."""
    stored = None if model is not None else latest_fit(m)
    if stored is not None and stored[1] <= day:
        err.print(f"using the {stored[0].name} fit stored as of {stored[1]}")
        return stored[0]
    name = check_model(model or "bgnbd")
    err.print(f"fitting {name} as of {day}")
    fitted = fit_clv(btyd_summary(m, day).to_pandas(), name, penalizer=penalizer)
    store_fit(m, fitted, day)
    return fitted


@clv_app.command("backtest")
@user_errors
def backtest_command(
    calibration_end: Annotated[
        str, typer.Option("--calibration-end", help="Last day of the calibration period.")
    ],
    mart: MartOption = None,
    holdout_end: Annotated[
        str | None,
        typer.Option("--holdout-end", help="Last day of the holdout. Default: last order day."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Model to backtest (repeatable). Default: all."),
    ] = None,
    penalizer: PenalizerOption = 0.0,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Fit on the calibration period and measure each model's holdout predictions."""
    names = tuple(check_model(n) for n in model) if model else tuple(TRANSACTION_MODELS)
    with connect(mart) as m, steps("clv backtest") as step:
        step("splitting the history")
        split = calibration_holdout(m, parse_as_of(calibration_end), holdout_end)
        step("fitting and predicting")
        frame = backtest(split, names, penalizer=penalizer)
    if format_ == OutputFormat.json:
        typer.echo(frame.to_json(orient="records"))
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    title = (
        f"backtest: calibration to {split.calibration_end}, holdout to {split.holdout_end} "
        f"({split.holdout_weeks:.1f} weeks, {len(split.frame):,} customers)"
    )
    view = Table("metric", *frame["model"], title=title)
    for metric in METRICS:
        view.add_row(metric, *(f"{v:.4f}" for v in frame[metric]))
    out.print(view)


@segment_app.command("value")
@user_errors
def value(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Scores of this model, e.g. bgnbd+gammagamma."),
    ] = None,
    cuts: Annotated[
        str, typer.Option("--cuts", help="Cumulative shares where tiers start, best first.")
    ] = ",".join(f"{c:g}" for c in DEFAULT_CUTS),
    risk_cuts: Annotated[
        str, typer.Option("--risk-cuts", help="Churn risk where medium and high risk start.")
    ] = ",".join(f"{c:.2f}" for c in DEFAULT_RISK_CUTS),
    name: NameOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Value tiers by predicted CLV (top 1%, next 4%, 15%, 30%, rest) and the value x risk grid."""
    with connect(mart) as m:
        day = parse_as_of(as_of) if as_of else _latest_clv_date(m)
        run = run_value(
            m,
            day,
            model=model,
            cuts=_numbers(cuts, "--cuts"),
            risk_cuts=_numbers(risk_cuts, "--risk-cuts"),
            name=name or "value",
        )
    show_value(run, format_)


def show_value(run: ValueRun, format_: OutputFormat = OutputFormat.human) -> None:
    """Print value tiers and the value x churn-risk grid (tiers alone as JSON/CSV)."""
    if format_ != OutputFormat.human:
        show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes), format_)
        return
    details = {"model": run.model, "risk": run.risk_source}
    show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes, details))
    view = Table(
        "value tier", *run.grid.columns, "total", title="customers by value and churn risk"
    )
    for tier, row in run.grid.iterrows():
        view.add_row(str(tier), *(f"{v:,}" for v in row), f"{row.sum():,}")
    out.print(view)


def _latest_clv_date(m: Mart) -> dt.date:
    scores = m.table("scores")
    latest = scores.filter(scores.score_name == "clv").as_of.max().execute()
    if pd.isna(latest):
        raise InputError("no clv scores stored yet; run `segmint clv score` first")
    return pd.Timestamp(latest).date()


def register(app: typer.Typer) -> None:
    """Add the ``clv`` group to ``app`` (``segment value`` joins the ``segment`` group on import)."""
    app.add_typer(clv_app, name="clv")
