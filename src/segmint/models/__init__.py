"""Probabilistic customer-base models and customer lifetime value.

Buy-till-you-die transaction models (BG/NBD, MBG/NBD, Pareto/NBD in continuous time;
BG/BB in discrete time), the Gamma-Gamma spend model and a CLV function that combines
any of them. Each is a maximum-likelihood implementation in numpy/scipy validated
against the published CDNOW and donations results. Arrays in, arrays out: the models
know nothing of the data mart. See docs/models.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from segmint.exceptions import ModelInputError

if TYPE_CHECKING:
    from segmint.models.bgbb import BGBB
    from segmint.models.bgnbd import BGNBD
    from segmint.models.clv import (
        AliveFactoredModel,
        PurchaseGridModel,
        SpendModel,
        TransactionModel,
        customer_lifetime_value,
        value_if_alive,
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
    "AliveFactoredModel",
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
    "value_if_alive",
]

_HOME = {
    "AliveFactoredModel": "clv",
    "BGBB": "bgbb",
    "BGNBD": "bgnbd",
    "MBGNBD": "mbgnbd",
    "NBD": "nbd",
    "GammaGamma": "gamma_gamma",
    "ParetoNBD": "pareto_nbd",
    "PurchaseGridModel": "clv",
    "SpendModel": "clv",
    "TransactionModel": "clv",
    "customer_lifetime_value": "clv",
    "simulate_bgbb": "simulate",
    "simulate_bgnbd": "simulate",
    "simulate_gamma_gamma": "simulate",
    "simulate_mbgnbd": "simulate",
    "simulate_pareto_nbd": "simulate",
    "value_if_alive": "clv",
}
"""Each model's module: imported on first use (PEP 562), so a command that needs one
model, or none, does not pay for SciPy and scikit-learn through every other."""


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
