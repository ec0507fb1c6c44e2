"""Fitted cluster models kept in the mart, so later dates are assigned without refitting.

A :class:`FittedClusters` bundles what assigning a customer needs: the feature names, the
learnt preparation, the fitted clusters and the map from cluster to stored segment
(small clusters merged into their nearest neighbour, when asked). It is pickled into
the mart table ``cluster_models`` (one row per segmentation version), next to a JSON
description of the preparation that people and other tools can read. Keeping it in the
mart keeps one file to copy and back up, and the model row lands in the same database as
the assignments it produced.

Unpickling runs code from the stored bytes: open only marts you trust, as with any
pickled scikit-learn model. A model pickled by one scikit-learn version may not load in
another; refitting (``segmint segment cluster NAME``) then makes a new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import pickle
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
from numpy.typing import NDArray

from segmint.exceptions import MartError
from segmint.mart import Mart, fetch
from segmint.mart.schema import CLUSTER_MODELS
from segmint.models.clustering import CustomerClusters, CustomerPreparation

PROSPECTS = "prospects"
"""Segment of customers who never ordered when the default (behavioural) features are used."""
CANCELLED_ONLY = "cancelled only"
"""Segment of customers without a purchase who ordered and cancelled every order
(:func:`segmint.features.orders.cancelled_only`), set apart with the prospects but no
prospects: they ordered."""
ASSIGN_ROWS = 500_000
"""Customers a stored model assigns at once (:meth:`FittedClusters.assign`)."""
MODELS_TABLE = CLUSTER_MODELS.name
MODELS_SCHEMA = CLUSTER_MODELS.ibis_schema()
"""The table's columns, declared in :mod:`segmint.mart.schema` (``segmint init`` creates it)."""


@dataclass
class FittedClusters:
    """A fitted preparation and clustering, and the segment name of every cluster.

    Attributes:
        features: the feature columns, in the order the preparation expects.
        preparation: the fitted :class:`CustomerPreparation`.
        clusters: the fitted :class:`CustomerClusters`.
        segment_of: segment name of each cluster index (merged clusters share a name).
        prospects: when True, customers with no purchase (``frequency`` 0) are not
            clustered but get the segment :data:`PROSPECTS`, or :data:`CANCELLED_ONLY`
            when they ordered and cancelled every order.
    """

    features: list[str]
    preparation: CustomerPreparation
    clusters: CustomerClusters
    segment_of: list[str] = field(default_factory=list)
    prospects: bool = False

    def matrix(self, frame: pd.DataFrame) -> NDArray[np.float64]:
        """The prepared matrix of ``frame`` (which has at least :attr:`features`)."""
        return self.preparation.transform(frame[self.features])

    def is_prospect(self, frame: pd.DataFrame) -> NDArray[np.bool_]:
        """Rows set apart as prospects (none unless :attr:`prospects`)."""
        if not self.prospects:
            return np.zeros(len(frame), dtype=bool)
        mask: NDArray[np.bool_] = (frame["frequency"].fillna(0) == 0).to_numpy()
        return mask

    def segments(
        self, frame: pd.DataFrame, cancelled: NDArray[np.bool_] | None = None
    ) -> NDArray[np.object_]:
        """The segment name of every row of ``frame``; of the rows set apart, those marked
        in ``cancelled`` (ordered and cancelled every order) are :data:`CANCELLED_ONLY`."""
        result = np.full(len(frame), PROSPECTS, dtype=object)
        if cancelled is not None:
            result[cancelled] = CANCELLED_ONLY
        buyers = ~self.is_prospect(frame)
        if buyers.any():
            labels = self.clusters.predict(self.matrix(frame[buyers]))
            result[buyers] = np.asarray(self.segment_of, dtype=object)[labels]
        return result

    def assign(
        self,
        mart: Mart,
        table: ibis.Table,
        rows: int = ASSIGN_ROWS,
        *,
        cancelled: ibis.Table | None = None,
    ) -> tuple[pa.ChunkedArray, NDArray[np.object_]]:
        """Every customer of ``table`` (which has :attr:`features`) and their segment, read
        from the engine about ``rows`` customers at a time (:meth:`segmint.mart.Mart.batches`):
        a stored model applied to ten million customers never holds more than that many
        customers' features in memory. The preparation and the clusters were fitted
        already, so each customer's segment depends on their own row alone and batches give
        what one pass would. ``cancelled``: ``customer_id`` of the customers who ordered and
        cancelled every order (:data:`CANCELLED_ONLY` when set apart; None: nobody)."""
        flag: dict[str, ir.BooleanValue] = {}
        if self.prospects and cancelled is not None:
            flag["_cancelled"] = in_cancelled(table, cancelled)
        ids: list[pa.Array] = []
        segments: list[NDArray[np.object_]] = []
        for batch in mart.batches(table.select("customer_id", *self.features, **flag), rows):
            ids.append(fetch.detached(batch.column("customer_id"), pa.string()))
            frame = batch.to_pandas()
            flags = frame.pop("_cancelled").to_numpy(bool) if flag else None
            segments.append(self.segments(frame, flags))
        found = np.concatenate(segments) if segments else np.empty(0, dtype=object)
        return pa.chunked_array(ids, pa.string()), found

    def model_id(self) -> str:
        """A short fingerprint of what was learnt (same seed and data → same id)."""
        centres = np.round(self.clusters.cluster_centers_, 10).tobytes()
        text = json.dumps(
            {"prep": self.preparation.describe(), "segments": self.segment_of}, sort_keys=True
        )
        return hashlib.sha256(centres + text.encode()).hexdigest()[:16]


def in_cancelled(table: ibis.Table, cancelled: ibis.Table) -> ir.BooleanValue:
    """Whether each customer of ``table`` is in ``cancelled`` (``customer_id`` of the
    customers who ordered and cancelled every order)."""
    ids = cancelled.select(_cancelled_id="customer_id").distinct()
    flag: ir.BooleanValue = table.customer_id.isin(ids._cancelled_id)
    return flag


def save_model(
    mart: Mart, name: str, version: int, fitted_as_of: dt.date, model: FittedClusters
) -> None:
    """Store ``model`` as the model of segmentation ``name`` version ``version``."""
    if not mart.has_table(MODELS_TABLE):
        mart.create_table(MODELS_TABLE, schema=MODELS_SCHEMA)
    row = pa.table(
        {
            "segmentation": [name],
            "version": pa.array([version], pa.int32()),
            "model_id": [model.model_id()],
            "fitted_as_of": pa.array([fitted_as_of], pa.date32()),
            "created_at": pa.array(
                [dt.datetime.now(dt.UTC).replace(tzinfo=None)], pa.timestamp("us")
            ),
            "description": [json.dumps(describe(model), default=str)],
            "model": pa.array([pickle.dumps(model)], pa.binary()),
        }
    )
    with mart.transaction():
        mart.delete(MODELS_TABLE, segmentation=name, version=version)
        mart.insert(MODELS_TABLE, ibis.memtable(row))


def load_model(mart: Mart, name: str, version: int | None = None) -> tuple[int, FittedClusters]:
    """The stored model of ``name`` (its latest version unless ``version`` is given).

    Raises:
        MartError: no model is stored for that name or version; says how to fit one.
    """
    if not mart.has_table(MODELS_TABLE):
        raise MartError(
            f"no cluster model is stored in {mart.path}; fit one with "
            f"`segmint segment cluster {name}` first"
        )
    table = mart.table(MODELS_TABLE)
    mine = table.filter(table.segmentation == name)
    if version is not None:
        mine = mine.filter(mine.version == version)
    found = mine.order_by([ibis.desc("created_at"), ibis.desc("version")]).limit(1).to_pyarrow()
    if not found.num_rows:
        which = f"'{name}'" + ("" if version is None else f" version {version}")
        raise MartError(
            f"no cluster model stored for {which}; fit one with `segmint segment cluster {name}`"
        )
    model = pickle.loads(found["model"][0].as_py())  # the user's own mart: see module docs
    if not isinstance(model, FittedClusters):
        raise MartError(f"the stored model of '{name}' is not a cluster model; refit it")
    return int(found["version"][0].as_py()), model


def describe(model: FittedClusters) -> dict[str, Any]:
    """What the model is, as JSON-ready data: features, preparation, algorithm, k, segments."""
    clusters = model.clusters
    return {
        "features": model.features,
        "preparation": model.preparation.describe(),
        "algorithm": clusters.algorithm,
        "k": int(clusters.n_clusters),
        "random_state": int(clusters.random_state),
        "n_fit": int(clusters.n_fit_),
        "segments": model.segment_of,
        "prospects_apart": model.prospects,
    }
