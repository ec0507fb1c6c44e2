"""``segmint forget``, ``subject-access``, ``audit`` and the privacy options of exports, run
as a user runs them, on the shop of the privacy tests (Zoe Quill is the one to forget)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import ibis
import pandas as pd
import pytest

from segmint.mart import connect
from segmint.mart.privacy import SUPPRESSIONS_TABLE, list_exports, pseudonym

from .conftest import Segmint, shop

ZOE = shop.ZOE
ZOE_EMAIL = shop.ZOE_EMAIL
file_bytes = shop.file_bytes
traces_in = shop.traces_in

REASON = "GDPR art. 17 request 2026-031"


def one_line_error(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def test_forget_says_what_went_where_and_leaves_no_byte(shop_cli: Segmint, tmp_path: Path) -> None:
    exported = tmp_path / "rfm.csv"
    assert shop_cli("assignments", "rfm", "--out", exported).exit_code == 0
    result = shop_cli("forget", ZOE, "--reason", REASON)
    assert result.exit_code == 0, result.stderr
    assert "forgot 1 customer" in result.stdout
    for table in ("customers", "customer_pii", "events", "orders", "order_lines", "scores"):
        assert f"│ {table} " in result.stdout, table
    assert str(exported.resolve()) in result.stdout and "exports to purge" in result.stdout
    assert "models flagged for refit" in result.stdout and "bgnbd" in result.stdout
    assert "old_churn" not in result.stdout  # fitted before she was first seen
    assert "mart file rewritten" in result.stdout
    assert traces_in(file_bytes(shop_cli.mart)) == []
    assert ZOE not in result.stdout + result.stderr


def test_forget_counts_the_people_it_found_not_the_ids_given(shop_cli: Segmint) -> None:
    result = shop_cli("forget", ZOE, "nobody-we-know", "--reason", REASON)
    assert result.exit_code == 0, result.stderr
    headline = result.stdout.splitlines()[0]
    assert headline == (
        "forgot 1 customer; 1 of the 2 ids had no data in the mart and is kept out of future loads"
    )


def test_refits_lists_the_flagged_models_until_they_are_refitted(shop_cli: Segmint) -> None:
    assert shop_cli("refits").stdout.strip() == "models to refit: none"
    assert shop_cli("forget", ZOE, "--reason", REASON).exit_code == 0
    listed = shop_cli("refits")
    assert listed.exit_code == 0, listed.stderr
    assert "models to refit" in listed.stdout and "bgnbd" in listed.stdout
    assert REASON in listed.stdout and "old_churn" not in listed.stdout
    with connect(shop_cli.mart) as mart:  # the model is fitted again after the erasure
        later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=1)
        shop.add_model_run(mart, 9, "bgnbd", dt.date(2024, 3, 31), created_at=later)
    document = json.loads(shop_cli("refits", "--format", "json").stdout)
    assert (document["count"], document["cleared"]) == (0, 1)
    with connect(shop_cli.mart, read_only=True) as mart:
        assert mart.count("refit_flags") == 0


def test_forget_reads_ids_from_a_file_and_prints_json(shop_cli: Segmint, tmp_path: Path) -> None:
    ids = tmp_path / "ids.csv"
    ids.write_text("customer_id,note\nzq-7341,x\nnobody-1,y\n", encoding="utf-8")
    result = shop_cli(
        "forget", "--file", ids, "--reason", REASON, "--keep-orders", "--format", "json"
    )
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["n_customers"], document["n_not_found"]) == (2, 1)
    assert document["tombstoned_orders"] == 3 and "orders" not in document["deleted"]
    assert document["deleted"]["customers"] == 1 and document["rewritten"] is not None


def test_forget_refuses_without_ids_reason_or_key(
    shop_cli: Segmint, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "customer ids to forget" in one_line_error(shop_cli("forget", "--reason", REASON).stderr)
    assert "needs a reason" in one_line_error(shop_cli("forget", ZOE).stderr)
    named = shop_cli("forget", ZOE, "--reason", f"asked by {ZOE_EMAIL}")
    assert "names a person" in one_line_error(named.stderr)
    monkeypatch.delenv("SEGMINT_PRIVACY_KEY")
    keyless = shop_cli("forget", ZOE, "--reason", REASON)
    assert keyless.exit_code == 2 and "SEGMINT_PRIVACY_KEY" in one_line_error(keyless.stderr)
    with duckdb.connect(str(shop_cli.mart), read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM customers WHERE customer_id = ?", [ZOE]
        ).fetchone() == (1,)


def test_subject_access_writes_the_answer(shop_cli: Segmint, tmp_path: Path) -> None:
    folder = tmp_path / "answer"
    result = shop_cli("subject-access", ZOE, "--out", folder)
    assert result.exit_code == 0, result.stderr
    assert f"to {folder}" in result.stdout
    document = json.loads((folder / "subject.json").read_text(encoding="utf-8"))
    assert document["sections"]["customer_pii"][0]["email"] == ZOE_EMAIL
    assert (folder / "orders.csv").exists() and (folder / "README.txt").exists()
    again = shop_cli("subject-access", ZOE, "--out", folder)
    assert "not an empty folder" in one_line_error(again.stderr)


def test_audit_lists_verifies_and_catches_tampering(shop_cli: Segmint, tmp_path: Path) -> None:
    shop_cli("subject-access", ZOE, "--out", tmp_path / "a")
    shop_cli("forget", ZOE, "--reason", REASON)
    listed = json.loads(shop_cli("audit", "--verify", "--format", "json").stdout)
    actions = [e["action"] for e in listed["entries"]]
    assert actions == ["export", "subject_access", "forget"]  # the answer is a registered export
    assert listed["entries"][2]["subjects"] == [pseudonym(ZOE, label="audit")]
    assert listed["verification"]["ok"] and listed["verification"]["head"].startswith("3:")
    head = listed["verification"]["head"]
    assert shop_cli("audit", "--anchor", head).exit_code == 0
    only = json.loads(shop_cli("audit", "--action", "forget", "--format", "json").stdout)
    assert [e["seq"] for e in only["entries"]] == [3]
    with duckdb.connect(str(shop_cli.mart)) as con:
        con.execute("UPDATE audit_log SET actor = 'someone else' WHERE seq = 1")
    broken = shop_cli("audit", "--verify")
    assert broken.exit_code == 1
    assert "entry 1: its content does not match its hash" in broken.stderr
    bad = shop_cli("audit", "--anchor", "nonsense")
    assert "SEQ:HASH" in one_line_error(bad.stderr)


def test_assignments_export_applies_consent_suppression_and_pseudonyms(
    shop_cli: Segmint, tmp_path: Path
) -> None:
    shop_cli("forget", "ab-1001", "--reason", REASON)
    plain = tmp_path / "all.csv"
    result = shop_cli("assignments", "rfm", "--out", plain)
    assert result.exit_code == 0 and "registered as export" in result.stderr
    assert sorted(pd.read_csv(plain).customer_id) == ["cd-2002", "ef-3003", ZOE]
    emailable = tmp_path / "email.parquet"
    result = shop_cli(
        "assignments", "rfm", "--out", emailable, "--channel", "email", "--pseudonymise"
    )
    assert "without consent for email" in result.stderr
    assert pd.read_parquet(emailable).customer_id.tolist() == [pseudonym(ZOE)]
    listed = json.loads(shop_cli("audit", "--action", "export", "--format", "json").stdout)
    details = listed["entries"][-1]["details"]
    assert details["channel"] == "email" and details["pseudonymised"] is True
    assert details["n_without_consent"] == 2


def test_assignments_export_for_contact_leaves_out_the_do_not_contact_table(
    shop_cli: Segmint, tmp_path: Path
) -> None:
    """ab-1001 consents to e-mail but is on ``suppressions`` for it: left out of a file for
    e-mail and counted as suppressed, kept in one for analysis and in one for sms."""
    with connect(shop_cli.mart, create=False) as mart:
        listed = {"customer_id": ["ab-1001", ZOE], "channel": ["Email", "sms"]}
        mart.create_table(SUPPRESSIONS_TABLE, ibis.memtable(listed))
    emailable = tmp_path / "email.csv"
    result = shop_cli("assignments", "rfm", "--out", emailable, "--channel", "email")
    assert result.exit_code == 0, result.output
    assert pd.read_csv(emailable).customer_id.tolist() == [ZOE]
    assert "left out: 1 suppressed, 2 without consent for email" in result.stderr
    listed_exports = json.loads(shop_cli("audit", "--action", "export", "--format", "json").stdout)
    details = listed_exports["entries"][-1]["details"]
    n_members = details["n_candidates"]
    assert (details["n_suppressed"], details["n_without_consent"], n_members) == (1, 2, 4)
    assert details["n_eligible"] + details["n_without_consent"] + details["n_suppressed"] == 4
    plain = tmp_path / "all.csv"
    assert shop_cli("assignments", "rfm", "--out", plain).exit_code == 0
    assert "ab-1001" in set(pd.read_csv(plain).customer_id)


def test_assignments_export_refuses_a_channel_the_mart_records_no_consent_on(
    shop_cli: Segmint, tmp_path: Path
) -> None:
    everyone = tmp_path / "all.csv"
    assert shop_cli("assignments", "rfm", "--out", everyone).exit_code == 0
    n_customers = len(pd.read_csv(everyone))
    push = tmp_path / "push.csv"
    refused = shop_cli("assignments", "rfm", "--out", push, "--channel", "push")
    assert refused.exit_code == 2 and not push.exists()
    message = one_line_error(refused.stderr)
    assert (
        "the segments of rfm are exported for contact by push (--channel), and the mart "
        f"records no consent for push at all: none of the {n_customers} customers in them"
    ) in message
    assert (
        "`segmint ingest consents FILE`" in message
        and "the mart has consents for email, sms." in message
    )
    with connect(shop_cli.mart, create=False) as mart:
        assert [e.path for e in list_exports(mart)] == [str(everyone.resolve())]
    # sms is recorded (ef-3003 withdrew) and nobody grants it: an empty file, with the count
    sms = tmp_path / "sms.csv"
    written = shop_cli("assignments", "rfm", "--out", sms, "--channel", "sms")
    assert written.exit_code == 0 and pd.read_csv(sms).empty
    assert f"left out: {n_customers} without consent for sms" in written.stderr
