"""Feature groups: the columns that are computed together, and the mart tables they read.

A command asks for the feature columns it uses (RFM: recency, frequency, monetary); the
groups holding them are all that is built (:func:`groups_for`). A group is *ageable* when
what is stored for it (per-customer aggregates such as a count, a sum, the first and last
purchase) does not depend on the as-of day: a customer whose purchases did not change keeps
those aggregates, and the columns that do depend on the day (recency, BTYD ``T``) are
derived from them at read time. The other groups are rebuilt for each date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from segmint.features.orders import CHANNELS, WINDOWS_DAYS
from segmint.features.web import EVENT_COUNTS, WINDOW_COLUMNS


@dataclass(frozen=True)
class FeatureGroup:
    """One group of feature columns.

    Attributes:
        name: the group's name (its stored table is ``feature_part_<name>``).
        columns: the feature columns it gives.
        sources: the mart tables it reads; a load into one of them invalidates it.
        ageable: its stored aggregates hold at any later date for a customer whose
            purchases did not change (see the module docstring).
    """

    name: str
    columns: tuple[str, ...]
    sources: tuple[str, ...]
    ageable: bool


PURCHASE_SOURCES = ("orders", "order_lines")

POPULATION = FeatureGroup("population", ("tenure_days",), ("customers", "orders"), False)
"""Who has a row (:mod:`segmint.features.population`), with the tenure; always built."""

GROUPS: dict[str, FeatureGroup] = {
    g.name: g
    for g in (
        POPULATION,
        FeatureGroup(
            "purchases",
            (
                "recency_days",
                "frequency",
                "repeat_orders",
                "monetary_total",
                "monetary_avg",
                "first_order_date",
                "last_order_date",
            ),
            PURCHASE_SOURCES,
            True,
        ),
        FeatureGroup(
            "cadence",
            (
                "interpurchase_mean_days",
                "interpurchase_std_days",
                "previous_gap_days",
                "prior_cadence_days",
            ),
            ("orders",),
            True,
        ),
        FeatureGroup(
            "windows",
            (*(f"orders_{d}d" for d in WINDOWS_DAYS), *(f"spend_{d}d" for d in WINDOWS_DAYS)),
            PURCHASE_SOURCES,
            False,
        ),
        FeatureGroup(
            "categories",
            ("n_categories", "top_category", "top_category_share"),
            (*PURCHASE_SOURCES, "products"),
            True,
        ),
        FeatureGroup(
            "margins",
            (
                "discount_share",
                "gross_margin",
                "margin_rate",
                "returns_count",
                "return_rate",
                *(f"share_{c}" for c in CHANNELS),
                "share_other",
            ),
            (*PURCHASE_SOURCES, "products"),
            True,
        ),
        FeatureGroup(
            "web",
            (
                "sessions",
                *EVENT_COUNTS,
                "cart_adds_without_purchase",
                *WINDOW_COLUMNS,
                "days_since_last_visit",
            ),
            ("events", "orders"),
            False,
        ),
        FeatureGroup(
            "demographics",
            ("age", "age_band", "gender", "country", "region", "city", "acquisition_channel"),
            ("customers",),
            False,
        ),
        FeatureGroup(
            "btyd",
            ("btyd_frequency", "btyd_recency", "btyd_T", "btyd_monetary"),
            PURCHASE_SOURCES,
            True,
        ),
        FeatureGroup("attributes", (), ("customer_attributes",), False),
    )
}
"""Every group by name; ``attributes`` gives one column per customer attribute."""

PURCHASE_GROUPS = ("purchases", "cadence", "windows", "margins", "btyd")
"""Groups computed by one group-by over the purchases (:mod:`segmint.features.parts`)."""

ALL_GROUPS = tuple(GROUPS)

_GROUP_OF = {column: g.name for g in GROUPS.values() for column in g.columns}


def group_of(column: str) -> str:
    """The group giving ``column``; ``attributes`` for any name that is no built-in column."""
    if column in ("customer_id", "as_of"):
        return POPULATION.name
    return _GROUP_OF.get(column, "attributes")


def groups_for(columns: Iterable[str] | None) -> tuple[str, ...]:
    """The groups to build for ``columns`` (all of them for ``None``), population first."""
    if columns is None:
        return ALL_GROUPS
    wanted = {POPULATION.name} | {group_of(c) for c in columns}
    return tuple(name for name in ALL_GROUPS if name in wanted)


def is_builtin(column: str) -> bool:
    """Whether ``column`` is a built-in feature column (not an attribute)."""
    return column in _GROUP_OF or column in ("customer_id", "as_of")
