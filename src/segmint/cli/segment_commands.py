"""The ``segment`` group: rfm, lifecycle, rules, value and cluster, each stored as it runs.

Every command is an adapter: it parses its options (:mod:`segmint.cli._segment_options`),
calls one use case of :mod:`segmint.workflows` and prints the result
(:mod:`segmint.cli._segment_output`). ``segment cluster`` lives in
:mod:`segmint.cli._cluster_command`. The use cases and the engine load when a command runs,
not when its help is shown.
"""

from __future__ import annotations

import typer

from segmint.cli import _segment_options as o
from segmint.cli._cluster_command import cluster
from segmint.cli._clv_options import MaxIterOption
from segmint.cli._options import AsOfOption, FormatOption, MartOption, NameOption, OutputFormat
from segmint.cli._output import steps, user_errors
from segmint.cli._warnings import iterations_flag
from segmint.scoring.option_defaults import MAX_ITER

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
    from segmint.cli._segment_output import show_run
    from segmint.mart import connect
    from segmint.workflows import segment

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
    """Lifecycle stages: prospect, cancelled only, new, reactivated, loyal, active, at risk,
    lapsed, churned."""
    from segmint.cli._segment_output import show_run
    from segmint.mart import connect
    from segmint.workflows import segment

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
    from segmint.cli._segment_output import show_run
    from segmint.mart import connect
    from segmint.workflows import segment

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
    max_iter: MaxIterOption = MAX_ITER,
    format_: FormatOption = HUMAN,
) -> None:
    """Value tiers by predicted CLV (top 1%, next 4%, 15%, 30%, rest) and the value x risk grid."""
    from segmint.cli._segment_output import show_value
    from segmint.mart import connect
    from segmint.workflows import value

    settings = o.value_settings(model, cuts, risk_cuts, name, max_iter)
    with connect(mart) as m:
        run = value.run_value(m, as_of, **settings)
    show_value(run, format_)


def register(app: typer.Typer) -> None:
    """Add the ``segment`` group to ``app``."""
    segment_app.command("cluster")(cluster)
    app.add_typer(segment_app, name="segment")
