"""The synthetic retailer: every mart table, with the true answer, for any number of customers.

Customers are generated in fixed chunks of ``CHUNK_SIZE`` with a random stream per
chunk derived from the seed, so the data depend only on the seed and the number of
customers (not on how they are written), and memory stays bounded. Dirt has its own
random stream: the clean rows of a dirty run are exactly the rows of a clean run. The
purchases campaigns cause have one too (see ``effects``); their true effects are summed
over the chunks and come as one last chunk holding only ``ground_truth_campaigns``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from segmint.exceptions import InputError
from segmint.mart.targets import LOAD_ORDER
from segmint.synth.attributes import attributes_table, consents_table
from segmint.synth.campaigns import campaigns_table, draw_members, plan_campaigns
from segmint.synth.catalogue import build_catalogue
from segmint.synth.columns import id_width
from segmint.synth.customers import customers_table, draw_population, pii_table
from segmint.synth.dirty import PLAN, as_text_dates, inject
from segmint.synth.effects import EffectTotals, campaign_effects
from segmint.synth.history import History
from segmint.synth.purchases import simulate_purchases
from segmint.synth.types import TYPE_NAMES
from segmint.synth.web import EventCounters, events_table
from segmint.synth.writer import Chunk, Format, TableFiles, write_chunks

CHUNK_SIZE = 100_000
DEFAULT_START = dt.date(2023, 1, 1)
TABLE_NAMES: tuple[str, ...] = (*LOAD_ORDER, "ground_truth", "ground_truth_campaigns")
"""Every table the generator makes: the loadable mart tables and the ground truths."""


def _validate(n_customers: int, years: int, dirty_rate: float) -> None:
    if n_customers < 1:
        raise InputError(f"--customers must be at least 1; got {n_customers}.")
    if not 1 <= years <= 20:
        raise InputError(f"--years must be between 1 and 20; got {years}.")
    if not 0.0 <= dirty_rate <= 0.5:
        raise InputError(
            f"--dirty is the share of bad rows to add, between 0 and 0.5; got {dirty_rate}. "
            "Use e.g. --dirty 0.02 for 2 %."
        )


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def bundle_pairs(seed: int = 0) -> list[tuple[str, str]]:
    """The product id pairs the retailer of ``seed`` sells as bundles (its planted basket
    structure: the association rules a recommender should find), category by category."""
    catalogue = build_catalogue(_stream(seed, 0))
    ids = catalogue.product_ids.to_pylist()
    return [(ids[a], ids[b]) for a, b in catalogue.bundles.reshape(-1, 2).tolist()]


def bundle_follow_ups(seed: int = 0) -> dict[tuple[str, str], str]:
    """Each bundle of :func:`bundle_pairs` and its follow-up: the product its buyers take
    in a later order with their type's ``follow_up_prob`` (the cross-order structure)."""
    catalogue = build_catalogue(_stream(seed, 0))
    ids = catalogue.product_ids.to_pylist()
    pairs = catalogue.bundles.reshape(-1, 2).tolist()
    follow = catalogue.follow_ups.reshape(-1).tolist()
    return {(ids[a], ids[b]): ids[f] for (a, b), f in zip(pairs, follow, strict=True)}


def iter_chunks(
    n_customers: int,
    seed: int = 0,
    start: dt.date = DEFAULT_START,
    years: int = 3,
    dirty_rate: float = 0.0,
    december_peak: float | None = None,
    only_type: str | None = None,
) -> Iterator[Chunk]:
    """Generate the retailer chunk by chunk (see :func:`generate` and :func:`synthesize`
    for the arguments)."""
    _validate(n_customers, years, dirty_rate)
    if december_peak is not None and not 0 < december_peak <= 50:
        raise InputError(f"--december-peak must be in (0, 50]; got {december_peak}.")
    if only_type is not None and only_type not in TYPE_NAMES:
        raise InputError(f"--only-type must be one of {', '.join(TYPE_NAMES)}; got {only_type!r}.")
    history = History.of_years(start, years, december_peak)
    catalogue = build_catalogue(_stream(seed, 0))
    campaigns = plan_campaigns(history)
    width = id_width(n_customers, 7)
    counters = EventCounters(next_event=1, next_session=1)
    next_order = 1
    totals = EffectTotals(campaigns)
    for index, first in enumerate(range(0, n_customers, CHUNK_SIZE)):
        rng = _stream(seed, 1, index)
        size = min(CHUNK_SIZE, n_customers - first)
        pop = draw_population(rng, first + 1, size, width, history, only_type)
        customers, gender = customers_table(rng, pop, history)
        consents = consents_table(rng, pop, history)
        purchases = simulate_purchases(rng, pop, history, catalogue, next_order)
        next_order += purchases.orders.num_rows
        members = draw_members(rng, pop, consents.granted, campaigns, history)
        email = consents.granted[:, 0]
        events, counters = events_table(
            rng, pop, purchases, catalogue, email, members, campaigns, history, counters
        )
        effects = campaign_effects(
            _stream(seed, 3, index), pop, purchases, members, campaigns, history, catalogue,
            next_order,
        )  # fmt: skip
        next_order += effects.orders.num_rows
        totals.add(effects)
        tables = {
            "customers": customers,
            "customer_pii": pii_table(rng, pop, gender),
            "customer_attributes": attributes_table(rng, pop, history),
            "consents": consents.table,
            "orders": pa.concat_tables([purchases.orders, effects.orders]),
            "order_lines": pa.concat_tables([purchases.order_lines, effects.order_lines]),
            "events": events,
            "campaign_members": members.table,
            "ground_truth": purchases.ground_truth,
        }
        if index == 0:
            tables["products"] = catalogue.table
            tables["campaigns"] = campaigns_table(campaigns, history)
        tables = {name: tables[name] for name in TABLE_NAMES if name in tables}
        yield _dirty(Chunk(tables, seed=seed * 100_003 + index), dirty_rate, seed, index)
    yield Chunk({"ground_truth_campaigns": totals.table()})


def _dirty(chunk: Chunk, rate: float, seed: int, index: int) -> Chunk:
    if rate <= 0:
        return chunk
    rng = _stream(seed, 2, index)
    for name in PLAN:
        if name not in chunk.tables:
            continue
        table = as_text_dates(name, chunk.tables[name])
        chunk.clean_rows[name] = table.num_rows
        chunk.tables[name], chunk.dirt[name] = inject(rng, name, table, rate, f"{index:03d}")
    return chunk


def generate(
    n_customers: int,
    seed: int = 0,
    start: dt.date = DEFAULT_START,
    years: int = 3,
    dirty_rate: float = 0.0,
) -> dict[str, pa.Table]:
    """Every mart table of a synthetic retailer, plus ``ground_truth``, in memory.

    Args:
        n_customers: number of customers.
        seed: random seed; the same seed and ``n_customers`` give the same data.
        start: first day of the history.
        years: length of the history in years.
        dirty_rate: share of bad rows to add (see ``segmint.synth.dirty``); 0 for clean,
            referentially consistent data. The manifest of what was added and the
            malformed CSV lines come with :func:`synthesize`.

    Returns:
        Table name to table: the loadable mart tables with exactly the columns of
        ``segmint.mart.schema`` (without ``ingest_id``), ``ground_truth`` (per customer) and
        ``ground_truth_campaigns`` (per campaign and latent type).
    """
    parts: dict[str, list[pa.Table]] = {}
    for chunk in iter_chunks(n_customers, seed, start, years, dirty_rate):
        for name, table in chunk.tables.items():
            parts.setdefault(name, []).append(table)
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


@dataclass(frozen=True)
class SynthResult:
    """What :func:`synthesize` wrote: rows per file, the dirt added, and how long it took."""

    out_dir: Path
    rows: dict[str, int]
    dirt: dict[str, dict[str, int]]
    seconds: float


def synthesize(
    out_dir: str | Path,
    n_customers: int,
    seed: int = 0,
    start: dt.date = DEFAULT_START,
    years: int = 3,
    dirty_rate: float = 0.0,
    fmt: Format = "parquet",
    on_progress: Callable[[int], None] | None = None,
    december_peak: float | None = None,
    only_type: str | None = None,
) -> SynthResult:
    """Generate the retailer chunk by chunk and write one file per table to ``out_dir``.

    Arguments are those of :func:`generate`, plus the file format and a callback that
    receives the number of customers done after each chunk. With dirt, the files carry
    malformed lines (CSV) and ``dirty_manifest.json`` records every bad row added.
    ``december_peak`` gives every customer a known step seasonality (December's purchase
    rate that many times the other months'; :func:`segmint.synth.history.december_peak_intensity`).
    ``only_type`` (a name in ``TYPE_NAMES``) makes every customer of that latent type: a
    population of one gamma and one beta distribution, on which the BTYD models are
    correctly specified (to tell their misfit of the seven-type mixture from other errors).
    """
    began = time.perf_counter()

    def chunks() -> Iterator[Chunk]:
        done = 0
        parts = iter_chunks(n_customers, seed, start, years, dirty_rate, december_peak, only_type)
        for chunk in parts:
            yield chunk
            if "customers" not in chunk.tables:
                continue  # the closing ground truth of the campaigns
            done += chunk.tables["customers"].num_rows - sum(
                chunk.dirt.get("customers", {}).values()
            )
            if on_progress is not None:
                on_progress(done)

    files: TableFiles = write_chunks(chunks(), Path(out_dir), fmt, dirty_rate)
    return SynthResult(
        out_dir=Path(out_dir),
        rows=dict(files.rows),
        dirt={name: dict(counts) for name, counts in files.dirt.items() if counts},
        seconds=time.perf_counter() - began,
    )
