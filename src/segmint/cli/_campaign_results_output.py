"""How ``segmint campaign results`` prints for people: lifts with intervals, segments, ROI.

With the shop's currency (``segmint currency``) the money metrics' rows and columns name it
("revenue_per_member (EUR)") and the return line marks each amount ("net -€144.01");
conversion, orders, visits, p- and q-values and the ROI ratio stay numbers.
"""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from segmint.cli._campaign_output import interval, notes, number
from segmint.cli._output import out
from segmint.mart.currency import amount_digits, heading, with_currency
from segmint.scoring.campaigns import NO_COST_NOTE, CampaignResults

MONEY_METRICS = frozenset({"revenue_per_member", "margin_per_member"})
"""Metrics of the results whose values are amounts, in the shop's currency."""


def print_results(results: CampaignResults, currency: str | None = None) -> None:
    """Groups and SRM, each metric's lift with its intervals, segments and ROI; amounts
    named with the shop's ``currency``."""
    payload = results.as_dict()
    srm = "—" if payload["srm_p"] is None else f"{payload['srm_p']:.3g}"
    out.print(
        Text.assemble(
            (str(results.campaign), "bold"),
            f": {results.start} to {payload['window']['end']}; "
            f"target {results.n_target:,}, control {results.n_control:,}; SRM p = {srm}",
        ),
        highlight=False,
    )
    table = Table(title="lift, target minus control (95% intervals)")
    heads = ("metric", "target", "control", "lift", "Welch", "bootstrap", "CUPED", "var. red.")
    for head in heads:
        table.add_column(head, justify="left" if head == "metric" else "right")
    for name, lift in payload["lift"].items():
        reduction = lift["cuped_variance_reduction"]
        money = name in MONEY_METRICS
        digits = amount_digits(currency, 4) if money else 4
        table.add_row(
            heading(name, currency) if money else name,
            number(lift["target"], digits),
            number(lift["control"], digits),
            number(lift["abs"], digits),
            interval(lift["ci95"], digits),
            interval(lift["bootstrap_ci95"], digits),
            interval(lift["cuped_ci95"], digits),
            "—" if reduction is None else f"{reduction:.2%}",
        )
    out.print(table)
    _print_compliance(payload)
    _print_segments(payload, currency)
    out.print(roi_line(payload["economics"], currency), highlight=False)
    notes(cli_notes(results.notes))


def roi_line(economics: dict[str, Any], currency: str | None = None) -> str:
    """The return on the campaign in one line: incremental revenue, and incremental margin
    too when the net return is computed on margin (net = incremental margin - contact cost,
    so the line shows the figure the net follows from); amounts in the shop's ``currency``,
    the ROI a ratio."""

    def amount(key: str) -> str:
        """``economics[key]`` and its 95% interval, the amount and each end marked."""
        return f"{_amount(economics[key], currency)} {_amounts(economics[f'{key}_ci95'], currency)}"

    parts = [f"incremental revenue {amount('incremental_revenue')}"]
    if economics["basis"] == "margin":
        parts.append(f"incremental margin {amount('incremental_margin')}")
    parts += [
        f"contact cost {_amount(economics['contact_cost'], currency)}",
        f"net {amount('net_return')}",
        f"ROI {number(economics['roi'], 2)} {interval(economics['roi_ci95'], 2)}",
    ]
    return f"ROI ({economics['basis']}): " + ", ".join(parts)


def _amount(value: float | None, currency: str | None) -> str:
    """An amount to the cent (the currency's own minor units), marked with ``currency``."""
    return with_currency(number(value, amount_digits(currency)), currency)


def _amounts(ci: Any, currency: str | None) -> str:
    """An interval of amounts, each end marked with ``currency``; a dash when unknown."""
    if ci is None or any(v is None for v in ci):
        return "—"
    return f"[{_amount(ci[0], currency)}, {_amount(ci[1], currency)}]"


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


def _print_segments(payload: dict[str, Any], currency: str | None) -> None:
    """Each segment's lift of conversion and of revenue per member (named with ``currency``)."""
    if not payload["segments"]:
        return
    table = Table(title=f"lift per segment ({payload['segment_by']}; q: Benjamini–Hochberg)")
    revenue = heading("revenue", currency)
    for head in ("segment", "target", "control", "conversion", "q", revenue, "q"):
        table.add_column(head, justify="left" if head == "segment" else "right")
    for s in payload["segments"]:
        cells = [s["segment"], f"{s['n_target']:,}", f"{s['n_control']:,}"]
        for metric, digits in (
            ("conversion", 4),
            ("revenue_per_member", amount_digits(currency, 4)),
        ):
            lift = s["lift"].get(metric)
            cells += (
                ["too few", ""]
                if lift is None
                else [number(lift["abs"], digits), number(lift["q_value"], 3)]
            )
        table.add_row(*cells)
    out.print(table)
