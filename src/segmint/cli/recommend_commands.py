"""The ``recommend`` group: fit and store, evaluate, rules, show one customer, export.

Adapters over :mod:`segmint.workflows.recommend`; the tables are printed by
:mod:`segmint.cli._recommend_output`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli import _recommend_options as o
from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import stepped_progress, steps, user_errors

recommend_app = typer.Typer(
    help="Per-customer recommendations: fit and store, evaluate on a time split, rules, export.",
    no_args_is_help=True,
)


@recommend_app.command("fit")
@user_errors
def fit(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    method: o.MethodOption = "auto",
    k: o.KOption = 10,
    segmentation: o.SegmentationOption = None,
    exclude_product: o.ExcludeOption = None,
) -> None:
    """Fit a method (or the blend) and store every customer's top k with reasons."""
    from segmint.cli import _recommend_output as show
    from segmint.mart import connect
    from segmint.workflows import recommend

    options = recommend.RecommendFitOptions(
        k=k,
        exclude_products=tuple(exclude_product or ()),
        segmentation=segmentation,
        method=method,
    )
    with connect(mart) as m, stepped_progress("recommend fit") as (step, bar):
        run = recommend.fit(m, as_of, options, on_step=step, on_progress=bar)
    show.show_fit(run)


@recommend_app.command("evaluate")
@user_errors
def evaluate(
    split_date: o.SplitDateOption,
    mart: MartOption = None,
    k: o.KOption = 10,
    end: o.EndOption = None,
    segmentation: o.SegmentationOption = None,
    exclude_product: o.ExcludeOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Train every method up to the split date and measure it on what customers bought after."""
    from segmint.cli import _recommend_output as show
    from segmint.mart import connect
    from segmint.workflows import recommend

    options = recommend.RecommendOptions(
        k=k, exclude_products=tuple(exclude_product or ()), segmentation=segmentation
    )
    with connect(mart, read_only=True) as m, steps("recommend evaluate") as step:
        result = recommend.evaluate(m, split_date, options, end=end, on_step=step)
    show.show_evaluation(result, format_)


@recommend_app.command("rules")
@user_errors
def rules(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    min_support: o.MinSupportOption = 0.0,
    min_count: o.MinCountOption = 10,
    min_customers: o.MinCustomersOption = 5,
    min_confidence: o.MinConfidenceOption = 0.1,
    min_lift: o.MinLiftOption = 1.0,
    max_len: o.MaxLenOption = 3,
    exclude_product: o.ExcludeOption = None,
    limit: o.LimitOption = 30,
    out_file: o.RulesOutOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List "X and Y → Z" rules with product names, strongest lift first."""
    from segmint.cli import _recommend_output as show
    from segmint.mart import connect
    from segmint.scoring.recommend.rule_list import RuleQuery
    from segmint.workflows import recommend

    query = RuleQuery(
        min_support=min_support,
        min_count=min_count,
        min_customers=min_customers,
        min_confidence=min_confidence,
        min_lift=min_lift,
        max_len=max_len,
        exclude_products=tuple(exclude_product or ()),
    )
    with connect(mart, read_only=True) as m, steps("recommend rules"):
        found = recommend.rules(m, as_of, query)
    if out_file is not None:
        show.write_rules(found, out_file)
    show.show_rules(found, limit, format_)


@recommend_app.command("show")
@user_errors
def show_customer(
    customer_id: Annotated[str, typer.Argument(help="The customer's id.")],
    mart: MartOption = None,
    as_of: o.ListsAsOfOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """One customer's stored recommendations with the reason for each."""
    from segmint.cli import _recommend_output as show
    from segmint.mart import connect
    from segmint.workflows import recommend

    with connect(mart, read_only=True) as m:
        frame = recommend.show(m, customer_id, as_of)
    show.show_customer(customer_id, frame, format_)


@recommend_app.command("export")
@user_errors
def export(
    out_file: Annotated[Path, typer.Option("--out", help="The .csv or .parquet file to write.")],
    mart: MartOption = None,
    segmentation: o.ExportSegmentationOption = None,
    segment: o.SegmentOption = None,
    channel: o.ChannelOption = "email",
    as_of: o.ListsAsOfOption = None,
) -> None:
    """Write customer_id, rank, product_id, product_name, reason of consenting customers."""
    from segmint.cli import _recommend_output as show
    from segmint.mart import connect
    from segmint.workflows import recommend

    options = recommend.RecommendExportOptions(
        channel=channel, segmentation=segmentation, segment=segment, as_of=as_of
    )
    with connect(mart) as m:  # writable: the file is registered as an export
        exported = recommend.export(m, out_file, options)
    show.show_export(exported, out_file)


def register(app: typer.Typer) -> None:
    """Add the ``recommend`` group to ``app``."""
    app.add_typer(recommend_app, name="recommend")
