"""Whether a stored propensity model predicted its evaluation window worse than a baseline.

``segmint predict`` evaluates the model on a window it did not learn from, beside the same
rate for everyone and the BTYD baselines (:mod:`segmint.scoring.propensity`), and stores
the Brier scores of all of them with the run. A model worse than one of them is *weak*:
its scores are stored all the same (the run says so, :func:`segmint.workflows.predict.
weak_model_note`), and a reader that would take them over a baseline's risk, as value
tiers take a churn model's ``churn_risk`` over the histories' (:mod:`segmint.scoring.
churn_source`), reads :func:`weak_model` first and passes over a weak one.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ibis

from segmint.mart import Mart
from segmint.mart.privacy.refits import unflagged_runs


def worse_than(metrics: dict[str, dict[str, Any]], model: str) -> list[str]:
    """What ``model`` predicted worse than, by Brier score, among the evaluation's
    ``metrics`` (model or baseline → its metrics): the same rate for everyone and the best
    baseline, each with its Brier score; empty when it beat both."""
    own = metrics[model]
    baselines = {name: m["brier"] for name, m in metrics.items() if name != model}
    best = min(baselines, key=lambda name: baselines[name], default=None)
    worse = []
    if own["brier"] >= own["brier_base_rate"]:
        worse.append(f"the same rate for everyone (Brier {own['brier_base_rate']:.4f})")
    if best is not None and baselines[best] < own["brier"]:
        worse.append(f"{best} (Brier {baselines[best]:.4f})")
    return worse


def weak_model(mart: Mart, model: str, as_of: dt.date) -> str | None:
    """Why the run of ``model`` stored last as of ``as_of`` (the one whose scores a reader
    of that date finds; runs an erasure flagged left out) is weak, in one phrase; None when
    it is not, or when no run of ``model`` is stored (scores of another kind of model)."""
    runs = mart.table("model_runs")
    mine = runs.filter(runs.model == model, runs.as_of <= ibis.literal(as_of, "date"))
    last = unflagged_runs(mart, mine).order_by(ibis.desc("run_id")).limit(1)
    rows = last.select("metrics").to_pyarrow().to_pylist()
    if not rows:
        return None
    evaluation = json.loads(rows[0]["metrics"]).get("validation", {})
    if model not in evaluation:
        return None
    worse = worse_than(evaluation, model)
    if not worse:
        return None
    return (
        f"{model} predicted its evaluation window worse than {' and than '.join(worse)}: "
        f"Brier {evaluation[model]['brier']:.4f}"
    )


def usable_models(
    mart: Mart, models: list[str], as_of: dt.date
) -> tuple[list[str], dict[str, str]]:
    """Of ``models`` (those that stored a score as of ``as_of``), the ones not flagged weak,
    and why each other one is (:func:`weak_model`)."""
    weak = {m: why for m in models if (why := weak_model(mart, m, as_of)) is not None}
    return [m for m in models if m not in weak], weak


def weak_note(weak: dict[str, str]) -> str:
    """What a risk's source adds about the weak models passed over (model → why), one
    phrase each: "…, so its churn_risk is not used"."""
    return "; ".join(f"{why}, so its churn_risk is not used" for why in weak.values())
