"""Printing a quickstart: the load, the segments with their money, personas, what next."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from typing import Any

import typer
from rich.text import Text

from segmint.cli._mart_output import report
from segmint.cli._money_output import print_money
from segmint.cli._output import err, out
from segmint.cli._profile_output import records
from segmint.cli.persona_commands import show_card
from segmint.insight.money import unknown_without_costs
from segmint.workflows.quickstart import QuickstartRun


def show_quickstart(run: QuickstartRun, human: bool, currency: str | None = None) -> None:
    """Everything :func:`segmint.workflows.quickstart.quickstart` found, for people or JSON;
    money in the shop's ``currency``."""
    if not human:
        typer.echo(json.dumps(_document(run, currency), default=str))
        return
    report([run.load], "human")
    for segmentation in run.segmentations:
        sizes = ", ".join(f"{s} {n:,}" for s, n in segmentation.sizes.items())
        out.print(
            Text.assemble("\n", (segmentation.name, "bold"), f" as of {run.as_of}: {sizes}"),
            highlight=False,
        )
    if run.clv is not None:
        out.print(
            f"\nCLV scored for {run.clv.n_customers:,} customers (model {run.clv.model})",
            highlight=False,
        )
    else:
        err.print(Text(str(run.clv_note), style="yellow"), highlight=False)
    out.print()
    print_money(run.money, currency)
    for card in run.personas:
        show_card(card, currency)
    out.print(Text.assemble("\n", ("What next", "bold")))
    for line in run.next_steps:
        out.print(f"  {line}", highlight=False, soft_wrap=True)


def _document(run: QuickstartRun, currency: str | None) -> dict[str, Any]:
    """The quickstart as one JSON document; margin and profit are null when no unit cost
    is known (``costs_known``), as in ``segmint profile --format json``; ``currency`` the
    shop's (null when none is set)."""
    known = run.money.money.costs_known
    return {
        "as_of": run.as_of.isoformat(),
        "load": {"summary": run.load.summary(), "map_flags": run.load.map_flags},
        "segmentations": {s.name: s.sizes.to_dict() for s in run.segmentations},
        "costs_known": known,
        "currency": currency,
        "money": records(unknown_without_costs(run.money.overview, known)),
        "personas": [_finite(asdict(c)) for c in run.personas],
        "clv": None if run.clv is None else {"customers": run.clv.n_customers},
        "clv_note": run.clv_note,
        "next_steps": run.next_steps,
    }


def _finite(value: Any) -> Any:
    """``value`` with every number that is not finite (a cadence of one-order members, a
    P(alive) never scored: NaN) as None, nested lists and dicts included: JSON has no NaN,
    and a parser other than Python's refuses the document that holds one."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
