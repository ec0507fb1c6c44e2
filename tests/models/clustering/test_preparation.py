from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmint.exceptions import NotFittedError
from segmint.models.clustering import ClusteringError, CustomerPreparation


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    spend = rng.lognormal(3, 1.5, 500)
    recency = np.where(rng.random(500) < 0.2, np.nan, rng.uniform(0, 300, 500))
    return pd.DataFrame(
        {
            "spend": spend,
            "recency": recency,
            "aov": np.where(np.isnan(recency), np.nan, spend / 3),
            "share": rng.uniform(0, 1, 500),
            "region": rng.choice(np.array(["N", "S", "E", "W", None], dtype=object), 500),
        }
    )


def test_log_only_for_skewed_columns_and_one_indicator_per_missing_pattern() -> None:
    prep = CustomerPreparation().fit(frame())
    assert prep.logged_ == ["spend", "aov"]
    assert prep.indicators_ == [("recency", ("recency", "aov"))]
    matrix = prep.transform(frame())
    assert matrix.shape == (500, 4 + 1 + 5)
    assert np.isfinite(matrix).all()


def test_robust_scaling_gives_median_zero_and_unit_iqr() -> None:
    matrix = CustomerPreparation(tails="none", scaling="robust").fit_transform(frame()[["share"]])
    q1, median, q3 = np.quantile(matrix[:, 0], [0.25, 0.5, 0.75])
    assert median == pytest.approx(0, abs=1e-9)
    assert q3 - q1 == pytest.approx(1, abs=1e-9)


def test_standard_scaling_gives_mean_zero_and_unit_variance() -> None:
    matrix = CustomerPreparation().fit_transform(frame()[["spend", "share"]])
    assert matrix.mean(axis=0) == pytest.approx([0, 0], abs=1e-9)
    assert matrix.std(axis=0) == pytest.approx([1, 1], abs=1e-9)


def test_bands_enter_as_their_position_not_as_one_hot_columns() -> None:
    bands = ["19-24", "25-34", "35-44", "65+"]
    data = pd.DataFrame({"age": ["65+", "19-24", "25-34", None, "35-44", "bogus"] * 20})
    prep = CustomerPreparation(tails="none", ordinals={"age": bands}).fit(data)
    assert prep.numeric_ == ["age"] and prep.categorical_ == []
    matrix = prep.transform(data)
    assert matrix.shape == (120, 2)  # the position and one missing indicator
    position = matrix[:6, 0]
    # 19-24 < 25-34 < 35-44 < 65+, equally spaced; missing and unknown take the median
    assert position[1] < position[2] < position[4] < position[0]
    assert position[2] - position[1] == pytest.approx(position[4] - position[2])
    assert position[3] == position[5] and matrix[[3, 5], 1].tolist() == [1.0, 1.0]
    assert json.loads(json.dumps(prep.describe()))["ordinals"] == {"age": bands}
    unordered = CustomerPreparation(tails="none").fit(data)
    assert unordered.categorical_ == ["age"]


def test_rank_maps_to_zero_one_and_keeps_order() -> None:
    data = frame()[["spend"]]
    prep = CustomerPreparation(tails="rank").fit(data)
    ranks = (prep.transform(data)[:, 0] * prep.scales_["spend"]) + prep.centers_["spend"]
    assert ranks.min() >= 0 and ranks.max() <= 1
    order = np.argsort(data.spend.to_numpy())
    assert np.all(np.diff(ranks[order]) >= 0)


def test_rare_levels_pool_as_other_and_unseen_levels_map_there() -> None:
    data = pd.DataFrame({"x": np.arange(10.0), "c": list("aaaabbbcde")})
    prep = CustomerPreparation(max_levels=3).fit(data)
    assert prep.levels_["c"] == ["a", "b", "other"]
    new = prep.transform(pd.DataFrame({"x": [1.0], "c": ["zzz"]}))
    assert new[0, -3:].tolist() == [0.0, 0.0, 1.0]


def test_pca_and_description_round_trip_as_json() -> None:
    prep = CustomerPreparation(n_components=2).fit(frame())
    assert prep.transform(frame()).shape == (500, 2)
    assert prep.feature_names_out() == ["pc1", "pc2"]
    assert json.loads(json.dumps(prep.describe()))["pca"]["n_components"] == 2


def test_constant_feature_is_a_clear_error() -> None:
    data = frame().assign(flat=1.0)
    with pytest.raises(ClusteringError, match="flat have the same value for every customer"):
        CustomerPreparation().fit(data)


def test_unfitted_and_missing_columns_are_errors() -> None:
    with pytest.raises(NotFittedError, match="not fitted"):
        CustomerPreparation().transform(frame())
    prep = CustomerPreparation().fit(frame())
    with pytest.raises(ClusteringError, match="lacks the fitted feature"):
        prep.transform(frame().drop(columns="share"))
