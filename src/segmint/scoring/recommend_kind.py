"""The ``kind`` of the recommendation runs in ``model_runs``, apart from the recommenders.

Readers of the stored recommendations (the dashboard's 360° view) find the latest run by
it; importing it from :mod:`segmint.scoring.recommend` would import the recommenders and
scikit-learn with them, about 0.4 s of a server's start.
"""

RUN_KIND = "recommend"
"""``model_runs.kind`` of a recommendation run."""
