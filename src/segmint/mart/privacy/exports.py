"""The export registry: files written outside the mart that may hold customer data.

An erasure can delete rows in the mart, but not the audience CSV a marketer downloaded last
month or the report someone saved. Every command that writes such a file calls
:func:`register_export`; an erasure then lists the files that hold (or may hold) the
person, so the operator can purge them (:attr:`segmint.mart.privacy.ForgetResult.exports`).

With ``members`` (the customer ids written, as an Ibis expression or a list) the registry
knows exactly who is in the file (``export_members``, whose rows are deleted with the
customer); without, the file may hold anybody, and every erasure after it lists it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from segmint.exceptions import SchemaError
from segmint.mart.connection import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import utcnow
from segmint.mart.schema import EXPORT_MEMBERS, EXPORTS
from segmint.mart.scratch import scratch, scratch_scope

TABLE = EXPORTS.name
MEMBERS = EXPORT_MEMBERS.name


@dataclass(frozen=True)
class ExportRecord:
    """One registered export.

    Attributes:
        export_id: its id.
        path: where it was written.
        kind: audience, campaign, report, plot…
        description: what it holds.
        n_rows: rows written (None: unknown).
        members_known: True when the registry knows every customer in it.
        created_at: when it was written (UTC).
        created_by: who wrote it.
    """

    export_id: int
    path: str
    kind: str
    description: str
    n_rows: int | None
    members_known: bool
    created_at: dt.datetime
    created_by: str

    @property
    def exists(self) -> bool:
        """True while the file is still there."""
        return Path(self.path).exists()


def register_export(
    mart: Mart,
    path: Path | str,
    kind: str,
    *,
    actor: str,
    description: str = "",
    members: ir.Table | Iterable[str] | None = None,
    n_rows: int | None = None,
    details: Mapping[str, object] | None = None,
    now: dt.datetime | None = None,
) -> ExportRecord:
    """Record that ``path`` was written with customer data, and who is in it.

    Also appends an ``export`` entry to the audit log.

    Args:
        mart: the mart, open for writing.
        path: the file written.
        kind: what sort of file: ``audience``, ``campaign``, ``report``, ``plot``…
        actor: who wrote it (a token's label or ``cli:<user>``).
        description: what it holds, for the operator purging it later.
        members: the customers in it: an Ibis table with a ``customer_id`` column, or ids;
            None when unknown (then every later erasure lists the file).
        n_rows: rows written, when known.
        details: more facts for the audit entry (channel, counts removed by consent and
            suppression, pseudonymised or not). Never personal data.
        now: the time to record (default: now, UTC).

    Raises:
        SchemaError: ``members`` is a table without a ``customer_id`` column.
    """
    if not kind.strip():
        raise ValueError("an export needs a kind, e.g. 'audience' or 'report'")
    created = now or utcnow()
    with scratch_scope(mart), mart.transaction():  # the members' ids: for the insert alone
        export_id = int(mart.table(TABLE).export_id.max().fill_null(0).execute()) + 1
        known = members is not None
        if members is not None:
            ids = _member_ids(mart, members)
            mart.insert(
                MEMBERS,
                ids.select(export_id=ibis.literal(export_id, "int64"), customer_id=ids.customer_id),
            )
        record = ExportRecord(
            export_id, str(path), kind.strip(), description, n_rows, known, created, actor
        )
        row = {name: [value] for name, value in asdict(record).items()}
        mart.insert(TABLE, ibis.memtable(row, schema=EXPORTS.ibis_schema()))
        audit.record(
            mart,
            actor,
            "export",
            details={**dict(details or {}), **asdict(record)},
            now=created,
        )
    return record


def _member_ids(mart: Mart, members: ir.Table | Iterable[str]) -> ir.Table:
    if isinstance(members, ir.Table):
        if "customer_id" not in members.columns:
            raise SchemaError(
                f"export members need a 'customer_id' column; found {list(members.columns)}"
            )
        return members.select(customer_id=members.customer_id.cast("string")).distinct()
    ids = sorted({str(m) for m in members})
    return scratch(mart, {"customer_id": ids}, {"customer_id": "string"})


def list_exports(mart: Mart) -> list[ExportRecord]:
    """Every registered export, oldest first."""
    rows = mart.table(TABLE).order_by("export_id").to_pyarrow().to_pylist()
    return [_record(row) for row in rows]


def exports_holding(mart: Mart, customer_ids: ir.Table) -> list[ExportRecord]:
    """Exports that hold any of ``customer_ids`` (a table with ``customer_id``), or may:
    those whose members are unknown."""
    members = mart.table(MEMBERS)
    hit = members.semi_join(customer_ids, "customer_id").select("export_id").distinct()
    exports = mart.table(TABLE)
    found = exports.filter(exports.export_id.isin(hit.export_id) | ~exports.members_known)
    rows = found.order_by("export_id").to_pyarrow().to_pylist()
    return [_record(row) for row in rows]


def _record(row: dict[str, object]) -> ExportRecord:
    n_rows = row["n_rows"]
    created = row["created_at"]
    assert isinstance(created, dt.datetime)
    return ExportRecord(
        int(str(row["export_id"])),
        str(row["path"]),
        str(row["kind"]),
        str(row["description"] or ""),
        None if n_rows is None else int(str(n_rows)),
        bool(row["members_known"]),
        created,
        str(row["created_by"] or ""),
    )
