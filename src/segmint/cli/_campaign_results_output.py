"""How ``segmint campaign results`` prints for people: lifts with intervals, segments, ROI."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from segmint.cli._campaign_output import interval, notes, number
from segmint.cli._output import out
from segmint.scoring.campaigns import NO_COST_NOTE, CampaignResults


def print_results(results: CampaignResults) -> None:
    """Groups and SRM, each metric's lift with its intervals, segments and ROI."""
    payload = results.as_dict()
    srm = "—" if payload["srm_p"] is None else f"{payload['srm_p']:.3g}"
    out.print(
        f"[bold]{results.campaign}[/]: {results.start} to {payload['window']['end']}; "
        f"target {results.n_target:,}, control {results.n_control:,}; SRM p = {srm}",
        highlight=False,
    )
    table = Table(title="lift, target minus control (95% intervals)")
    heads = ("metric", "target", "control", "lift", "Welch", "bootstrap", "CUPED", "var. red.")
    for head in heads:
        table.add_column(head, justify="left" if head == "metric" else "right")
    for name, lift in payload["lift"].items():
        reduction = lift["cuped_variance_reduction"]
        table.add_row(
            name,
            number(lift["target"]),
            number(lift["control"]),
            number(lift["abs"]),
            interval(lift["ci95"]),
            interval(lift["bootstrap_ci95"]),
            interval(lift["cuped_ci95"]),
            "—" if reduction is None else f"{reduction:.2%}",
        )
    out.print(table)
    _print_compliance(payload)
    _print_segments(payload)
    roi = payload["roi"]
    out.print(roi_line(roi), highlight=False)
    notes(cli_notes(results.notes))


def roi_line(roi: dict[str, Any]) -> str:
    """The return on the campaign in one line: incremental revenue, and incremental margin
    too when the net return is computed on margin (net = incremental margin - contact cost,
    so the line shows the figure the net follows from)."""
    parts = [
        f"incremental revenue {number(roi['incremental_revenue'], 2)} "
        f"{interval(roi['incremental_revenue_ci95'], 2)}"
    ]
    if roi["basis"] == "margin":
        parts.append(
            f"incremental margin {number(roi['incremental_margin'], 2)} "
            f"{interval(roi['incremental_margin_ci95'], 2)}"
        )
    parts += [
        f"contact cost {number(roi['contact_cost'], 2)}",
        f"net {number(roi['net_return'], 2)} {interval(roi['net_return_ci95'], 2)}",
        f"ROI {number(roi['roi'], 2)} {interval(roi['roi_ci95'], 2)}",
    ]
    return f"ROI ({roi['basis']}): " + ", ".join(parts)


def cli_notes(measured: tuple[str, ...]) -> list[str]:
    """The measurement's notes as the command prints them: the note of a missing cost
    names the option that gives one, so the ROI line can be filled in on the next run."""
    hint = f"{NO_COST_NOTE}; give the cost of one contact with --cost-per-contact AMOUNT"
    return [hint if note == NO_COST_NOTE else note for note in measured]


def _print_compliance(payload: dict[str, Any]) -> None:
    """Reach and contamination from the send events; the lifts stay intention to treat."""
    c = payload["compliance"]
    if c is None:
        out.print("reach: no event records this campaign's sends", highlight=False)
        return
    out.print(
        f"reach: {c['target_reached']:,} target members contacted ({c['reach_rate']:.1%}); "
        f"contamination: {c['control_reached']:,} controls reached anyway "
        f"({c['contamination_rate']:.1%}); lifts above are intention to treat (by assigned "
        f"group), effect on the contacted {number(c['complier_effect'])}",
        highlight=False,
    )


def _print_segments(payload: dict[str, Any]) -> None:
    if not payload["segments"]:
        return
    table = Table(title=f"lift per segment ({payload['segment_by']}; q: Benjamini–Hochberg)")
    for head in ("segment", "target", "control", "conversion", "q", "revenue", "q"):
        table.add_column(head, justify="left" if head == "segment" else "right")
    for s in payload["segments"]:
        cells = [s["segment"], f"{s['n_target']:,}", f"{s['n_control']:,}"]
        for metric in ("conversion", "revenue_per_member"):
            lift = s["lift"].get(metric)
            cells += (
                ["too few", ""]
                if lift is None
                else [number(lift["abs"]), number(lift["q_value"], 3)]
            )
        table.add_row(*cells)
    out.print(table)
