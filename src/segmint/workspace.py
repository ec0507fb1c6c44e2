"""The Python API for notebooks and scripts: a mart with the use cases as methods.

``segmint.connect(path)`` opens (or creates) a mart and returns a :class:`Workspace`: a
:class:`~segmint.mart.Mart` (everything a mart does still works) whose methods are the use
cases of :mod:`segmint.workflows`, the same functions the CLI and the dashboard call, so a
notebook gets the numbers ``segmint`` prints. Results are DataFrames and typed results.

Example, on a small synthetic retailer written to a temporary folder:

>>> import tempfile
>>> import segmint as sg
>>> from segmint.synth import synthesize
>>> folder = tempfile.mkdtemp()
>>> _ = synthesize(f"{folder}/data", 400, seed=3)
>>> ws = sg.connect(f"{folder}/shop.duckdb")
>>> [(r.table, r.rows_loaded) for r in ws.load(f"{folder}/data")][:3]
[('customers', 400), ('customer_pii', 400), ('customer_attributes', 849)]
>>> rfm = ws.segment_rfm()
>>> rfm.as_of, int(rfm.sizes.sum())
(datetime.date(2025, 12, 31), 400)
>>> rfm.sizes.head(3).to_dict()
{'Champions': 75, 'Loyal': 75, "Can't Lose Them": 15}
>>> ws.profile("rfm").overview[["segment", "members"]].head(2).to_dict("records")
[{'segment': 'Champions', 'members': 75}, {'segment': 'Loyal', 'members': 75}]
>>> fit = ws.clv.fit(model="bgnbd")
>>> fit.final.model_name, round(fit.final.transactions.params_["r"], 3)
('bgnbd+gammagamma', 1.333)
>>> ws.clv.score().n_customers
353
>>> run = ws.recommend.fit(method="buy-again", k=3)
>>> run.method, run.n_customers
('buy_again', 353)
>>> ws.recommend.show("C0000002").reason.iloc[0]
'you bought this 383 days ago'
>>> ws.close()
>>> import shutil; shutil.rmtree(folder)
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from segmint._workspace_args import FILE_LISTS, check_writable, one_name, stores, tupled, values
from segmint._workspace_campaigns import CampaignUseCases
from segmint.config import Settings
from segmint.features import StoredFeatures
from segmint.features.asof import AsOf
from segmint.insight import Migration, SegmentProfile
from segmint.insight.personas import PersonaCard
from segmint.mart import Mart
from segmint.mart import connect as open_mart
from segmint.mart.customer_ids import CustomerId, customer_id_texts
from segmint.mart.ingest import IngestOptions, IngestResult
from segmint.mart.privacy import AccessResult, ForgetResult
from segmint.mart.privacy.audit import cli_actor
from segmint.mart.shop_settings import set_currency, shop_currency
from segmint.scoring.clv_scores import ScoreRun
from segmint.scoring.option_defaults import MAX_ITER
from segmint.scoring.recommend import Evaluation
from segmint.scoring.recommend.export import ExportedLists
from segmint.scoring.recommend.rule_list import RuleList, RuleQuery
from segmint.scoring.recommend.store import StoredRun
from segmint.workflows import assignments as stored
from segmint.workflows import (
    clusters,
    clv,
    clv_score,
    features,
    load,
    predict,
    privacy,
    profile,
    segment,
    value,
)
from segmint.workflows import quickstart as quickstart_workflow
from segmint.workflows import recommend as recommend_workflow
from segmint.workflows.predict import PredictionRun, ScoreRefresh
from segmint.workflows.quickstart import QuickstartRun

__all__ = ["CampaignUseCases", "ClvUseCases", "RecommendUseCases", "Workspace", "connect"]


def connect(
    path: Path | str | None = None,
    *,
    settings: Settings | None = None,
    create: bool = True,
    read_only: bool = False,
) -> Workspace:
    """Open the mart at ``path`` (created by default) as a :class:`Workspace`.

    The arguments are those of :func:`segmint.mart.connect`: ``path`` defaults to
    ``SEGMINT_MART`` (else ``segmint.duckdb``); ``read_only`` lets other readers in.

    Raises:
        MartError: no mart at ``path`` when it must exist, or it cannot be opened.
        MartBusyError: another process holds the file.
    """
    return Workspace.of(open_mart(path, settings=settings, create=create, read_only=read_only))


class Workspace(Mart):
    """A mart with the use cases as methods (see the module's example).

    Every method calls one function of :mod:`segmint.workflows`; see there for the
    details of each use case. Segmentations and scores are stored in the mart, as the
    CLI stores them, and computed as of a date (default: the last day with orders).
    """

    @classmethod
    def of(cls, mart: Mart) -> Workspace:
        """The workspace over an open ``mart`` (which it takes over: close the workspace)."""
        return cls(mart.con, mart.path, read_only=mart.read_only, publishes=mart.publishes)

    def __enter__(self) -> Workspace:
        return self

    def __repr__(self) -> str:
        mode = ", read_only=True" if self.read_only else ""
        return f"segmint.connect({str(self.path)!r}{mode})"

    @property
    def clv(self) -> ClvUseCases:
        """Customer lifetime value: ``fit()``, ``score()``, ``backtest()``."""
        return ClvUseCases(self)

    @property
    def recommend(self) -> RecommendUseCases:
        """Per-customer recommendations: ``fit()``, ``evaluate()``, ``rules()``, ``show()``,
        ``export()``."""
        return RecommendUseCases(self)

    @property
    def campaigns(self) -> CampaignUseCases:
        """Campaigns with control groups: ``create()``, ``power()``, ``export()``,
        ``results()``, ``list()``."""
        return CampaignUseCases(self)

    def ingest(
        self,
        table: str,
        path: Path | str,
        map: dict[str, str] | None = None,
        **options: Any,
    ) -> IngestResult:
        """Load one file into ``table`` (or ``"transactions"`` for a flat order-line file).

        Args:
            map: mart column → file column, e.g. ``{"customer_id": "Cust"}``.
            options: the other fields of :class:`segmint.mart.ingest.IngestOptions`
                (``preset``, ``sheet``, ``ignore``, ``dry_run``, ``date_formats``,
                ``delimiter``, ``encoding``, ``create_customers``…; ``ignore`` and
                ``date_formats`` take one value or several). Columns not mapped are
                guessed; the result says where every column went.
        """
        chosen = IngestOptions(mapping=dict(map or {}), **tupled(options, FILE_LISTS))
        if not chosen.dry_run:
            check_writable(self, "ingest")
        return load.ingest(self, table, path, chosen)

    def load(self, folder: Path | str, **options: Any) -> list[IngestResult]:
        """Load every file of ``folder`` named after a mart table, parents before children."""
        chosen = IngestOptions(**tupled(options, FILE_LISTS))
        if not chosen.dry_run:
            check_writable(self, "load")
        return load.load_folder(self, Path(folder), chosen)

    @stores
    def quickstart(
        self,
        path: Path | str,
        map: dict[str, str] | None = None,
        *,
        max_iter: int = MAX_ITER,
        **options: Any,
    ) -> QuickstartRun:
        """Load one export as transactions, then RFM, lifecycle, CLV where the data allows,
        money per segment and persona cards (:mod:`segmint.workflows.quickstart`);
        ``max_iter``: the iteration limit of its model fits."""
        chosen = IngestOptions(mapping=dict(map or {}), **tupled(options, FILE_LISTS))
        return quickstart_workflow.quickstart(self, path, chosen, max_iter=max_iter)

    @stores
    def features(self, as_of: AsOf | None = None) -> StoredFeatures:
        """Build and store the customer features as of ``as_of``."""
        return features.store(self, as_of)

    @stores
    def segment_rfm(
        self,
        as_of: AsOf | None = None,
        *,
        bins: int = 5,
        map_path: Path | None = None,
        name: str = "rfm",
    ) -> segment.SegmentationRun:
        """RFM scores and the named RFM segments, stored as ``name``."""
        return segment.run_rfm(self, as_of, bins=bins, map_path=map_path, name=name)

    @stores
    def segment_lifecycle(
        self, as_of: AsOf | None = None, *, name: str = "lifecycle", **thresholds: Any
    ) -> segment.SegmentationRun:
        """Lifecycle stages (thresholds from the data unless given), stored as ``name``."""
        return segment.run_lifecycle(self, as_of, name=name, **thresholds)

    @stores
    def segment_rules(
        self, name: str, rules: Path | str, as_of: AsOf | None = None
    ) -> segment.SegmentationRun:
        """Segments from a rules file or YAML text (first match wins), stored as ``name``."""
        return segment.run_rules(self, name, rules, as_of)

    @stores
    def segment_value(self, as_of: AsOf | None = None, **settings: Any) -> value.ValueRun:
        """Value tiers by predicted CLV and the value x risk grid (``model``, ``cuts``,
        ``risk_cuts``, ``name``, ``max_iter`` as in :func:`segmint.workflows.value.run_value`)."""
        return value.run_value(self, as_of, **settings)

    @stores
    def segment_clusters(
        self,
        name: str = "clusters",
        as_of: AsOf | None = None,
        options: clusters.ClusterOptions | None = None,
        **settings: Any,
    ) -> clusters.ClusterRun:
        """Cluster analysis stored as ``name``; ``options`` or the fields of
        :class:`~segmint.workflows.clusters.ClusterOptions` as keywords (``k=4``,
        ``features=`` one column or several…)."""
        chosen = options or clusters.ClusterOptions(**tupled(settings, ("features",)))
        return clusters.run_clusters(self, name, as_of, chosen)

    @stores
    def assign_clusters(self, name: str, as_of: AsOf | None = None) -> clusters.ClusterAssignment:
        """Apply the stored cluster model ``name`` to ``as_of`` without refitting."""
        return clusters.assign_clusters(self, name, as_of)

    def profile(
        self, segmentation: str, as_of: AsOf | None = None, **settings: Any
    ) -> SegmentProfile:
        """Money, features and statistics per segment (the fields of
        :class:`~segmint.workflows.profile.ProfileOptions` as keywords: ``by=``…).

        ``by`` is one feature column or stored segmentation (``by="region"``); a list is a
        TypeError saying so: profile once per column to cross by several."""
        what = "one feature column or stored segmentation (by='region')"
        chosen = one_name(settings, "by", what, "To cross by several, profile once per column.")
        return profile.profile(self, segmentation, as_of, profile.ProfileOptions(**chosen))

    def personas(self, segmentation: str, as_of: AsOf | None = None) -> list[PersonaCard]:
        """Persona cards of every segment, most valuable first."""
        return profile.personas(self, segmentation, as_of)

    def migration(self, segmentation: str, from_date: AsOf, to_date: AsOf) -> Migration:
        """How customers moved between segments from one stored date to another."""
        return profile.migration(self, segmentation, from_date, to_date)

    def segmentations(self) -> pd.DataFrame:
        """Stored segmentations with their versions and dates."""
        return stored.segmentations(self)

    def assignments(self, segmentation: str, as_of: AsOf | None = None) -> pd.DataFrame:
        """``customer_id``, ``segment`` of a stored segmentation (default: its latest date)."""
        return stored.assignments(self, segmentation, as_of)

    @stores
    def predict(
        self,
        target: str,
        as_of: AsOf | None = None,
        horizon_days: int | None = None,
        *,
        strict: bool = False,
        max_iter: int = MAX_ITER,
    ) -> PredictionRun:
        """Train, evaluate and store ``churn`` or ``intent`` scores as of ``as_of``
        (``strict`` refuses a BTYD baseline whose maximum is on the boundary; ``max_iter``
        is its fit's iteration limit)."""
        return predict.run_prediction(
            self, target, as_of, horizon_days, strict=strict, max_iter=max_iter
        )

    @stores
    def refresh_scores(
        self,
        as_of: AsOf | None = None,
        *,
        retrain: bool = False,
        strict: bool = False,
        max_iter: int = MAX_ITER,
    ) -> ScoreRefresh:
        """Churn, intent and (with the stored CLV fit) CLV scores as of ``as_of``, with the
        stored churn and intent models while they are fresh (``retrain`` trains them again;
        ``strict`` refuses, and ``max_iter`` limits, the BTYD baseline's fit)."""
        return predict.refresh_scores(
            self, as_of, retrain=retrain, strict=strict, max_iter=max_iter
        )

    @stores
    def forget(
        self,
        customer_ids: CustomerId | Iterable[CustomerId],
        reason: str,
        *,
        keep_orders: bool = False,
    ) -> ForgetResult:
        """Erase customers from every table and from the file's bytes (``docs/privacy.md``).

        An id given as a number is the customer ingest stored for it (13085.0, as pandas
        reads a float column of ids, is ``13085``)."""
        ids = tuple(customer_id_texts(customer_ids))
        options = privacy.ForgetOptions(ids, reason=reason, keep_orders=keep_orders)
        return privacy.forget(self, options)

    @stores
    def subject_access(self, customer_id: CustomerId, out: Path | str) -> AccessResult:
        """Everything held about a customer, as JSON and CSV files in the new folder ``out``."""
        return privacy.subject_access(self, customer_id, Path(out))

    def audit(self, *, verify: bool = False) -> privacy.AuditReport:
        """The audit trail (the servers' journal moved in first); ``verify`` checks the chain."""
        return privacy.audit_trail(self, verify=verify)

    def retention(
        self,
        *,
        events: str | None = None,
        pii_inactive: str | None = None,
        history: str | None = None,
        dry_run: bool = False,
    ) -> privacy.RetentionOutcome:
        """Store retention periods (``400d``, ``3y``) and apply them; ``dry_run`` only counts.

        ``history`` keeps stored assignments, scores and recommendations that long before
        each series' latest date; ``outcome.result.history`` says what it deleted."""
        if not dry_run:
            check_writable(self, "retention")
        options = privacy.RetentionOptions(events, pii_inactive, dry_run, history=history)
        return privacy.retention(self, options)

    def currency(self) -> str | None:
        """The ISO 4217 code of the shop's amounts (``segmint currency``), or None when none
        is set: the pages, the report and the CLI show money with it."""
        return shop_currency(self)

    @stores
    def set_currency(self, code: str | None) -> str | None:
        """Store ``code`` (``"EUR"``, any case) as the shop's currency, or forget it with
        None, and return what is stored; recorded in the audit trail with the shell's user
        (``cli:<user>``), as ``segmint currency`` records it.

        Raises:
            InputError: ``code`` is not a known ISO 4217 code; nothing is stored.
        """
        return set_currency(self, code, cli_actor())


class ClvUseCases:
    """The CLV use cases of a workspace: ``ws.clv.fit()``, ``.score()``, ``.backtest()``."""

    GROUP = "clv"
    """How the workspace names the group (``ws.clv``), for the messages."""

    def __init__(self, mart: Mart) -> None:
        self.mart = mart

    @stores
    def fit(self, as_of: AsOf | None = None, **settings: Any) -> clv.ClvFitRun:
        """Compare, check, fit and store (fields of :class:`~segmint.workflows.clv.ClvFitOptions`
        as keywords: ``model=``, ``holdout_weeks=``…)."""
        return clv.fit(self.mart, as_of, clv.ClvFitOptions(**settings))

    @stores
    def score(self, as_of: AsOf | None = None, **settings: Any) -> ScoreRun:
        """Score every customer with the stored fit (fields of
        :class:`~segmint.workflows.clv_score.ClvScoreOptions` as keywords)."""
        return clv_score.score(self.mart, as_of, clv_score.ClvScoreOptions(**settings))

    def backtest(
        self,
        calibration_end: AsOf,
        holdout_end: AsOf | None = None,
        models: str | Iterable[str] = (),
        *,
        penalizer: float = 0.0,
        strict: bool = False,
        covariate: str | None = None,
        max_iter: int = 1000,
    ) -> clv.Backtest:
        """Each model's holdout metrics when fitted on the calibration period (``models``:
        one name or several, default all; with a ``covariate``, each model also split by
        it)."""
        return clv.backtest(
            self.mart,
            calibration_end,
            holdout_end,
            values(models),
            penalizer=penalizer,
            strict=strict,
            covariate=covariate,
            max_iter=max_iter,
        )


class RecommendUseCases:
    """The recommendation use cases of a workspace (``segmint recommend …``):
    ``ws.recommend.fit()``, ``.evaluate()``, ``.rules()``, ``.show()``, ``.export()``.

    Each calls the function of :mod:`segmint.workflows.recommend` the command calls, with
    the command's options as keywords (method names as on the command line or in results:
    ``"buy-again"`` or ``"buy_again"``).
    """

    GROUP = "recommend"
    """How the workspace names the group (``ws.recommend``), for the messages."""

    def __init__(self, mart: Mart) -> None:
        self.mart = mart

    @stores
    def fit(self, as_of: AsOf | None = None, **settings: Any) -> StoredRun:
        """Fit ``method`` (default ``"auto"``, the blend) and store every customer's top
        ``k`` with reasons (fields of :class:`~segmint.workflows.recommend.RecommendFitOptions`
        as keywords: ``method=``, ``k=``, ``segmentation=``, ``exclude_products=``)."""
        options = recommend_workflow.RecommendFitOptions(**tupled(settings))
        return recommend_workflow.fit(self.mart, as_of, options)

    def evaluate(self, split_date: AsOf, end: AsOf | None = None, **settings: Any) -> Evaluation:
        """Train every method on baskets up to ``split_date`` and test on what came after
        (fields of :class:`~segmint.workflows.recommend.RecommendOptions` as keywords)."""
        options = recommend_workflow.RecommendOptions(**tupled(settings))
        return recommend_workflow.evaluate(self.mart, split_date, options, end=end)

    def rules(self, as_of: AsOf | None = None, **query: Any) -> RuleList:
        """Association rules with product names, strongest lift first (fields of
        :class:`~segmint.scoring.recommend.rule_list.RuleQuery` as keywords:
        ``min_support=``, ``min_count=``, ``min_confidence=``, ``min_lift=``, ``max_len=``)."""
        return recommend_workflow.rules(self.mart, as_of, RuleQuery(**tupled(query)))

    def show(self, customer_id: CustomerId, as_of: AsOf | None = None) -> pd.DataFrame:
        """One customer's stored list: rank, product, name, score, method, reason, as_of."""
        return recommend_workflow.show(self.mart, customer_id, as_of)

    @stores
    def export(
        self, out: Path | str, *, actor: str | None = None, **settings: Any
    ) -> ExportedLists:
        """Write the consenting customers' lists to a ``.csv`` or ``.parquet`` file (fields
        of :class:`~segmint.workflows.recommend.RecommendExportOptions` as keywords:
        ``channel=``, ``segmentation=``, ``segment=``, ``as_of=``)."""
        options = recommend_workflow.RecommendExportOptions(**settings)
        return recommend_workflow.export(self.mart, Path(out), options, actor=actor)
