"""The audit log: pseudonymous subjects, never a token, and a chain that shows tampering."""

from __future__ import annotations

import datetime as dt

import pytest

from segmint.mart import Mart
from segmint.mart.privacy import audit
from segmint.mart.privacy.audit import AuditError, row_hash
from segmint.mart.privacy.pseudonyms import AUDIT_LABEL, pseudonym
from segmint.mart.token_terms import Role
from segmint.mart.tokens import create_token, hash_token

from .conftest import ZOE


@pytest.fixture
def logged(shop: Mart) -> Mart:
    """The shop with four audit entries."""
    start = dt.datetime(2026, 1, 1, 9)
    audit.record(shop, "cli:marketing", "export", details={"rows": 10}, now=start)
    audit.record(
        shop, "dashboard viewer", "pii_read", subjects=[ZOE], now=start + dt.timedelta(hours=1)
    )
    audit.record(
        shop,
        "cli:marketing",
        "subject_access",
        subjects=["ab-1001"],
        now=start + dt.timedelta(hours=2),
    )
    audit.record(
        shop,
        "cli:ben",
        "forget",
        subjects=[ZOE],
        details={"reason": "r"},
        now=start + dt.timedelta(hours=3),
    )
    return shop


def test_an_intact_log_verifies(logged: Mart) -> None:
    result = audit.verify(logged)
    assert result.ok and result.n_entries == 4
    last = audit.entries(logged)[-1]
    assert result.head == (4, last.row_hash)
    assert audit.verify(logged, anchor=(2, audit.entries(logged)[1].row_hash)).ok


def test_subjects_are_pseudonyms_never_ids(logged: Mart) -> None:
    entry = audit.entries(logged, action="pii_read")[0]
    assert entry.subjects == (pseudonym(ZOE, label=AUDIT_LABEL),)
    stored = logged.table("audit_log").to_pandas().astype(str).to_string()
    assert ZOE not in stored and "ab-1001" not in stored


def test_a_changed_row_is_detected(logged: Mart) -> None:
    logged.raw.execute("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 2")
    result = audit.verify(logged)
    assert not result.ok
    assert result.problems == ["entry 2: its content does not match its hash (it was changed)"]


def test_a_changed_row_with_a_recomputed_hash_breaks_the_next_link(logged: Mart) -> None:
    row = logged.raw.execute("SELECT * FROM audit_log WHERE seq = 2").fetchone()
    assert row is not None
    forged = row_hash(2, row[1], "cli:nobody", row[3], row[4], row[5], row[6])
    logged.raw.execute(
        "UPDATE audit_log SET actor = 'cli:nobody', row_hash = ? WHERE seq = 2", [forged]
    )
    problems = audit.verify(logged).problems
    assert problems == [
        "entry 3: prev_hash does not match the hash of the entry before it "
        "(a row before it was removed, reordered or changed)"
    ]


def test_a_removed_row_is_detected(logged: Mart) -> None:
    logged.raw.execute("DELETE FROM audit_log WHERE seq = 2")
    problems = audit.verify(logged).problems
    assert any("entry 2 is missing" in p for p in problems)
    assert any(p.startswith("entry 3: prev_hash") for p in problems)


def test_reordered_rows_are_detected(logged: Mart) -> None:
    logged.raw.execute(
        "UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 3 ELSE 2 END WHERE seq IN (2, 3)"
    )
    result = audit.verify(logged)
    assert not result.ok
    assert any("prev_hash" in p for p in result.problems)


def test_a_log_cut_short_is_detected_against_an_anchor(logged: Mart) -> None:
    anchor = audit.verify(logged).head
    logged.raw.execute("DELETE FROM audit_log WHERE seq = 4")
    assert audit.verify(logged).ok  # a chain alone cannot tell its end was cut off
    result = audit.verify(logged, anchor=anchor)
    assert not result.ok and "anchor (entry 4" in result.problems[0]


def test_the_actor_is_never_a_token(shop: Mart) -> None:
    token = create_token(shop, Role.admin, "ops laptop")
    with pytest.raises(AuditError, match="looks like an access token"):
        audit.record(shop, token, "pii_read")
    # a secret stored as a token's hash is recognised whatever it looks like
    shop.raw.execute(
        "INSERT INTO api_tokens (token_hash, role, label) VALUES (?, 'viewer', 'old')",
        [hash_token("legacy-secret-1234")],
    )
    with pytest.raises(AuditError, match="looks like an access token"):
        audit.record(shop, "legacy-secret-1234", "pii_read")
    with pytest.raises(AuditError, match="needs an actor"):
        audit.record(shop, " ", "pii_read")
    with pytest.raises(AuditError, match="needs an action"):
        audit.record(shop, "ops laptop", "")
    assert shop.count("audit_log") == 0


def test_cli_actor_names_the_user() -> None:
    assert audit.cli_actor().startswith("cli:") and len(audit.cli_actor()) > 4
