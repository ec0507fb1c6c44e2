"""Use cases of recommendations ("segment of one"): fit and store, evaluate, rules, show, export.

``segmint recommend …`` (:mod:`segmint.cli.recommend_commands`), ``segmint demo`` and the
pages call these; the work is done by :mod:`segmint.scoring.recommend` (engine side) and
:mod:`segmint.models.recommend` (the estimators). Methods are named as in results
(``popularity``, ``segment_popularity``, ``buy_again``, ``rules``, ``item_knn``, ``als``,
``bpr``, ``auto`` for the blend); the CLI's spellings (``popular``, ``segment-popular``,
``buy-again``, ``item-knn``) are accepted too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import ibis.expr.types as ir
import pandas as pd

from segmint.exceptions import InputError, MartError
from segmint.features.asof import AsOf, checked_as_of, parse_as_of
from segmint.mart import Mart, csv_safety, privacy
from segmint.mart.customer_ids import CustomerId, customer_id_text
from segmint.mart.fetch import scalar, values
from segmint.mart.privacy.spelling import did_you_mean
from segmint.mart.private_files import private_file
from segmint.scoring.campaigns.audience import segment_labels, stored_run
from segmint.scoring.recommend import (
    BLEND,
    METHODS,
    DataSettings,
    Evaluation,
    RecommendSettings,
    RuleSettings,
)
from segmint.scoring.recommend import evaluate as evaluate_methods
from segmint.scoring.recommend.export import ExportedLists, export_rows, lists_day
from segmint.scoring.recommend.rule_list import RuleList, RuleQuery, list_rules
from segmint.scoring.recommend.store import StoredRun, store_recommendations
from segmint.segmentation import store
from segmint.workflows.privacy import check_export_path

Say = Callable[[str], None]

ALIASES = {
    "popular": "popularity",
    "segment-popular": "segment_popularity",
    "buy-again": "buy_again",
    "item-knn": "item_knn",
}
"""The CLI's spellings of method names."""

DEFAULT_SEGMENTATION = "rfm"
"""Segment popularity counts within this stored segmentation when it exists."""

EXPORT_SUFFIXES = (".csv", ".parquet")


def method_name(name: str) -> str:
    """The method's name in results (``auto`` or one of :data:`METHODS`).

    Raises:
        InputError: an unknown name; lists the known ones.
    """
    wanted = ALIASES.get(name.strip().lower(), name.strip().lower())
    if wanted != BLEND and wanted not in METHODS:
        known = ", ".join([BLEND, "popular", "segment-popular", "buy-again", "rules", "item-knn"])
        raise InputError(f"unknown method {name!r}; choose one of {known}, als, bpr.")
    return wanted


@dataclass(frozen=True)
class RecommendOptions:
    """What the recommenders count and how many items they give.

    Attributes:
        k: items per customer.
        exclude_products: product ids that are not goods (postage, fees): never counted,
            never recommended.
        segmentation: the stored segmentation whose segments segment popularity counts
            within; default ``rfm`` when stored, else the behavioural customer groups.
        factorization: fit ALS and BPR (``None``: when ``implicit`` is installed).
    """

    k: int = 10
    exclude_products: tuple[str, ...] = ()
    segmentation: str | None = None
    factorization: bool | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.k, int) and 1 <= self.k <= 100):
            raise InputError(f"k must be a whole number of items from 1 to 100; got {self.k!r}.")

    def settings(self) -> RecommendSettings:
        """The methods' settings."""
        data = DataSettings(exclude_products=self.exclude_products, rules=RuleSettings())
        return RecommendSettings(k=self.k, data=data, factorization=self.factorization)


@dataclass(frozen=True)
class RecommendFitOptions(RecommendOptions):
    """How ``segmint recommend fit`` fits and stores.

    Attributes:
        method: ``auto`` (per customer group, what wins on the 60 days before the date)
            or one method.
    """

    method: str = BLEND


def fit(
    mart: Mart,
    as_of: AsOf | None = None,
    options: RecommendFitOptions | None = None,
    *,
    on_step: Say | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> StoredRun:
    """Fit the method as of the date and store every customer's top ``k`` with reasons.

    Raises:
        InputError: an unknown method or bad ``k``; no baskets by the date.
        MartError: the segmentation asked for has no results by the date.
        MissingExtraError: ``als`` or ``bpr`` without ``segmint[recommend]``.
    """
    o = options or RecommendFitOptions()
    method = method_name(o.method)
    check_excluded(mart, o.exclude_products)
    day = checked_as_of(mart, as_of)
    segments = _segments(mart, o.segmentation, day)
    return store_recommendations(
        mart, day, method, o.settings(), segments, on_step=on_step, on_progress=on_progress
    )


def evaluate(
    mart: Mart,
    split_date: AsOf,
    options: RecommendOptions | None = None,
    *,
    end: AsOf | None = None,
    on_step: Say | None = None,
) -> Evaluation:
    """Train every method on baskets up to ``split_date``, test on what came after
    (``on_step`` is told each step as it starts).

    Raises:
        InputError: a test window that ends before it starts; no baskets by the split.
    """
    o = options or RecommendOptions()
    check_excluded(mart, o.exclude_products)
    split = parse_as_of(split_date)
    last = parse_as_of(end) if end is not None else None
    segments = _segments(mart, o.segmentation, split)
    table = segments[0] if segments else None
    return evaluate_methods(
        mart, split, end=last, settings=o.settings(), segments=table, on_step=on_step
    )


def rules(mart: Mart, as_of: AsOf | None = None, query: RuleQuery | None = None) -> RuleList:
    """The association rules of the baskets up to the date, with product names."""
    check_excluded(mart, () if query is None else query.exclude_products)
    return list_rules(mart, checked_as_of(mart, as_of), query)


def check_excluded(mart: Mart, exclude_products: tuple[str, ...]) -> None:
    """Refuse a product id to exclude that the mart holds only in another case or with
    other surrounding spaces (``post`` for ``POST``).

    Ids are matched exactly, so such an id would exclude nothing and leave postage among
    the recommendations without a word. An id the mart does not hold in any spelling
    excludes nothing either, but has nothing to exclude (a code of another year's data).

    Raises:
        InputError: names each such id and the ids of the mart to write instead.
    """
    wanted = sorted(set(exclude_products))
    if not wanted:
        return
    known: set[str] = set()
    folded: dict[str, set[str]] = {}
    for table in (mart.table("products"), mart.table("order_lines")):
        key = table.product_id.strip().lower()
        near = table.filter(key.isin([p.strip().lower() for p in wanted]))
        for found in values(near.select("product_id").distinct().product_id):
            known.add(found)
            folded.setdefault(found.strip().lower(), set()).add(found)
    misspelt = {
        p: sorted(folded[p.strip().lower()])
        for p in wanted
        if p not in known and p.strip().lower() in folded
    }
    if misspelt:
        fixes = "; ".join(f"{p!r}: the mart holds {', '.join(ids)}" for p, ids in misspelt.items())
        raise InputError(
            f"--exclude-product ids are matched exactly, case and spaces included, and these "
            f"match no product as written ({fixes}). Write the ids as the mart holds them."
        )


def show(mart: Mart, customer_id: CustomerId, as_of: AsOf | None = None) -> pd.DataFrame:
    """One customer's stored list (latest date by default): rank, product, name, score,
    method, reason, as_of. A number is read as ingest stores it (13085.0 is ``13085``).

    Raises:
        MartError: nothing stored for that customer (as of that date), or no such customer
            (naming the id the mart holds when it holds it in another spelling, e.g.
            ``13085`` for ``13085.0``, as ``segmint forget`` does); a date with no
            lists at all (never fitted, or deleted by the ``history`` retention rule) names
            the stored dates.
        TypeError, InputError: an id that is neither text nor a number, or a missing one (NaN).
    """
    customer_id = customer_id_text(customer_id)
    stored = mart.table("recommendations")
    mine = stored.filter(stored.customer_id == customer_id)
    day = lists_day(mart, parse_as_of(as_of)) if as_of else mine.as_of.max().execute()
    if day is None or pd.isna(day):
        customers = mart.table("customers")
        if not scalar(customers.filter(customers.customer_id == customer_id).count()):
            raise MartError(
                f"no customer with id '{customer_id}' in the mart.{did_you_mean(mart, customer_id)}"
                " Ids are matched exactly, case and spaces included."
            )
        raise MartError(_why_no_list(mart, customer_id))
    mine = mine.filter(mine.as_of == day)
    products = mart.table("products").select("product_id", product_name="name")
    named = mine.left_join(products, "product_id").order_by("rank")
    columns = ["rank", "product_id", "product_name", "score", "method", "reason", "as_of"]
    frame: pd.DataFrame = named.select(*columns).to_pandas()
    if frame.empty:
        raise MartError(f"no recommendations stored for customer '{customer_id}' as of {day}.")
    return frame


def _why_no_list(mart: Mart, customer_id: str) -> str:
    """Why a customer of the mart has no stored list, and what (if anything) gives one: lists
    go to customers with a purchase by the fit's date, so a prospect has none however often
    ``recommend fit`` runs, and a first order after the latest lists needs a new fit."""
    latest = mart.table("recommendations").as_of.max().execute()
    if latest is None or pd.isna(latest):
        return "no recommendations stored yet: run `segmint recommend fit`."
    orders = mart.table("orders")
    first = orders.filter(orders.customer_id == customer_id).order_ts.min().execute()
    whose = f"customer '{customer_id}'"
    latest_lists = f"the latest lists, as of {pd.Timestamp(latest).date()}"
    if first is None or pd.isna(first):
        return (
            f"{whose} has no order in the mart, so no list is stored for them: lists are "
            f"made for customers with a purchase by the fit's date ({latest_lists})."
        )
    if pd.Timestamp(first) > pd.Timestamp(latest) + pd.Timedelta(days=1):
        return (
            f"{whose} first ordered on {pd.Timestamp(first).date()}, after {latest_lists}: "
            "run `segmint recommend fit` to make theirs."
        )
    return (
        f"no recommendations stored for {whose} ({latest_lists}; their first order was on "
        f"{pd.Timestamp(first).date()}): run `segmint recommend fit` again."
    )


@dataclass(frozen=True)
class RecommendExportOptions:
    """What ``segmint recommend export`` writes.

    Attributes:
        channel: the contact channel the file is for; its consent decides who is in it.
        segmentation: with ``segment``, only that segment's members.
        segment: a segment of ``segmentation``.
        as_of: the stored lists of this date (default the latest); a segment's members are
            read as the segment stood then (the segmentation's latest results on or before
            that date).
    """

    channel: str = "email"
    segmentation: str | None = None
    segment: str | None = None
    as_of: AsOf | None = field(default=None)

    def __post_init__(self) -> None:
        if (self.segmentation is None) != (self.segment is None):
            raise InputError("--segmentation and --segment go together: name both or neither.")


def export(
    mart: Mart, out_file: Path, options: RecommendExportOptions, *, actor: str | None = None
) -> ExportedLists:
    """Write the consenting customers' lists to a ``.csv`` or ``.parquet`` file, registered
    as an export (who is in it) so that an erasure lists it.

    Raises:
        InputError: another file type; one of segmentation and segment without the other.
        MartError: no lists stored (as of that date); an unknown segmentation, one with no
            results on or before the lists' date, or an unknown segment.
    """
    suffix = check_export_path(out_file)
    day = lists_day(mart, parse_as_of(options.as_of) if options.as_of else None)
    members, members_as_of = None, None
    if options.segmentation is not None and options.segment is not None:
        members, members_as_of = _members(mart, options.segmentation, options.segment, day)
    exported = export_rows(mart, options.channel, as_of=day, members=members)
    exported = replace(exported, members_as_of=members_as_of)
    with private_file(out_file):
        if suffix == ".csv":
            csv_safety.to_csv(exported.rows, out_file)
        else:
            exported.rows.to_parquet(out_file, index=False)
    privacy.register_export(  # so that an erasure lists the file for purging
        mart,
        out_file.resolve(),
        "recommendations",
        actor=actor or privacy.cli_actor(),
        description=f"recommendations ({exported.dates}) for {exported.channel}",
        members=sorted(set(exported.rows["customer_id"].astype(str))),
        n_rows=len(exported.rows),
        details={
            "channel": exported.channel,
            "n_candidates": exported.n_candidates,
            "n_without_consent": exported.n_without_consent,
            "n_suppressed": exported.n_suppressed,
        },
    )
    return exported


def _members(mart: Mart, segmentation: str, segment: str, day: dt.date) -> tuple[ir.Table, dt.date]:
    """``customer_id`` of the members of ``segment`` as the segment stood on ``day``, the
    date of the exported lists: in ``segmentation``'s latest results on or before ``day``
    (not its latest results: a file of the lists as of ``day`` is for the segment as it
    stood then), found as campaigns and the API's audiences find them
    (:func:`~segmint.scoring.campaigns.audience.stored_run`); and the date of those results.

    Raises:
        MartError: unknown segmentation, no results on or before ``day``, or no such segment.
    """
    store.definition(mart, segmentation)  # an unknown name is refused as such
    try:
        run = stored_run(mart, segmentation, day)
    except MartError:
        stored = store.as_of_dates(mart, segmentation)
        shown = ", ".join(d.isoformat() for d in stored[-10:]) or "none"
        raise MartError(
            f"segmentation '{segmentation}' has no results as of {day} or earlier; stored "
            f"dates: {shown}. The recommendations exported are those as of {day}, and the "
            f"members of --segment are read as the segment stood then: segment it as of "
            f"{day} first, or export the lists of another date with --as-of."
        ) from None
    assigned = segment_labels(mart, run)
    members = assigned.filter(assigned.segment == segment)
    if int(members.count().execute()) == 0:
        names = assigned.select("segment").distinct().segment.execute()
        known = sorted(names.dropna().astype(str))
        raise MartError(
            f"segmentation '{segmentation}' has no segment {segment!r} as of {run.as_of}; "
            f"its segments: {', '.join(known) or 'none'}."
        )
    return members.select("customer_id"), run.as_of


def _segments(mart: Mart, name: str | None, day: dt.date) -> tuple[ir.Table, str] | None:
    """The assignments of ``name`` as of its latest stored date up to ``day``, labelled.

    Without a name: the default segmentation when it has results by ``day``, else None
    (the behavioural customer groups).

    Raises:
        MartError: the named segmentation has no results up to ``day``.
    """
    wanted = name or DEFAULT_SEGMENTATION
    try:
        run = stored_run(mart, wanted, day)  # as campaigns and the API's audiences read it
    except MartError:
        if name is None:
            return None
        store.definition(mart, name)  # an unknown name is refused as such
        raise MartError(
            f"segmentation '{name}' has no results as of {day} or earlier; run it as of "
            f"that date first (`segmint segment {name} --as-of {day}`)."
        ) from None
    return segment_labels(mart, run), f"{wanted} as of {run.as_of}"
