"""Access tokens and roles: who may see aggregates, customer rows or personal data.

A token is a random secret shown once when created; the mart keeps only its SHA-256
hash in the table ``api_tokens`` (a fast hash is enough because tokens carry 256 bits of
randomness: there is nothing to guess). Roles are ordered:

* ``viewer``: aggregates only (segments, money, migration, charts);
* ``analyst``: also customer-level rows (search, 360° view, audiences) without PII;
* ``admin``: also personal data (e-mail, phone, name, address).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from enum import StrEnum

import ibis

from segmint.exceptions import SegmintError
from segmint.mart import Mart

TOKENS_TABLE = "api_tokens"
TOKEN_PREFIX = "sgm_"

TOKENS_SCHEMA = ibis.schema(
    {"token_hash": "string", "role": "string", "label": "string", "created_at": "timestamp"}
)


class Role(StrEnum):
    """What a token may see; each role sees everything the previous one sees."""

    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"

    @property
    def rank(self) -> int:
        """0 for viewer, 1 for analyst, 2 for admin."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """True when this role may see what ``needed`` may see."""
        return self.rank >= needed.rank


def parse_role(value: str) -> Role:
    """The role named ``value``.

    Raises:
        SegmintError: ``value`` is not viewer, analyst or admin.
    """
    try:
        return Role(value.strip().lower())
    except ValueError:
        raise SegmintError(
            f"role must be one of {', '.join(r.value for r in Role)}; got {value!r}"
        ) from None


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ensure_tokens_table(mart: Mart) -> None:
    """Create the ``api_tokens`` table when the mart does not have it yet."""
    if TOKENS_TABLE not in mart.con.list_tables():
        mart.con.create_table(TOKENS_TABLE, schema=TOKENS_SCHEMA)


def create_token(mart: Mart, role: Role, label: str = "") -> str:
    """Make a new token with ``role``, store its hash and return the token itself (once)."""
    ensure_tokens_table(mart)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = {
        "token_hash": [hash_token(token)],
        "role": [role.value],
        "label": [label],
        "created_at": [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
    }
    mart.con.insert(TOKENS_TABLE, ibis.memtable(row, schema=TOKENS_SCHEMA))
    return token


def role_of(mart: Mart, token: str) -> Role | None:
    """The role of ``token``, or None when it is unknown (or the mart has no tokens)."""
    if not token or TOKENS_TABLE not in mart.con.list_tables():
        return None
    table = mart.con.table(TOKENS_TABLE)
    found = table.filter(table.token_hash == hash_token(token)).role.execute()
    if not len(found):
        return None
    return Role(str(found.iloc[0]))
