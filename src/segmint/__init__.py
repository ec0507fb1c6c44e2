"""segmint: customer segmentation from one CSV of orders upward.

Load orders (and whatever else you have) into a customer data mart, segment customers
by RFM, lifecycle, rules, value and clusters, understand each segment in money and
statistics, and act on it.
"""

from segmint.config import Settings, get_settings
from segmint.exceptions import (
    ConvergenceError,
    InputError,
    MartError,
    NotFittedError,
    SchemaError,
    SegmintError,
)
from segmint.mart import Mart, connect

__version__ = "0.1.0"

__all__ = [
    "ConvergenceError",
    "InputError",
    "Mart",
    "MartError",
    "NotFittedError",
    "SchemaError",
    "SegmintError",
    "Settings",
    "__version__",
    "connect",
    "get_settings",
]
