"""Loading a file into the mart: atomic, idempotent and reconciled.

``ingest(mart, table, path)`` reads the file, validates every row, and writes the good
rows, the rejected rows (to ``quarantine``, with reason and raw content) and one row in
``ingests`` in a single transaction, so a load lands whole or not at all, also when the
process is killed midway. Every load reconciles::

    rows_read = rows_loaded + rows_duplicate + rows_quarantined

Loading the same file (same bytes) into the same table again adds nothing and says so; a
row whose key is already in the mart counts as a duplicate. Such a file is not even read
when nothing that could change the outcome of its rows changed since its last load
(:mod:`segmint.mart.load_conditions`).

Columns are accounted for too: the result says where each of the file's columns went
(:mod:`segmint.mart.columns`). The mapping of file columns to mart columns is what the
user gave (``--map``), what a preset says (``--preset``), and for the rest what
:mod:`segmint.mart.guess` guesses; the result holds it as paste-able ``--map`` flags. A
dry run (``dry_run=True``) does all of it, says what would be loaded, duplicated and
quarantined and why, and writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import duckdb
import ibis

from segmint.exceptions import InputError, SchemaError
from segmint.mart.columns import ColumnUse, check_accounted
from segmint.mart.connection import Mart
from segmint.mart.decimals import check_separator
from segmint.mart.files import FileInfo, inspect
from segmint.mart.guess import MappingGuess, map_flag
from segmint.mart.load_conditions import Conditions, Settled, depends_on, read_with, settled
from segmint.mart.mapping import decide_mapping
from segmint.mart.plan import LoadPlan, count
from segmint.mart.presets import Preset, get_preset, recognise
from segmint.mart.privacy.suppression import withhold_raw
from segmint.mart.quarantine import RESOLVED
from segmint.mart.rejected_again import (
    Rejects,
    earlier_rejects,
    quarantined_elsewhere,
    split_rejects,
)
from segmint.mart.schema import TABLES
from segmint.mart.spark_staging import copy_rows, settle
from segmint.mart.staging import Stage, stage_file
from segmint.mart.tables import TableOptions, plan_table
from segmint.mart.targets import INGEST_TARGETS
from segmint.mart.transactions import plan_transactions
from segmint.mart.unread_dates import date_format_notes
from segmint.mart.updates import apply_update, rewrite

Step = Callable[[str], None]


@dataclass(frozen=True)
class IngestOptions:
    """How to read the file.

    Attributes:
        mapping: mart column → file column (``--map target=source``).
        date_formats: strftime formats tried for dates and timestamps before ISO form.
        delimiter: column separator; ``"whitespace"`` for runs of spaces; detected when None.
        encoding: text encoding of the file.
        create_customers: create unknown customers referenced by an orders file.
        ignore: file columns to leave out (``--ignore``).
        preset: the layout of a known export (``shopify``, ``woocommerce``,
            ``uci-online-retail``; see :mod:`segmint.mart.presets`).
        sheet: the sheet of an Excel workbook (default: the first).
        guess: guess the mapping of columns neither mapped nor named as the mart does.
        dry_run: work everything out and report it, but write nothing.
        cancel_prefix: order ids starting with it are cancellations (transactions files;
            the ``uci-online-retail`` preset sets ``C``).
        decimal: the decimal separator of numbers written as text, ``.`` or ``,``;
            decided per column from its values when None (:mod:`segmint.mart.decimals`).
    """

    mapping: dict[str, str] = field(default_factory=dict)
    date_formats: tuple[str, ...] = ()
    delimiter: str | None = None
    encoding: str = "utf-8"
    create_customers: bool = False
    ignore: tuple[str, ...] = ()
    preset: str | None = None
    sheet: str | None = None
    guess: bool = True
    dry_run: bool = False
    cancel_prefix: str | None = None
    decimal: str | None = None

    def reading(self) -> str:
        """The digest of every option that decides how the file's rows are read (all but
        ``dry_run``): the same bytes read with the same digest give the same rows."""
        return read_with({k: v for k, v in asdict(self).items() if k != "dry_run"})


@dataclass(frozen=True)
class IngestResult:
    """How one load accounted for every row of its file (``readings``: how the values of
    columns were decided to be read: guessed date formats, decimal separators)."""

    ingest_id: int
    table: str
    source: str
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_quarantined: int
    already_loaded: bool = False
    written: dict[str, int] = field(default_factory=dict)
    ignored_columns: tuple[str, ...] = ()
    columns: tuple[ColumnUse, ...] = ()
    mapping: dict[str, str] = field(default_factory=dict)
    guessed: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    reasons: tuple[tuple[str, int], ...] = ()
    dry_run: bool = False
    readings: tuple[str, ...] = ()

    @property
    def map_flags(self) -> str:
        """The mapping used, as ``--map`` flags to paste into the next command."""
        return " ".join(map_flag(t, c) for t, c in self.mapping.items())

    @property
    def reconciles(self) -> bool:
        """True when read = loaded + duplicates + quarantined."""
        return self.rows_read == self.rows_loaded + self.rows_duplicate + self.rows_quarantined

    def summary(self) -> str:
        """The reconciliation line printed after every load."""
        line = (
            f"{self.source} → {self.table}: read {self.rows_read:,} = loaded {self.rows_loaded:,}"
            f" + duplicates {self.rows_duplicate:,} + quarantined {self.rows_quarantined:,}"
        )
        if self.already_loaded:
            line += " (this file was loaded before; nothing added)"
        if self.dry_run:
            line = "dry run, nothing written: " + line.replace("loaded", "would load", 1)
        return line


def ingest(
    mart: Mart,
    table: str,
    path: Path | str,
    options: IngestOptions | None = None,
    *,
    on_step: Step | None = None,
) -> IngestResult:
    """Load ``path`` into ``table`` (a mart table or ``transactions``).

    Args:
        mart: the open mart.
        table: target table name, or ``transactions`` for a flat order-line file.
        path: CSV/TSV/TXT (gzip ok), Parquet, JSON Lines or Excel (.xlsx) file.
        options: column mapping, preset, date formats, delimiter, encoding, sheet, ignored
            columns, dry run.
        on_step: called with a short description as each stage starts (for progress).

    Raises:
        InputError: the file cannot be read; the mart is untouched.
        SchemaError: the file lacks a required column or a mapped one, or the guessed
            mapping is ambiguous; the mart is untouched and the message gives the flags.
    """
    options = options or IngestOptions()
    step = on_step or (lambda _: None)
    path = Path(path)
    if table not in INGEST_TARGETS:
        raise SchemaError(f"unknown table '{table}'; choose one of {', '.join(INGEST_TARGETS)}")
    preset = get_preset(options.preset) if options.preset else None
    check_separator(options.decimal)
    step("checking the file")
    info = inspect(
        path, delimiter=options.delimiter, encoding=options.encoding, sheet=options.sheet
    )
    with mart.staging() as stage:
        result = _load(stage, mart, table, info, options, preset, step)
    if not result.reconciles:
        raise InputError(f"{path}: internal reconciliation failed: {result.summary()}")
    return result


def _load(
    stage: Mart,
    target: Mart,
    table: str,
    info: FileInfo,
    options: IngestOptions,
    preset: Preset | None,
    step: Step,
) -> IngestResult:
    """Read, check and (unless a dry run) write the file: read and checked in ``stage``,
    written to ``target`` (the same mart, or the Spark mart ``stage`` mirrors)."""
    source = str(info.path)
    started = _now()
    previous = settled(stage, table, info.checksum, options.reading())
    if previous is not None:
        return _loaded_before(stage, target, table, source, previous, info.checksum, options)
    working = set(stage.con.list_tables())
    try:
        step("reading")
        staged = stage_file(stage, info, encoding=options.encoding)
        step("validating")
        plan, decided = _plan(stage, table, staged, info, options, preset)
        if options.dry_run:
            seen = earlier_rejects(stage, table, info.checksum)
            elsewhere = quarantined_elsewhere(stage, table, info.checksum)
            every_reject = _quarantined(plan, staged.rejects)
            split = split_rejects(every_reject, seen, staged.n_read, elsewhere)
            result = _preview(plan, split, table, source, staged.n_read)
        else:
            step("writing")
            done = Done(info.checksum, started, staged.n_read, options.reading())
            result = _apply(stage, target, plan, staged.rejects, table, source, done)
        shown = {t: c for t, c in decided.mapping.items() if not c.startswith("_segmint")}
        return replace(result, mapping=shown, guessed=decided.guessed, readings=decided.readings())
    finally:
        _drop_working_tables(stage, working)


def _loaded_before(
    stage: Mart,
    target: Mart,
    table: str,
    source: str,
    previous: Settled,
    checksum: str,
    options: IngestOptions,
) -> IngestResult:
    """The result of loading a file again when that cannot change anything
    (:mod:`segmint.mart.load_conditions`): the file is not read, nothing is added, every
    row is a duplicate (of the mart's rows or of its quarantine entry); recorded as a load
    of its own, with the conditions it repeats, unless this is a dry run."""
    dry_run = options.dry_run
    rows = previous.rows
    result = IngestResult(
        0 if dry_run else _next_id(stage),
        table,
        source,
        rows,
        0,
        rows,
        0,
        already_loaded=True,
        dry_run=dry_run,
        notes=_settled_note(previous),
    )
    if not dry_run:
        with target.transaction():
            _record(target, result, Done(checksum, _now(), rows, ""), previous.conditions)
    return result


def _settled_note(previous: Settled) -> tuple[str, ...]:
    """What to do about the rows earlier loads of a file not read again rejected."""
    if not previous.rejected:
        return ()
    return (
        "not read again: it was loaded with the same options, and nothing the rows its "
        "loads quarantined depend on has changed since (segmint quarantine); it is read "
        "again with other options (--date-format, --decimal, --map…) or once the tables "
        "those rows refer to change",
    )


def _plan(
    mart: Mart,
    table: str,
    stage: Stage,
    info: FileInfo,
    options: IngestOptions,
    preset: Preset | None,
) -> tuple[LoadPlan, MappingGuess]:
    """The mapping (given, preset, guessed), how values are read, and the load plan they
    give; a file in the layout of a recognised export is read with its preset, and the
    whole mapping counts as guessed."""
    source, excel = str(info.path), info.format == "xlsx"
    found = [c for c in stage.table.columns if c != "_row"]
    recognised = None
    if preset is None and options.guess and not options.mapping:
        preset = recognised = recognise(found, table)
    decided = decide_mapping(
        stage.table,
        table,
        options.mapping,
        source,
        preset=preset,
        ignore=options.ignore,
        date_formats=options.date_formats,
        guess=options.guess,
        excel=excel,
        decimal=options.decimal,
        delimiter=info.delimiter,
    )
    date_formats = options.date_formats or (
        *(preset.date_formats if preset else ()),
        *decided.date_formats,
    )
    table_options = TableOptions(
        dict(decided.mapping),
        date_formats,
        options.create_customers,
        options.ignore,
        excel_dates=excel,
        cancel_prefix=options.cancel_prefix or (preset.cancel_prefix if preset else None),
        preset=preset,
        decimals={t: separator for t, (separator, _) in decided.decimals.items()},
    )
    if table == "transactions":
        plan = plan_transactions(mart, stage, source, table_options)
    else:
        plan = plan_table(mart, TABLES[table], stage, source, table_options)
    check_accounted(plan.columns, found, source)
    plan.notes.extend(_quarantine_notes(table, _quarantined(plan, stage.rejects), date_formats))
    if recognised is not None:
        decided = replace(decided, guessed=dict(decided.mapping))
        plan.notes.insert(
            0,
            f"the columns are those of a {recognised.title}: read as --preset "
            f"{recognised.name} does (add --preset {recognised.name} to say so)",
        )
    return plan, decided


ANONYMOUS = "missing customer_id"
"""The quarantine reason of an event without a customer (an anonymous visitor)."""


def _quarantined(plan: LoadPlan, rejects: ibis.Table) -> ibis.Table:
    """Every rejected row of the plan: ``_row``, ``reason``, ``raw``."""
    quarantined = rejects
    for part in plan.quarantine:
        quarantined = quarantined.union(part)
    return quarantined


def _quarantine_notes(
    table: str, quarantined: ibis.Table, date_formats: tuple[str, ...]
) -> list[str]:
    """What the load says about its rejected rows: the flags that read unread dates, and
    for events how many came from anonymous visitors (an analytics export holds many, and
    a bare ``missing customer_id`` would not say they are left out on purpose)."""
    notes = date_format_notes(quarantined, date_formats)
    if table == "events":
        anonymous = int(quarantined.filter(quarantined.reason == ANONYMOUS).count().execute())
        if anonymous:
            notes.append(
                f"{anonymous:,} events name no customer (anonymous visitors): quarantined as "
                f"'{ANONYMOUS}' and left out of every feature; segmint keeps the events of "
                "known customers only"
            )
        notes.extend(_unknown_types_note(quarantined))
    return notes


UNKNOWN_TYPE = r"^event_type: '(.*)' is not one of "
"""The quarantine reason of an event of a type segmint does not know (the type)."""


def _unknown_types_note(quarantined: ibis.Table) -> list[str]:
    """One line naming the event types quarantined as unknown, most frequent first (the
    summary of reasons blanks the values, so it would not say which types they were)."""
    picked = quarantined.filter(quarantined.reason.re_search(UNKNOWN_TYPE))
    kinds = picked.group_by(kind=picked.reason.re_extract(UNKNOWN_TYPE, 1)).aggregate(
        n=picked.count()
    )
    rows = kinds.order_by([ibis.desc("n"), "kind"]).limit(10).execute()
    if rows.empty:
        return []
    types = ", ".join(f"{kind!r} {int(n):,}" for kind, n in zip(rows.kind, rows.n, strict=True))
    return [f"event types not known to segmint, quarantined: {types}"]


def _reasons(quarantined: ibis.Table) -> tuple[tuple[str, int], ...]:
    """Rejected rows per reason (the value-free start of the reason), most frequent first."""
    kind = quarantined.reason.re_replace(r"'.*$", "…")
    counts = quarantined.group_by(kind.name("kind")).aggregate(n=quarantined.count())
    frame = counts.order_by([ibis.desc("n"), "kind"]).execute()
    return tuple((str(k), int(n)) for k, n in zip(frame.kind, frame.n, strict=True))


def _preview(plan: LoadPlan, split: Rejects, table: str, source: str, n_read: int) -> IngestResult:
    """What applying ``plan`` would do, worked out without writing anything: ``split`` is
    its rejected rows against the current quarantine entries of earlier loads of the file."""
    quarantined = split.stored
    resolved = 0 if split.resolved is None else count(split.resolved)
    return IngestResult(
        0,
        table,
        source,
        n_read,
        plan.n_loaded,
        plan.n_duplicate + split.again + split.n_loaded_before + split.elsewhere,
        count(quarantined),
        written={name: count(rows) for name, rows in plan.inserts}
        | {f"{u.table} updated": u.size() for u in plan.updates},
        ignored_columns=tuple(plan.ignored_columns),
        columns=tuple(plan.columns),
        notes=(*plan.notes, *_again_notes(split, resolved)),
        reasons=_reasons(quarantined),
        dry_run=True,
    )


def _drop_working_tables(mart: Mart, before: set[str]) -> None:
    """Drop the temporary tables and views a load made, so a long session does not keep them."""
    for name in set(mart.con.list_tables()) - before:
        if not name.startswith(("_segmint_", "ibis_read_")):
            continue
        try:
            mart.con.drop_table(name, force=True)
        except duckdb.Error:  # a view over the file (Parquet is read in place)
            mart.con.drop_view(name, force=True)


@dataclass(frozen=True)
class Done:
    """What a load knows of its file when it writes: checksum, start, rows read, and the
    digest of the options it read it with (:meth:`IngestOptions.reading`)."""

    checksum: str
    started: datetime.datetime
    n_read: int
    reading: str


def _apply(
    stage: Mart,
    target: Mart,
    plan: LoadPlan,
    rejects: ibis.Table,
    table: str,
    source: str,
    done: Done,
) -> IngestResult:
    ingest_id = _next_id(stage)
    seen = earlier_rejects(stage, table, done.checksum)
    every_reject = _quarantined(plan, rejects)
    elsewhere = quarantined_elsewhere(stage, table, done.checksum)
    split = split_rejects(every_reject, seen, done.n_read, elsewhere)
    reasons = _reasons(split.stored) if count(split.stored) else ()
    writes = [
        *(
            (name, rows.mutate(ingest_id=ibis.literal(ingest_id, "int64")))
            for name, rows in plan.inserts
        ),
        (RESOLVED, _resolutions(split.resolved, ingest_id)),
        ("quarantine", _entries(split.stored, ingest_id, source)),
    ]
    if target is not stage:  # settled: a rewrite deletes the files the mirror's views read
        writes = [(name, settle(stage, name, rows)) for name, rows in writes]
    written: dict[str, int] = {}
    with target.transaction():
        # no transaction on another engine: its rewrites go first, so a rerun redoes them
        updated = _updates(stage, target, plan) if target is not stage else {}
        *counts, n_resolved, n_quarantined = (
            _insert(stage, target, name, rows) for name, rows in writes
        )
        for (name, _), n in zip(writes[:-2], counts, strict=True):
            written[name] = written.get(name, 0) + n
        written |= updated if target is not stage else _updates(stage, target, plan)
        result = IngestResult(
            ingest_id,
            table,
            source,
            done.n_read,
            plan.n_loaded,
            plan.n_duplicate + split.again + split.n_loaded_before + split.elsewhere,
            n_quarantined,
            already_loaded=seen is not None and not (n_quarantined or any(written.values())),
            written=written,
            ignored_columns=tuple(plan.ignored_columns),
            columns=tuple(plan.columns),
            notes=(*plan.notes, *_again_notes(split, n_resolved)),
            reasons=reasons,
        )
        # after the writes: what the rejected rows depend on, as the next load will find it
        conditions = Conditions(done.reading, depends_on(target, table, every_reject))
        _record(target, result, done, conditions)
    return result


def _resolutions(resolved: ibis.Table | None, ingest_id: int) -> ibis.Table:
    """The ``quarantine_resolved`` rows of a load: the rows it let in that had a current
    quarantine entry (none for a file never loaded)."""
    if resolved is None:
        return ibis.memtable(
            {"ingest_id": [], "row_number": []}, schema=TABLES[RESOLVED].ibis_schema()
        )
    return resolved.select(
        ingest_id=ibis.literal(ingest_id, "int64"), row_number=resolved.row_number
    )


def _entries(quarantined: ibis.Table, ingest_id: int, source: str) -> ibis.Table:
    """The ``quarantine`` rows of a load's newly rejected rows."""
    return quarantined.select(
        ingest_id=ibis.literal(ingest_id, "int64"),
        source=ibis.literal(source),
        row_number=quarantined._row.cast("int64"),
        reason=quarantined.reason,
        raw=withhold_raw(quarantined.reason, quarantined.raw),  # erased subjects: no content
    )


def _again_notes(split: Rejects, resolved: int) -> tuple[str, ...]:
    """The notes on rows an earlier load of the same file quarantined or let in: rejected
    again for the same reason (duplicates of their entries), or for another (new entries
    that supersede theirs), let in now (their entries resolved), or let in before and
    rejected now (duplicates of the rows in the mart)."""
    notes = []
    if split.again:
        notes.append(
            f"{_rows_were(split.again)} rejected again for the reason an earlier load of this "
            "file quarantined them: counted as duplicates of those entries (segmint quarantine)"
        )
    if split.elsewhere:
        notes.append(
            f"{_rows_were(split.elsewhere)} rejected as another file loaded into this table "
            "was quarantined for (the same content and reason, such as the same export in "
            "another format): counted as duplicates of those entries (segmint quarantine)"
        )
    if split.replacing:
        notes.append(
            f"{_rows_were(split.replacing)} rejected for another reason than an earlier load "
            "of this file gave: the new entries supersede the earlier ones (segmint "
            "quarantine --superseded lists both)"
        )
    if resolved:
        entries = "its entry is" if resolved == 1 else "their entries are"
        notes.append(
            f"{_rows_were(resolved)} let in that an earlier load of this file quarantined: "
            f"{entries} resolved, no longer current (segmint quarantine --superseded lists "
            "them with the load that let the rows in)"
        )
    if split.n_loaded_before and split.loaded_before is not None:
        why = "; ".join(f"{kind} ({n:,})" for kind, n in _reasons(split.loaded_before))
        notes.append(
            f"{_rows_were(split.n_loaded_before)} rejected that an earlier load of this file "
            "let in: counted as duplicates, the rows stay in the mart as that load read them; "
            f"rejected now with: {why}"
        )
    return tuple(notes)


def _rows_were(n: int) -> str:
    """``1 row was`` or ``3 rows were``."""
    return f"{n:,} {'row was' if n == 1 else 'rows were'}"


def _updates(stage: Mart, target: Mart, plan: LoadPlan) -> dict[str, int]:
    """Apply the plan's updates of existing rows; rows changed per ``"<table> updated"``."""
    changed: dict[str, int] = {}
    for update in plan.updates:
        key = f"{update.table} updated"
        n = apply_update(stage, update) if target is stage else rewrite(target, update)
        changed[key] = changed.get(key, 0) + n
    return changed


def _insert(stage: Mart, target: Mart, name: str, rows: ibis.Table) -> int:
    """Insert ``rows`` (an expression of ``stage``) into ``target``'s table ``name``; return
    how many were added."""
    if target is not stage:
        return copy_rows(rows, target, name)
    before = stage.count(name)
    stage.insert(name, rows)  # its Python rows are not kept registered (Mart.insert)
    return stage.count(name) - before


def _record(mart: Mart, result: IngestResult, done: Done, conditions: Conditions) -> None:
    """Write the ``ingests`` row of a load (the columns an older Spark warehouse lacks,
    such as ``read_with``, are left out: its loads are then read again each time)."""
    row = {
        "ingest_id": [result.ingest_id],
        "table_name": [result.table],
        "source": [result.source],
        "checksum": [done.checksum],
        "started_at": [done.started],
        "finished_at": [_now()],
        "rows_read": [result.rows_read],
        "rows_loaded": [result.rows_loaded],
        "rows_duplicate": [result.rows_duplicate],
        "rows_quarantined": [result.rows_quarantined],
        "read_with": [conditions.read_with],
        "depends_on": [conditions.depends_on],
    }
    record = ibis.memtable(row, schema=TABLES["ingests"].ibis_schema())
    have = mart.table("ingests").columns
    mart.insert("ingests", record.select(*(c for c in record.columns if c in have)))


def _next_id(mart: Mart) -> int:
    current = mart.table("ingests").ingest_id.max().execute()
    return 1 if current is None or current != current else int(current) + 1


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
