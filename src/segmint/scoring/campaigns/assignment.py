"""The deterministic stratified split, as an Ibis expression any engine can run.

The same rule as :mod:`segmint.models.experiments.assignment` (which documents it and
computes it on arrays): each customer's key is a 16-hex-digit prefix of
``sha256("<seed>:<customer_id>")``, customers are ranked by key within their stratum, and
rank ``r`` of a stratum with random start ``u`` is a control when
``floor((r + 1) * holdout_share + u) > floor(r * holdout_share + u)``. The hash, the
ranking and the test run in the engine (DuckDB's ``sha256``, Spark's ``sha2``); only the
per-stratum starts are computed in Python, one per stratum, and joined back as a small
table of doubles, so both sides do the same floating-point arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from segmint.mart.fetch import values
from segmint.models.experiments.assignment import (
    KEY_DIGITS,
    check_holdout_share,
    check_random_state,
    stratum_offset,
)


def assignment_key(customer_id: ir.StringValue, random_state: int) -> ir.StringValue:
    """The ordering key of each customer: the sha256 prefix of ``"<seed>:<customer_id>"``,
    the seed ``random_state``."""
    text = ibis.literal(f"{check_random_state(random_state)}:") + customer_id
    key: ir.StringValue = text.hexdigest("sha256").substr(0, KEY_DIGITS)
    return key


def assign(
    members: ir.Table, holdout_share: float, random_state: int, strata: Sequence[str] | None = None
) -> ir.Table:
    """``members`` (``customer_id``, ``stratum``) with ``group``: ``target`` or ``control``.

    A missing stratum is the stratum ``""``, as in
    :func:`segmint.models.experiments.assign_groups`. ``strata``, when the caller knows
    every stratum the members can be in (e.g. the targeted segments), saves reading them
    from ``members``; extra and repeated names are harmless (a name given twice must not
    join each member twice, once into each group).

    Raises:
        ModelInputError: a holdout share outside (0, 1) or a negative seed.
    """
    holdout_share = check_holdout_share(holdout_share)
    random_state = check_random_state(random_state)
    members = members.mutate(stratum=members.stratum.cast("string").fill_null(""))
    if strata is None:
        strata = values(members.select("stratum").distinct().stratum)
    strata = list(dict.fromkeys(str(s) for s in strata))
    starts = ibis.memtable(
        {
            "stratum": [str(s) for s in strata],
            "_start": [stratum_offset(random_state, str(s)) for s in strata],
            "_holdout": [holdout_share] * len(strata),
        },
        schema={"stratum": "string", "_start": "float64", "_holdout": "float64"},
    )
    keyed = members.mutate(_key=assignment_key(members.customer_id, random_state))
    joined = keyed.join(starts, "stratum")
    rank = ibis.row_number().over(group_by="stratum", order_by=["_key", "customer_id"])
    ranked = joined.mutate(_rank=rank)
    after = ((ranked._rank + 1) * ranked._holdout + ranked._start).floor()
    before = (ranked._rank * ranked._holdout + ranked._start).floor()
    group = ibis.ifelse(after > before, "control", "target")
    return ranked.select("customer_id", "stratum", group=group)
