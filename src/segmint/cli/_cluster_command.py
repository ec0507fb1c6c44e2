"""``segmint segment cluster``: cluster analysis, registered in the ``segment`` group
(:mod:`segmint.cli.segment_commands`).

Apart from the other segmentations because it is the one that needs scikit-learn and Plotly:
they load when it runs, not when its help or another segment command is shown.
"""

from __future__ import annotations

import json

import typer

from segmint.cli import _segment_options as o
from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, steps, user_errors

HUMAN = OutputFormat.human


@user_errors
def cluster(
    name: o.NameArgument,
    features: o.Features = None,
    algorithm: o.AlgorithmOption = "auto",
    k: o.K = "auto",
    k_min: o.KMin = 3,
    k_max: o.KMax = 10,
    tails: o.TailsOption = "log",
    pca: o.Pca = None,
    min_share: o.MinShare = 0.02,
    merge_small: o.MergeSmall = False,
    bootstrap: o.Bootstrap = 20,
    seed: o.Seed = 0,
    plots: o.Plots = None,
    assign: o.Assign = False,
    mart: MartOption = None,
    as_of: o.ClusterAsOf = None,
    format_: FormatOption = HUMAN,
) -> None:
    """Cluster analysis: prepare features, choose k, validate, explain as rules, store."""
    # the engine, scikit-learn and Plotly load here, when the command runs
    from segmint.cli._cluster_output import run_document, show_cluster_run
    from segmint.cli._segment_output import show_run
    from segmint.mart import connect
    from segmint.views.plots.clusters import write_selection_plots
    from segmint.workflows import clusters
    from segmint.workflows.segment import SegmentationRun

    options = o.cluster_options(
        features, algorithm, k, (k_min, k_max), tails, pca, min_share, merge_small, bootstrap, seed
    )
    with connect(mart) as m, steps(f"cluster {name}") as step:
        if assign:
            done = clusters.assign_clusters(m, name, as_of)
            show_run(SegmentationRun(done.name, done.version, done.as_of, done.sizes), format_)
            return
        run = clusters.run_clusters(m, name, as_of, options, on_step=step)
    for path in write_selection_plots(run.selection.table, run.selection.k, plots) if plots else []:
        err.print(f"wrote {path}")
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(run_document(run), default=str))
        return
    show_run(SegmentationRun(run.name, run.version, run.as_of, run.sizes, run.details), format_)
    if format_ == HUMAN:
        show_cluster_run(run)
