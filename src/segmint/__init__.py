"""segmint: customer segmentation from one CSV of orders upward.

Load orders (and whatever else you have) into a customer data mart, segment customers
by RFM, lifecycle, rules, value and clusters, understand each segment in money and
statistics, and act on it. From Python::

    import segmint as sg
    ws = sg.connect("shop.duckdb")          # a Workspace: the mart and its use cases
    ws.load("data/")
    ws.segment_rfm().sizes

``connect``, ``Workspace`` and ``Mart`` load on first use (module ``__getattr__``), so
``import segmint`` and ``segmint --version`` start without the engine or the models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from segmint.config import Settings, get_settings
from segmint.exceptions import (
    ConvergenceError,
    InputError,
    MartError,
    NotFittedError,
    SchemaError,
    SegmintError,
)

if TYPE_CHECKING:
    from segmint.mart import Mart
    from segmint.workspace import Workspace, connect

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
    "Workspace",
    "__version__",
    "connect",
    "get_settings",
]

_LAZY = {"connect": "segmint.workspace", "Workspace": "segmint.workspace", "Mart": "segmint.mart"}


def __getattr__(name: str) -> Any:
    """``connect``, ``Workspace`` and ``Mart``, imported when first asked for."""
    if name in _LAZY:
        from importlib import import_module

        found = getattr(import_module(_LAZY[name]), name)
        globals()[name] = found
        return found
    raise AttributeError(f"module 'segmint' has no attribute {name!r}")
