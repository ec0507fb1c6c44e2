"""Models on mart data: fitting, backtesting and scoring as of a date.

The layer between the mart-free estimators of :mod:`segmint.models` and the segments of
:mod:`segmint.segmentation`: it reads the mart with Ibis expressions, hands arrays to the
models and judges them on what happened after the date.
"""
