"""Scores on mart data: fitting, backtesting and storing CLV and churn/intent models.

Between :mod:`segmint.models` (estimators that know arrays only) and
:mod:`segmint.segmentation` (which segments on the stored scores).
"""
