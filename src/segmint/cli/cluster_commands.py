"""``segmint segment cluster NAME`` (fit, choose k, validate, explain, store) and ``segmint persona``.

Both are adapters: :func:`segmint.segmentation.clusters.run_clusters` and
:func:`segmint.insight.personas.personas` do the work, so the API and the report give the
same numbers. Tables go to stdout, progress to stderr; ``--format json`` prints one JSON
document.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, cast

import pandas as pd
import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, steps, user_errors
from segmint.cli.segment_commands import segment_app, show_run
from segmint.exceptions import SegmintError
from segmint.insight.personas import PersonaCard, personas
from segmint.mart import connect
from segmint.models.clustering.algorithms import Algorithm
from segmint.models.clustering.preparation import Tails
from segmint.segmentation.clusters import ClusterRun, assign_clusters, run_clusters
from segmint.views.plots.clusters import write_selection_plots
from segmint.workflows import SegmentationRun

TOP_DIFFERENCES = 3


@segment_app.command("cluster")
@user_errors
def cluster(
    name: Annotated[str, typer.Argument(help="Name to store the segmentation under.")],
    features: Annotated[
        str | None,
        typer.Option(
            "--features", help="Comma-separated feature columns. Default: behaviour+value."
        ),
    ] = None,
    algorithm: Annotated[str, typer.Option("--algorithm", help="kmeans, gmm or ward.")] = "kmeans",
    k: Annotated[str, typer.Option("--k", help="Number of clusters, or auto.")] = "auto",
    k_min: Annotated[int, typer.Option("--k-min", help="Smallest k tried by --k auto.")] = 3,
    k_max: Annotated[int, typer.Option("--k-max", help="Largest k tried by --k auto.")] = 10,
    tails: Annotated[str, typer.Option("--tails", help="Heavy tails: log, rank or none.")] = "log",
    pca: Annotated[
        float | None, typer.Option("--pca", help="PCA: components (≥ 1) or variance share (< 1).")
    ] = None,
    min_share: Annotated[
        float, typer.Option("--min-share", help="Segments below this share are too small.")
    ] = 0.02,
    merge_small: Annotated[
        bool, typer.Option("--merge-small", help="Merge too-small segments into the nearest.")
    ] = False,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="Stability refits (0: skip).")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    plots: Annotated[
        Path | None,
        typer.Option("--plots", help="Write k_selection.csv, elbow.svg, silhouette.svg here."),
    ] = None,
    assign: Annotated[
        bool, typer.Option("--assign", help="Apply the stored model to --as-of without refitting.")
    ] = False,
    mart: MartOption = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Compute as of this day (YYYY-MM-DD).")
    ] = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Cluster analysis: prepare features, choose k, validate, explain as rules, store."""
    with connect(mart) as m, steps(f"cluster {name}") as step:
        if assign:
            done = assign_clusters(m, name, as_of)
            show_run(SegmentationRun(done.name, done.version, done.as_of, done.sizes), format_)
            return
        run = run_clusters(
            m,
            name,
            as_of,
            features=_names(features),
            algorithm=cast(Algorithm, _choice(algorithm, ("kmeans", "gmm", "ward"), "--algorithm")),
            k="auto" if k == "auto" else _int(k),
            k_range=(k_min, k_max),
            tails=cast(Tails, _choice(tails, ("log", "rank", "none"), "--tails")),
            n_components=None if pca is None else (int(pca) if pca >= 1 else pca),
            min_share=min_share,
            small="merge" if merge_small else "flag",
            n_bootstrap=bootstrap,
            random_state=seed,
            on_step=step,
        )
    if plots is not None:
        for path in write_selection_plots(run.selection.table, run.selection.k, plots):
            err.print(f"wrote {path}")
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(run_document(run), default=str))
        return
    show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes, run.details), format_)
    if format_ == OutputFormat.human:
        show_cluster_run(run)


def show_cluster_run(run: ClusterRun) -> None:
    """Print the choice of k, stability, rules and distinguishing features of a run."""
    table = Table(
        "k",
        "silhouette",
        "Calinski–Harabasz",
        "Davies–Bouldin",
        "BIC",
        "mean rank",
        title="choice of k",
    )
    for r in run.selection.table.to_dict("records"):
        mark = " ←" if r["k"] == run.selection.k else ""
        bic = "" if pd.isna(r["bic"]) else f"{r['bic']:,.0f}"
        table.add_row(
            f"{r['k']}{mark}",
            f"{r['silhouette']:.3f}",
            f"{r['calinski_harabasz']:,.0f}",
            f"{r['davies_bouldin']:.3f}",
            bic,
            f"{r['mean_rank']:.2f}",
        )
    out.print(table)
    out.print(run.selection.reason, highlight=False)
    if run.stability is not None:
        s = run.stability
        out.print(
            f"stability: adjusted Rand index {s.ari_mean:.2f} ± {s.ari_std:.2f} over {len(s.aris)} bootstrap refits",
            highlight=False,
        )
    rules = Table(
        "segment",
        "rule",
        "precision",
        "recall",
        "jaccard",
        "top differences",
        title=f"why (surrogate tree, fidelity {run.explanation.fidelity:.0%})",
    )
    for r in run.explanation.rules.to_dict("records"):
        top = run.differences[run.differences.segment == r["segment"]].head(TOP_DIFFERENCES)
        diffs = ", ".join(f"{f} {d:+.1f} sd" for f, d in zip(top.feature, top.smd, strict=True))
        jaccard = ""
        if run.stability is not None:
            rows = run.stability.segments[run.stability.segments.segment == r["segment"]]
            jaccard = f"{rows.jaccard.mean():.2f} {rows.verdict.iloc[0]}" if len(rows) else ""
        rules.add_row(
            str(r["segment"]),
            str(r["rule"]),
            f"{r['precision']:.0%}",
            f"{r['recall']:.0%}",
            jaccard,
            diffs,
        )
    out.print(rules)
    for r in run.small.to_dict("records"):
        err.print(
            f"small segment: {r['segment']} has {r['members']:,} members ({r['share']:.1%}): {r['action']}",
            highlight=False,
        )
    if run.dropped:
        err.print(f"left out (same value for everyone): {', '.join(run.dropped)}", highlight=False)
    err.print(f"next: `segmint persona {run.name}`, `segmint profile {run.name}`")


def run_document(run: ClusterRun) -> dict[str, Any]:
    """A cluster run as JSON-ready data."""
    return {
        "name": run.name,
        "version": run.version,
        "as_of": run.as_of.isoformat(),
        "model_id": run.model_id,
        "features": run.features,
        "dropped": run.dropped,
        "sizes": {str(k): int(v) for k, v in run.sizes.items()},
        "k": run.selection.k,
        "reason": run.selection.reason,
        "selection": run.selection.table.to_dict("records"),
        "stability": None
        if run.stability is None
        else {
            "ari_mean": run.stability.ari_mean,
            "ari_std": run.stability.ari_std,
            "segments": run.stability.segments.to_dict("records"),
        },
        "rules": run.explanation.rules.to_dict("records"),
        "fidelity": run.explanation.fidelity,
        "small": run.small.to_dict("records"),
    }


@user_errors
def persona(
    segmentation: Annotated[str, typer.Argument(help="Name of a stored segmentation.")],
    mart: MartOption = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Date of stored results.")] = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Persona cards for every segment: name, key numbers, mix and suggested actions."""
    with connect(mart, create=False) as m, steps(f"personas of {segmentation}"):
        cards = personas(m, segmentation, as_of)
    if format_ != OutputFormat.human:
        typer.echo(json.dumps([asdict(c) for c in cards], default=str))
        return
    for card in cards:
        show_card(card)


def show_card(card: PersonaCard) -> None:
    """Print one persona card."""
    flag = "  [yellow](too small to act on)[/]" if card.too_small else ""
    out.print(f"\n[bold]{card.name}[/]  — segment {card.segment}{flag}", highlight=False)
    numbers = [
        f"{card.members:,} members ({card.share:.1%})",
        f"{card.revenue_per_member:,.0f} revenue per member/year",
    ]
    if card.orders > 0:
        numbers.append(f"{card.orders:.1f} orders")
        for value, text in (
            (card.average_order_value, "AOV {:,.0f}"),
            (card.days_between_orders, "every {:.0f} days"),
            (card.days_since_last_order, "last order {:.0f} days ago"),
        ):
            if value == value:  # NaN when no member has the underlying history
                numbers.append(text.format(value))
    else:
        numbers.append("no orders yet")
    numbers.append(f"value {card.value}, risk {card.risk}")
    out.print("  " + " · ".join(numbers), highlight=False)
    if card.categories:
        out.print(
            "  buys: " + ", ".join(f"{c} {s:.0%}" for c, s in card.categories), highlight=False
        )
    if card.channels:
        out.print("  via: " + ", ".join(f"{c} {s:.0%}" for c, s in card.channels), highlight=False)
    if card.demographics:
        out.print("  typically: " + ", ".join(card.demographics.values()), highlight=False)
    for action in card.actions:
        out.print(f"  → {action.play}: {action.what} ({action.why})", highlight=False)


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [t.strip() for t in text.split(",") if t.strip()]


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SegmintError(f"--k must be a whole number or auto; got {text!r}") from None


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise SegmintError(f"{option} must be one of {', '.join(allowed)}; got {value!r}")
    return value


def register(app: typer.Typer) -> None:
    """Add ``persona`` to ``app`` (``segment cluster`` joins the ``segment`` group on import)."""
    app.command()(persona)
