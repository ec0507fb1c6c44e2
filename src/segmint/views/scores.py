"""Reading the ``scores`` table written by the CLV and churn models, when it exists.

Expected table (see ``docs/dashboard.md``): ``customer_id``, ``as_of`` (date), ``model``,
``score_name`` and ``value`` (float). The dashboard reads ``clv`` (predicted customer
lifetime value, in the shop's currency) and ``churn_risk`` (probability of no purchase in
the next 90 days, 0-1). For each score it takes the latest ``as_of`` on or before the day
asked for and, when several models scored that day, the first model by name, except that
a churn model's ``churn_risk`` is preferred to the one ``segmint clv score`` stores from
the purchase histories (:mod:`segmint.scoring.churn_source`), and a churn model flagged
weak (it predicted its evaluation window worse than a baseline,
:func:`segmint.scoring.weak_models.weak_model`) is passed over as ``segment value`` passes
it over, the page saying why. Nothing is fitted here: with ``p_alive`` but no usable
``churn_risk`` (scores stored before ``clv score`` stored the risk, no MBG/NBD could be
fitted, or only a weak model's) the risk is ``1 - p_alive``, and the page says so and
which command stores a better one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from segmint.mart import Mart
from segmint.scoring.churn_source import preferred_model, source_of
from segmint.scoring.weak_models import usable_models, weak_note
from segmint.serving.frames import as_date
from segmint.serving.score_table import SCORES_TABLE, has_scores

CLV = "clv"
CHURN_RISK = "churn_risk"
P_ALIVE = "p_alive"

NO_CLV = "No CLV scores yet: run `segmint clv fit` then `segmint clv score` to compute them."
NO_CHURN = (
    "No churn risk yet: run `segmint predict churn` (or `segmint clv score`, for a risk from "
    "the purchase histories alone)."
)

RISK_BANDS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0000001)
RISK_LABELS = ("0-20%", "20-40%", "40-60%", "60-80%", "80-100%")
VALUE_TIERS = ("Top 1%", "Next 4%", "Next 15%", "Middle 30%", "Bottom 50%")
TIER_EDGES = (0.99, 0.95, 0.80, 0.50)


def score(mart: Mart, name: str, day: dt.date) -> ir.Table | None:
    """``customer_id``, ``value`` of score ``name`` as of the latest date ≤ ``day``, or None."""
    found = _latest(mart, name, day)
    return None if found is None else found[0]


def _latest(
    mart: Mart, name: str, day: dt.date, passed_over: dict[str, str] | None = None
) -> tuple[ir.Table, dt.date, str] | None:
    """:func:`score`, its date and its model, or None. With ``passed_over``, the models of
    that date flagged weak are left out and put there with why (None when only they
    stored it)."""
    if not has_scores(mart):
        return None
    table = mart.table(SCORES_TABLE)
    mine = table.filter((table.score_name == name) & (table.as_of.cast("date") <= ibis.date(day)))
    found = mine.aggregate(as_of=mine.as_of.cast("date").max()).execute()
    if not len(found) or pd.isna(found.as_of.iloc[0]):
        return None
    latest = as_date(found.as_of.iloc[0])
    dated = mine.filter(mine.as_of.cast("date") == ibis.date(latest))
    models = [str(m) for m in dated.select("model").distinct().model.execute()]
    if passed_over is not None:
        models, weak = usable_models(mart, models, latest)
        passed_over.update(weak)
        if not models:
            return None
    model = preferred_model(models)
    chosen = dated.filter(dated.model == model)
    return chosen.select("customer_id", value=chosen.value.cast("float64")), latest, model


def score_dates(mart: Mart) -> list[dt.date]:
    """Dates with stored scores the value & risk page reads (CLV, churn risk, P(alive)),
    oldest first; none without a ``scores`` table."""
    if not has_scores(mart):
        return []
    table = mart.table(SCORES_TABLE)
    mine = table.filter(table.score_name.isin((CLV, CHURN_RISK, P_ALIVE)))
    days = mine.select(day=mine.as_of.cast("date")).distinct().day.execute()
    return sorted(as_date(d) for d in days if not pd.isna(d))


def churn_risk(
    mart: Mart, day: dt.date, passed_over: dict[str, str] | None = None
) -> tuple[ir.Table, str] | None:
    """``customer_id``, ``value`` = churn risk as of ``day``, and where it comes from: the
    stored ``churn_risk`` of a model not flagged weak, else ``1 - p_alive`` (module
    docstring); None without either. The source ends with why a weak model was passed over
    (also put in ``passed_over``, model → why, which says it when there is no risk)."""
    weak: dict[str, str] = {} if passed_over is None else passed_over
    risk = _latest(mart, CHURN_RISK, day, weak)
    found: tuple[ir.Table, str] | None = None
    if risk is not None:
        found = risk[0], source_of(risk[2], risk[1])
    elif (alive := _latest(mart, P_ALIVE, day)) is not None:
        said = (
            f"1 - {P_ALIVE} as of {alive[1]}, which calls customers without a repeat purchase "
            f"alive; run `segmint clv score --as-of {alive[1]}` to store the risk of no "
            f"purchase in 90 days from the histories, or `segmint score` for a churn model's"
        )
        found = alive[0].select("customer_id", value=1.0 - alive[0].value), said
    if found is None or not weak:
        return found
    return found[0], f"{found[1]} ({weak_note(weak)})"


@dataclass(frozen=True)
class ValueRisk:
    """What the value & risk page shows as of a date.

    Attributes:
        clv: every scored customer's predicted CLV (for the distribution), or None.
        grid: customers per (value tier, risk band), with their total CLV; None without both.
        top: the most valuable customers (customer_id, clv, churn_risk).
        average_clv: mean predicted CLV, or None.
        messages: what is not computed yet, with the command that computes it.
        risk_source: where the churn risk comes from (:func:`churn_risk`), or None.
    """

    clv: pd.Series | None
    grid: pd.DataFrame | None
    top: pd.DataFrame | None
    average_clv: float | None
    messages: list[str]
    risk_source: str | None = None


def value_risk(mart: Mart, day: dt.date, top_n: int = 20) -> ValueRisk:
    """CLV distribution, value tier × churn risk grid and top customers as of ``day``."""
    clv = score(mart, CLV, day)
    weak: dict[str, str] = {}
    risk = churn_risk(mart, day, weak)
    no_churn = NO_CHURN
    if weak:  # only a weak model stored one: running it again would not help
        no_churn = (
            f"No usable churn risk: {weak_note(weak)}. Run `segmint clv score` for a risk "
            "from the purchase histories."
        )
    messages = [m for m, t in ((NO_CLV, clv), (no_churn, risk)) if t is None]
    if clv is None:
        return ValueRisk(None, None, None, None, messages)
    values = clv.execute()
    series = values.set_index("customer_id")["value"].astype("float64")
    average = float(series.mean()) if len(series) else None
    top = values.nlargest(top_n, "value").rename(columns={"value": "clv"})
    if risk is None:
        return ValueRisk(series, None, top.reset_index(drop=True), average, messages)
    risks = risk[0].filter(risk[0].customer_id.isin(top.customer_id.tolist())).execute()
    top["churn_risk"] = top.customer_id.map(risks.set_index("customer_id")["value"])
    grid = _grid(clv, risk[0])
    return ValueRisk(series, grid, top.reset_index(drop=True), average, messages, risk[1])


def _grid(clv: ir.Table, risk: ir.Table) -> pd.DataFrame:
    """Customers and total CLV per (value tier by CLV percentile, churn risk band), of the
    customers with both scores (``customer_id``, ``value`` tables), computed by the engine:
    at a million customers, joining and cutting them in pandas took seconds on a click.

    The percentile is the rank by CLV (ties by customer id) over the count, so each tier
    holds its share; a risk outside 0-1 falls in the nearest band, an unknown one in none.
    """
    both = clv.inner_join(risk.rename(risk="value"), "customer_id")
    both = both.filter(both.risk.notnull() & ~both.risk.isnan())
    rank = ibis.row_number().over(order_by=[both.value, both.customer_id]) + 1
    ranked = both.mutate(percentile=rank / both.count().over())
    tier = ibis.cases(
        *((ranked.percentile > e, t) for e, t in zip(TIER_EDGES, VALUE_TIERS, strict=False)),
        else_=VALUE_TIERS[-1],
    )
    band = ibis.cases(
        *((ranked.risk < e, b) for e, b in zip(RISK_BANDS[1:-1], RISK_LABELS, strict=False)),
        else_=RISK_LABELS[-1],
    )
    cells = ranked.group_by(tier=tier, band=band).aggregate(
        customers=ranked.count(), clv=ranked.value.sum()
    )
    result: pd.DataFrame = cells.order_by("tier", "band").execute()
    return result
