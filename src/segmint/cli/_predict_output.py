"""Printing a churn or intent run (metrics against the baselines, calibration, top features)
and what ``segmint score`` stored."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from segmint.cli._clv_output import show_notes
from segmint.cli._options import OutputFormat
from segmint.cli._output import out
from segmint.workflows.predict import PredictionRun, ScoreRefresh


def summary(run: PredictionRun) -> dict[str, Any]:
    """A run as JSON-ready data: dates, sizes, validation metrics, feature importance."""
    return {
        "target": run.target.name,
        "model": run.target.model,
        "score_name": run.target.score_name,
        "as_of": run.as_of.isoformat(),
        "horizon_days": run.horizon_days,
        "train_as_of": run.train_as_of.isoformat(),
        "validation_as_of": run.validation_as_of.isoformat(),
        "split": run.split.kind,
        "refit_as_of": run.split.refit_day.isoformat(),
        "n_train": run.n_train,
        "n_scored": run.n_scored,
        "run_id": run.run_id,
        "reused": run.reused,
        "notes": list(run.notes),
        "validation": run.validation,
        "importance": run.importance.to_dict(orient="records"),
    }


def show_prediction(run: PredictionRun, format_: OutputFormat = OutputFormat.human) -> None:
    """Print a run: what was fitted instead of a boundary maximum (to stderr), metrics
    against the baselines, calibration, top features."""
    show_notes(run.notes)
    if format_ != OutputFormat.human:
        typer.echo(json.dumps(summary(run), default=str))
        return
    target = run.target
    metrics = Table(
        "scorer",
        "AUC",
        "Brier",
        "Brier of base rate",
        "lift top 10%",
        "ECE",
        title=(
            f"{target.name} in {run.horizon_days} days ({run.split.kind} split): trained as of "
            f"{run.train_as_of}, validated as of {run.validation_as_of} "
            f"({next(iter(run.validation.values()))['n']:,} customers); scores from a model "
            f"trained as of {run.split.refit_day}"
        ),
    )
    for name, m in run.validation.items():
        metrics.add_row(
            name,
            f"{m['auc']:.3f}",
            f"{m['brier']:.4f}",
            f"{m['brier_base_rate']:.4f}",
            f"{m['lift_top_decile']:.2f}",
            f"{m['ece']:.3f}",
        )
    out.print(metrics)
    curve = Table(
        "predicted", "n", "mean predicted", "observed", title=f"calibration of {target.model}"
    )
    for row in run.validation[target.model]["calibration"]:
        curve.add_row(
            f"{row['bin_lower']:.1f}-{row['bin_upper']:.1f}",
            f"{row['n']:,}",
            f"{row['mean_predicted']:.3f}",
            f"{row['observed_rate']:.3f}",
        )
    out.print(curve)
    features = Table("feature", "AUC drop when shuffled", "std", title="what drives the score")
    for row in run.importance.itertuples():
        features.add_row(str(row.feature), f"{row.importance:.4f}", f"{row.std:.4f}")
    out.print(features)
    out.print(
        f"{run.n_scored:,} {target.score_name} scores stored as of {run.as_of} "
        f"(model {target.model}, run {run.run_id})",
        highlight=False,
    )


def show_refresh(refresh: ScoreRefresh, format_: OutputFormat = OutputFormat.human) -> None:
    """Print what ``segmint score`` stored: each score, its model run (stored or trained), CLV."""
    for run in refresh.predictions:
        show_notes(run.notes)
    if format_ != OutputFormat.human:
        payload = {
            "as_of": refresh.as_of.isoformat(),
            "predictions": [summary(run) for run in refresh.predictions],
            "clv": None
            if refresh.clv is None
            else {"model": refresh.clv.model, "n_customers": refresh.clv.n_customers},
        }
        typer.echo(json.dumps(payload, default=str))
        return
    view = Table(
        "score",
        "model",
        "customers",
        "validation AUC",
        "model run",
        title=f"scores as of {refresh.as_of}",
    )
    for run in refresh.predictions:
        auc = run.validation[run.target.model]["auc"]
        made = f"stored run {run.run_id}" if run.reused else f"trained, run {run.run_id}"
        view.add_row(
            run.target.score_name, run.target.model, f"{run.n_scored:,}", f"{auc:.3f}", made
        )
    if refresh.clv is not None:
        view.add_row(
            "clv and BTYD scores",
            refresh.clv.model,
            f"{refresh.clv.n_customers:,}",
            "",
            "stored fit",
        )
    out.print(view)
