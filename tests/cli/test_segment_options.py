"""Parsing the ``segment`` group's options into use-case options, with errors naming the option."""

from __future__ import annotations

from typing import Any

import pytest

from segmint.cli._segment_options import (
    DEFAULT_CUTS_TEXT,
    DEFAULT_RISK_CUTS_TEXT,
    cluster_options,
    numbers,
)
from segmint.exceptions import InputError, SegmintError
from segmint.segmentation.value_cuts import DEFAULT_CUTS, DEFAULT_RISK_CUTS


def test_numbers_split_on_commas_and_skip_blanks() -> None:
    assert numbers("0.01,0.05, 0.2 ,0.5", "--cuts") == (0.01, 0.05, 0.2, 0.5)
    assert numbers("1,,2,", "--cuts") == (1.0, 2.0)
    assert numbers("", "--cuts") == ()
    assert numbers("-1e-3", "--cuts") == (-0.001,)


@pytest.mark.parametrize("text", ["0.1;0.2", "a,b", "0.1, x", "1 2"])
def test_numbers_error_names_the_option_and_the_text(text: str) -> None:
    with pytest.raises(InputError, match="--risk-cuts takes numbers") as info:
        numbers(text, "--risk-cuts")
    assert repr(text) in str(info.value)


def test_default_texts_parse_back_to_the_defaults() -> None:
    assert numbers(DEFAULT_CUTS_TEXT, "--cuts") == pytest.approx(tuple(DEFAULT_CUTS))
    assert numbers(DEFAULT_RISK_CUTS_TEXT, "--risk-cuts") == pytest.approx(
        tuple(DEFAULT_RISK_CUTS), abs=0.005
    )


def _options(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "features": None,
        "algorithm": "kmeans",
        "k": "auto",
        "k_range": (2, 8),
        "tails": "log",
        "pca": None,
        "min_share": 0.02,
        "merge_small": False,
        "bootstrap": 20,
        "seed": 7,
    }
    base.update(changes)
    return base


def test_cluster_options_defaults() -> None:
    options = cluster_options(**_options())
    assert options.features is None
    assert options.algorithm == "kmeans"
    assert options.k == "auto"
    assert options.k_range == (2, 8)
    assert options.tails == "log"
    assert options.n_components is None
    assert options.min_share == 0.02
    assert options.small == "flag"
    assert options.n_bootstrap == 20
    assert options.random_state == 7


def test_cluster_options_parse_features_k_pca_and_merge() -> None:
    options = cluster_options(
        **_options(features=" recency_days, ,frequency,", k="4", pca=3.0, merge_small=True)
    )
    assert options.features == ("recency_days", "frequency")
    assert options.k == 4
    assert options.n_components == 3
    assert isinstance(options.n_components, int)
    assert options.small == "merge"
    assert cluster_options(**_options(pca=0.9)).n_components == 0.9


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        (
            {"algorithm": "dbscan"},
            "--algorithm must be one of auto, kmeans, gmm, ward; got 'dbscan'",
        ),
        ({"algorithm": "KMeans"}, "--algorithm must be one of"),
        ({"tails": "sqrt"}, "--tails must be one of log, rank, none; got 'sqrt'"),
        ({"k": "four"}, "--k must be a whole number or auto; got 'four'"),
        ({"k": "2.5"}, "--k must be a whole number or auto"),
        ({"k": "AUTO"}, "--k must be a whole number or auto"),
    ],
)
def test_cluster_options_errors_name_the_option(changes: dict[str, Any], match: str) -> None:
    with pytest.raises(SegmintError, match=match):
        cluster_options(**_options(**changes))
