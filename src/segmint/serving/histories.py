"""What a 360° view shows of a customer's segments and scores as their history grows.

Every daily ``segmint refresh`` stores each segmentation's assignments and each score again
for the new date. Showing every stored row would grow a customer's view by a row per
segmentation and per score each day, and the server's in-process copies with it (at a
million customers with four segmentations and six scores, the copies grew by about 50 MB
per refreshed day: scores 35 MB, assignments 15 MB; their build by about 6 s), so a server
would pass its 2 GB budget within about a week of nightly refreshes. The view therefore
shows what stays small:

* **segments**: per segmentation, each run of the customer's consecutive stored dates with
  the same segment (from the version read as of each date, the one stored most recently
  with results then, as every reader reads it: :mod:`segmint.mart.segment_versions`):
  ``since``, the run's
  first date, and ``as_of``, its last; a customer who stays a Champion for a year is one
  row, and every move between segments is a new one. The store keeps them as it writes
  (``segment_runs``, :mod:`segmint.segmentation.runs`), so they are read without going
  through every stored date; a mart stored before that table existed (or whose table an
  older rule computed, :func:`segmint.segmentation.runs.current`) has them computed from its
  assignments (:func:`segment_runs`) until its next store;
* **scores**: each score's (name and model) value from its latest run, with its date (a
  customer the latest run did not score shows no value for that score rather than an
  older one).

Each is one statement text, for one customer (the lookup, ``customer_id = $1``) or for a
part of the customers (the copy, with ``customer_id`` first and in every window), so the
copy and the mart give the same rows. Table names are this module's constants.
"""

from __future__ import annotations

import ibis

from segmint.mart.identifiers import quoted
from segmint.mart.schema import TABLES
from segmint.mart.segment_versions import read_versions
from segmint.segmentation.runs import RUNS_TABLE
from segmint.serving.score_table import SCORES_TABLE

SEGMENT_COLUMNS = ["segmentation", "since", "as_of", "segment"]
"""A run of the customer's segment in one segmentation."""

SCORE_COLUMNS = ["as_of", "model", "score_name", "value"]
"""A score's value from its latest run."""


READ_VERSIONS = ibis.to_sql(
    read_versions(
        ibis.table(TABLES["assignments"].ibis_schema(), name="assignments"),
        ibis.table(TABLES["segmentations"].ibis_schema(), name="segmentations"),
    ),
    dialect="duckdb",
)
"""``segmentation``, ``as_of``, ``version``: the version read as of each stored date, the
shared rule (:func:`segmint.mart.segment_versions.read_versions`) as statement text."""


def segment_runs(where: str, key: str = "") -> str:
    """The runs of :data:`SEGMENT_COLUMNS` of the assignments ``where`` holds, per
    segmentation by first date (per ``key`` first when given).

    Which version is read as of a date depends on every customer's results (a customer
    the version read has no row for is not in the runs that date), so each statement
    reads the stored dates and versions of the whole table (three columns), not only the
    rows ``where`` holds; the server reads it only until a mart's next store keeps the
    runs (:mod:`segmint.segmentation.runs`).
    """
    by = f"{key}, " if key else ""
    return f"""
WITH chosen AS ({READ_VERSIONS}
), latest AS (
    SELECT {by}segmentation, as_of, segment
    FROM assignments SEMI JOIN chosen USING (segmentation, as_of, version) WHERE {where}
), marked AS (
    SELECT *, CASE WHEN segment IS NOT DISTINCT FROM lag(segment) OVER dated THEN 0 ELSE 1 END
        AS moved
    FROM latest WINDOW dated AS (PARTITION BY {by}segmentation ORDER BY as_of)
), runs AS (
    SELECT *, sum(moved) OVER (PARTITION BY {by}segmentation ORDER BY as_of) AS run FROM marked
)
SELECT {by}segmentation, min(as_of) AS since, max(as_of) AS as_of, any_value(segment) AS segment
FROM runs GROUP BY {by}segmentation, run
ORDER BY {by}segmentation, since
"""


def kept_runs(where: str, key: str = "") -> str:
    """The runs of :data:`SEGMENT_COLUMNS` the store keeps (:mod:`segmint.segmentation.runs`:
    the same as :func:`segment_runs` gives, a test checks, without reading every stored
    date) of the rows ``where`` holds, in the same order."""
    by = f"{key}, " if key else ""
    return f"""
SELECT {by}segmentation, since, as_of, segment FROM {quoted(RUNS_TABLE)} WHERE {where}
ORDER BY {by}segmentation, since
"""


NEWEST_SCORES = f"""
SELECT model, score_name, max(as_of) AS as_of FROM {quoted(SCORES_TABLE)} GROUP BY ALL
"""
"""Each score's (name and model) latest stored date: the date of its latest run."""


def latest_scores(where: str, key: str = "") -> str:
    """The values of each score (name and model) at its latest run of the rows ``where``
    holds, latest date first, then by name and model (per ``key`` first when given).

    Only the latest runs' rows are read, so the copy costs the same however many dates are
    stored (at a million customers with seven dates, 2.3 s instead of 6.8 s for each
    customer's own latest values).
    """
    by = f"{key}, " if key else ""
    return f"""
WITH newest AS ({NEWEST_SCORES})
SELECT {by}as_of, model, score_name, value
FROM {quoted(SCORES_TABLE)} SEMI JOIN newest USING (model, score_name, as_of)
WHERE {where}
ORDER BY {by}as_of DESC, score_name, model
"""


LATEST_SCORE_ROWS = f"""
WITH newest AS ({NEWEST_SCORES})
SELECT count(*) FROM {quoted(SCORES_TABLE)} SEMI JOIN newest USING (model, score_name, as_of)
"""
"""How many rows :func:`latest_scores` reads for every customer."""
