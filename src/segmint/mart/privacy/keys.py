"""The privacy key: the secret behind suppression hashes, pseudonyms and audit subjects.

Forgotten people are kept only as keyed hashes (HMAC-SHA256), and exports and the audit
log name customers by keyed pseudonyms. The key lives outside the mart, in the environment
variable ``SEGMINT_PRIVACY_KEY``, so that a copy of the mart file alone cannot test whether
a given e-mail address or customer id was forgotten, nor turn a pseudonym back into an id.

One secret serves several purposes, each with a key of its own derived from it
(``HMAC(secret, "segmint/<purpose>")``): a suppression hash, an audit pseudonym and an
export pseudonym of the same customer are unrelated strings. The :attr:`PrivacyKey.key_id`
(a hash of a constant under the key) is stored beside suppression hashes, so a mart read
with another key says so instead of silently letting forgotten people back in.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from segmint.exceptions import SegmintError

ENV_KEY = "SEGMINT_PRIVACY_KEY"
MIN_KEY_LENGTH = 32
"""Fewest characters a privacy key may have (``secrets.token_urlsafe(32)`` gives 43)."""
MAKE_KEY_HINT = (
    'Make one with `python -c "import secrets; print(secrets.token_urlsafe(32))"`, keep it '
    f"outside the mart (a secrets manager, the service's environment) and set {ENV_KEY}."
)


class PrivacyKeyError(SegmintError):
    """The privacy key is missing, too short, or not the key the mart's hashes were made with."""


@dataclass(frozen=True)
class PrivacyKey:
    """The secret behind every keyed hash segmint stores; never printed or stored.

    Args:
        secret: the key's bytes (at least :data:`MIN_KEY_LENGTH`).
    """

    secret: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_KEY_LENGTH:
            raise PrivacyKeyError(
                f"the privacy key has {len(self.secret)} characters; it needs at least "
                f"{MIN_KEY_LENGTH}. {MAKE_KEY_HINT}"
            )

    def derive(self, purpose: str) -> bytes:
        """The key for one purpose (``suppression``, ``audit``, ``pseudonym/<label>``)."""
        return hmac.digest(self.secret, f"segmint/{purpose}".encode(), "sha256")

    @property
    def key_id(self) -> str:
        """16 hex digits that name this key without revealing it (stored with hashes)."""
        return self.digest("key-id", "segmint")[:16]

    def digest(self, purpose: str, value: str) -> str:
        """HMAC-SHA256 hex digest of ``value`` under the key for ``purpose``."""
        return hmac.digest(self.derive(purpose), value.encode(), "sha256").hex()

    def digests(self, purpose: str, values: Iterable[str]) -> dict[str, str]:
        """value → HMAC-SHA256 hex digest for every distinct value, under one derived key."""
        derived = self.derive(purpose)
        return {v: hmac.digest(derived, v.encode(), "sha256").hex() for v in set(values)}


def privacy_key(
    key: PrivacyKey | str | bytes | None = None, env: Mapping[str, str] | None = None
) -> PrivacyKey:
    """The privacy key: ``key`` when given, else ``SEGMINT_PRIVACY_KEY`` from the environment.

    Raises:
        PrivacyKeyError: no key is given and the variable is unset or empty, or the key is
            shorter than :data:`MIN_KEY_LENGTH`; the message says how to make one.
    """
    if isinstance(key, PrivacyKey):
        return key
    if key is None:
        text = (os.environ if env is None else env).get(ENV_KEY, "").strip()
        if not text:
            raise PrivacyKeyError(
                f"{ENV_KEY} is not set: suppression hashes and pseudonyms need the privacy "
                f"key. {MAKE_KEY_HINT}"
            )
        key = text
    return PrivacyKey(key.encode() if isinstance(key, str) else key)


def normalise_email(email: str) -> str:
    """``email`` as compared for suppression: Unicode NFKC, surrounding space removed,
    case folded (``" Ann@Example.COM "`` → ``"ann@example.com"``)."""
    return unicodedata.normalize("NFKC", email).strip().casefold()


def sha256_hex(text: str) -> str:
    """SHA-256 hex digest of ``text`` (UTF-8), for hash chains (no key)."""
    return hashlib.sha256(text.encode()).hexdigest()
