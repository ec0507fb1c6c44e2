"""Whether the mart holds a usable ``scores`` table, and its name and columns.

The dashboard's reads of scores (:mod:`segmint.views.scores`) and the server's sorted copies
(:mod:`segmint.serving.sorted_copies`) both ask this before reading it: a mart made before
any model was fitted, or by an older version, may lack the table or some of its columns.
"""

from __future__ import annotations

from segmint.mart import Mart

SCORES_TABLE = "scores"
SCORE_COLUMNS = ("customer_id", "as_of", "model", "score_name", "value")


def has_scores(mart: Mart) -> bool:
    """True when the mart has a ``scores`` table with the expected columns."""
    if not mart.has_table(SCORES_TABLE):
        return False
    return set(SCORE_COLUMNS) <= set(mart.table(SCORES_TABLE).columns)
