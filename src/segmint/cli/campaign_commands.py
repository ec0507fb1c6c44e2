"""``segmint campaign create|power|export``: design a campaign, size it, send it.

Adapters over :mod:`segmint.workflows.campaigns`; ``results`` and ``list`` are in
:mod:`segmint.cli.campaign_results_commands`. Data go to stdout (``--format json`` for
scripts), notes and warnings to stderr.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from segmint.cli import campaign_results_commands
from segmint.cli._campaign_options import SELECT_HELP, day, selection
from segmint.cli._campaign_output import (
    Format,
    FormatOpt,
    print_created,
    print_manifest,
    print_power,
)
from segmint.cli._options import MartOption
from segmint.cli._output import steps, user_errors
from segmint.cli.preload import preload

Opt = typer.Option
campaign_app = typer.Typer(
    help="Campaigns with control groups: create, power, export, results, list.",
    no_args_is_help=True,
)


@user_errors
def create(
    name: Annotated[str, typer.Argument(help="Name (and id) of the new campaign.")],
    segmentation: Annotated[str, Opt("--segmentation", help="Stored segmentation to target.")],
    segment: Annotated[list[str], Opt("--segment", help="A segment to target (repeat).")],
    channel: Annotated[str, Opt("--channel", help="Contact channel, e.g. email, sms.")],
    holdout_share: Annotated[
        float, Opt("--holdout-share", help="Share of each stratum held out as control.")
    ] = 0.1,
    stratify_by: Annotated[
        str | None, Opt("--stratify-by", help="Segmentation whose segments are the strata.")
    ] = None,
    seed: Annotated[int | None, Opt("--seed", help="Seed of the split.")] = None,
    start: Annotated[str | None, Opt("--start", help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, Opt("--end", help="Last day, YYYY-MM-DD.")] = None,
    cost_per_contact: Annotated[
        float | None,
        Opt("--cost-per-contact", help="Cost of one contact, for ROI (default: unknown; 0: free)."),
    ] = None,
    as_of: Annotated[str | None, Opt("--as-of", help="Date of the stored segments.")] = None,
    select: Annotated[str | None, Opt("--select", help=SELECT_HELP)] = None,
    from_campaign: Annotated[
        str | None, Opt("--from-campaign", help="Measured campaign the uplift is learnt from.")
    ] = None,
    mart: MartOption = None,
    format_: FormatOpt = Format.human,
) -> None:
    """Choose the audience (consent and suppression first), split it, write it once."""
    from segmint.mart import connect
    from segmint.workflows import campaigns

    share, source = selection(select, from_campaign)
    options = campaigns.CreateOptions(
        segmentation=segmentation,
        segments=tuple(segment),
        channel=channel,
        holdout_share=holdout_share,
        stratify_by=stratify_by,
        random_state=seed,
        start=day(start, "--start"),
        end=day(end, "--end"),
        cost_per_contact=cost_per_contact,
        as_of=day(as_of, "--as-of"),
        select_share=share,
        select_from=source,
    )
    preload("pandas")  # Ibis loads it for the small in-memory tables of the split
    with connect(mart) as m, steps(f"creating campaign {name}"):
        created = campaigns.create(m, name, options)
    if format_ == Format.json:
        typer.echo(json.dumps(created.as_dict()))
    else:
        print_created(created)


@user_errors
def power(
    baseline_rate: Annotated[
        float, Opt("--baseline-rate", help="Response rate without the campaign, e.g. 0.02.")
    ],
    lift: Annotated[
        float | None, Opt("--lift", help="Relative lift to detect, e.g. 0.10 for +10%.")
    ] = None,
    holdout_share: Annotated[
        float, Opt("--holdout-share", help="Share of the audience held out as control.")
    ] = 0.1,
    audience: Annotated[
        int | None, Opt("--audience", min=2, help="Audience size: its split and MDE.")
    ] = None,
    cuped_correlation: Annotated[
        float, Opt("--cuped-correlation", help="Pre-period correlation CUPED would use.")
    ] = 0.0,
    format_: FormatOpt = Format.human,
) -> None:
    """Members needed to detect a lift, or the smallest lift an audience can detect."""
    from segmint.workflows import campaigns

    options = campaigns.PowerOptions(
        baseline_rate, lift, holdout_share, audience, cuped_correlation=cuped_correlation
    )
    result = campaigns.power(options)
    if format_ == Format.json:
        typer.echo(json.dumps(result.as_dict()))
    else:
        print_power(result)


@user_errors
def export(
    name: Annotated[str, typer.Argument(help="The campaign to send.")],
    out: Annotated[Path, Opt("--out", help="File to write: .csv or .parquet.")],
    mart: MartOption = None,
    format_: FormatOpt = Format.human,
) -> None:
    """Write the target group that may be contacted now, with a manifest beside it."""
    from segmint.mart import connect
    from segmint.workflows import campaigns

    with connect(mart) as m:  # writable: the file is registered as an export
        manifest = campaigns.export(m, name, out)
    if format_ == Format.json:
        typer.echo(json.dumps(manifest.content))
    else:
        print_manifest(manifest)


def register(app: typer.Typer) -> None:
    """Add the ``campaign`` command group to ``app``."""
    campaign_app.command("create")(create)
    campaign_app.command("power")(power)
    campaign_app.command("export")(export)
    campaign_results_commands.register(campaign_app)
    app.add_typer(campaign_app, name="campaign")
