"""The options of the ``segment`` group's commands, and their parsing into use-case options.

Kept apart from :mod:`segmint.cli.segment_commands` so the commands read as what they do:
parse, call one use case, print.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from segmint.exceptions import InputError, SegmintError
from segmint.segmentation.value_cuts import DEFAULT_CUTS, DEFAULT_RISK_CUTS

if TYPE_CHECKING:  # the cluster workflow loads scikit-learn: only `segment cluster` needs it
    from typing import Literal

    from segmint.models.clustering.algorithms import Algorithm
    from segmint.models.clustering.preparation import Tails
    from segmint.workflows.clusters import ClusterOptions

Opt = typer.Option

Bins = Annotated[int, Opt("--bins", help="Score levels for R, F and M (2-10).")]
NameArgument = Annotated[str, typer.Argument(help="Name to store the segmentation under.")]
MapOption = Annotated[
    Path | None, Opt("--map", help="Your own segment map (YAML, like the shipped rfm_map.yaml).")
]
RulesFile = Annotated[
    Path, Opt("--file", help="Rules file (YAML): segments with `where` conditions.")
]
NewDays = Annotated[float | None, Opt(help="A first order this recent makes a customer new.")]
LoyalOrders = Annotated[int | None, Opt(help="Orders needed, while active, to be loyal.")]
ActiveAfter = Annotated[float | None, Opt(help="Active while recency ≤ this × own cadence.")]
LapsedAfter = Annotated[float | None, Opt(help="At risk up to this × cadence, lapsed beyond.")]
ChurnedAfter = Annotated[float | None, Opt(help="Lapsed up to this × cadence, churned beyond.")]

ScoreModel = Annotated[
    str | None, Opt("--model", help="Scores of this model, e.g. bgnbd+gammagamma.")
]
Cuts = Annotated[str, Opt("--cuts", help="Cumulative shares where tiers start, best first.")]
RiskCuts = Annotated[str, Opt("--risk-cuts", help="Churn risk where medium and high risk start.")]
DEFAULT_CUTS_TEXT = ",".join(f"{c:g}" for c in DEFAULT_CUTS)
DEFAULT_RISK_CUTS_TEXT = ",".join(f"{c:.2f}" for c in DEFAULT_RISK_CUTS)

Features = Annotated[
    str | None, Opt("--features", help="Comma-separated feature columns. Default: behaviour+value.")
]
AlgorithmOption = Annotated[
    str,
    Opt("--algorithm", help="auto (gmm for numeric features, else kmeans), gmm, kmeans or ward."),
]
K = Annotated[str, Opt("--k", help="Number of clusters, or auto.")]
KMin = Annotated[int, Opt("--k-min", help="Smallest k tried by --k auto.")]
KMax = Annotated[int, Opt("--k-max", help="Largest k tried by --k auto.")]
TailsOption = Annotated[str, Opt("--tails", help="Heavy tails: log, rank or none.")]
Pca = Annotated[float | None, Opt("--pca", help="PCA: components (≥ 1) or variance share (< 1).")]
MinShare = Annotated[float, Opt("--min-share", help="Segments below this share are too small.")]
MergeSmall = Annotated[
    bool, Opt("--merge-small", help="Merge too-small segments into the nearest.")
]
Bootstrap = Annotated[int, Opt("--bootstrap", help="Stability refits (0: skip).")]
Seed = Annotated[int, Opt("--seed", help="Random seed.")]
Plots = Annotated[
    Path | None, Opt("--plots", help="Write k_selection.csv, elbow.svg, silhouette.svg here.")
]
Assign = Annotated[
    bool, Opt("--assign", help="Apply the stored model to --as-of without refitting.")
]
ClusterAsOf = Annotated[str | None, Opt("--as-of", help="Compute as of this day (YYYY-MM-DD).")]


def value_settings(
    model: str | None, cuts: str, risk_cuts: str, name: str | None, max_iter: int
) -> dict[str, Any]:
    """``segment value``'s options as :func:`segmint.workflows.value.run_value` takes them.

    Raises:
        InputError: ``cuts`` or ``risk_cuts`` is not a list of numbers; names the option.
    """
    return {
        "model": model,
        "cuts": numbers(cuts, "--cuts"),
        "risk_cuts": numbers(risk_cuts, "--risk-cuts"),
        "name": name or "value",
        "max_iter": max_iter,
    }


def numbers(text: str, option: str) -> tuple[float, ...]:
    """Numbers separated by commas, e.g. ``0.01,0.05``.

    Raises:
        InputError: something that is not a number; names the option.
    """
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise InputError(
            f"{option} takes numbers separated by commas, e.g. 0.01,0.05,0.2,0.5; got {text!r}"
        ) from None


def cluster_options(
    features: str | None,
    algorithm: str,
    k: str,
    k_range: tuple[int, int],
    tails: str,
    pca: float | None,
    min_share: float,
    merge_small: bool,
    bootstrap: int,
    seed: int,
) -> ClusterOptions:
    """The command line's cluster options as :class:`ClusterOptions`.

    Raises:
        SegmintError: an unknown algorithm or tails, or a k that is neither a number nor auto.
    """
    from segmint.workflows.clusters import ClusterOptions

    return ClusterOptions(
        features=None if features is None else tuple(_names(features)),
        algorithm=cast(
            'Algorithm | Literal["auto"]',
            _choice(algorithm, ("auto", "kmeans", "gmm", "ward"), "--algorithm"),
        ),
        k="auto" if k == "auto" else _int(k),
        k_range=k_range,
        tails=cast("Tails", _choice(tails, ("log", "rank", "none"), "--tails")),
        n_components=None if pca is None else (int(pca) if pca >= 1 else pca),
        min_share=min_share,
        small="merge" if merge_small else "flag",
        n_bootstrap=bootstrap,
        random_state=seed,
    )


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise SegmintError(f"--k must be a whole number or auto; got {text!r}") from None


def _choice(value: str, allowed: tuple[str, ...], option: str) -> str:
    if value not in allowed:
        raise SegmintError(f"{option} must be one of {', '.join(allowed)}; got {value!r}")
    return value
