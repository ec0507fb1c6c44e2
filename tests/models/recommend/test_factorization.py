"""ALS and BPR over implicit: orientation, weighting, the missing-extra message."""

from __future__ import annotations

import numpy as np
import pytest

from segmint.models import ModelInputError
from segmint.models.recommend import ALS, Interactions, MissingExtraError, factorization
from segmint.models.recommend.factorization import confidence_weights


def _two_tastes() -> Interactions:
    """Customers 0-19 buy items 0-4, customers 20-39 items 5-9, each missing one item."""
    users, items = [], []
    for u in range(40):
        block = range(0, 5) if u < 20 else range(5, 10)
        for i in block:
            if i != block[0] + u % 5:
                users.append(u)
                items.append(i)
    return Interactions.from_arrays(users, items, n_items=10)


def test_als_recommends_the_missing_item_of_the_customers_own_taste() -> None:
    data = _two_tastes()
    model = ALS(factors=4, iterations=20, regularization=0.01, num_threads=1).fit(data)
    assert model.user_factors_.shape == (40, 4) and model.item_factors_.shape == (10, 4)
    recs = model.recommend(np.arange(40), 1)
    expected = [(0 if u < 20 else 5) + u % 5 for u in range(40)]
    assert recs.items[:, 0].tolist() == expected
    assert (recs.because_items[:, 0, 0] >= 0).all()


def test_confidence_weights_tame_large_quantities() -> None:
    data = Interactions.from_arrays([0, 0, 1], [0, 1, 1], quantity=[1, 5000, 2], n_items=2)
    log = confidence_weights(data, "quantity", "log")
    assert log.shape == (2, 2) and log.toarray()[0, 1] == pytest.approx(np.log1p(5000))
    bm25 = confidence_weights(data, "quantity", "bm25").toarray()
    assert 0 < bm25[0, 1] < 3  # saturates: BM25's (k1 + 1) bound times the idf
    with pytest.raises(ModelInputError, match="weighting must be"):
        confidence_weights(data, "quantity", "sqrt")  # type: ignore[arg-type]


def test_missing_implicit_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(factorization.importlib, "import_module", missing)
    with pytest.raises(MissingExtraError, match=r"pip install 'segmint\[recommend\]'"):
        ALS().fit(_two_tastes())
