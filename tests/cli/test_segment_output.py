"""Printing stored segmentations and value tiers, on runs built by hand; the parameters a
run used said in words with the options that change them."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from segmint.cli._options import OutputFormat
from segmint.cli._output import out
from segmint.cli._segment_output import in_words, show_run, show_value
from segmint.features.labels import NO_CLV_SCORE
from segmint.segmentation.lifecycle import Thresholds
from segmint.workflows.segment import SegmentationRun
from segmint.workflows.value import ValueRun

SIZES = pd.Series({"top 1%": 2, "rest": 150, "unassigned": 48}, name="n").rename_axis("segment")


def _value_run() -> ValueRun:
    grid = pd.DataFrame({"low": [2, 50], "high": [0, 100]}, index=["top 1%", "rest"])
    return ValueRun(
        "value", 1, dt.date(2025, 12, 31), "bgnbd", SIZES, grid, grid * 10.0, "churn_risk"
    )


def test_value_tiers_name_the_customers_without_a_clv_score_for_what_they_are() -> None:
    with out.capture() as printed:
        show_value(_value_run())
    text = printed.get()
    assert NO_CLV_SCORE in text and "unassigned" not in text
    assert "48" in text.split(NO_CLV_SCORE, 1)[1].splitlines()[0]  # its row keeps its count


def test_scripts_read_the_stored_segment_names(capsys: pytest.CaptureFixture[str]) -> None:
    show_value(_value_run(), OutputFormat.json)
    records = json.loads(capsys.readouterr().out)
    assert [r["segment"] for r in records] == ["top 1%", "rest", "unassigned"]


def test_another_kinds_unassigned_stays_as_stored() -> None:
    with out.capture() as printed:
        show_run(SegmentationRun("rules", 1, dt.date(2025, 12, 31), SIZES), kind="rules")
    assert "unassigned" in printed.get() and NO_CLV_SCORE not in printed.get()


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
    said = in_words({**details, "cancelled_only": 0})
    assert said == "gmm with k = 10 on 44,480 buyers; 5,520 prospects (no order yet) kept apart"


def test_a_clustering_names_the_cancelled_only_customers_kept_apart() -> None:
    details = {"algorithm": "gmm", "k": 10, "clustered": 44480, "prospects": 5520}
    said = in_words({**details, "cancelled_only": 81})
    assert said == (
        "gmm with k = 10 on 44,480 buyers; 5,520 prospects (no order yet) and 81 who "
        "cancelled every order (cancelled only) kept apart"
    )


def test_parameters_of_another_run_are_listed_as_they_are() -> None:
    assert in_words({"alpha": 0.25, "rule": "x"}) == "alpha=0.25, rule=x"
