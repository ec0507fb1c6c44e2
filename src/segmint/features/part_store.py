"""Feature groups built once and reused: the parts in the mart, keyed by date and data.

Each group's part is stored in ``feature_part_<group>`` with its ``as_of``, and the
catalogue ``feature_builds`` records the keys of the data it was built from
(:mod:`segmint.features.keys`). :func:`stored_parts` gives a command the parts it asks for:

* a part stored for the day whose keys still match is read as it is;
* an ageable part stored for an earlier day, when the mart only gained orders and lines
  since, is brought forward for the customers whose purchases changed
  (:mod:`segmint.features.incremental`);
* anything else is built from all the data; the purchase groups built together share one
  pass over the purchases.

Every write is one transaction. Only the latest :data:`KEEP_DATES` dates of a group stay
stored (plus the one just written), so a daily refresh does not grow the mart without end.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from segmint.features import incremental
from segmint.features.asof import date_literal
from segmint.features.attributes import attribute_columns
from segmint.features.build import FEATURE_COLUMNS
from segmint.features.groups import ALL_GROUPS, GROUPS, PURCHASE_GROUPS
from segmint.features.keys import TableKey, dump, load, source_keys
from segmint.features.parts import customer_part, metric_names, other_part, purchase_part
from segmint.mart import Mart
from segmint.mart.schema import FEATURE_BUILDS

if TYPE_CHECKING:
    import pandas as pd

CATALOG = FEATURE_BUILDS.name
KEEP_DATES = 2
PASS_TABLE = "feature_part_pass"
"""Scratch table holding one shared pass over the purchases while it is split into parts."""
CHANGED_TABLE = "feature_part_changed"
"""Scratch table of the customers whose purchases changed, while parts are brought forward."""
FORWARD_TABLE = "feature_part_forward"
"""Scratch table of one part brought forward, before it replaces the stored rows."""

Step = Callable[[str], None]


def part_table(group: str) -> str:
    """The table holding ``group``'s stored parts."""
    return f"feature_part_{group}"


def stored_parts(
    mart: Mart, day: dt.date, groups: Iterable[str], step: Step | None = None
) -> dict[str, ir.Table]:
    """The parts of ``groups`` (and the population) as of ``day``, read from the store;
    missing or stale ones are built (or brought forward) and stored first."""
    asked = set(groups) | {"population"}
    wanted = [g for g in ALL_GROUPS if g in asked]
    sources = {t for g in wanted for t in GROUPS[g].sources}
    now = source_keys(mart, sources)
    keys = {g: _keys_of(now, GROUPS[g].sources) for g in wanted}
    catalog = _catalog(mart)
    stale = [g for g in wanted if _outdated(mart, g) or _entry(catalog, g, day) != dump(keys[g])]
    brought = _bring_forward(mart, catalog, stale, day, keys, step)
    todo = [g for g in stale if g not in brought]
    if todo:
        _build(mart, day, todo, keys, step)
    recorded = set(_catalog(mart).query("as_of == @day").feature_group)
    return {g: _read(mart, g, day) for g in wanted if g in recorded}


def _keys_of(now: dict[str, TableKey], tables: Iterable[str]) -> dict[str, TableKey]:
    chosen = {t: now[t] for t in tables}
    chosen["_erasures"] = now["_erasures"]
    return chosen


def _catalog(mart: Mart) -> pd.DataFrame:
    import pandas as pd  # the catalogue is read when features are built, not at import

    if not mart.has_table(CATALOG):
        return pd.DataFrame(columns=["feature_group", "as_of", "source_key"])
    table = mart.table(CATALOG)
    frame: pd.DataFrame = table.select("feature_group", "as_of", "source_key").execute()
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def _entry(catalog: pd.DataFrame, group: str, day: dt.date) -> str | None:
    rows = catalog[(catalog.feature_group == group) & (catalog.as_of == day)]
    return None if rows.empty else str(rows.source_key.iloc[0])


def _origin(
    mart: Mart, catalog: pd.DataFrame, group: str, day: dt.date, keys: dict[str, TableKey]
) -> tuple[dt.date, str] | None:
    """The date and data key of the stored part ``group`` can be brought forward from to
    ``day``: its latest earlier part, if the group is ageable and the mart only gained
    rows since; else None."""
    if not GROUPS[group].ageable or _outdated(mart, group):
        return None
    earlier = catalog[(catalog.feature_group == group) & (catalog.as_of <= day)]
    if earlier.empty:
        return None
    latest = earlier.sort_values("as_of").iloc[-1]
    if not incremental.only_appended(mart, load(str(latest.source_key)), keys):
        return None
    return latest.as_of, str(latest.source_key)


def _outdated(mart: Mart, group: str) -> bool:
    """Whether the stored parts of ``group`` lack an aggregate (a purchase group) or a
    column (the web group) its part holds now: they were stored by an earlier version of
    segmint, so the group is built again from all the data, which replaces them."""
    if not mart.has_table(part_table(group)):
        return False
    stored = mart.table(part_table(group))
    if group in PURCHASE_GROUPS:
        return not set(metric_names(group, stored)) <= set(stored.columns)
    if group == "web":  # its part holds its feature columns themselves
        return not set(GROUPS[group].columns) <= set(stored.columns)
    return False


def _bring_forward(
    mart: Mart,
    catalog: pd.DataFrame,
    groups: list[str],
    day: dt.date,
    keys: dict[str, dict[str, TableKey]],
    step: Step | None,
) -> set[str]:
    """Bring the ageable ``groups`` forward to ``day`` from their latest earlier parts; the
    groups brought.

    Groups stored from the same date and data share the work: the customers whose
    purchases changed are found once and the purchase groups among them recomputed for
    those customers in one pass, as a full build shares one pass over all purchases.
    """
    origins: dict[tuple[dt.date, str], list[str]] = {}
    for group in groups:
        origin = _origin(mart, catalog, group, day, keys[group])
        if origin is not None:
            origins.setdefault(origin, []).append(group)
    for (old_day, old_key), members in origins.items():
        if step:
            step(f"bringing {', '.join(members)} features from {old_day} to {day}")
        with mart.unordered(), mart.transaction():
            mart.create_table(
                CHANGED_TABLE, incremental.changed_customers(mart, load(old_key), old_day, day)
            )
            changed = mart.table(CHANGED_TABLE)
            together = [g for g in members if g in PURCHASE_GROUPS]
            if len(together) > 1:
                mart.create_table(PASS_TABLE, purchase_part(mart, day, together, changed))
            for group in members:
                fresh = (
                    mart.table(PASS_TABLE)
                    if len(together) > 1 and group in together
                    else customer_part(mart, day, group, changed)
                )
                stored = mart.table(part_table(group))
                names = metric_names(group, stored)
                kept = stored.filter(stored.as_of == date_literal(old_day))
                rows = (
                    kept.anti_join(changed, "customer_id")
                    .select("customer_id", *names)
                    .union(fresh.select("customer_id", *names))
                )
                if old_day < day:  # the rows read are not the rows the write replaces
                    _write(mart, group, day, rows, dump(keys[group]), "incremental")
                    continue
                # the same day with more data: the rows read are the very rows replaced
                mart.create_table(FORWARD_TABLE, rows)
                _write(
                    mart, group, day, mart.table(FORWARD_TABLE), dump(keys[group]), "incremental"
                )
                mart.drop_table(FORWARD_TABLE)
            for scratch in (CHANGED_TABLE, PASS_TABLE):
                mart.drop_table(scratch)
    return {g for members in origins.values() for g in members}


def _build(
    mart: Mart,
    day: dt.date,
    groups: list[str],
    keys: dict[str, dict[str, TableKey]],
    step: Step | None,
) -> None:
    """Build ``groups`` from all the data and store them, the purchase groups in one pass."""
    purchases = [g for g in groups if g in PURCHASE_GROUPS]
    with mart.unordered(), mart.transaction():
        if purchases:
            if step:
                step(f"building {', '.join(purchases)} features")
            shared = purchase_part(mart, day, purchases)
            if len(purchases) > 1:  # one pass, stored once, then split into the groups
                mart.create_table(PASS_TABLE, shared)
                shared = mart.table(PASS_TABLE)
            for group in purchases:
                rows = shared.select("customer_id", *metric_names(group, shared))
                _write(mart, group, day, rows, dump(keys[group]), "full")
            if len(purchases) > 1:
                mart.drop_table(PASS_TABLE)
        for group in groups:
            if group in PURCHASE_GROUPS:
                continue
            if step:
                step(f"building {group} features")
            attributes = (
                attribute_columns(mart, day, reserved=FEATURE_COLUMNS)
                if group == "attributes"
                else []
            )
            if group == "attributes" and not attributes:
                continue  # no attribute known as of the day: no part, no columns
            rows = other_part(mart, day, group, attributes)
            _write(mart, group, day, rows, dump(keys[group]), "full")


def _write(mart: Mart, group: str, day: dt.date, rows: ir.Table, key: str, method: str) -> None:
    """Store ``rows`` as ``group``'s part as of ``day`` and record it in the catalogue
    (inside the caller's transaction)."""
    name = part_table(group)
    dated = rows.select(
        "customer_id",
        as_of=date_literal(day),
        **{c: rows[c] for c in rows.columns if c != "customer_id"},
    )
    if mart.has_table(name) and mart.table(name).schema() == dated.schema():
        mart.delete(name, as_of=day)
        mart.insert(name, dated)
    else:
        # new, or the attribute columns changed: the group starts again from this date
        mart.create_table(name, dated)
        if mart.has_table(CATALOG):
            mart.delete(CATALOG, feature_group=group)
    record(mart, group, day, key, method)
    _prune(mart, group, day)


def record(mart: Mart, group: str, day: dt.date, key: str, method: str) -> None:
    """Record in the catalogue that ``group`` was stored as of ``day`` from data ``key``."""
    entry = ibis.memtable(
        {
            "feature_group": [group],
            "as_of": [day],
            "source_key": [key],
            "method": [method],
            "built_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        },
        schema=FEATURE_BUILDS.ibis_schema(),
    )
    if not mart.has_table(CATALOG):
        mart.create_table(CATALOG, schema=FEATURE_BUILDS.ibis_schema())
    mart.delete(CATALOG, feature_group=group, as_of=day)
    mart.insert(CATALOG, entry)


def _prune(mart: Mart, group: str, day: dt.date) -> None:
    """Keep ``day`` and the :data:`KEEP_DATES` latest dates of ``group``; drop the rest."""
    catalog = _catalog(mart)
    dates = sorted(catalog[catalog.feature_group == group].as_of)
    keep = set(dates[-KEEP_DATES:]) | {day}
    for old in dates:
        if old not in keep:
            mart.delete(part_table(group), as_of=old)
            mart.delete(CATALOG, feature_group=group, as_of=old)


def _read(mart: Mart, group: str, day: dt.date) -> ir.Table:
    table = mart.table(part_table(group))
    return table.filter(table.as_of == date_literal(day))


def stored_key(mart: Mart, group: str, day: dt.date) -> str | None:
    """The data key ``group`` was stored from as of ``day`` (None: not stored)."""
    return _entry(_catalog(mart), group, day)


def parts_key(mart: Mart, day: dt.date, groups: Iterable[str]) -> str | None:
    """The data key of the stored parts of ``groups`` (and the population) as of ``day``:
    what a result computed from them was computed from (None: a part is not stored)."""
    catalog = _catalog(mart)
    asked = set(groups) | {"population"}
    keys = {g: _entry(catalog, g, day) for g in ALL_GROUPS if g in asked}
    if any(key is None for key in keys.values()):
        return None
    return json.dumps(keys, sort_keys=True)


def built_methods(mart: Mart, day: dt.date) -> dict[str, str]:
    """Group → how its part as of ``day`` was stored (``full`` or ``incremental``)."""
    if not mart.has_table(CATALOG):
        return {}
    table = mart.table(CATALOG)
    rows = table.filter(table.as_of == date_literal(day)).execute()
    return dict(zip(rows.feature_group, rows.method, strict=True))
