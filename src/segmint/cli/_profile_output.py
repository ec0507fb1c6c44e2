"""Printing a profile: the money table, sub-segments, distinguishing features, statistics.

Tables for people go to stdout with Rich, warnings to stderr; :func:`profile_document` is the
whole profile as one JSON document and :func:`profile_csv` the table ``--format csv`` prints
(see docs/profiles.md).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from rich.table import Table
from rich.text import Text

from segmint.cli._money_output import fmt, money, print_money, print_sub_segments
from segmint.cli._output import err, out
from segmint.insight import SegmentProfile
from segmint.insight.money import unknown_without_costs

TOP_STATISTICS = 15
"""Rows of the statistics table shown to people (strongest effects first)."""


def records(frame: pd.DataFrame | None) -> list[dict[str, Any]] | None:
    """``frame`` as JSON-ready records (missing values as null), or None."""
    if frame is None:
        return None
    parsed: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", date_format="iso"))
    return parsed


def profile_document(result: SegmentProfile, currency: str | None = None) -> dict[str, Any]:
    """The whole profile as one JSON-ready document; ``currency`` is the ISO 4217 code of its
    amounts (null when the shop has none set).

    Margin and profit figures are null when no cost of what was sold is known
    (``costs_known`` false; ``margin_coverage`` says which share of revenue had one)."""
    known = result.money.costs_known
    portfolio = records(unknown_without_costs(result.money.portfolio_frame(), known))
    subs = result.money.sub_segments
    return {
        "segmentation": result.segmentation,
        "as_of": result.as_of.isoformat(),
        "by": result.by,
        "currency": currency,
        "cost_to_serve": result.money.cost_to_serve,
        "costs_known": known,
        "n_base": result.n_base,
        "history_start": None if result.history_start is None else str(result.history_start),
        "n_tested": result.n_tested,
        "sampled": result.sampled,
        "segments": records(unknown_without_costs(result.overview, known)),
        "portfolio": portfolio[0] if portfolio else None,
        "sub_segments": None if subs is None else records(unknown_without_costs(subs, known)),
        "distinguishing": records(result.distinguishing),
        "features": records(result.features),
        "mix": records(result.mix),
        "statistics": records(result.statistics),
        "small": records(result.small),
    }


def profile_csv(result: SegmentProfile) -> pd.DataFrame:
    """The money table with a totals row, or the sub-segment table when crossed; margin
    and profit cells are empty when no cost of what was sold is known."""
    known = result.money.costs_known
    if result.money.sub_segments is not None:
        return unknown_without_costs(result.money.sub_segments, known)
    total = result.money.portfolio_frame().assign(segment="(total)")
    table = pd.concat([result.overview, total], ignore_index=True)
    counts = [name for name, kind in result.overview.dtypes.items() if kind.kind in "iu"]
    table = table.astype(dict.fromkeys(counts, "Int64"))  # counts stay whole numbers
    return unknown_without_costs(table, known)


def print_profile(result: SegmentProfile, currency: str | None = None) -> None:
    """The profile for people: money (amounts in ``currency``), features, statistics."""
    print_money(result, currency)
    if result.money.sub_segments is not None:
        subs = unknown_without_costs(result.money.sub_segments, result.money.costs_known)
        print_sub_segments(subs, str(result.by), currency)
    _print_distinguishing(result)
    _print_statistics(result)
    for row in result.small.itertuples():
        err.print(
            Text.assemble(
                ("warning:", "yellow"),
                f" segment {row.segment} is too small to act on: {row.reason}",
            )
        )


def _print_distinguishing(result: SegmentProfile) -> None:
    view = Table("segment", "feature", title="what sets each segment apart (index: base = 100)")
    view.title_justify = "left"
    for name in ("mean", "base mean", "index", "std. diff."):
        view.add_column(name, justify="right")
    for row in result.distinguishing.itertuples():
        view.add_row(
            str(row.segment),
            str(row.feature),
            money(row.mean, 2),
            money(row.base_mean, 2),
            money(row.index),
            fmt(row.smd, "+.2f"),
        )
    out.print(view)


def _print_statistics(result: SegmentProfile) -> None:
    stats = result.statistics.sort_values("effect_size", ascending=False).head(TOP_STATISTICS)
    tested = (
        f"a seeded sample of {result.n_tested:,} of {result.n_base:,}"
        if result.sampled
        else f"all {result.n_base:,}"
    )
    view = Table("feature", "test", title_justify="left")
    view.title = f"do segments differ? tests on {tested} customers (strongest {len(stats)})"
    for name in ("statistic", "p (BH)", "effect", "significant"):
        view.add_column(name, justify="right")
    for row in stats.itertuples():
        test = "Kruskal-Wallis ε²" if row.kind == "numeric" else "chi-square V"
        view.add_row(
            str(row.feature),
            test,
            money(row.statistic, 1),
            fmt(row.p_adjusted, ".2g"),
            fmt(row.effect_size, ".2f"),
            "yes" if row.significant else "no",
        )
    out.print(view)
