"""Probabilistic customer-base models and customer lifetime value.

Buy-till-you-die transaction models (BG/NBD, MBG/NBD, Pareto/NBD in continuous time;
BG/BB in discrete time), the Gamma-Gamma spend model and a CLV function that combines
any of them. Each is a maximum-likelihood implementation in numpy/scipy validated
against the published CDNOW and donations results. Arrays in, arrays out: the models
know nothing of the data mart. See docs/models.md.
"""

from segmint.exceptions import ModelInputError
from segmint.models.bgbb import BGBB
from segmint.models.bgnbd import BGNBD
from segmint.models.clv import (
    PurchaseGridModel,
    SpendModel,
    TransactionModel,
    customer_lifetime_value,
)
from segmint.models.gamma_gamma import GammaGamma
from segmint.models.mbgnbd import MBGNBD
from segmint.models.nbd import NBD
from segmint.models.pareto_nbd import ParetoNBD
from segmint.models.simulate import (
    simulate_bgbb,
    simulate_bgnbd,
    simulate_gamma_gamma,
    simulate_mbgnbd,
    simulate_pareto_nbd,
)

__all__ = [
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "NBD",
    "GammaGamma",
    "ModelInputError",
    "ParetoNBD",
    "PurchaseGridModel",
    "SpendModel",
    "TransactionModel",
    "customer_lifetime_value",
    "simulate_bgbb",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
    "simulate_mbgnbd",
    "simulate_pareto_nbd",
]
