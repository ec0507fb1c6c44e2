"""How ``segmint recommend evaluate`` words the blend against the best baseline."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from segmint.cli._recommend_output import against_baseline
from segmint.scoring.recommend import Evaluation

DAY = dt.date(2025, 9, 30)


def _evaluation(auto_recall: float) -> Evaluation:
    table = pd.DataFrame(
        {
            "method": ["popularity", "buy_again", "auto"],
            "kind": ["baseline", "baseline", "blend"],
            "recall": [0.0881, 0.0550, auto_recall],
        }
    )
    return Evaluation(DAY, DAY, DAY, table, [], 10)


@pytest.mark.parametrize(
    ("auto_recall", "line"),
    [
        (0.0920, "recall@10: auto beats the best baseline (popularity) by 0.0039"),
        (0.0881, "recall@10: auto ties with the best baseline (popularity)"),
        (0.0770, "recall@10: auto falls 0.0111 short of the best baseline (popularity)"),
    ],
)
def test_the_margin_reads_as_a_distance(auto_recall: float, line: str) -> None:
    assert against_baseline(_evaluation(auto_recall), "recall") == line
