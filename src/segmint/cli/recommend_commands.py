"""The ``recommend`` group: fit and store, evaluate, rules, show one customer, export.

Adapters over :mod:`segmint.workflows.recommend`; the tables are printed by
:mod:`segmint.cli._recommend_output`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.cli import _recommend_output as show
from segmint.cli._options import AsOfOption, FormatOption, MartOption, OutputFormat
from segmint.cli._output import stepped_progress, steps, user_errors
from segmint.cli._recommend_options import (
    METHOD_HELP,
    ExcludeOption,
    KOption,
    SegmentationOption,
)
from segmint.mart import connect
from segmint.scoring.recommend.rule_list import RuleQuery
from segmint.workflows import recommend

recommend_app = typer.Typer(
    help="Per-customer recommendations: fit and store, evaluate on a time split, rules, export.",
    no_args_is_help=True,
)
Opt = typer.Option


@recommend_app.command("fit")
@user_errors
def fit(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    method: Annotated[str, Opt("--method", help=METHOD_HELP)] = "auto",
    k: KOption = 10,
    segmentation: SegmentationOption = None,
    exclude_product: ExcludeOption = None,
) -> None:
    """Fit a method (or the blend) and store every customer's top k with reasons."""
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
    split_date: Annotated[
        str, Opt("--split-date", help="Last day of training data; the test is what came after.")
    ],
    mart: MartOption = None,
    k: KOption = 10,
    end: Annotated[
        str | None, Opt("--end", help="Last day of the test window. Default: the last order.")
    ] = None,
    segmentation: SegmentationOption = None,
    exclude_product: ExcludeOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Train every method up to the split date and measure it on what customers bought after."""
    options = recommend.RecommendOptions(
        k=k, exclude_products=tuple(exclude_product or ()), segmentation=segmentation
    )
    with connect(mart, read_only=True) as m, steps("recommend evaluate"):
        result = recommend.evaluate(m, split_date, options, end=end)
    show.show_evaluation(result, format_)


@recommend_app.command("rules")
@user_errors
def rules(
    mart: MartOption = None,
    as_of: AsOfOption = None,
    min_support: Annotated[
        float, Opt("--min-support", min=0, max=1, help="Least share of baskets holding a rule.")
    ] = 0.0,
    min_count: Annotated[int, Opt("--min-count", min=1, help="Fewest baskets of a rule.")] = 10,
    min_confidence: Annotated[float, Opt("--min-confidence", min=0, max=1)] = 0.1,
    min_lift: Annotated[float, Opt("--min-lift", min=0, help="Least lift.")] = 1.0,
    max_len: Annotated[
        int, Opt("--max-len", min=2, max=3, help="Items per rule: 2 (X → Z) or 3 (X and Y → Z).")
    ] = 3,
    exclude_product: ExcludeOption = None,
    limit: Annotated[int, Opt("--limit", min=1, help="Rules printed (all go to --out).")] = 30,
    out_file: Annotated[
        Path | None, Opt("--out", help="Write every rule to this .csv or .parquet file.")
    ] = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List "X and Y → Z" rules with product names, strongest lift first."""
    query = RuleQuery(
        min_support=min_support,
        min_count=min_count,
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
    as_of: AsOfOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """One customer's stored recommendations with the reason for each."""
    with connect(mart, read_only=True) as m:
        frame = recommend.show(m, customer_id, as_of)
    show.show_customer(customer_id, frame, format_)


@recommend_app.command("export")
@user_errors
def export(
    out_file: Annotated[Path, Opt("--out", help="The .csv or .parquet file to write.")],
    mart: MartOption = None,
    segmentation: Annotated[
        str | None, Opt("--segmentation", help="With --segment: only that segment's members.")
    ] = None,
    segment: Annotated[str | None, Opt("--segment", help="A segment of --segmentation.")] = None,
    channel: Annotated[
        str, Opt("--channel", help="Contact channel; only customers who consented to it.")
    ] = "email",
    as_of: AsOfOption = None,
) -> None:
    """Write customer_id, rank, product_id, product_name, reason of consenting customers."""
    options = recommend.RecommendExportOptions(
        channel=channel, segmentation=segmentation, segment=segment, as_of=as_of
    )
    with connect(mart) as m:  # writable: the file is registered as an export
        exported = recommend.export(m, out_file, options)
    show.show_export(exported, out_file)


def register(app: typer.Typer) -> None:
    """Add the ``recommend`` group to ``app``."""
    app.add_typer(recommend_app, name="recommend")
