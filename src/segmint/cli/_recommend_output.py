"""Printing recommendation results: a fit's picks, the evaluation table, rules, one customer."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out
from segmint.mart import csv_safety
from segmint.scoring.recommend import BLEND, Evaluation
from segmint.scoring.recommend.export import ExportedLists
from segmint.scoring.recommend.rule_list import RuleList
from segmint.scoring.recommend.store import StoredRun
from segmint.serving.frames import records
from segmint.workflows.privacy import check_export_path

DOCUMENT_METRICS = ("precision", "recall", "map", "ndcg", "hit_rate", "coverage")
"""The metrics of ``recommend evaluate --format json``, per method."""

TABLE_METRICS = (*DOCUMENT_METRICS, "novelty", "recall_repeat", "recall_new")
"""The metrics of the printed evaluation table."""


def show_fit(run: StoredRun) -> None:
    """What was stored, and (for ``auto``) what the blend picked per customer group."""
    if run.picks:
        view = Table("customer group", "validation customers", "picked", "MAP@k on validation")
        for pick in run.picks:
            score = pick.get("map", pick.get("recall"))
            shown = "—" if score is None or pd.isna(score) else f"{score:.3f}"
            note = " (fallback: best overall)" if pick.get("fallback") else ""
            view.add_row(str(pick["group"]), f"{pick['customers']:,}", pick["picked"] + note, shown)
        view.title = f"auto: what each customer group gets (chosen on the days before {run.as_of})"
        out.print(view)
    err.print(
        f"stored top {run.k} of {run.n_customers:,} customers ({run.n_rows:,} rows) as of "
        f"{run.as_of}, method {run.method}; segment popularity within {run.segments}; "
        f"model run {run.run_id}",
        highlight=False,
    )


def evaluation_document(result: Evaluation) -> str:
    """``{"k": …, "methods": {name: {precision, recall, map, ndcg, hit_rate, coverage}},
    "chosen": "auto"}``."""
    methods = {
        str(row["method"]): {m: float(row[m]) for m in DOCUMENT_METRICS}
        for row in result.table.to_dict("records")
    }
    return json.dumps({"k": result.k, "methods": methods, "chosen": BLEND})


def show_evaluation(result: Evaluation, format_: OutputFormat) -> None:
    """The evaluation as JSON, CSV or a table of every method, then the blend's picks."""
    if format_ == OutputFormat.json:
        typer.echo(evaluation_document(result))
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(result.table), nl=False)
        return
    table = result.table
    view = Table("method", "kind", *(m.replace("_", " ") for m in TABLE_METRICS))
    view.title = (
        f"top {result.k}: trained to {result.split}, tested to {result.end} "
        f"({int(table.customers.iloc[0]):,} customers)"
    )
    for row in table.to_dict("records"):
        cells = [f"{row[m]:.4f}" if m != "novelty" else f"{row[m]:.2f}" for m in TABLE_METRICS]
        style = "bold" if row["method"] == BLEND else None
        view.add_row(str(row["method"]), str(row["kind"]), *cells, style=style)
    out.print(view)
    for metric in ("recall", "map"):
        out.print(against_baseline(result, metric), highlight=False)


def against_baseline(result: Evaluation, metric: str) -> str:
    """One line: how the blend's ``metric`` compares with the best baseline's, the margin
    said as a distance (never "does not beat … by -0.01")."""
    best = result.best_baseline(metric)
    margin = result.value(BLEND, metric) - result.value(best, metric)
    head = f"{metric}@{result.k}: auto"
    if margin > 0:
        return f"{head} beats the best baseline ({best}) by {margin:.4f}"
    if margin == 0:
        return f"{head} ties with the best baseline ({best})"
    return f"{head} falls {-margin:.4f} short of the best baseline ({best})"


def write_rules(found: RuleList, out_file: Path) -> None:
    """Every rule to a ``.csv`` or ``.parquet`` file."""
    if check_export_path(out_file) == ".csv":
        csv_safety.to_csv(found.rules, out_file)
    else:
        found.rules.to_parquet(out_file, index=False)
    err.print(f"wrote {len(found.rules):,} rules to {out_file}", highlight=False)


def show_rules(found: RuleList, limit: int, format_: OutputFormat) -> None:
    """The strongest ``limit`` rules as a table (or every rule as JSON or CSV)."""
    if format_ == OutputFormat.json:
        typer.echo(found.rules.to_json(orient="records"))
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(found.rules), nl=False)
        return
    view = Table("if bought", "then", "baskets", "customers", "support", "confidence", "lift")
    view.title = (
        f"{len(found.rules):,} rules over {found.n_baskets:,} baskets to {found.as_of} "
        f"(each in at least {found.min_count:,} baskets of {found.min_customers:,} customers)"
    )
    for row in found.rules.head(limit).to_dict("records"):
        counts = [f"{row['n_baskets']:,}", f"{row['n_customers']:,}", f"{row['support']:.4f}"]
        ratios = [f"{row['confidence']:.2f}", f"{row['lift']:.1f}"]
        view.add_row(str(row["antecedent"]), str(row["consequent"]), *counts, *ratios)
    out.print(view)
    if found.n_baskets_skipped:
        err.print(f"{found.n_baskets_skipped:,} baskets over the size cap were set aside")
    if found.rules.empty:
        lower = "--min-count, --min-customers or --min-confidence"
        err.print(f"no rules pass the thresholds: try a lower {lower}")


def show_customer(customer_id: str, frame: pd.DataFrame, format_: OutputFormat) -> None:
    """One customer's list: rank, product, method, reason."""
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(records(frame)))  # as_of as a date, as the API gives it
        return
    if format_ == OutputFormat.csv:
        typer.echo(csv_safety.to_csv(frame), nl=False)
        return
    view = Table("rank", "product", "name", "method", "why")
    view.title = f"recommendations for {customer_id} as of {frame['as_of'].iloc[0]:%Y-%m-%d}"
    for row in frame.to_dict("records"):
        view.add_row(
            str(row["rank"]),
            str(row["product_id"]),
            "—" if pd.isna(row["product_name"]) else str(row["product_name"]),
            str(row["method"]),
            str(row["reason"]),
        )
    out.print(view)


def show_export(exported: ExportedLists, out_file: Path) -> None:
    """What an export wrote, and how many customers consent and suppression left out."""
    err.print(
        f"wrote {len(exported.rows):,} rows for {exported.n_customers:,} customers "
        f"({exported.dates}) to {out_file}; left out {exported.n_suppressed:,} suppressed, "
        f"{exported.n_without_consent:,} without consent to {exported.channel}",
        highlight=False,
    )
