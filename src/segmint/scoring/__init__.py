"""Scores and measurements on mart data: fitting, backtesting and storing CLV and churn/intent
models, recommendations (:mod:`segmint.scoring.recommend`) and measuring campaigns
(:mod:`segmint.scoring.campaigns`).

Between :mod:`segmint.models` (estimators that know arrays only) and
:mod:`segmint.segmentation` (which segments on the stored scores): it reads the mart with
Ibis expressions, hands arrays to the models and judges them on what happened after the
date.
"""
