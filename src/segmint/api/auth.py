"""Who is calling: the role of a Bearer token or of a page login session, and role checks.

Tokens are made, stored, listed and revoked by :mod:`segmint.mart.tokens` (the CLI and the
API share that store without importing each other); the tokens of the served snapshot are
held by :class:`segmint.serving.token_cache.TokenCache`, and page logins are sessions
(:mod:`segmint.api.sessions`). The checks are ``async`` because none of them waits when the
tokens are in memory: FastAPI runs a plain function dependency on a worker thread, and those
hand-overs cost more than the checks themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from segmint.api.sessions import SESSION_COOKIE, Session, Sessions
from segmint.mart.token_terms import Role
from segmint.mart.tokens import TokenInfo, hash_token, parse_role
from segmint.serving.snapshot_pool import SnapshotPool
from segmint.serving.token_cache import TokenCache

__all__ = [
    "UNKNOWN_TOKEN",
    "Role",
    "api_role",
    "bearer_token",
    "forbidden_message",
    "parse_role",
    "require",
    "session_role",
    "token_info",
    "valid_role",
]

UNKNOWN_TOKEN = "the token is not valid for this mart; create one with `segmint token create`."
SAFE_METHODS = frozenset({"GET", "HEAD"})

BEARER = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token made with `segmint token create --role ROLE`, sent as "
    "`Authorization: Bearer TOKEN`.",
)
"""The API's security scheme as the OpenAPI document declares it, so that its readers (the
``/docs`` page's Authorize button, generated clients) send the token. It only documents:
:func:`api_role` reads and checks the header itself, with messages that say what to do."""


def token_info(request: Request, token_hash: str) -> TokenInfo | None:
    """The stored token with hash ``token_hash`` (reads the table when not read yet)."""
    pool: SnapshotPool = request.app.state.pool
    cache: TokenCache = request.app.state.tokens
    return cache.info(pool, token_hash)


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


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


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

    async def check(
        request: Request,
        _declared: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Role:
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
