"""One customer's stored recommendations, by a fixed, parameterised statement.

The customer 360 page and ``GET /api/v1/customers/{id}/recommendations`` read the latest
list of one customer: a point lookup, so (as in :mod:`segmint.serving.customer_lookup`) a
statement with the id as a bound parameter rather than an Ibis expression, whose
compilation would cost more than the lookup. The customer's rows are filtered first
(``AS MATERIALIZED``), then joined to the product names.
"""

from __future__ import annotations

from typing import Any

import duckdb

from segmint.mart import Mart
from segmint.serving.frames import row_records

RECOMMENDATIONS_SQL = """
WITH mine AS MATERIALIZED (
    SELECT as_of, rank, product_id, score, method, reason
    FROM recommendations WHERE customer_id = $1
)
SELECT m.rank, m.product_id, p.name AS product_name, m.score, m.method, m.reason, m.as_of
FROM mine AS m LEFT JOIN products AS p ON p.product_id = m.product_id
WHERE m.as_of = (SELECT max(as_of) FROM mine)
ORDER BY m.rank
"""


def customer_recommendations(mart: Mart, customer_id: str) -> list[dict[str, Any]]:
    """The customer's latest stored list, best first (none when nothing is stored, or the
    mart predates the ``recommendations`` table)."""
    try:
        cursor = mart.raw.execute(RECOMMENDATIONS_SQL, [customer_id])
    except duckdb.CatalogException:
        return []
    columns = [d[0] for d in cursor.description or ()]
    return row_records(columns, cursor.fetchall())
