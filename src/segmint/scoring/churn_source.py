"""Which stored ``churn_risk`` to read when more than one model scored a date.

Two kinds of model store ``churn_risk``, the probability of no purchase in the next 90
days: a supervised churn model (``segmint predict churn``, ``segmint score``; model
``churn_gbm``), and ``segmint clv score``, which stores the same probability from an
MBG/NBD fitted on the purchase histories (:mod:`segmint.scoring.btyd_churn`; model
:data:`HISTORY_MODEL`) so that the value x risk grid reads a stored risk instead of fitting
one on a request. A churn model learns from what customers did after earlier dates and is
preferred; the histories' risk is read only when it is the only one of its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

HISTORY_MODEL = "mbgnbd-history"
"""The ``model`` of the ``churn_risk`` scores that ``segmint clv score`` stores."""


def preferred_model(models: Iterable[str]) -> str:
    """The model whose scores to read among ``models`` (not empty): the first by name,
    :data:`HISTORY_MODEL` only when it is the only one."""
    return min(models, key=lambda model: (model == HISTORY_MODEL, model))


def source_of(model: str, as_of: date) -> str:
    """What the ``churn_risk`` of ``model`` as of ``as_of`` is, in one line for a page or
    the CLI, pointing to the churn model when the risk is the histories'."""
    if model != HISTORY_MODEL:
        return f"churn_risk of {model} as of {as_of}"
    return (
        f"P(no purchase in the next 90 days) of an MBG/NBD fitted on the purchases up to "
        f"{as_of}, stored by `segmint clv score`; run `segmint score` to use a churn model's "
        "churn_risk instead"
    )
