"""``segmint campaign results|list``: measure a campaign, list them all.

Adapters over :mod:`segmint.workflows.campaigns`. ``results --format json`` prints the JSON
of :meth:`segmint.scoring.campaigns.CampaignResults.as_dict` with the shop's ``currency``,
the same numbers the tracking page shows: ``campaign_id``, the response ``window``, the
``groups`` and the planned ``holdout_share`` with the sample-ratio check (``srm_p``,
``srm_mismatch``), ``lift`` per metric (``abs``, ``rel``, ``ci95``, ``cuped_ci95``…), the
``segments`` of ``segment_by``, ``economics``, ``compliance``, ``notes`` and the
``bootstrap``'s ``n_resamples`` and ``random_state``.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer

from segmint.cli._campaign_options import day
from segmint.cli._campaign_output import Format, FormatOpt, print_list
from segmint.cli._options import MartOption
from segmint.cli._output import steps, user_errors
from segmint.cli.preload import preload
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS, MIN_SEGMENT_SIZE

Opt = typer.Option
StartOpt = Annotated[
    str | None,
    Opt("--start", help="First day of the response window, YYYY-MM-DD (default: the campaign's)."),
]
HoldoutShareOpt = Annotated[
    float | None,
    Opt(
        "--holdout-share",
        help="Control share planned, for the sample-ratio check (default: the campaign's).",
    ),
]

SeedOpt = Annotated[
    int,
    Opt("--seed", help="Seed of the bootstrap intervals: the same seed gives the same result."),
]


@user_errors
def results(
    name: Annotated[str, typer.Argument(help="The campaign to measure.")],
    window_days: Annotated[
        int, Opt("--window-days", help="Days from the start in which responses count.")
    ] = DEFAULT_WINDOW_DAYS,
    pre_days: Annotated[
        int | None,
        Opt(
            "--pre-days",
            help="Pre-period for CUPED, in days before the start (default: the window).",
        ),
    ] = None,
    segmentation: Annotated[
        str | None, Opt("--segmentation", help="Lift per segment of this stored segmentation.")
    ] = None,
    attribute: Annotated[
        str | None, Opt("--attribute", help="Lift per value of this customer attribute.")
    ] = None,
    min_segment_size: Annotated[
        int, Opt("--min-segment-size", min=2, help="Members each group needs in a segment.")
    ] = MIN_SEGMENT_SIZE,
    cost_per_contact: Annotated[
        float | None,
        Opt(
            "--cost-per-contact",
            min=0.0,
            help="Cost of one contact, for ROI (default: the campaign's own, else 0).",
        ),
    ] = None,
    start: StartOpt = None,
    holdout_share: HoldoutShareOpt = None,
    random_state: SeedOpt = 0,
    mart: MartOption = None,
    format_: FormatOpt = Format.human,
) -> None:
    """Lift with Welch, bootstrap and CUPED intervals, SRM, segments and ROI (intention to treat)."""
    from segmint.cli._campaign_results_output import print_results
    from segmint.mart import connect
    from segmint.mart.shop_settings import shop_currency
    from segmint.workflows import campaigns

    options = campaigns.ResultsOptions(
        window_days=window_days,
        pre_days=pre_days,
        segmentation=segmentation,
        attribute=attribute,
        min_segment_size=min_segment_size,
        cost_per_contact=cost_per_contact,
        start=day(start, "--start"),
        holdout_share=holdout_share,
        random_state=random_state,
    )
    preload("scipy.special")  # Student's t of the Welch intervals
    with connect(mart, read_only=True) as m, steps(f"measuring {name}"):
        measured = campaigns.results(m, name, options)
        currency = shop_currency(m)
    if format_ == Format.json:
        typer.echo(json.dumps({**measured.as_dict(), "currency": currency}))
    else:
        print_results(measured, currency)


@user_errors
def list_command(mart: MartOption = None, format_: FormatOpt = Format.human) -> None:
    """Every campaign with its channel, dates, planned holdout and group sizes."""
    from segmint.mart import connect
    from segmint.workflows import campaigns

    with connect(mart, read_only=True) as m:
        listed = campaigns.campaigns(m)
    if format_ == Format.json:
        from segmint.insight.sales_periods import records  # the insight layer only here

        typer.echo(json.dumps({"data": records(listed), "count": len(listed)}))
    else:
        print_list(listed)


def register(group: typer.Typer) -> None:
    """Add ``results`` and ``list`` to the ``campaign`` group."""
    group.command("results")(results)
    group.command("list")(list_command)
