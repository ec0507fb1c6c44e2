"""The demo's own rules segmentation (``src/segmint/workflows/demo_rules.yaml``) on the
dashboard's demo mart."""

from __future__ import annotations

import shutil
from pathlib import Path

from segmint.mart import connect
from segmint.workflows.demo import DEMO_RULES


def test_demo_cart_abandoners_left_a_cart_in_the_last_30_days(
    demo_mart_file: Path, tmp_path: Path
) -> None:
    # a reminder e-mail is for a cart left lately, not for two carts of years ago
    path = shutil.copy(demo_mart_file, tmp_path / "demo.duckdb")
    with connect(path, create=False) as mart:
        members = mart.raw.execute(
            """
            SELECT f.cart_adds_without_purchase_30d, f.orders_30d
            FROM assignments a JOIN features f
              ON f.customer_id = a.customer_id AND f.as_of = a.as_of
            WHERE a.segmentation = $1 AND a.segment = 'Cart abandoners'
            """,
            [DEMO_RULES],
        ).fetchall()
    assert members, "the demo should have cart abandoners to show"
    assert all(carts >= 1 and orders == 0 for carts, orders in members)
