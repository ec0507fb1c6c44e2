"""Printing a cluster run: the choice of k, sizes, what sets each cluster apart, its rules.

Tables go to stdout with Rich and advice to stderr; :func:`run_document` is the whole run as
one JSON document for ``--format json``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich.table import Table

from segmint.cli._output import err, out
from segmint.workflows.clusters import ClusterRun

TOP_DIFFERENCES = 3
"""Distinguishing features shown per cluster."""


def show_cluster_run(run: ClusterRun) -> None:
    """Print the choice of k, stability, rules and distinguishing features of a run."""
    _show_selection(run)
    if run.stability is not None:
        s = run.stability
        out.print(
            f"stability: adjusted Rand index {s.ari_mean:.2f} ± {s.ari_std:.2f} over {len(s.aris)} bootstrap refits",
            highlight=False,
        )
    _show_rules(run)
    for r in run.small.to_dict("records"):
        err.print(
            f"small segment: {r['segment']} has {r['members']:,} members ({r['share']:.1%}): {r['action']}",
            highlight=False,
        )
    if run.dropped:
        err.print(f"left out (same value for everyone): {', '.join(run.dropped)}", highlight=False)
    err.print(f"next: `segmint persona {run.name}`, `segmint profile {run.name}`")


def _show_selection(run: ClusterRun) -> None:
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
        rank = "empty cluster" if pd.isna(r["mean_rank"]) else f"{r['mean_rank']:.2f}"
        table.add_row(
            f"{r['k']}{mark}",
            f"{r['silhouette']:.3f}",
            f"{r['calinski_harabasz']:,.0f}",
            f"{r['davies_bouldin']:.3f}",
            bic,
            rank,
        )
    out.print(table)
    out.print(run.selection.reason, highlight=False)


def _show_rules(run: ClusterRun) -> None:
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
        "note": run.selection.note,
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
