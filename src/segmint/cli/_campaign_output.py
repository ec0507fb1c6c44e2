"""How ``segmint campaign …`` prints for people: groups per stratum, power, lifts, ROI."""

from __future__ import annotations

import math
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from segmint.cli._output import err, out

if TYPE_CHECKING:
    import pandas as pd

    from segmint.models.experiments import PowerResult
    from segmint.scoring.campaigns import CreatedCampaign
    from segmint.scoring.campaigns.send import Manifest


class Format(StrEnum):
    """Tables for people or one JSON document for scripts."""

    human = "human"
    json = "json"


FormatOpt = Annotated[Format, typer.Option("--format", help="Output: human (tables) or json.")]


def number(value: float | None, digits: int = 4) -> str:
    return "—" if _missing(value) else f"{value:,.{digits}f}"


def _missing(value: Any) -> bool:
    """None, NaN or pandas' NA (which is neither equal nor unequal to itself)."""
    try:
        return value is None or math.isnan(value)
    except TypeError:
        return True


def interval(ci: Any, digits: int = 4) -> str:
    if ci is None or any(v is None for v in ci):
        return "—"
    return f"[{number(ci[0], digits)}, {number(ci[1], digits)}]"


def notes(notes: Any) -> None:
    for note in notes:
        err.print(Text.assemble(("note:", "yellow"), f" {note}"), highlight=False)


def print_created(created: CreatedCampaign) -> None:
    """The campaign written: audience counts, groups per stratum, power."""
    c = created.counts
    out.print(
        Text.assemble(
            (f"campaign {created.campaign_id}", "bold"),
            f": {created.start} to {created.end}, "
            f"segments as of {created.segments_as_of}, seed {created.random_state}",
        ),
        highlight=False,
    )
    out.print(
        f"audience: {c.n_in_segments:,} in the segments, {c.n_suppressed:,} suppressed, "
        f"{c.n_without_consent:,} without consent, {c.n_eligible:,} eligible",
        highlight=False,
    )
    chosen = created.selection
    if chosen is not None:
        out.print(
            f"uplift selection: the top {chosen.share:.0%} ({len(chosen.selected):,}) by uplift "
            f"learnt from {chosen.from_campaign} (held-out Qini {chosen.qini:.3g})",
            highlight=False,
        )
    table = Table(title="groups per stratum")
    for column in ("stratum", "target", "control"):
        table.add_column(column, justify="left" if column == "stratum" else "right")
    for s in created.strata:
        table.add_row(s.stratum or "(none)", f"{s.n_target:,}", f"{s.n_control:,}")
    table.add_row(Text("total", style="bold"), f"{created.n_target:,}", f"{created.n_control:,}")
    out.print(table)
    if created.power is not None:
        p = created.power
        out.print(
            f"power: baseline response {created.baseline_rate:.2%} over the window; this split "
            f"detects an absolute lift of {number(p.mde)} ({_relative(p.mde_relative)} "
            "relative to the baseline) at 80% power",
            highlight=False,
        )
    notes(created.notes)


def _relative(share: float | None) -> str:
    """A lift relative to the baseline as a signed percentage (+492.8%), "—" when unknown."""
    return "—" if share is None or share != share else f"{share:+.1%}"


def print_power(result: PowerResult) -> None:
    """Members needed and the minimum detectable effect."""
    rows = [
        ("members per arm at 50/50", result.n_per_arm),
        ("control", result.n_control),
        ("target", result.n_target),
        ("total", result.n_total),
    ]
    for label, value in rows:
        out.print(f"{label:>26}: {'—' if value is None else f'{value:,}'}", highlight=False)
    out.print(f"{'minimum detectable effect':>26}: {number(result.mde, 5)}", highlight=False)
    if result.mde_relative is not None:
        out.print(f"{'relative to the baseline':>26}: {result.mde_relative:+.1%}", highlight=False)
    if result.underpowered:
        err.print(
            Text.assemble(
                ("note:", "yellow"),
                " these groups cannot detect the lift asked for; "
                f"{result.n_per_arm:,} members per arm at 50/50 would be needed",
            ),
            highlight=False,
        )


def print_list(listed: pd.DataFrame) -> None:
    """One row per campaign."""
    table = Table(title="campaigns")
    heads = ("campaign", "channel", "start", "end", "holdout", "target", "control")
    for head in heads:
        table.add_column(head, justify="right" if head in ("target", "control") else "left")
    for row in listed.to_dict(orient="records"):
        share = row["holdout_share"]
        holdout = "—" if _missing(share) else f"{float(share):.0%}"
        table.add_row(
            str(row["campaign_id"]),
            str(row["channel"] or "—"),
            str(row["start_date"] or "—"),
            str(row["end_date"] or "—"),
            holdout,
            f"{row['n_target']:,}",
            f"{row['n_control']:,}",
        )
    out.print(table)


def print_manifest(manifest: Manifest) -> None:
    """Where the send list went, and who was left out."""
    counts = manifest.content["counts"]
    out.print(
        f"wrote {counts['n_exported']:,} of {counts['n_target']:,} target members to "
        f"{manifest.path} ({counts['n_suppressed']:,} suppressed, "
        f"{counts['n_without_consent']:,} without consent now); manifest "
        f"{manifest.manifest_path}",
        highlight=False,
    )
    out.print(f"sha256 {manifest.content['sha256']}", highlight=False)
