"""Typed dependencies of the routes: the mart of this request, the dashboard, the sorted
copies, the caller's role.

``MartDep``, ``DashboardDep`` and ``require(Role.analyst)`` are ``Annotated`` aliases and
dependency factories, so a route states what it needs in its signature. They are ``async``
because none of them waits (a cursor comes from a pool, a token from memory): FastAPI runs a
plain function dependency on a worker thread, and those hand-overs cost more than the
dependencies themselves (a third of the server's time on a request that reads nothing).

Tokens are checked against :class:`TokenCache`, every token of the served snapshot read in
one query the first time one is needed after the server starts or switches to a new snapshot
(a new token, a revocation and an expiry all arrive that way). An unknown token, however
many arrive, costs no query at all.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from segmint.api.sessions import SESSION_COOKIE, Session, Sessions
from segmint.mart import Mart
from segmint.mart.serving import SnapshotPool
from segmint.mart.tokens import Role, TokenInfo, hash_token, load_tokens
from segmint.web.dashboard import Dashboard
from segmint.web.sorted_copies import SortedCopies

UNKNOWN_TOKEN = "the token is not valid for this mart; create one with `segmint token create`."


class TokenCache:
    """Every token of the snapshot being served, by hash, read once per snapshot.

    The whole table is the cache, so an unknown token is answered from memory: a flood of
    made-up tokens costs no query. :meth:`clear` (on a switch to a new snapshot) makes the
    next check read the table again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[int, dict[str, TokenInfo]] | None = None
        self.loads = 0
        """Times the table was read (for tests and diagnostics)."""

    def tokens(self, generation: int) -> dict[str, TokenInfo] | None:
        """The tokens of snapshot ``generation`` when already read, else None."""
        with self._lock:
            loaded = self._loaded
        return loaded[1] if loaded is not None and loaded[0] == generation else None

    def load(self, pool: SnapshotPool) -> dict[str, TokenInfo]:
        """Read the tokens of the snapshot being served (one query)."""
        with pool.lease_numbered() as (generation, mart):
            tokens = load_tokens(mart)
        with self._lock:
            self.loads += 1
            if self._loaded is None or self._loaded[0] <= generation:
                self._loaded = (generation, tokens)
        return tokens

    def clear(self) -> None:
        """Forget the tokens read (a new snapshot is served)."""
        with self._lock:
            self._loaded = None


def token_info(request: Request, token_hash: str) -> TokenInfo | None:
    """The stored token with hash ``token_hash`` (reads the table when not read yet)."""
    pool: SnapshotPool = request.app.state.pool
    cache: TokenCache = request.app.state.tokens
    tokens = cache.tokens(pool.generation)
    if tokens is None:
        tokens = cache.load(pool)
    return tokens.get(token_hash)


async def known_info(request: Request, token_hash: str) -> TokenInfo | None:
    """:func:`token_info`, answered without leaving the event loop when the tokens are in
    memory, else on a worker thread (it reads the mart)."""
    pool: SnapshotPool = request.app.state.pool
    cache: TokenCache = request.app.state.tokens
    tokens = cache.tokens(pool.generation)
    if tokens is not None:
        return tokens.get(token_hash)
    return await run_in_threadpool(token_info, request, token_hash)


def valid_role(info: TokenInfo | None) -> Role:
    """The role of a stored token that works.

    Raises:
        HTTPException: 401 naming why: unknown, expired (and when) or revoked (and when).
    """
    if info is None:
        raise HTTPException(401, UNKNOWN_TOKEN, headers={"WWW-Authenticate": "Bearer"})
    problem = info.problem()
    if problem is not None:
        raise HTTPException(401, problem, headers={"WWW-Authenticate": "Bearer"})
    return info.role


def session_role(request: Request) -> tuple[Session, Role] | None:
    """The login session of the page request and its token's role; None when there is no
    open session or its token no longer works (the session is then ended)."""
    sessions: Sessions = request.app.state.sessions
    session = sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    info = token_info(request, session.token_hash)
    if info is None or info.problem() is not None:
        sessions.end_token(session.token_hash)
        return None
    return session, info.role


async def get_mart(request: Request) -> AsyncIterator[Mart]:
    """A mart cursor leased for this request."""
    pool: SnapshotPool = request.app.state.pool
    with pool.lease() as mart:
        yield mart


async def get_dashboard(request: Request) -> Dashboard:
    """The application's cached dashboard reads."""
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


async def get_copies(request: Request) -> SortedCopies:
    """The sorted copies the 360° view reads."""
    copies: SortedCopies = request.app.state.copies
    return copies


MartDep = Annotated[Mart, Depends(get_mart)]
DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]
CopiesDep = Annotated[SortedCopies, Depends(get_copies)]


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


SAFE_METHODS = frozenset({"GET", "HEAD"})


async def api_role(request: Request) -> Role:
    """The caller's role from the Bearer token, or for a read, from the page login session.

    Raises:
        HTTPException: 401 without a token, with an unknown one, or with one that expired
            or was revoked.
    """
    token = bearer_token(request)
    if token is None and request.method in SAFE_METHODS:
        # A logged-in page user following a link to the API (e.g. "Export audience"): the
        # session cookie is same-site only, so another site cannot send it.
        signed_in = await run_in_threadpool(session_role, request)
        if signed_in is not None:
            return signed_in[1]
    if token is None:
        raise HTTPException(
            401,
            "this API needs a token: send 'Authorization: Bearer TOKEN'. "
            "Create one with `segmint token create --role viewer`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return valid_role(await known_info(request, hash_token(token)))


def require(needed: Role) -> Callable[[Request], Awaitable[Role]]:
    """A dependency giving the caller's role, or 403 when it may not see what ``needed`` sees."""

    async def check(request: Request) -> Role:
        role = await api_role(request)
        if not role.allows(needed):
            raise HTTPException(403, forbidden_message(role, needed))
        return role

    return check


def forbidden_message(role: Role, needed: Role) -> str:
    """Why ``role`` is refused something that needs ``needed``."""
    sees = {
        Role.viewer: "aggregates only",
        Role.analyst: "customer-level data without personal data",
        Role.admin: "everything",
    }
    return (
        f"your role '{role.value}' sees {sees[role]}; this needs '{needed.value}'. "
        f"Ask for a token made with `segmint token create --role {needed.value}`."
    )


Viewer = Annotated[Role, Depends(require(Role.viewer))]
Analyst = Annotated[Role, Depends(require(Role.analyst))]
