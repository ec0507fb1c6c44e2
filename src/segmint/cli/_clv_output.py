"""Printing CLV results: the model comparison, fitted parameters, score totals, backtests."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import typer
from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out
from segmint.mart import csv_safety
from segmint.mart.currency import amount_digits, with_currency
from segmint.scoring.clv_backtest import METRICS
from segmint.scoring.clv_fit import ClvFit
from segmint.scoring.clv_scores import ScoreRun
from segmint.workflows.clv import Backtest, ClvFitRun


def fit_document(run: ClvFitRun) -> str:
    """A fit as one JSON document: parameters, standard errors, holdout metrics, comparison."""
    payload = {
        "as_of": run.as_of.isoformat(),
        "model": run.final.model_name,
        "covariate": run.final.covariate,
        "run_id": run.run_id,
        "transactions": _estimates(run.final.transactions),
        "spend": _estimates(run.final.spend),
        "holdout": run.holdout,
        "comparison": None if run.choice is None else run.choice.comparison.to_dict("records"),
        "notes": list(run.final.notes),
    }
    return json.dumps(payload, default=float)


def _estimates(model: Any) -> dict[str, Any]:
    return {
        "params": model.params_,
        "standard_errors": model.standard_errors_,
        "log_likelihood": model.log_likelihood_,
    }


def show_fit(run: ClvFitRun) -> None:
    """The comparison and why a model was chosen (when compared), then its parameters."""
    if run.choice is not None:
        show_comparison(run.choice.comparison, run.split.calibration_end)
        out.print(f"chosen: {run.choice.reason}", highlight=False)
    show_params(run.final, run.as_of)


def show_notes(notes: tuple[str, ...] | list[str]) -> None:
    """One line per fit that was not a plain maximum-likelihood fit, saying what was done."""
    for note in notes:
        if note:
            err.print(f"note: {note}", highlight=False)


def show_comparison(frame: pd.DataFrame, calibration_end: dt.date) -> None:
    """One row per candidate model: log-likelihood and holdout errors."""
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
    show_notes([str(n) for n in frame.get("note", pd.Series(dtype=str)).fillna("")])


def show_params(fit_: ClvFit, day: dt.date) -> None:
    """The parameters and standard errors of both models, and what they were fitted on."""
    for label, model in (("transactions", fit_.transactions), ("spend", fit_.spend)):
        inner: Any = model
        while hasattr(inner, "base"):  # a seasonal or covariate form: its base model's name
            inner = inner.base
        name = getattr(inner, "title", type(inner).__name__)  # a mixture says its classes
        if label == "transactions" and fit_.covariate is not None:
            name += f" by {fit_.covariate} (p[group]: the group's p over the first group's)"
        view = Table(
            "parameter",
            "estimate",
            "std. error",
            title=f"{name} ({label}) as of {day}: log-likelihood {model.log_likelihood_:,.3f}",
        )
        for key, value in model.params_.items():
            view.add_row(str(key), f"{value:.4f}", f"{model.standard_errors_[key]:.4f}")
        out.print(view)
        if label == "transactions" and fit_.grouped is not None:
            grouped = fit_.grouped
            ratios = grouped.rate_ratios()
            out.print(
                f"purchase rate while active, relative to {grouped.levels[0]}: "
                + ", ".join(f"{level} {ratios[level]:.2f}x" for level in grouped.levels[1:]),
                markup=False,
                highlight=False,
            )
    out.print(
        f"{fit_.n_customers:,} customers, {fit_.n_repeat_buyers:,} with repeat purchases",
        highlight=False,
    )


def show_scores(run: ScoreRun, currency: str | None = None) -> None:
    """Each score's total and mean per customer; amounts (CLV, spend) in the shop's ``currency``.
    ``expected_spend`` is per purchase: summed over customers it is no amount, so no total."""
    view = Table("score", "total", "per customer", title=f"{run.model} as of {run.as_of}")
    for name, total in run.totals.items():
        money = currency if name == "expected_spend" or name.startswith("clv") else None
        mean = f"{total / run.n_customers:,.{amount_digits(money, 4)}f}"
        total_text = with_currency(f"{total:,.{amount_digits(money)}f}", money)
        if name == "expected_spend":
            name, total_text = f"{name} (per purchase)", "—"
        view.add_row(name, total_text, with_currency(mean, money))
    out.print(view)
    out.print(f"{run.n_customers:,} customers scored", highlight=False)


def print_backtest(result: Backtest, format_: OutputFormat) -> None:
    """The metrics of every model: JSON records or CSV rows for scripts, else a table."""
    if format_ == OutputFormat.json:
        typer.echo(result.metrics.to_json(orient="records"))
    elif format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(result.metrics), nl=False)
    else:
        show_backtest(result)


def show_backtest(result: Backtest) -> None:
    """One row per metric, one column per model."""
    split, frame = result.split, result.metrics
    title = (
        f"backtest: calibration to {split.calibration_end}, holdout to {split.holdout_end} "
        f"({split.holdout_weeks:.1f} weeks, {len(split.frame):,} customers)"
    )
    view = Table("metric", *(str(m) for m in frame["model"]), title=title)
    for metric in METRICS:
        view.add_row(metric, *(f"{v:.4f}" for v in frame[metric]))
    out.print(view)
    show_notes([f"{m}: {n}" for m, n in zip(frame["model"], frame["note"], strict=True) if n])
