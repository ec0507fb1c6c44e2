"""Printing a cluster run and its JSON document, on a run built by hand."""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
import pytest

from segmint.cli._cluster_output import TOP_DIFFERENCES, run_document, show_cluster_run
from segmint.cli._output import err, out
from segmint.models.clustering.explain import Explanation
from segmint.models.clustering.selection import KSelection
from segmint.models.clustering.stability import Stability
from segmint.workflows.clusters import ClusterRun


def _run(stability: bool) -> ClusterRun:
    selection = KSelection(
        table=pd.DataFrame(
            {
                "k": [2, 3],
                "silhouette": [0.41234, 0.5],
                "calinski_harabasz": [12345.6, 23456.0],
                "davies_bouldin": [0.9, 0.7],
                "bic": [math.nan, 1500.4],
                "inertia": [10.0, 8.0],
                "mean_rank": [2.0, 1.0],
            }
        ),
        k=3,
        reason="k = 3 ranks best on all criteria",
        models={},
    )
    explanation = Explanation(
        rules=pd.DataFrame(
            {
                "segment": ["cluster 1", "cluster 2"],
                "rule": ["frequency > 3", "frequency <= 3"],
                "precision": [0.9, 0.8],
                "recall": [0.95, 0.75],
            }
        ),
        fidelity=0.93,
        depth=3,
    )
    differences = pd.DataFrame(
        {
            "segment": ["cluster 1"] * 5 + ["cluster 2"],
            "feature": ["f1", "f2", "f3", "f4", "f5", "g1"],
            "smd": [2.04, -1.5, 0.9, 0.5, 0.1, -0.33],
        }
    )
    stable = Stability(
        ari_mean=0.812,
        ari_std=0.05,
        aris=np.array([0.8, 0.82, 0.81]),
        segments=pd.DataFrame(
            {
                "segment": ["cluster 1", "cluster 1"],
                "jaccard": [0.9, 0.8],
                "ari": [0.8, 0.8],
                "verdict": ["stable", "stable"],
            }
        ),
        n_customers=100,
    )
    return ClusterRun(
        name="clusters",
        version=2,
        as_of=dt.date(2024, 6, 30),
        sizes=pd.Series({"cluster 1": np.int64(60), "cluster 2": np.int64(40)}),
        selection=selection,
        stability=stable if stability else None,
        explanation=explanation,
        differences=differences,
        small=pd.DataFrame(
            {"segment": ["cluster 2"], "members": [1234], "share": [0.04], "action": ["flagged"]}
        ),
        features=["f1", "f2"],
        dropped=["constant_one"],
        model_id="abc123",
    )


def test_show_cluster_run_marks_the_chosen_k_and_shows_rules() -> None:
    with out.capture() as printed, err.capture() as advice:
        show_cluster_run(_run(stability=True))
    text = printed.get()
    chosen = next(line for line in text.splitlines() if "←" in line)
    assert chosen.split()[1] == "3"  # the table border, then k
    assert "1,500" in chosen  # BIC
    first = next(line for line in text.splitlines() if "0.412" in line)
    assert "12,346" in first
    assert "fidelity 93%" in text
    assert "adjusted Rand index 0.81 ± 0.05 over 3 bootstrap refits" in text
    rule = next(line for line in text.splitlines() if "frequency > 3" in line)
    assert "90%" in rule and "95%" in rule and "0.85 stable" in rule
    # the top differences only, signed, in standard deviations
    assert "f1 +2.0 sd, f2 -1.5 sd, f3 +0.9 sd" in rule
    assert "f4" not in text and TOP_DIFFERENCES == 3
    notes = advice.get()
    assert "small segment: cluster 2 has 1,234 members (4.0%): flagged" in notes
    assert "left out (same value for everyone): constant_one" in notes
    assert "segmint persona clusters" in notes


def test_show_cluster_run_without_stability() -> None:
    with out.capture() as printed, err.capture():
        show_cluster_run(_run(stability=False))
    text = printed.get()
    assert "stability" not in text
    assert "frequency <= 3" in text


@pytest.mark.parametrize("stability", [True, False])
def test_run_document_is_json(stability: bool) -> None:
    document = run_document(_run(stability))
    round_trip = json.loads(json.dumps(document, default=float))
    assert round_trip["name"] == "clusters"
    assert round_trip["as_of"] == "2024-06-30"
    assert round_trip["sizes"] == {"cluster 1": 60, "cluster 2": 40}
    assert all(type(v) is int for v in document["sizes"].values())
    assert round_trip["k"] == 3
    assert [r["k"] for r in round_trip["selection"]] == [2, 3]
    assert round_trip["fidelity"] == 0.93
    assert round_trip["small"][0]["members"] == 1234
    if stability:
        assert round_trip["stability"]["ari_mean"] == 0.812
        assert len(round_trip["stability"]["segments"]) == 2
    else:
        assert round_trip["stability"] is None


def test_a_k_left_with_an_empty_cluster_is_marked_and_the_note_kept() -> None:
    run = _run(stability=False)
    table = run.selection.table.assign(mean_rank=[1.0, math.nan])
    note = "k reduced to 2: k=3 left a cluster without members"
    reduced = KSelection(table=table, k=2, reason=note, models={}, note=note)
    run = ClusterRun(**{**run.__dict__, "selection": reduced})
    with out.capture() as printed, err.capture():
        show_cluster_run(run)
    dropped = next(line for line in printed.get().splitlines() if "0.500" in line)
    assert "empty cluster" in dropped and "nan" not in dropped
    assert run_document(run)["note"] == note
