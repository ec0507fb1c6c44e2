"""The ``segment`` group: rfm, lifecycle, rules, value and cluster, each stored as it runs.

Every command is an adapter: it parses its options (:mod:`segmint.cli._segment_options`),
calls one use case of :mod:`segmint.workflows`, prints (:mod:`segmint.cli._segment_output`).
"""

from __future__ import annotations

import json

import typer

from segmint.cli import _segment_options as o
from segmint.cli._options import AsOfOption, FormatOption, MartOption, NameOption, OutputFormat
from segmint.cli._output import err, steps, user_errors
from segmint.cli._segment_output import show_run, show_value
from segmint.cli._warnings import iterations_flag
from segmint.mart import connect
from segmint.workflows import segment, value
from segmint.workflows.segment import SegmentationRun

segment_app = typer.Typer(
    help="Segment customers (RFM, lifecycle, rules, value, clusters) and store the result.",
    no_args_is_help=True,
)
HUMAN = OutputFormat.human


@segment_app.command("rfm")
@user_errors
def rfm(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    bins: o.Bins = 5,
    map_file: o.MapOption = None,
    name: NameOption = None,
    format_: FormatOption = HUMAN,
) -> None:
    """RFM scores by quantile and the 11 named RFM segments."""
    with connect(mart) as m, steps("RFM") as step:
        step("features")
        run = segment.run_rfm(m, as_of, bins=bins, map_path=map_file, name=name or "rfm", step=step)
    show_run(run, format_)


@segment_app.command("lifecycle")
@user_errors
def lifecycle(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    new_days: o.NewDays = None,
    loyal_orders: o.LoyalOrders = None,
    active_after: o.ActiveAfter = None,
    lapsed_after: o.LapsedAfter = None,
    churned_after: o.ChurnedAfter = None,
    name: NameOption = None,
    format_: FormatOption = HUMAN,
) -> None:
    """Lifecycle stages: prospect, new, reactivated, loyal, active, at risk, lapsed, churned."""
    with connect(mart) as m, steps("lifecycle") as step:
        step("features")
        run = segment.run_lifecycle(
            m,
            as_of,
            name=name or "lifecycle",
            new_days=new_days,
            loyal_orders=loyal_orders,
            active_after=active_after,
            lapsed_after=lapsed_after,
            churned_after=churned_after,
            step=step,
        )
    show_run(run, format_)


@segment_app.command("rules")
@user_errors
def rules(
    name: o.NameArgument,
    file: o.RulesFile,
    mart: MartOption = None,
    as_of: AsOfOption = None,
    format_: FormatOption = HUMAN,
) -> None:
    """Segments from readable conditions over features, attributes and other segmentations."""
    with connect(mart) as m, steps(f"rules {name}") as step:
        step("features")
        run = segment.run_rules(m, name, file, as_of, step=step)
    show_run(run, format_)


@segment_app.command("value")
@user_errors
@iterations_flag("--max-iter")
def value_command(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    model: o.ScoreModel = None,
    cuts: o.Cuts = o.DEFAULT_CUTS_TEXT,
    risk_cuts: o.RiskCuts = o.DEFAULT_RISK_CUTS_TEXT,
    name: NameOption = None,
    max_iter: o.MaxIter = 1000,
    format_: FormatOption = HUMAN,
) -> None:
    """Value tiers by predicted CLV (top 1%, next 4%, 15%, 30%, rest) and the value x risk grid."""
    settings = o.value_settings(model, cuts, risk_cuts, name, max_iter)
    with connect(mart) as m:
        run = value.run_value(m, as_of, **settings)
    show_value(run, format_)


@segment_app.command("cluster")
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
    # scikit-learn and Plotly load here, not when another segment command starts
    from segmint.cli._cluster_output import run_document, show_cluster_run
    from segmint.views.plots.clusters import write_selection_plots
    from segmint.workflows import clusters

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


def register(app: typer.Typer) -> None:
    """Add the ``segment`` group to ``app``."""
    app.add_typer(segment_app, name="segment")
