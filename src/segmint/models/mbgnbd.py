"""The MBG/NBD model: the BG/NBD with a dropout chance right after the first purchase."""

from __future__ import annotations

from segmint.models._beta_geometric import BetaGeometricModel


class MBGNBD(BetaGeometricModel):
    """Modified beta-geometric / negative-binomial distribution (MBG/NBD) model.

    What for: the same questions as :class:`~segmint.models.BGNBD` (future purchases,
    P(alive)), for businesses where many customers buy once and never return: unlike the
    BG/NBD, a customer with no repeat purchase is not assumed to be certainly active.

    Assumptions: Poisson purchasing with rate lambda ~ Gamma(r, alpha); at the first
    purchase and right after each repeat purchase the customer drops out with probability
    p ~ Beta(a, b); lambda and p are independent.

    Inputs: ``frequency`` (x), ``recency`` (t_x) and ``T`` per customer, as for the BG/NBD.
    Fitted ``params_``: ``r, alpha, a, b``.

    Examples
    --------
    On the CDNOW sample the fit gives r = 0.525, alpha = 6.183, a = 0.891, b = 1.614 and
    log-likelihood -9582.13 (the estimate of the BTYDplus package).

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). "Empirical validation and
    comparison of models for customer base analysis". International Journal of Research
    in Marketing 24(3), 201-209.
    """

    shift = 1
