"""The audit journal of read-only servers, and its collection into the audit log."""

from __future__ import annotations

import datetime as dt
import json
import stat
import threading
from pathlib import Path

import pytest

from segmint.mart import Mart
from segmint.mart.privacy import (
    ExportNote,
    audit,
    collect_journal,
    entries,
    forget,
    journal_path,
    list_exports,
    pseudonym,
    subject_access,
    verify,
)
from segmint.mart.privacy.audit import AuditError
from segmint.mart.privacy.journal import append, pending
from segmint.mart.privacy.keys import ENV_KEY, PrivacyKeyError
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL

from .conftest import ZOE

T0 = dt.datetime(2024, 4, 1, 9, 0)


def read_pii(shop: Mart, customer_id: str, minute: int = 0) -> None:
    append(
        shop.path,
        "token:crm-sync",
        "pii_read",
        subjects=[customer_id],
        details={"view": "customer_360", "via": "api"},
        now=T0 + dt.timedelta(minutes=minute),
    )


def test_entries_are_journalled_by_pseudonym_in_a_private_file(shop: Mart) -> None:
    read_pii(shop, ZOE)
    read_pii(shop, "ab-1001", 1)
    path = journal_path(shop.path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ZOE.encode() not in path.read_bytes()
    lines = pending(shop.path)
    assert [line.subjects for line in lines] == [
        (pseudonym(ZOE, label=AUDIT_LABEL),),
        (pseudonym("ab-1001", label=AUDIT_LABEL),),
    ]
    assert lines[1].prev == lines[0].hash


def test_collecting_moves_the_journal_into_the_log_in_order(shop: Mart) -> None:
    audit.record(shop, "cli:dpo", "request", now=T0 - dt.timedelta(days=1))
    for minute in range(3):
        read_pii(shop, ZOE, minute)
    collected = collect_journal(shop)
    assert (collected.n_entries, collected.n_skipped, collected.problems) == (3, 0, [])
    log = entries(shop, action="pii_read")
    assert [e.at for e in log] == [T0 + dt.timedelta(minutes=m) for m in range(3)]
    assert {e.actor for e in log} == {"token:crm-sync"}
    assert all(e.details["view"] == "customer_360" and "journal" in e.details for e in log)
    assert verify(shop).ok
    assert pending(shop.path) == []
    assert collect_journal(shop).n_entries == 0


def test_a_collection_cut_short_moves_no_line_twice(shop: Mart) -> None:
    read_pii(shop, ZOE)
    read_pii(shop, ZOE, 1)
    saved = journal_path(shop.path).read_bytes()
    collect_journal(shop)
    journal_path(shop.path).write_bytes(saved)  # as if the journal was not emptied
    read_pii(shop, ZOE, 2)
    again = collect_journal(shop)
    assert (again.n_entries, again.n_skipped) == (1, 2)
    assert len(entries(shop, action="pii_read")) == 3


def test_a_tampered_journal_is_collected_and_reported(shop: Mart) -> None:
    for minute in range(3):
        read_pii(shop, ZOE, minute)
    path = journal_path(shop.path)
    lines = path.read_text().splitlines()
    changed = json.loads(lines[1])
    changed["details"]["view"] = "nothing"
    path.write_text("\n".join([lines[0], json.dumps(changed), "not json"]) + "\n")
    collected = collect_journal(shop)
    assert collected.problems == [
        "journal line 3 is not a readable entry; it was dropped",
        "journal line 2: its content does not match its hash",
    ]
    broken = entries(shop, action="audit_journal_broken")
    assert len(broken) == 1 and broken[0].details["problems"] == collected.problems
    assert verify(shop).ok  # the log itself is intact: it says where the journal was not


def test_a_download_becomes_an_export_that_an_erasure_lists(shop: Mart) -> None:
    note = ExportNote(
        "download:/api/v1/audiences/rfm/Champions?channel=email",
        "audience",
        (ZOE, "ab-1001"),
        "rfm/Champions for email",
    )
    append(shop.path, "token:crm-sync", "export", export=note, details={"channel": "email"})
    result = forget(shop, [ZOE], "erasure request 12")
    assert [e.path for e in result.exports] == [note.path]
    assert result.exports[0].members_known and result.exports[0].n_rows == 2
    exported = entries(shop, action="export")
    assert exported[0].actor == "token:crm-sync" and exported[0].details["channel"] == "email"
    assert ZOE.encode() not in journal_path(shop.path).read_bytes()


def test_a_journalled_download_names_its_members_by_pseudonym_only(shop: Mart) -> None:
    """The journal is a plain file the erasure's rewrite does not reach: no customer id in
    its bytes, yet the collected export knows exactly who is in it."""
    note = ExportNote("download:/api/v1/audiences/rfm/Loyal", "audience", (ZOE, "ab-1001"))
    append(shop.path, "token:crm-sync", "export", export=note)
    raw = journal_path(shop.path).read_bytes()
    assert ZOE.encode() not in raw and b"ab-1001" not in raw
    assert pseudonym(ZOE, label=AUDIT_LABEL).encode() in raw
    assert [line.export.members for line in pending(shop.path) if line.export] == [
        tuple(sorted([pseudonym(ZOE, label=AUDIT_LABEL), pseudonym("ab-1001", label=AUDIT_LABEL)]))
    ]
    assert collect_journal(shop).n_exports == 1
    members = shop.table("export_members").to_pandas()
    assert sorted(members.customer_id) == sorted([ZOE, "ab-1001"])
    assert list_exports(shop)[0].members_known


def test_a_download_whose_members_cannot_be_found_may_hold_anybody(shop: Mart) -> None:
    """A pseudonym no customer of the mart has (the key changed, the person is gone): the
    export is registered as one every later erasure lists, never as one holding nobody."""
    note = ExportNote("download:/api/v1/audiences/x", "audience", (ZOE, "nobody-here"))
    append(shop.path, "token:crm-sync", "export", export=note)
    collect_journal(shop)
    [export] = list_exports(shop)
    assert not export.members_known and export.n_rows == 2
    assert forget(shop, ["ab-1001"], "erasure request 13").exports == [export]


def test_subject_access_lists_downloads_the_person_was_in(shop: Mart, tmp_path: Path) -> None:
    note = ExportNote("download:/api/v1/audiences/rfm/Champions", "audience", (ZOE,), "rfm")
    append(shop.path, "token:crm-sync", "export", export=note)
    subject_access(shop, ZOE, tmp_path / "answer")
    exported = json.loads((tmp_path / "answer" / "subject.json").read_text())
    rows = exported["sections"]["export_members"]
    kinds = sorted((r["export_kind"], r["exported_by"]) for r in rows)
    # the download, and the answer itself (registered so a later erasure lists it for purge)
    assert kinds[0] == ("audience", "token:crm-sync")
    assert [kind for kind, _ in kinds] == ["audience", "subject_access"]
    paths = [e.path for e in list_exports(shop)]
    assert note.path in paths and str((tmp_path / "answer").resolve()) in paths


def test_appends_from_many_threads_keep_one_chain(shop: Mart) -> None:
    def work(n: int) -> None:
        for i in range(5):
            read_pii(shop, f"c-{n}-{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    collected = collect_journal(shop)
    assert collected.n_entries == 40 and collected.problems == []


def test_tokens_and_missing_keys_are_refused(shop: Mart, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(AuditError, match="never a token"):
        append(shop.path, "sgm_abcdefghijklmnop", "pii_read", subjects=[ZOE])
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(PrivacyKeyError, match=ENV_KEY):
        append(shop.path, "token:crm-sync", "pii_read", subjects=[ZOE])
    assert pending(shop.path) == []
