"""The Baskets page's chart: which products drive which (association rules as flows).

A Sankey of the strongest one-item rules "X → Z": each bought product on the left, the
product it makes likelier on the right, the band as wide as the baskets holding both,
with the customers, confidence and lift on hover. Lift is symmetric, so "X → Z" and "Z → X" rank
together; one band per pair of products is drawn, the direction of the higher confidence
(the likelier follow-up), so the chart shows as many pairs as it has bands. A figure dictionary for plotly.js, like
:mod:`segmint.views.plots.figures`.
"""

from __future__ import annotations

from typing import Any

from segmint.views.plots.figures import FONT, PALETTE, Figure

SHOWN = 15
"""Rules drawn: the strongest by lift, one bought item each, one per pair of products."""


def rule_flows(rules: list[dict[str, Any]], shown: int = SHOWN) -> Figure | None:
    """Flows from bought products to the products they make likelier (None: no pair rules).

    ``rules`` as a stored recommendation run keeps them (strongest first): ``antecedent``
    (names), ``consequent``, ``n_baskets``, ``n_customers`` (missing in runs stored before
    it was counted), ``confidence``, ``lift``.
    """
    pairs = _one_way([r for r in rules if len(r["antecedent"]) == 1])[:shown]
    if not pairs:
        return None
    sources = [f"{r['antecedent'][0]} " for r in pairs]  # a space keeps the sides apart
    targets = [str(r["consequent"]) for r in pairs]
    nodes = list(dict.fromkeys(sources)) + list(dict.fromkeys(targets))
    index = {n: i for i, n in enumerate(nodes)}
    colour = {n: PALETTE[i % len(PALETTE)] for i, n in enumerate(dict.fromkeys(sources))}
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": [n.strip() for n in nodes],
                    "pad": 10,
                    "thickness": 14,
                    "color": [colour.get(n, "#94a3b8") for n in nodes],
                },
                "link": {
                    "source": [index[s] for s in sources],
                    "target": [index[t] for t in targets],
                    "value": [int(r["n_baskets"]) for r in pairs],
                    "customdata": [[r["confidence"], r["lift"], _customers(r)] for r in pairs],
                    "color": [colour[s] + "55" for s in sources],
                    "hovertemplate": "bought %{source.label} → also %{target.label}<br>"
                    "%{value:,} baskets%{customdata[2]} · confidence %{customdata[0]:.0%} · "
                    "lift %{customdata[1]:.1f}<extra></extra>",
                },
            }
        ],
        "layout": {
            "title": {
                "text": f"Which products drive which: the {len(pairs)} strongest rules",
                "x": 0,
                "xanchor": "left",
                "font": {"size": 15},
            },
            "font": FONT,
            "margin": {"l": 20, "r": 20, "t": 70, "b": 20},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "hoverlabel": {"font": FONT},
        },
    }


def _customers(rule: dict[str, Any]) -> str:
    """ " of N customers" for the hover, or nothing for a rule stored without the count."""
    n = rule.get("n_customers")
    return "" if n is None else f" of {int(n):,} customers"


def _one_way(rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rules`` with one rule per pair of products, where the first of the pair stood: of
    "X → Z" and "Z → X", the one of higher confidence (the first listed on a tie)."""
    best: dict[frozenset[str], dict[str, Any]] = {}  # in order of each pair's first rule
    for rule in rules:
        pair = frozenset((str(rule["antecedent"][0]), str(rule["consequent"])))
        if pair not in best or rule["confidence"] > best[pair]["confidence"]:
            best[pair] = rule
    return list(best.values())
