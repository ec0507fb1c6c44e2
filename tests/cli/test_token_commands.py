"""``segmint token create|list|revoke``: tokens for the API and the pages, kept hashed in the mart."""

from __future__ import annotations

import csv
import io
import json
import re
import time

from segmint.mart import connect
from segmint.mart.token_terms import Role
from segmint.mart.tokens import role_of

from .conftest import Segmint


def test_token_create_list_revoke(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    made = segmint_cli("token", "create", "--role", "admin", "--label", "Ann", "--expires", "2w")
    assert made.exit_code == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    assert re.search(r"new admin token [0-9a-f]{12} for .*, expires 20\d\d-", made.stderr)
    forever = segmint_cli("token", "create", "--expires", "never")
    assert "never expires" in forever.stderr

    listed = segmint_cli("token", "list", "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [r["role"] for r in rows] == ["admin", "viewer"]
    assert rows[0]["label"] == "Ann" and rows[0]["status"] == "active"
    assert rows[1]["expires"] == "never" and rows[0]["revoked"] is None
    assert token not in listed.stdout and token[4:20] not in listed.stdout

    human = segmint_cli("token", "list")
    assert rows[0]["id"] in human.stdout and "Ann" in human.stdout and token not in human.stdout

    revoked = segmint_cli("token", "revoke", rows[0]["id"])
    assert revoked.exit_code == 0, revoked.stderr
    assert f"revoked token {rows[0]['id']} (admin, Ann)" in revoked.stdout
    again = segmint_cli("token", "revoke", rows[0]["id"])
    assert "was already revoked on" in again.stdout
    after = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    assert after[0]["status"] == "revoked" and after[0]["revoked"].endswith("UTC")
    with connect(segmint_cli.mart, create=False) as mart:
        assert role_of(mart, token) is None


def test_token_commands_explain_bad_input(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    bad = segmint_cli("token", "create", "--expires", "3 months")
    assert bad.exit_code == 2 and "--expires must be a whole number" in bad.stderr
    unknown = segmint_cli("token", "revoke", "abcdef123456")
    assert unknown.exit_code == 2 and "no token with id abcdef123456" in unknown.stderr
    assert segmint_cli("token", "list").stderr.startswith("no tokens yet")


def test_the_default_expiry_is_90_days(segmint_cli: Segmint) -> None:
    assert "Default: 90d" in segmint_cli("token", "create", "--help", mart=False).stdout
    segmint_cli("init")
    segmint_cli("token", "create")
    (row,) = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    created = time.strptime(row["created"], "%Y-%m-%d %H:%M UTC")
    expires = time.strptime(row["expires"], "%Y-%m-%d %H:%M UTC")
    assert round((time.mktime(expires) - time.mktime(created)) / 86400) == 90
    assert Role(row["role"]) is Role.viewer


def test_token_list_as_csv_is_one_safe_cell_per_value(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    label = '=HYPERLINK("https://evil.example/?",  "a, b")'
    assert segmint_cli("token", "create", "--label", label).exit_code == 0
    listed = segmint_cli("token", "list", "--format", "csv")
    assert listed.exit_code == 0, listed.stderr
    header, row = list(csv.reader(io.StringIO(listed.stdout)))
    assert header == ["id", "role", "label", "created", "expires", "revoked", "status"]
    assert row[header.index("label")] == "'" + label
    assert row[header.index("role")] == "viewer" and row[header.index("revoked")] == ""
