"""Login sessions of the pages, kept in the server's memory.

Logging in with a token opens a session: a random id in an HTTP-only, same-site cookie,
mapped here to the token's hash, an expiry and a CSRF secret. The cookie never holds the
token, so a stolen cookie is worth at most one session of :data:`SESSION_LIFETIME`, which
logging out, the token's revocation or expiry, and a server restart all end. The logout form
carries the session's CSRF secret; the login form uses a double-submit cookie
(:data:`CSRF_COOKIE`), since there is no session yet.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

SESSION_COOKIE = "segmint_session"
CSRF_COOKIE = "segmint_csrf"
SESSION_LIFETIME = 8 * 3600.0
"""Seconds a login lasts at most (a working day); the token's expiry ends it sooner."""
MAX_SESSIONS = 10_000
"""Sessions kept at once; beyond that the oldest is ended."""


@dataclass(frozen=True)
class Session:
    """One login.

    Attributes:
        id: the random secret in the session cookie.
        token_hash: hash of the token it logged in with (its role is read from the token).
        csrf: the secret every form of the session sends back.
        ends: ``time.monotonic()`` after which the session is over.
    """

    id: str
    token_hash: str
    csrf: str
    ends: float

    def seconds_left(self) -> int:
        """Whole seconds until the session ends (the cookie's lifetime)."""
        return max(0, int(self.ends - time.monotonic()))

    def csrf_matches(self, sent: str | None) -> bool:
        """True when ``sent`` is this session's CSRF secret (compared in constant time)."""
        return bool(sent) and hmac.compare_digest(self.csrf, str(sent))


class Sessions:
    """The open sessions of this server, by id.

    Args:
        lifetime: seconds a session lasts at most.
        limit: sessions kept at once.
    """

    def __init__(self, lifetime: float = SESSION_LIFETIME, limit: int = MAX_SESSIONS) -> None:
        self.lifetime = lifetime
        self.limit = limit
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def open(self, token_hash: str, token_expires: dt.datetime | None = None) -> Session:
        """A new session for the token with hash ``token_hash``, ending no later than
        ``token_expires`` (UTC, naive)."""
        seconds = self.lifetime
        if token_expires is not None:
            left = (token_expires - dt.datetime.now(dt.UTC).replace(tzinfo=None)).total_seconds()
            seconds = max(0.0, min(seconds, left))
        session = Session(
            secrets.token_urlsafe(32),
            token_hash,
            secrets.token_urlsafe(32),
            time.monotonic() + seconds,
        )
        with self._lock:
            while len(self._sessions) >= self.limit:
                del self._sessions[next(iter(self._sessions))]
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        """The open session with id ``session_id`` (None when unknown or over)."""
        if not session_id:
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None and time.monotonic() >= session.ends:
                del self._sessions[session_id]
                return None
        return session

    def end(self, session_id: str) -> None:
        """End the session ``session_id`` (logging out)."""
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_token(self, token_hash: str) -> None:
        """End every session opened with the token ``token_hash`` (revoked or expired)."""
        with self._lock:
            for key in [k for k, s in self._sessions.items() if s.token_hash == token_hash]:
                del self._sessions[key]

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)
