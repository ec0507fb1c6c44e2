"""Choosing the next audience by uplift: the customers a past campaign *changed* the most.

``segmint campaign create`` with the options ``uplift-top 30%`` and ``--from-campaign C``
keeps, of the eligible audience, the 30 % with the highest predicted uplift, learnt from
the measured campaign ``C``:

1. **Learn.** Every member of ``C`` with its features as of the day before ``C`` started
   (nothing the campaign caused leaks in) and its outcome in ``C``'s response window
   (:mod:`.outcomes`: any purchase, or revenue). A two-model uplift learner
   (:class:`~segmint.models.experiments.TwoModelUplift`) is fitted on a random 70 % of the
   members and judged on the other 30 %: the Qini coefficient (positive: better than
   random) and the observed lift among the top share of the held-out members. Then it
   is refitted on every member.
2. **Score.** The eligible customers with their features as of the audience's date (the
   stored features of that date when there are some, else built in the engine).
3. **Select.** The top ``share`` by predicted uplift (ties broken by customer id, so the
   selection is reproducible), before randomising: the selected customers are then split
   into target and control like any audience, so the new campaign measures the lift of
   the selected customers honestly.

Features are the numeric columns of the feature table (:mod:`segmint.features`); text
and date columns are left out. A campaign whose members are too few to learn from, or
whose held-out Qini is not above random, is still used, but the notes say so; one whose
response window the orders do not reach (designed, not yet measured) is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np

from segmint.exceptions import InputError, ModelInputError
from segmint.features import build_features, load_features, stored_dates
from segmint.mart import Mart
from segmint.models.experiments.qini import qini_coefficient, uplift_at_k
from segmint.scoring.campaigns.measure import campaign_start, data_through
from segmint.scoring.campaigns.outcomes import Window, member_outcomes
from segmint.scoring.option_defaults import DEFAULT_WINDOW_DAYS

if TYPE_CHECKING:
    import pandas as pd

    from segmint.models.experiments.uplift import TwoModelUplift

UpliftOutcome = Literal["conversion", "revenue"]
HELD_OUT_SHARE = 0.3
"""Share of the past campaign's members kept aside to judge the uplift model."""
MIN_MEMBERS = 200
"""Members the past campaign needs (each group) before its uplift model is trusted."""
_NOT_FEATURES = ("customer_id", "as_of")


@dataclass(frozen=True)
class UpliftSelection:
    """The customers kept by uplift, and how well the model ranked held-out members.

    Attributes:
        from_campaign: the measured campaign the model learnt from.
        outcome: what the uplift is of (``conversion`` or ``revenue``).
        share: share of the eligible audience kept.
        selected: ``customer_id`` and ``uplift`` (predicted) of the kept customers.
        n_eligible: customers scored.
        n_members: members of ``from_campaign`` learnt from.
        qini: Qini coefficient on the held-out members (0: random, higher: better).
        uplift_at_share: observed lift among the held-out top ``share``; None when that
            top has only one group.
        features: feature columns used.
        notes: caveats (few members, a ranking no better than random).
    """

    from_campaign: str
    outcome: UpliftOutcome
    share: float
    selected: pd.DataFrame
    n_eligible: int
    n_members: int
    qini: float
    uplift_at_share: float | None
    features: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (without the customer list)."""
        return {
            "from_campaign": self.from_campaign,
            "outcome": self.outcome,
            "share": self.share,
            "n_eligible": self.n_eligible,
            "n_selected": len(self.selected),
            "n_members": self.n_members,
            "qini": self.qini,
            "uplift_at_share": self.uplift_at_share,
            "notes": list(self.notes),
        }


def parse_share(text: str) -> float:
    """``"30%"``, ``"30"`` or ``"0.3"`` as the share 0.3.

    Raises:
        InputError: not a share strictly between 0 and 1 (0 % and 100 % excluded).
    """
    raw = text.strip()
    try:
        value = float(raw.rstrip("%").strip())
    except ValueError:
        raise InputError(
            f"an uplift selection share looks like 30% or 0.3; got {text!r}."
        ) from None
    share = value / 100.0 if raw.endswith("%") or value > 1.0 else value
    if not 0.0 < share < 1.0:
        raise InputError(f"an uplift selection keeps a share between 0% and 100%; got {text!r}.")
    return share


def features_for(mart: Mart, day: dt.date, customers: pd.Index) -> pd.DataFrame:
    """Numeric features as of ``day`` of ``customers`` (ids), one row each in their order.

    A customer without a feature row (not yet known on ``day``) has missing values, which
    the gradient-boosted learners handle, rather than being dropped from the selection.
    """
    import pandas as pd  # a learner's table: only when an uplift selection is made

    table = load_features(mart, day) if day in stored_dates(mart) else build_features(mart, day)
    numeric = [
        name
        for name, kind in table.schema().items()
        if name not in _NOT_FEATURES and (kind.is_numeric() or kind.is_boolean())
    ]
    wanted = ibis.memtable({"customer_id": [str(c) for c in customers]})
    mine = table.semi_join(wanted, "customer_id")
    with mart.reading(mine):
        frame = mine.select("customer_id", *numeric).to_pyarrow().to_pandas()
    values: pd.DataFrame = frame[numeric].apply(pd.to_numeric, errors="coerce").astype(float)
    values.index = pd.Index(frame["customer_id"].astype(str), name="customer_id")
    return values.reindex(customers)


def select_by_uplift(
    mart: Mart,
    from_campaign: str,
    audience: ir.Table,
    share: float,
    *,
    as_of: dt.date,
    outcome: UpliftOutcome = "conversion",
    window_days: int = DEFAULT_WINDOW_DAYS,
    random_state: int = 0,
) -> UpliftSelection:
    """Keep the ``share`` of ``audience`` with the highest uplift learnt from ``from_campaign``.

    Args:
        mart: the open mart.
        from_campaign: a campaign with a control group and outcomes in its window.
        audience: eligible customers (``customer_id``).
        share: share to keep, strictly between 0 and 1.
        as_of: the date of the audience's features (the segments' date).
        outcome: ``"conversion"`` (any purchase) or ``"revenue"``.
        window_days: the past campaign's response window.
        random_state: seed of the held-out split and the learner.

    Raises:
        InputError: a bad share or outcome, or too few members to learn from.
        MartError: no such campaign or no start date.
    """
    import pandas as pd  # a learner's table: only when an uplift selection is made

    if not 0.0 < share < 1.0:
        raise InputError(f"the uplift selection share must be between 0 and 1; got {share}.")
    if outcome not in ("conversion", "revenue"):
        raise InputError(f"uplift is learnt on conversion or revenue; got {outcome!r}.")
    start = campaign_start(mart, from_campaign)
    window = Window.of(start, window_days, window_days)
    coverage = _check_measured(mart, from_campaign, window)
    members = member_outcomes(mart, from_campaign, window)
    table = members.frame.to_pandas()
    frame = table.set_index(table["customer_id"].astype(str))
    y, treated = frame[outcome].to_numpy(float), frame["target"].to_numpy(bool)
    X = _with_values(features_for(mart, start - dt.timedelta(days=1), frame.index), treated)
    notes = [*coverage, *_check_members(from_campaign, treated)]
    qini, at_share = _held_out(X, y, treated, share, random_state)
    if not qini > 0:
        notes.append(
            f"the uplift model ranks held-out members of {from_campaign} no better than "
            f"random (Qini {qini:.3g}): the selection is close to a random {share:.0%}"
        )
    model = _learner(random_state).fit(X, y, treated)
    ids = pd.Index(audience.select("customer_id").to_pyarrow().column(0).to_pylist(), dtype=str)
    scored = features_for(mart, as_of, ids).reindex(columns=X.columns)
    selected = _top(scored, model.predict(scored), share)
    return UpliftSelection(
        from_campaign, outcome, share, selected, len(scored), len(frame), qini, at_share,
        tuple(X.columns), tuple(notes),
    )  # fmt: skip


def _learner(seed: int) -> TwoModelUplift:
    """A two-model uplift learner (scikit-learn is imported here, when one is fitted)."""
    from segmint.models.experiments.uplift import TwoModelUplift

    return TwoModelUplift(random_state=seed)


def _check_measured(mart: Mart, campaign_id: str, window: Window) -> list[str]:
    """Refuse a campaign whose response window the orders do not reach (its outcomes would
    all be 0, and the uplift learnt from them nothing); a note when they reach part of it."""
    through = data_through(mart)
    if through is None or through < window.start:
        seen = "no orders" if through is None else f"orders up to {through}"
        raise InputError(
            f"campaign '{campaign_id}' starts on {window.start} and the mart holds {seen}: "
            "it has no outcomes to learn uplift from yet. Learn from a campaign whose "
            "response window the orders cover (`segmint campaign list`), or load its "
            "orders first."
        )
    if through < window.last_day:
        return [
            f"the mart's orders end on {through}, before {campaign_id}'s response window "
            f"does ({window.last_day}): uplift is learnt from part of the window"
        ]
    return []


def _check_members(campaign_id: str, treated: np.ndarray) -> list[str]:
    n_target, n_control = int(treated.sum()), int((~treated).sum())
    if min(n_target, n_control) < 10:
        raise InputError(
            f"campaign '{campaign_id}' has {n_target} target and {n_control} control members; "
            "learning uplift needs a control group (at least 10 in each group)."
        )
    if min(n_target, n_control) < MIN_MEMBERS:
        return [
            f"campaign '{campaign_id}' has only {min(n_target, n_control)} members in its "
            f"smaller group: its uplift estimates are noisy"
        ]
    return []


def _held_out(
    X: pd.DataFrame, y: np.ndarray, treated: np.ndarray, share: float, seed: int
) -> tuple[float, float | None]:
    """Qini and uplift at ``share`` on a held-out part, the model fitted on the rest."""
    held = np.random.default_rng(seed).random(len(y)) < HELD_OUT_SHARE
    for part in (held, ~held):
        if treated[part].all() or not treated[part].any():
            return 0.0, None
    train = _with_values(X[~held], treated[~held])
    model = _learner(seed).fit(train, y[~held], treated[~held])
    score = model.predict(X.loc[held, train.columns])
    qini = qini_coefficient(score, y[held], treated[held])
    try:
        at_share = uplift_at_k(score, y[held], treated[held], k=share)
    except ModelInputError:
        at_share = None
    return qini, at_share


def _with_values(X: pd.DataFrame, treated: np.ndarray) -> pd.DataFrame:
    """The columns of ``X`` with a value in each group: a feature no member of a group has
    (a gap between orders when everyone ordered once, as in Hillstrom's data) tells that
    group's learner nothing, and the gradient-boosted learners cannot bin it."""
    known = X.notna().to_numpy()
    each = known[treated].any(axis=0) & known[~treated].any(axis=0)
    kept: pd.DataFrame = X.loc[:, each]
    return kept


def _top(scored: pd.DataFrame, uplift: np.ndarray, share: float) -> pd.DataFrame:
    """The top ``share`` of rows by ``uplift`` (ties by customer id), at least one row."""
    import pandas as pd

    ranked = pd.DataFrame({"customer_id": scored.index, "uplift": uplift})
    ranked = ranked.sort_values(["uplift", "customer_id"], ascending=[False, True])
    keep = max(1, math.ceil(share * len(ranked))) if len(ranked) else 0
    return ranked.head(keep).reset_index(drop=True)
