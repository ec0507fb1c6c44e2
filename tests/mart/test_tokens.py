"""Tokens: shown once, stored as a hash with its role, expiry and revocation; listed by a
short id that says nothing about the token."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

import segmint
from segmint.exceptions import SegmintError
from segmint.mart.token_terms import ID_LENGTH, Role
from segmint.mart.tokens import (
    DEFAULT_LIFETIME,
    MAX_LIFETIME,
    TOKENS_TABLE,
    TokenError,
    create_token,
    find_token,
    hash_token,
    list_tokens,
    load_tokens,
    parse_lifetime,
    parse_role,
    revoke_token,
    role_of,
    utcnow,
)


def test_roles_are_ordered_viewer_analyst_admin() -> None:
    assert Role.admin.allows(Role.analyst) and Role.admin.allows(Role.viewer)
    assert Role.analyst.allows(Role.viewer) and not Role.analyst.allows(Role.admin)
    assert not Role.viewer.allows(Role.analyst)


def test_parse_role_names_the_choices() -> None:
    assert parse_role(" Analyst ") is Role.analyst
    with pytest.raises(
        SegmintError, match=r"role must be one of viewer, analyst, admin; got 'boss'"
    ):
        parse_role("boss")


def test_only_the_hash_is_stored_and_it_maps_back_to_the_role() -> None:
    with segmint.connect(":memory:") as mart:
        assert role_of(mart, "anything") is None  # an empty table
        token = create_token(mart, Role.analyst, "for the test")
        other = create_token(mart, Role.viewer)
        stored = mart.con.table(TOKENS_TABLE).execute()
        assert token not in stored.to_string()
        assert set(stored.token_hash) == {hash_token(token), hash_token(other)}
        assert role_of(mart, token) is Role.analyst
        assert role_of(mart, other) is Role.viewer
        assert role_of(mart, token + "x") is None
        assert role_of(mart, "") is None


def test_the_tokens_table_is_part_of_every_mart(tmp_path: Path) -> None:
    with segmint.connect(tmp_path / "mart.duckdb") as mart:
        assert TOKENS_TABLE in mart.con.list_tables()
        assert mart.count(TOKENS_TABLE) == 0


def test_a_tokens_table_of_an_older_segmint_gets_expiry_and_revocation(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with segmint.connect(path) as mart:
        mart.con.drop_table(TOKENS_TABLE)
        mart.raw.execute(
            "CREATE TABLE api_tokens (token_hash VARCHAR, role VARCHAR, label VARCHAR, "
            "created_at TIMESTAMP)"
        )
        mart.raw.execute(
            "INSERT INTO api_tokens VALUES ($1, 'admin', 'old', TIMESTAMP '2024-01-01')",
            [hash_token("sgm_old")],
        )
    with segmint.connect(path) as mart:
        (info,) = list_tokens(mart)
        assert info.expires_at is None and info.revoked_at is None
        assert role_of(mart, "sgm_old") is Role.admin  # an old token works until revoked


def test_new_tokens_expire_after_90_days_by_default_or_when_told() -> None:
    with segmint.connect(":memory:") as mart:
        before = utcnow()
        default = create_token(mart, Role.viewer)
        short = create_token(mart, Role.viewer, lifetime=dt.timedelta(hours=12))
        forever = create_token(mart, Role.viewer, lifetime=None)
        tokens = load_tokens(mart)
        after = utcnow()
    expires = tokens[hash_token(default)].expires_at
    assert expires is not None and before + DEFAULT_LIFETIME <= expires <= after + DEFAULT_LIFETIME
    expires = tokens[hash_token(short)].expires_at
    assert expires is not None and expires - tokens[hash_token(short)].created_at == dt.timedelta(
        hours=12
    )
    assert tokens[hash_token(forever)].expires_at is None


def test_an_expired_token_has_no_role_and_says_when_it_expired() -> None:
    with segmint.connect(":memory:") as mart:
        token = create_token(mart, Role.admin, lifetime=dt.timedelta(hours=1))
        info = load_tokens(mart)[hash_token(token)]
        later = utcnow() + dt.timedelta(hours=2)
        assert role_of(mart, token) is Role.admin
        assert role_of(mart, token, now=later) is None
    assert info.status(later) == "expired"
    problem = info.problem(later)
    assert problem is not None and f"the token {info.id} expired on" in problem
    assert "segmint token create" in problem


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90d", dt.timedelta(days=90)),
        ("12h", dt.timedelta(hours=12)),
        (" 2W ", dt.timedelta(weeks=2)),
        ("never", None),
        ("none", None),
    ],
)
def test_parse_lifetime_reads_hours_days_weeks_or_never(
    text: str, expected: dt.timedelta | None
) -> None:
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize("text", ["90", "3 months", "0d", "-1d", "1.5d", "", "\u0669\u0660d"])
def test_parse_lifetime_names_the_option_and_the_accepted_forms(text: str) -> None:
    with pytest.raises(
        TokenError,
        match=r"^--expires takes a whole number above 0 followed by its unit, h \(hours\), "
        r"d \(days\) or w \(weeks\), such as 12h, 90d or 2w, or 'never'; got ",
    ):
        parse_lifetime(text)


def test_a_bare_number_is_refused_with_both_readings() -> None:
    with pytest.raises(
        TokenError, match=r"got '90'\. A number needs its unit: 90d for 90 days, 90h"
    ):
        parse_lifetime("90")


@pytest.mark.parametrize("text", ["5215w", "36501d", "876001h", "99999999999999999999w"])
def test_a_lifetime_beyond_100_years_is_refused_not_overflowed(text: str) -> None:
    with pytest.raises(
        TokenError, match=r"^--expires is at most 36500d \(100 years.*--expires never"
    ):
        parse_lifetime(text)
    assert parse_lifetime("36500d") == MAX_LIFETIME


def test_list_shows_a_short_id_of_the_hash_never_the_token() -> None:
    with segmint.connect(":memory:") as mart:
        token = create_token(mart, Role.analyst, "Ann")
        (info,) = list_tokens(mart)
    assert info.id == hash_token(token)[:ID_LENGTH]
    assert info.id not in token and (info.role, info.label) == (Role.analyst, "Ann")
    assert info.status() == "active" and info.problem() is None


def test_revoke_by_id_or_unique_prefix_and_the_token_stops_working() -> None:
    with segmint.connect(":memory:") as mart:
        token = create_token(mart, Role.admin, "leaver")
        keep = create_token(mart, Role.viewer)
        info = find_token(mart, hash_token(token)[:ID_LENGTH])
        revoked, changed = revoke_token(mart, info.id[:8])
        assert changed and revoked.revoked_at is not None
        assert role_of(mart, token) is None and role_of(mart, keep) is Role.viewer
        again, changed = revoke_token(mart, info.id)
        assert not changed and again.revoked_at == revoked.revoked_at
    problem = revoked.problem()
    assert problem is not None and f"the token {info.id} was revoked on" in problem


def test_revoke_explains_a_bad_unknown_or_ambiguous_id() -> None:
    with segmint.connect(":memory:") as mart:
        create_token(mart, Role.viewer)
        with pytest.raises(TokenError, match="hex digits shown by `segmint token list`"):
            revoke_token(mart, "abc")
        with pytest.raises(TokenError, match="hex digits"):
            revoke_token(mart, "sgm_notanid")
        with pytest.raises(TokenError, match="no token with id 000000"):
            revoke_token(mart, "000000")
        for twin in ("abcdef01", "abcdef02"):  # two hashes that share their first 6 digits
            mart.raw.execute(
                "INSERT INTO api_tokens (token_hash, role, label, created_at) "
                "VALUES ($1, 'viewer', '', TIMESTAMP '2025-01-01')",
                [twin + "0" * 56],
            )
        with pytest.raises(TokenError, match="the id abcdef starts several tokens"):
            revoke_token(mart, "ABCDEF")
        assert revoke_token(mart, "abcdef02")[1]
