"""What a persona card says of its members' purchases and people: known values only."""

from __future__ import annotations

import pandas as pd

from segmint.insight.members import UNKNOWN
from segmint.insight.persona_mix import demographic_sketch, sketch_phrases, typical


def mix(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """Mix rows of one segment: (dimension, value, measure, share), largest first."""
    return pd.DataFrame(rows, columns=["dimension", "value", "measure", "share"])


def test_typical_values_leave_out_the_unrecorded_and_the_negligible() -> None:
    frame = mix(
        [
            ("category", UNKNOWN, "revenue", 0.6),
            ("category", "books", "revenue", 0.3),
            ("category", "toys", "revenue", 0.097),
            ("category", "games", "revenue", 0.003),
        ]
    )
    assert typical(frame, "category") == [("books", 0.3), ("toys", 0.097)]


def test_the_sketch_is_the_most_common_known_value_of_each_dimension_labelled() -> None:
    frame = mix(
        [
            ("age_band", UNKNOWN, "customers", 0.7),
            ("age_band", "45-54", "customers", 0.2),
            ("age_band", "25-34", "customers", 0.1),
            ("crm_stage", "active", "customers", 1.0),
        ]
    )
    sketch = demographic_sketch(frame)
    assert sketch == {"age_band": "45-54", "crm_stage": "active"}
    assert sketch_phrases(sketch) == ["Age band 45–54", "CRM stage active"]
