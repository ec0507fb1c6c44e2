"""The BG/NBD model: repeat purchasing and silent dropout in continuous time."""

from __future__ import annotations

from segmint.models._beta_geometric import BetaGeometricModel


class BGNBD(BetaGeometricModel):
    """Beta-geometric / negative-binomial distribution (BG/NBD) model.

    What for: how many repeat purchases each customer will make and how likely they are
    still active, when customers leave without telling (non-contractual settings).

    Assumptions: while active, a customer buys as a Poisson process with rate
    lambda ~ Gamma(r, alpha) across customers; right after each repeat purchase they drop
    out with probability p ~ Beta(a, b); lambda and p are independent.

    Inputs: per customer ``frequency`` (repeat purchases x), ``recency`` (age at the last
    repeat purchase t_x, 0 when x = 0) and ``T`` (age at the end of the calibration
    period), all in one time unit. Fitted ``params_``: ``r, alpha, a, b``.

    Equations (Fader, Hardie & Lee 2005): likelihood (6), P(X(t) = x) (8), E[X(t)] (9),
    conditional expectation E[Y(t) | x, t_x, T] (10), P(alive) from the paper's appendix.

    Examples
    --------
    >>> import pandas as pd  # doctest: +SKIP
    >>> d = pd.read_csv("cdnow_customers_summary.csv")  # doctest: +SKIP
    >>> BGNBD().fit(d["frequency"], d["recency"], d["T"]).params_  # doctest: +SKIP
    {'r': 0.2426, 'alpha': 4.4135, 'a': 0.7929, 'b': 2.4258}

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting Your Customers the Easy
    Way: An Alternative to the Pareto/NBD Model". Marketing Science 24(2), 275-284.
    """

    shift = 0
