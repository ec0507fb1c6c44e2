"""Deterministic, stratified assignment to target and control from a sha256 prefix.

Randomisation must be reproducible (the same audience, seed and holdout always give the
same split, on any engine, so a split can be audited and is never redrawn) and balanced
within each stratum (each segment holds out its share, so per-segment lifts compare like
with like). The rule, identical here on arrays and in :mod:`segmint.scoring.campaigns`
as an Ibis expression:

1. **Key.** Each customer's key is the first 16 hexadecimal digits of
   ``sha256("<seed>:<customer_id>")`` (UTF-8). Hashing is the random draw: keys are
   uniform and independent of anything about the customer, and any engine with sha256
   computes the same ones (Python's ``hashlib``, DuckDB's ``sha256``, Spark's ``sha2``).
2. **Order.** Within each stratum, customers are ranked ``r = 0, 1, …`` by key (then by
   customer id, should two keys ever coincide).
3. **Systematic allocation.** The stratum gets a random start
   ``u = int(sha256("<seed>:stratum:<stratum>")[:13], 16) / 16**13`` in [0, 1), and the
   customer at rank ``r`` is a control when
   ``floor((r + 1) * holdout_share + u) > floor(r * holdout_share + u)``. Every stratum
   then holds out ``floor(n * holdout_share + u)`` customers: ``n * holdout_share`` in
   expectation and never more than one away from it, also for strata of one or two customers (where rounding per stratum
   would hold out nobody).

This is systematic sampling with a random start applied to a random permutation
(Cochran 1977, "Sampling Techniques", 3rd ed., ch. 8), i.e. a stratified randomisation
with proportional allocation; hashing an identifier with a salt is the usual way online
experiments assign units (Kohavi, Tang & Xu 2020, "Trustworthy Online Controlled
Experiments").
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from segmint.exceptions import ModelInputError
from segmint.models.experiments._arrays import share

KEY_DIGITS = 16
"""Hexadecimal digits of the sha256 digest kept as the ordering key (64 bits)."""
OFFSET_DIGITS = 13
"""Hexadecimal digits of the stratum's digest read as its random start (52 bits, exact in a float)."""


def hash_text(random_state: int, customer_id: str) -> str:
    """The text hashed for a customer: ``"<seed>:<customer_id>"``, the seed ``random_state``."""
    return f"{random_state}:{customer_id}"


def assignment_key(random_state: int, customer_id: str) -> str:
    """The customer's ordering key: the first 16 hex digits of ``sha256("<seed>:<id>")``."""
    digest = hashlib.sha256(hash_text(random_state, customer_id).encode("utf-8")).hexdigest()
    return digest[:KEY_DIGITS]


def stratum_offset(random_state: int, stratum: str) -> float:
    """The stratum's random start in [0, 1): 13 hex digits of ``sha256("<seed>:stratum:<s>")``."""
    digest = hashlib.sha256(f"{random_state}:stratum:{stratum}".encode()).hexdigest()
    return int(digest[:OFFSET_DIGITS], 16) / float(16**OFFSET_DIGITS)


def is_control(
    rank: NDArray[np.int64], holdout_share: float, offset: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """The systematic allocation: rank ``r`` in a stratum with start ``u`` is held out when
    ``floor((r + 1) * holdout_share + u) > floor(r * holdout_share + u)``."""
    after = np.floor((rank + 1) * holdout_share + offset)
    before = np.floor(rank * holdout_share + offset)
    return np.asarray(after > before)


def check_holdout_share(holdout_share: float) -> float:
    """``holdout_share`` as a share strictly between 0 and 1 (a control group and a target
    group)."""
    return share("holdout_share", holdout_share)


def check_random_state(random_state: int) -> int:
    """``random_state`` (the seed) as a non-negative integer."""
    value = random_state
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ModelInputError(f"random_state must be a non-negative whole number; got {value!r}.")
    return int(value)


def assign_groups(
    customer_ids: Sequence[str],
    holdout_share: float,
    random_state: int,
    strata: Sequence[str | None] | None = None,
) -> NDArray[np.bool_]:
    """Which customers are held out as control (True) under the rule of this module.

    Args:
        customer_ids: unique customer identifiers.
        holdout_share: share of each stratum held out, strictly between 0 and 1.
        random_state: the campaign's seed; another seed gives an independent split.
        strata: each customer's stratum (a segment); missing (None) is a stratum of its
            own; all customers form one stratum when omitted.

    Raises:
        ModelInputError: duplicate customers, a holdout share outside (0, 1), a negative
            seed, or strata of another length.
    """
    check_holdout_share(holdout_share)
    random_state = check_random_state(random_state)
    ids = [str(c) for c in customer_ids]
    if len(set(ids)) != len(ids):
        raise ModelInputError("customer_ids must be unique: each customer is assigned once.")
    labels = [""] * len(ids) if strata is None else ["" if s is None else str(s) for s in strata]
    if len(labels) != len(ids):
        raise ModelInputError(
            f"strata must give one stratum per customer; got {len(labels)} for {len(ids)}."
        )
    keys = np.array([assignment_key(random_state, c) for c in ids])
    label_array = np.array(labels, dtype=str)
    order = np.lexsort((np.array(ids, dtype=str), keys, label_array))
    sorted_labels = label_array[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    sizes = np.diff(np.r_[starts, len(ids)])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids)) - np.repeat(starts, sizes)
    offsets = {s: stratum_offset(random_state, s) for s in np.unique(label_array).tolist()}
    offset = np.array([offsets[s] for s in labels], dtype=np.float64)
    return is_control(rank, holdout_share, offset)
