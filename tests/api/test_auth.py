"""Tokens: shown once, stored as a hash, mapped to ordered roles."""

from __future__ import annotations

import pytest

import segmint
from segmint.api.auth import (
    TOKENS_TABLE,
    Role,
    create_token,
    ensure_tokens_table,
    hash_token,
    parse_role,
    role_of,
)
from segmint.exceptions import SegmintError


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
        assert role_of(mart, "anything") is None  # no table yet
        token = create_token(mart, Role.analyst, "for the test")
        other = create_token(mart, Role.viewer)
        stored = mart.con.table(TOKENS_TABLE).execute()
        assert token not in stored.to_string()
        assert set(stored.token_hash) == {hash_token(token), hash_token(other)}
        assert role_of(mart, token) is Role.analyst
        assert role_of(mart, other) is Role.viewer
        assert role_of(mart, token + "x") is None
        assert role_of(mart, "") is None
        ensure_tokens_table(mart)  # idempotent
        assert mart.count(TOKENS_TABLE) == 2
