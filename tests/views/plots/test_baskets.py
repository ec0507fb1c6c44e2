"""Which products drive which: the strongest one-item rules as flows."""

from __future__ import annotations

from typing import Any

from segmint.views.plots.baskets import rule_flows


def _rule(
    antecedent: list[str],
    consequent: str,
    baskets: int,
    lift: float,
    confidence: float = 0.5,
    customers: int | None = None,
) -> dict[str, Any]:
    """A rule as a stored run keeps it (without ``n_customers`` when ``customers`` is None:
    runs stored before it was counted)."""
    rule = {
        "antecedent": antecedent,
        "consequent": consequent,
        "n_baskets": baskets,
        "confidence": confidence,
        "lift": lift,
    }
    return rule if customers is None else {**rule, "n_customers": customers}


def test_flows_go_from_bought_products_to_the_products_they_make_likelier() -> None:
    rules = [
        _rule(["Beans"], "Filters", 40, 9.0),
        _rule(["Beans", "Milk"], "Mug", 12, 8.0),  # two bought items: in the table only
        _rule(["Beans"], "Mug", 10, 2.0),
    ]
    figure = rule_flows(rules)
    assert figure is not None
    trace = figure["data"][0]
    labels = trace["node"]["label"]
    link = trace["link"]
    pairs = [(labels[s], labels[t]) for s, t in zip(link["source"], link["target"], strict=True)]
    assert pairs == [("Beans", "Filters"), ("Beans", "Mug")]
    assert link["value"] == [40, 10]
    assert labels == ["Beans", "Filters", "Mug"]
    assert "the 2 strongest rules" in figure["layout"]["title"]["text"]
    assert rule_flows(rules, shown=1)["data"][0]["link"]["value"] == [40]  # type: ignore[index]


def test_no_one_item_rules_no_chart() -> None:
    assert rule_flows([]) is None
    assert rule_flows([_rule(["a", "b"], "c", 5, 3.0)]) is None


def test_one_band_per_pair_of_products_the_likelier_way() -> None:
    # lift is symmetric: both directions of a pair rank together and would fill the chart
    # twice over; the band kept is the direction of the higher confidence
    rules = [
        _rule(["Beans"], "Filters", 40, 9.0, confidence=0.2),
        _rule(["Filters"], "Beans", 40, 9.0, confidence=0.8, customers=31),
        _rule(["Mug"], "Beans", 10, 5.0, confidence=0.3),
        _rule(["Beans"], "Mug", 10, 5.0, confidence=0.3),
        _rule(["Tea"], "Milk", 8, 4.0),
    ]
    trace = rule_flows(rules, shown=2)["data"][0]  # type: ignore[index]
    labels = trace["node"]["label"]
    link = trace["link"]
    pairs = [(labels[s], labels[t]) for s, t in zip(link["source"], link["target"], strict=True)]
    assert pairs == [("Filters", "Beans"), ("Mug", "Beans")]  # a tie keeps the first listed
    # the customers on hover, when the run stored them
    assert link["customdata"] == [[0.8, 9.0, " of 31 customers"], [0.3, 5.0, ""]]
    assert "baskets%{customdata[2]}" in link["hovertemplate"]
