"""Access tokens and roles: who may see aggregates, customer rows or personal data.

A token is a random secret shown once when created; the mart keeps only its SHA-256 hash
in the table ``api_tokens`` (a fast hash is enough because tokens carry 256 bits of
randomness: there is nothing to guess), with its role, when it expires and when it was
revoked. The first :data:`ID_LENGTH` hex digits of the hash name a token in
``segmint token list`` and ``segmint token revoke``: they say nothing about the token.

Roles are ordered:

* ``viewer``: aggregates only (segments, money, migration, charts);
* ``analyst``: also customer-level rows (search, 360° view, audiences) without PII;
* ``admin``: also personal data (e-mail, phone, name, address).

The token store lives in the mart layer so that the CLI (which makes and revokes tokens)
and the API (which checks them) share it without importing each other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

import ibis

from segmint.exceptions import SegmintError
from segmint.mart.connection import Mart
from segmint.mart.fetch import rows
from segmint.mart.schema import API_TOKENS
from segmint.mart.token_terms import ID_LENGTH, Role

TOKENS_TABLE = API_TOKENS.name
TOKEN_PREFIX = "sgm_"
MIN_ID_LENGTH = 6
"""Fewest digits of an id ``revoke`` accepts (any unique prefix at least this long)."""
DEFAULT_LIFETIME = dt.timedelta(days=90)
"""How long a new token works unless told otherwise."""

MAX_LIFETIME = dt.timedelta(days=36_500)
"""The longest lifetime a token may be given (100 years); ``never`` for no expiry."""

_DURATION = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE | re.ASCII)
_UNITS = {"h": dt.timedelta(hours=1), "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
_NEVER = ("never", "none")
_HEX = re.compile(r"^[0-9a-f]+$")


class TokenError(SegmintError):
    """A token id that names no token (or several), or a lifetime that cannot be read."""


@dataclass(frozen=True)
class TokenInfo:
    """One stored token, without the secret.

    Attributes:
        token_hash: the SHA-256 hex digest kept in place of the token.
        role: what the token may see.
        label: who it is for.
        created_at: when it was made (UTC, naive).
        expires_at: when it stops working (UTC, naive); None: never.
        revoked_at: when it was revoked (UTC, naive); None: not revoked.
    """

    token_hash: str
    role: Role
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def id(self) -> str:
        """The short, non-secret name of the token: the start of its hash."""
        return self.token_hash[:ID_LENGTH]

    def status(self, now: dt.datetime | None = None) -> str:
        """``revoked``, ``expired`` or ``active`` at ``now`` (UTC, naive; default: now)."""
        now = now or utcnow()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "active"

    def problem(self, now: dt.datetime | None = None) -> str | None:
        """Why the token no longer works (a sentence with the fix), or None when it does."""
        status = self.status(now)
        if status == "revoked":
            return (
                f"the token {self.id} was revoked on {_minute(self.revoked_at)} UTC; "
                "ask for a new one (`segmint token create`)."
            )
        if status == "expired":
            return (
                f"the token {self.id} expired on {_minute(self.expires_at)} UTC; "
                "ask for a new one (`segmint token create --expires 90d`)."
            )
        return None


def utcnow() -> dt.datetime:
    """The current time in UTC without a time zone, as the mart stores bookkeeping times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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


def parse_lifetime(value: str) -> dt.timedelta | None:
    """How long a token should work, from ``90d``, ``12h``, ``2w`` or ``never`` (None).

    The unit is part of the value: a bare ``90`` could mean hours or days, so it is refused
    with both readings spelled out rather than guessed.

    Raises:
        TokenError: ``value`` is none of these, zero, or longer than :data:`MAX_LIFETIME`.
    """
    if value.strip().lower() in _NEVER:
        return None
    match = _DURATION.match(value)
    if match is None or int(match.group(1)) == 0:
        raise TokenError(_unreadable(value))
    number, unit = int(match.group(1)), _UNITS[match.group(2).lower()]
    if number > MAX_LIFETIME // unit:  # compared before multiplying: no overflow
        raise TokenError(
            f"--expires is at most {MAX_LIFETIME.days}d (100 years; "
            f"{MAX_LIFETIME // _UNITS['h']}h, {MAX_LIFETIME // _UNITS['w']}w); got {value!r}. "
            "For a token that never expires write --expires never."
        )
    return number * unit


def _unreadable(value: str) -> str:
    """The message for a lifetime that is not a whole number above 0 and its unit."""
    message = (
        "--expires takes a whole number above 0 followed by its unit, h (hours), d (days) "
        f"or w (weeks), such as 12h, 90d or 2w, or 'never'; got {value!r}"
    )
    bare = value.strip()
    if bare.isascii() and bare.isdigit() and int(bare) > 0:
        return f"{message}. A number needs its unit: {bare}d for {bare} days, {bare}h for {bare} hours."
    return message


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in place of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    mart: Mart,
    role: Role,
    label: str = "",
    lifetime: dt.timedelta | None = DEFAULT_LIFETIME,
) -> str:
    """Make a new token with ``role``, store its hash and return the token itself (once).

    Args:
        mart: the mart, opened for writing.
        role: what the token may see.
        label: who it is for.
        lifetime: how long it works from now; None: until revoked.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = {
        "token_hash": [hash_token(token)],
        "role": [role.value],
        "label": [label],
        "created_at": [now],
        "expires_at": [None if lifetime is None else now + lifetime],
        "revoked_at": [None],
    }
    mart.insert(TOKENS_TABLE, ibis.memtable(row, schema=API_TOKENS.ibis_schema()))
    return token


def load_tokens(mart: Mart) -> dict[str, TokenInfo]:
    """Every stored token by hash (one query; the table holds one short row per token)."""
    if not mart.has_table(TOKENS_TABLE):
        return {}
    found = rows(mart.table(TOKENS_TABLE).order_by("created_at", "token_hash"))
    infos = (_info(row) for row in found)
    return {info.token_hash: info for info in infos}


def list_tokens(mart: Mart) -> list[TokenInfo]:
    """Every stored token, oldest first."""
    return list(load_tokens(mart).values())


def find_token(mart: Mart, token_id: str) -> TokenInfo:
    """The token whose id (or hash) starts with ``token_id``.

    Raises:
        TokenError: ``token_id`` is not hex, shorter than :data:`MIN_ID_LENGTH`, or names no
            token or several.
    """
    wanted = token_id.strip().lower()
    if len(wanted) < MIN_ID_LENGTH or not _HEX.match(wanted):
        raise TokenError(
            f"a token id is the {ID_LENGTH} hex digits shown by `segmint token list` "
            f"(at least {MIN_ID_LENGTH}); got {token_id!r}"
        )
    found = [info for h, info in load_tokens(mart).items() if h.startswith(wanted)]
    if not found:
        raise TokenError(
            f"no token with id {wanted} in {mart.path}; see the ids with `segmint token list`"
        )
    if len(found) > 1:
        ids = ", ".join(info.id for info in found)
        raise TokenError(f"the id {wanted} starts several tokens ({ids}); give more digits")
    return found[0]


def revoke_token(mart: Mart, token_id: str) -> tuple[TokenInfo, bool]:
    """Revoke the token named by ``token_id`` (see :func:`find_token`).

    Returns:
        The token as it now stands, and False when it had been revoked already (its
        revocation time is kept).
    """
    info = find_token(mart, token_id)
    if info.revoked_at is not None:
        return info, False
    now = utcnow()
    mart.raw.execute(
        "UPDATE api_tokens SET revoked_at = $1 WHERE token_hash = $2", [now, info.token_hash]
    )
    return find_token(mart, info.token_hash), True


def role_of(mart: Mart, token: str, now: dt.datetime | None = None) -> Role | None:
    """The role of ``token`` when it is known, not expired and not revoked; else None."""
    if not token:
        return None
    info = load_tokens(mart).get(hash_token(token))
    return None if info is None or info.problem(now) else info.role


def _info(row: dict[str, Any]) -> TokenInfo:
    return TokenInfo(
        token_hash=str(row["token_hash"]),
        role=Role(str(row["role"])),
        label="" if row["label"] is None else str(row["label"]),
        created_at=_time(row["created_at"]) or dt.datetime.min,
        expires_at=_time(row["expires_at"]),
        revoked_at=_time(row["revoked_at"]),
    )


def _time(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else value.replace(tzinfo=None)


def _minute(value: dt.datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M")
