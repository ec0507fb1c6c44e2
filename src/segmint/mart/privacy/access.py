"""Subject access: everything the mart holds about one person, in a form they can read.

:func:`subject_access` writes a folder (readable by its owner only) with:

* ``subject.json``: every section below in one document;
* one CSV file per section that has rows (cells made safe for spreadsheets);
* ``README.txt``: what each file holds.

Sections: every table with a ``customer_id`` column (found in the engine's catalogue, as
an erasure finds them: personal data, profile, attributes, consents, orders, events,
campaign membership, features, exports and requests), the tables that refer to those
(``order_lines``), segments with what they mean (the segmentation's kind and definition),
scores with what they mean, campaigns with their name and purpose, quarantined rows that
carry the person's id, e-mail or phone in a column of that name, and where the data came
from: the ``ingests`` rows of the loads that wrote any of the person's rows.

The answer is recorded in the audit log and closes the person's open access requests.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ibis.expr.types as ir

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.csv_safety import to_csv
from segmint.mart.customer_ids import CustomerId, customer_id_text
from segmint.mart.privacy import audit
from segmint.mart.privacy._engine import utcnow
from segmint.mart.privacy.coverage import SUBJECT, erasure_plan
from segmint.mart.privacy.exports import register_export
from segmint.mart.privacy.journal import collect_journal
from segmint.mart.privacy.keys import PrivacyKey, privacy_key
from segmint.mart.privacy.requests import close_requests
from segmint.mart.privacy.spelling import held_otherwise
from segmint.mart.privacy.suppression import is_suppressed
from segmint.mart.private_files import create_private
from segmint.mart.scratch import scratch, scratch_scope

if TYPE_CHECKING:
    import pandas as pd

SCORE_MEANINGS = {
    "clv": "Predicted customer lifetime value: the discounted value of the purchases "
    "expected over the model's horizon, in the shop's currency.",
    "p_alive": "Probability that the customer is still an active customer.",
    "expected_purchases": "Number of repeat purchases expected over the model's horizon.",
    "expected_spend": "Expected value of one purchase, in the shop's currency.",
    "churn_risk": "Probability that the customer stops buying.",
    "purchase_intent": "Probability that the customer buys soon.",
}
"""What each score means, told to the person; other names fall back to a general sentence."""
OTHER_SCORE = "A model's estimate about the customer (see the model name)."
QUARANTINE_KEYS = ("customer_id", "email", "phone")
"""Columns of a rejected row compared with the person's id, e-mail and phone."""

_ACCESS_QUARANTINE = """
SELECT source, row_number, reason, raw FROM (
    SELECT *, try_cast(raw AS JSON) AS doc FROM main.quarantine
) WHERE doc IS NOT NULL AND json_type(doc) = 'OBJECT' AND (
    json_extract_string(doc, '$.customer_id') = ?
    OR list_contains(?::VARCHAR[], lower(trim(json_extract_string(doc, '$.email'))))
    OR list_contains(?::VARCHAR[], trim(json_extract_string(doc, '$.phone')))
)
ORDER BY ingest_id, row_number
"""


class AccessError(SegmintError):
    """A subject access that cannot be written as asked."""


@dataclass(frozen=True)
class AccessResult:
    """What :func:`subject_access` wrote.

    Attributes:
        folder: the folder written.
        files: the files in it.
        rows: rows per section.
        audit_seq: the audit log entry of this answer.
    """

    folder: Path
    files: list[Path]
    rows: dict[str, int]
    audit_seq: int


def subject_access(
    mart: Mart,
    customer_id: CustomerId,
    out: Path | str,
    *,
    actor: str | None = None,
    key: PrivacyKey | str | None = None,
    now: dt.datetime | None = None,
) -> AccessResult:
    """Write everything held about ``customer_id`` into the new folder ``out``.

    A server's audit journal is collected first, so downloads it handed out are listed.

    Args:
        mart: the mart, open for writing (the answer is audited).
        customer_id: the person, exactly as in the mart (a number as ingest stores it:
            13085.0 is the customer ``13085``).
        out: a folder that does not exist yet, or is empty.
        actor: who answers (default the shell's user).
        key: the privacy key (for the audit pseudonym); default ``SEGMINT_PRIVACY_KEY``.

    Raises:
        AccessError: an empty id, one held only in another spelling (named), a person who
            was forgotten (only keyed hashes are held, and an answer registered with their
            id would write it back), or ``out`` exists and is not an empty folder.
        TypeError, InputError: an id that is neither text nor a number, or a missing one (NaN).
        PrivacyKeyError: no privacy key.
    """
    customer_id = customer_id_text(customer_id)
    if not customer_id.strip():
        raise AccessError("a subject access needs the customer id of the person")
    key = privacy_key(key)  # before anything is written: the answer is audited under it
    _refuse_forgotten(mart, customer_id, key)
    _refuse_other_spelling(mart, customer_id)
    folder = _new_folder(Path(out))
    collect_journal(mart, key=key)  # downloads a server handed out are exports they were in
    register_export(  # the answer holds the person's data (it lists itself): erasures list it
        mart,
        folder.resolve(),
        "subject_access",
        actor=actor or audit.cli_actor(),
        description="a subject access answer",
        members=[customer_id],
        now=now,
    )
    sections = gather(mart, customer_id)
    files = _write(folder, customer_id, sections, now or utcnow())
    rows = {name: len(frame) for name, frame in sections.items()}
    with mart.transaction():
        close_requests(mart, customer_id, "access", now=now)
        entry = audit.record(
            mart,
            actor or audit.cli_actor(),
            "subject_access",
            subjects=[customer_id],
            details={"rows": rows, "folder": str(folder)},
            key=key,
            now=now,
        )
    return AccessResult(folder, files, rows, entry.seq)


def _refuse_forgotten(mart: Mart, customer_id: str, key: PrivacyKey) -> None:
    """Raise when ``customer_id`` was forgotten: the mart holds only keyed hashes of them.

    The answer would be empty, and registering it (with the person as its member) would
    put the erased id back into the mart in clear.
    """
    if is_suppressed(mart, customer_id=customer_id, key=key):
        raise AccessError(
            f"customer '{customer_id}' was forgotten: the mart holds nothing about them but "
            "keyed hashes on the suppression list (which keep them out of loads and exports) "
            "and audit entries by pseudonym, so there is nothing to write and nothing was "
            "written. Answer that no personal data is held, and close the request with "
            "`segmint requests close ID --note ...`."
        )


def _refuse_other_spelling(mart: Mart, customer_id: str) -> None:
    """Raise when the mart holds ``customer_id`` only in another spelling (``13085`` for
    ``13085.0``): the answer would say nothing is held about a person it holds."""
    if held := held_otherwise(mart, customer_id, complete=True):
        raise AccessError(
            f"no customer holds the id '{customer_id}' as written, so the answer would be "
            f"empty; did you mean {' or '.join(repr(i) for i in held)}? Ids are matched "
            "exactly, case and spaces included; nothing was written."
        )


def gather(mart: Mart, customer_id: str) -> dict[str, pd.DataFrame]:
    """Every section about ``customer_id`` as frames, by name (see the module docstring)."""
    with scratch_scope(mart):
        person = scratch(mart, {SUBJECT: [customer_id]}, {SUBJECT: "string"})
        sections: dict[str, pd.DataFrame] = {}
        for rule in erasure_plan(mart):
            table = mart.table(rule.table)
            if rule.action == "cascade":
                parents = _of_person(mart.table(rule.parent), person)
                rows = table.filter(table[rule.column].isin(parents[rule.parent_key]))
            else:
                rows = _of_person(table, person)
            sections[rule.table] = _explained(mart, rule.table, rows).to_pandas()
        sections["quarantine"] = _quarantined(mart, customer_id, sections.get("customer_pii"))
        sections["sources"] = _sources(mart, sections)
    return sections


def _of_person(table: ir.Table, person: ir.Table) -> ir.Table:
    """Rows of ``table`` whose customer id (as text) is the person's."""
    return table.semi_join(person, table[SUBJECT].cast("string") == person[SUBJECT])


def _explained(mart: Mart, name: str, rows: ir.Table) -> ir.Table:
    """``rows`` with what they mean joined on: segment definitions, score meanings,
    campaign names."""
    if name == "assignments":
        definitions = mart.table("segmentations").select(
            "segmentation", "version", segmentation_kind="kind", definition="definition"
        )
        return rows.left_join(definitions, ["segmentation", "version"]).select(
            *rows.columns, "segmentation_kind", "definition"
        )
    if name == "scores":
        meanings = scratch(
            mart,
            {"score_name": list(SCORE_MEANINGS), "meaning": list(SCORE_MEANINGS.values())},
            {"score_name": "string", "meaning": "string"},
        )
        joined = rows.left_join(meanings, "score_name")
        return joined.select(*rows.columns, meaning=joined.meaning.fill_null(OTHER_SCORE))
    if name == "campaign_members":
        campaigns = mart.table("campaigns").select(
            "campaign_id",
            campaign_name="name",
            campaign_channel="channel",
            campaign_description="description",
        )
        return rows.left_join(campaigns, "campaign_id").select(
            *rows.columns, "campaign_name", "campaign_channel", "campaign_description"
        )
    if name == "export_members":
        exports = mart.table("exports").select(
            "export_id",
            export_kind="kind",
            export_description="description",
            exported_at="created_at",
            exported_by="created_by",
        )
        return rows.left_join(exports, "export_id").select(
            *rows.columns, "export_kind", "export_description", "exported_at", "exported_by"
        )
    return rows


def _quarantined(mart: Mart, customer_id: str, pii: pd.DataFrame | None) -> pd.DataFrame:
    emails = [] if pii is None else [str(e).strip().lower() for e in pii["email"].dropna()]
    phones = [] if pii is None else [str(p).strip() for p in pii["phone"].dropna()]
    found: pd.DataFrame = mart.raw.execute(_ACCESS_QUARANTINE, [customer_id, emails, phones]).df()
    return found


def _sources(mart: Mart, sections: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The loads that wrote any of the person's rows."""
    ids: set[int] = set()
    for frame in sections.values():
        if "ingest_id" in frame.columns:
            ids |= {int(v) for v in frame["ingest_id"].dropna()}
    loads = mart.table("ingests")
    chosen = scratch(mart, {"ingest_id": sorted(ids)}, {"ingest_id": "int64"})
    found: pd.DataFrame = loads.semi_join(chosen, "ingest_id").order_by("ingest_id").to_pandas()
    return found


def _new_folder(folder: Path) -> Path:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise AccessError(
            f"{folder} already exists and is not an empty folder; give a new folder for the "
            "subject access (it will hold personal data)"
        )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _write(
    folder: Path, customer_id: str, sections: dict[str, pd.DataFrame], now: dt.datetime
) -> list[Path]:
    files: list[Path] = []
    document: dict[str, Any] = {
        "customer_id": customer_id,
        "produced_at": now.isoformat(timespec="seconds") + "Z",
        "sections": {name: _records(frame) for name, frame in sections.items()},
    }
    target = create_private(folder / "subject.json")
    target.write_text(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")
    files.append(target)
    for name, frame in sections.items():
        if len(frame):
            files.append(_csv(folder / f"{name}.csv", frame))
    readme = create_private(folder / "README.txt")
    readme.write_text(_readme(customer_id, sections), encoding="utf-8")
    files.append(readme)
    return files


def _csv(path: Path, frame: pd.DataFrame) -> Path:
    shown = frame.copy()
    for name in shown.columns:
        if shown[name].map(lambda v: isinstance(v, bytes | bytearray)).any():
            shown[name] = shown[name].map(
                lambda v: v.hex() if isinstance(v, bytes | bytearray) else v
            )
    to_csv(shown, create_private(path))
    return path


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = frame.astype(object).to_dict("records")
    return [{str(k): _plain(v) for k, v in row.items()} for row in records]


def _plain(value: Any) -> Any:
    import pandas as pd  # the sections are frames, so pandas is loaded by now

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return value.hex()
    if hasattr(value, "item"):
        return value.item()
    return value


FEATURE_PART_PREFIX = "feature_part_"
"""Tables of the features' stored parts (:mod:`segmint.features.part_store`)."""

_SECTION_TEXT = {
    "customer_pii": "your contact details: e-mail, phone, name, address",
    "customers": "your profile: signup date, birth year, gender, location, how you came to us",
    "customer_attributes": "other facts recorded about you (survey answers, interests…)",
    "consents": "your marketing consents per channel, with where and when they were given",
    "orders": "your orders",
    "order_lines": "the lines of your orders",
    "order_totals": "the total and number of lines of each of your orders",
    "events": "your visits, searches, e-mail and advertising interactions",
    "campaign_members": "the campaigns you were included in, or held out of as a control",
    "assignments": "the customer segments you were placed in, with what each segmentation means",
    "segment_runs": "the segments you were in over time, each with its first and last date",
    "scores": "model estimates about you, with what each means",
    "features": "figures computed from your data to build segments and scores",
    "recommendations": "the products chosen for you from your purchases, with the reason "
    "for each and the method that chose it",
    "export_members": "files and downloads exported from the mart that included you, with "
    "what they were for, when and by whom",
    "privacy_requests": "your requests about your data",
    "quarantine": "rows about you that were rejected when loading (kept to correct them)",
    "suppressions": "your do-not-contact entries: the channels you are not to be contacted on "
    "(none named: no channel)",
    "sources": "where the data came from: the files loaded and when",
}


def _section_text(name: str) -> str:
    """What a section holds, in words; the stored parts of the features read as features."""
    if name.startswith(FEATURE_PART_PREFIX):
        return _SECTION_TEXT["features"] + f" (the {name[len(FEATURE_PART_PREFIX) :]} part)"
    return _SECTION_TEXT.get(name, "other data held about you")


def _readme(customer_id: str, sections: dict[str, pd.DataFrame]) -> str:
    lines = [
        f"Everything segmint holds about customer {customer_id}.",
        "",
        "subject.json holds every section below; each section with rows is also a CSV file.",
        "",
    ]
    for name, frame in sections.items():
        rows = f"{len(frame)} row" + ("" if len(frame) == 1 else "s")
        lines.append(f"{name}.csv: {_section_text(name)} ({rows})")
    return "\n".join(lines) + "\n"
