"""Rules found on the synthetic retailer recover the bundles planted in its baskets."""

from __future__ import annotations

from pathlib import Path

import segmint
from segmint.features import default_as_of
from segmint.scoring.recommend.rule_list import RuleQuery, list_rules
from segmint.synth import bundle_pairs, synthesize
from segmint.workflows.load import load_folder

SEED = 3


def test_rules_on_synthetic_baskets_find_the_planted_bundles(tmp_path: Path) -> None:
    synthesize(tmp_path / "data", 2_000, seed=SEED)
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        load_folder(mart, tmp_path / "data")
        found = list_rules(mart, default_as_of(mart), RuleQuery(min_count=10, max_len=2))
    rules = found.rules
    planted = {frozenset(pair) for pair in bundle_pairs(SEED)}
    ends = zip(rules.antecedent_ids, rules.consequent_id, strict=True)
    pairs = [frozenset((a, c)) for a, c in ends]
    rules = rules.assign(planted=[p in planted for p in pairs])
    strong = rules[rules.lift >= 5]
    # the strong associations are the bundles, and most bundles are among them
    assert len(strong) > 0 and strong.planted.mean() > 0.9
    found_bundles = {p for p, s in zip(pairs, rules.lift >= 5, strict=True) if s and p in planted}
    assert len(found_bundles) >= 20
    # and a bundle's rule reads with names: "Brand Adjective Noun" -> another product
    best = rules.iloc[0]
    assert best.planted and " " in best.antecedent and best.antecedent != best.antecedent_ids
