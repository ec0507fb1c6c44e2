"""Scores and measurements on mart data: fitting, backtesting and storing CLV and churn/intent
models, and measuring campaigns (:mod:`segmint.scoring.campaigns`).

Between :mod:`segmint.models` (estimators that know arrays only) and
:mod:`segmint.segmentation` (which segments on the stored scores).
"""
