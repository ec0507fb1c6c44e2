"""``segmint token create|list|revoke``: tokens for the API and the pages, kept hashed in the mart."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

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
    assert rows[1]["expires"] is None and rows[0]["revoked"] is None  # never, not revoked
    assert token not in listed.stdout and token[4:20] not in listed.stdout

    human = segmint_cli("token", "list")
    assert rows[0]["id"] in human.stdout and "Ann" in human.stdout and token not in human.stdout

    revoked = segmint_cli("token", "revoke", rows[0]["id"])
    assert revoked.exit_code == 0, revoked.stderr
    assert f"revoked token {rows[0]['id']} (admin, Ann)" in revoked.stdout
    again = segmint_cli("token", "revoke", rows[0]["id"])
    assert "was already revoked on" in again.stdout
    after = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    assert after[0]["status"] == "revoked"
    assert dt.datetime.fromisoformat(after[0]["revoked"]).utcoffset() == dt.timedelta(0)
    with connect(segmint_cli.mart, create=False) as mart:
        assert role_of(mart, token) is None


def test_token_commands_explain_bad_input(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    bad = segmint_cli("token", "create", "--expires", "3 months")
    assert bad.exit_code == 2 and " ".join(bad.stderr.split()) == (
        "error: --expires takes a whole number above 0 followed by its unit, h (hours), "
        "d (days) or w (weeks), such as 12h, 90d or 2w, or 'never'; got '3 months'"
    )
    bare = segmint_cli("token", "create", "--expires", "30")
    assert bare.exit_code == 2 and "30d for 30 days, 30h for 30 hours" in bare.stderr
    huge = segmint_cli("token", "create", "--expires", "1000000w")
    assert huge.exit_code == 2 and "--expires is at most 36500d" in huge.stderr
    assert "Traceback" not in huge.output
    unknown = segmint_cli("token", "revoke", "abcdef123456")
    assert unknown.exit_code == 2 and "no token with id abcdef123456" in unknown.stderr
    assert segmint_cli("token", "list").stderr.startswith("no tokens yet")


def test_the_expires_help_names_its_units_and_the_default(segmint_cli: Segmint) -> None:
    shown = segmint_cli("token", "create", "--help", mart=False)
    text = " ".join(shown.stdout.replace("│", " ").split())
    assert "--expires <duration> How long it works: a whole number and its unit" in text
    assert "h (hours), d (days) or w (weeks), such as 12h, 90d or 2w" in text
    assert "'never' for no expiry. [default: 90d]" in text


def test_the_default_expiry_is_90_days(segmint_cli: Segmint) -> None:
    segmint_cli("init")
    segmint_cli("token", "create")
    (row,) = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    created = dt.datetime.fromisoformat(row["created"])
    expires = dt.datetime.fromisoformat(row["expires"])
    assert expires - created == dt.timedelta(days=90)
    assert Role(row["role"]) is Role.viewer


def test_token_list_as_json_gives_iso_8601_times_in_utc(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    segmint_cli("token", "create", "--expires", "12h")
    (row,) = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    iso = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
    assert re.fullmatch(iso, row["created"]) and re.fullmatch(iso, row["expires"])
    created = dt.datetime.fromisoformat(row["created"])
    assert created.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - created) < dt.timedelta(minutes=5)
    assert dt.datetime.fromisoformat(row["expires"]) - created == dt.timedelta(hours=12)
    human = segmint_cli("token", "list")
    assert f"{created:%Y-%m-%d %H:%M} UTC" in human.stdout  # people still read the short form


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


def test_token_create_as_json_or_csv_gives_the_token_with_its_row(segmint_cli: Segmint) -> None:
    assert segmint_cli("init").exit_code == 0
    made = segmint_cli("token", "create", "--role", "analyst", "--label", "CRM", "--format", "json")
    assert made.exit_code == 0, made.stderr
    created = json.loads(made.stdout)
    (listed,) = json.loads(segmint_cli("token", "list", "--format", "json").stdout)
    assert {k: v for k, v in created.items() if k != "token"} == listed
    with connect(segmint_cli.mart, create=False) as mart:
        assert role_of(mart, created["token"]) == Role.analyst
    as_csv = segmint_cli("token", "create", "--format", "csv")
    assert as_csv.exit_code == 0, as_csv.stderr
    header, row = list(csv.reader(io.StringIO(as_csv.stdout)))
    assert header == ["id", "role", "label", "created", "expires", "revoked", "status", "token"]
    with connect(segmint_cli.mart, create=False) as mart:
        assert role_of(mart, row[-1]) == Role.viewer
