"""Exporting a campaign's target group for sending, with a manifest.

The send list is the campaign's **target** group as assigned, minus the people who may
not be contacted *now*: the suppression lists are applied again, then consent is read at
export time (a member who withdrew after the groups were drawn is left out of the send)
(:mod:`.exclusions`). A member both suppressed and without consent counts as suppressed,
as in every export for contact (:func:`segmint.mart.privacy.eligible_for_export`). The campaign's results keep every assigned member in their group
(intention to treat), so leaving someone out of the send never changes who is measured.

:func:`write_send_list` writes the customer ids (CSV with formula-like cells escaped, or
Parquet) and a manifest beside the file, ``<file>.manifest.json``::

    {"campaign_id": "spring", "channel": "email", "exported_at": "2025-03-01T09:00:00",
     "file": "spring.csv", "format": "csv", "sha256": "…",
     "counts": {"n_target": 1200, "n_without_consent": 14, "n_suppressed": 2, "n_exported": 1184}}

The checksum is the SHA-256 of the file's bytes, so the recipient can check that what
they send is what segmint exported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis.expr.types as ir

from segmint.exceptions import InputError, MartError
from segmint.mart import Mart
from segmint.mart.csv_safety import neutralise_table
from segmint.mart.fetch import scalar
from segmint.mart.privacy import refuse_unrecorded_channel
from segmint.mart.private_files import private_file
from segmint.scoring.campaigns.exclusions import consenting, not_suppressed
from segmint.scoring.campaigns.measure import campaign_row

FORMATS = ("csv", "parquet")
MANIFEST_SUFFIX = ".manifest.json"


@dataclass(frozen=True)
class SendList:
    """Who to send a campaign to now, and who was left out and why.

    Attributes:
        campaign: the campaign id.
        channel: the campaign's channel (consent is read for it).
        rows: ``customer_id`` of the target members who may be contacted now.
        n_target: members assigned to the target group.
        n_without_consent: of those not suppressed, left out: no granted consent now.
        n_suppressed: of the target members, left out as suppressed, whatever their
            consent: forgotten (the privacy list ``suppression``), on the mart's
            ``suppressions`` table for the channel, or in the list given.
        exported_at: the moment consent was read (UTC, naive).
    """

    campaign: str
    channel: str
    rows: ir.Table
    n_target: int
    n_without_consent: int
    n_suppressed: int
    exported_at: dt.datetime

    @property
    def n_exported(self) -> int:
        """Members on the send list."""
        return self.n_target - self.n_without_consent - self.n_suppressed

    def counts(self) -> dict[str, int]:
        """The counts as a JSON-ready mapping."""
        return {
            "n_target": self.n_target,
            "n_without_consent": self.n_without_consent,
            "n_suppressed": self.n_suppressed,
            "n_exported": self.n_exported,
        }


def send_list(
    mart: Mart,
    campaign_id: str,
    *,
    suppressed: ir.Table | None = None,
    now: dt.datetime | None = None,
) -> SendList:
    """The target group of ``campaign_id`` that may be contacted at ``now``.

    Raises:
        MartError: no such campaign, or it has no channel.
        ConsentError: the mart records no consent on its channel at all.
    """
    row = campaign_row(mart, campaign_id)
    channel = row.get("channel")
    if channel is None or not str(channel).strip():
        raise MartError(
            f"campaign '{campaign_id}' has no channel, so nobody's consent can be checked; "
            "load a campaigns file giving its channel (email, sms…), which fills it."
        )
    at = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    members = mart.table("campaign_members")
    target = members.filter(
        (members.campaign_id == campaign_id) & (members["group"] == "target")
    ).select("customer_id")
    kept = not_suppressed(mart, target, str(channel), extra=suppressed)
    allowed = kept.semi_join(consenting(mart, str(channel), at=at), "customer_id")
    n_target, n_kept, n_allowed = (int(scalar(t.count())) for t in (target, kept, allowed))
    refuse_unrecorded_channel(
        mart,
        str(channel),
        n_kept - n_allowed,
        f"campaign '{campaign_id}' is sent by {channel}",
        f"its {n_target:,} target members",
    )
    return SendList(
        campaign=campaign_id,
        channel=str(channel).strip().lower(),
        rows=allowed.order_by("customer_id"),
        n_target=n_target,
        n_without_consent=n_kept - n_allowed,
        n_suppressed=n_target - n_kept,
        exported_at=at,
    )


@dataclass(frozen=True)
class Manifest:
    """What was written: the file, its checksum and the counts."""

    path: Path
    manifest_path: Path
    content: dict[str, Any]


def manifest_path(out: Path) -> Path:
    """Where the manifest of ``out`` goes: ``<out>.manifest.json``."""
    return out.with_name(out.name + MANIFEST_SUFFIX)


def write_send_list(send: SendList, out: Path, *, fmt: str | None = None) -> Manifest:
    """Write ``send`` to ``out`` (CSV or Parquet, by ``fmt`` or the file's suffix) and its manifest.

    Raises:
        InputError: an unknown format, or ``out`` is a directory.
    """
    kind = (fmt or out.suffix.lstrip(".") or "csv").lower()
    if kind not in FORMATS:
        raise InputError(
            f"a send list is written as {' or '.join(FORMATS)}; got {kind!r} (from {out.name})."
        )
    if out.is_dir():
        raise InputError(f"{out} is a directory; give the file to write, e.g. {out / 'send.csv'}.")
    out.parent.mkdir(parents=True, exist_ok=True)
    with private_file(out):
        if kind == "csv":
            neutralise_table(send.rows).to_csv(out)
        else:
            send.rows.to_parquet(out)
    content = {
        "campaign_id": send.campaign,
        "channel": send.channel,
        "exported_at": send.exported_at.isoformat(timespec="seconds"),
        "consent_as_of": send.exported_at.isoformat(timespec="seconds"),
        "file": out.name,
        "format": kind,
        "sha256": _sha256(out),
        "counts": send.counts(),
    }
    target = manifest_path(out)
    target.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    return Manifest(out, target, content)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
