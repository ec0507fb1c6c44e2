"""The parameters of a segmentation run, said in words with the options that change them."""

from __future__ import annotations

from segmint.cli._segment_output import in_words
from segmint.segmentation.lifecycle import Thresholds


def test_rfm_bins_say_what_the_scores_are() -> None:
    assert in_words({"bins": 5}) == "R, F and M each scored 1-5 by quantiles of the buyers (--bins)"


def test_lifecycle_thresholds_say_each_stage_and_its_option() -> None:
    chosen = Thresholds(typical_cadence_days=36.5, new_days=20.0, loyal_orders=13)
    said = in_words(chosen.as_dict())
    assert "new: first order within 20.0 days (--new-days)" in said
    assert "loyal: 13+ orders while active (--loyal-orders)" in said
    assert "a one-order customer's usual gap is 36.5 days" in said
    assert "=" not in said


def test_a_clustering_says_its_size_and_the_prospects_kept_apart() -> None:
    details = {"algorithm": "gmm", "k": 10, "clustered": 44480, "prospects": 5520}
    said = in_words(details)
    assert said == "gmm with k = 10 on 44,480 buyers; 5,520 prospects (no orders yet) kept apart"


def test_parameters_of_another_run_are_listed_as_they_are() -> None:
    assert in_words({"alpha": 0.25, "rule": "x"}) == "alpha=0.25, rule=x"
