"""Typed dependencies of the routes: the mart of this request, the dashboard, the sorted
copies, the caller's role.

``MartDep``, ``DashboardDep`` and ``require(Role.analyst)`` are ``Annotated`` aliases and
dependency factories, so a route states what it needs in its signature. They are ``async``
because none of them waits (a cursor comes from a pool, a known token's role from a cache):
FastAPI runs a plain function dependency on a worker thread, and those hand-overs cost more
than the dependencies themselves (a third of the server's time on a request that reads
nothing). Only a token not seen in the last minute is looked up in the mart, on a worker
thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import ibis
from fastapi import Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from segmint.api.auth import Role, hash_token, role_of
from segmint.config import Settings
from segmint.mart import Mart, connect
from segmint.web.dashboard import Dashboard
from segmint.web.sorted_copies import SortedCopies

COOKIE = "segmint_token"
TOKEN_TTL = 60.0


class MartPool:
    """One mart connection for the server and a pool of its cursors, one per request at a time.

    DuckDB connections are not safe to use from two threads at once, but cursors of one
    connection are independent and see the same database. A request leases a cursor for its
    whole life (FastAPI may run its dependencies and its body on different threads, so a
    per-thread cursor would be shared), and concurrent requests run in parallel.
    """

    def __init__(self, path: Path | str, settings: Settings | None = None) -> None:
        self.main = connect(path, settings=settings, create=False)
        self.path = self.main.path
        self._lock = threading.Lock()
        self._idle: list[Mart] = []
        self._opened: list[Mart] = []

    def acquire(self) -> Mart:
        """An idle cursor of the mart (a new one when all are busy)."""
        with self._lock:
            if self._idle:
                return self._idle.pop()
            mart = Mart(ibis.duckdb.from_connection(self.main.raw.cursor()), self.path)
            self._opened.append(mart)
            return mart

    def release(self, mart: Mart) -> None:
        """Give ``mart`` back for the next request."""
        with self._lock:
            self._idle.append(mart)

    @contextmanager
    def lease(self) -> Iterator[Mart]:
        """A cursor for the duration of the block."""
        mart = self.acquire()
        try:
            yield mart
        finally:
            self.release(mart)

    def close(self) -> None:
        """Close every cursor and the connection."""
        with self._lock:
            for mart in self._opened:
                mart.raw.close()
            self._opened.clear()
            self._idle.clear()
        self.main.close()


class TokenCache:
    """Roles of recently seen tokens (by hash), so a request costs no query most of the time."""

    def __init__(self, ttl: float = TOKEN_TTL) -> None:
        self.ttl = ttl
        self._roles: dict[str, tuple[float, Role]] = {}
        self._lock = threading.Lock()

    def known(self, token: str) -> Role | None:
        """The role of ``token`` when seen less than ``ttl`` seconds ago, else None."""
        with self._lock:
            hit = self._roles.get(hash_token(token))
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.ttl else None

    def role(self, mart: Mart, token: str) -> Role | None:
        """The role of ``token`` (None when unknown)."""
        known = self.known(token)
        if known is not None:
            return known
        key = hash_token(token)
        role = role_of(mart, token)
        if role is not None:
            with self._lock:
                self._roles[key] = (time.monotonic(), role)
        return role


async def get_mart(request: Request) -> AsyncIterator[Mart]:
    """A mart cursor leased for this request."""
    pool: MartPool = request.app.state.pool
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


def token_role(request: Request, token: str | None) -> Role | None:
    """The role of ``token`` in this application's mart, or None."""
    if not token:
        return None
    cache: TokenCache = request.app.state.tokens
    pool: MartPool = request.app.state.pool
    with pool.lease() as mart:
        return cache.role(mart, token)


async def known_role(request: Request, token: str | None) -> Role | None:
    """:func:`token_role`, answered from the cache without leaving the event loop when it
    can, else on a worker thread (it reads the mart)."""
    if not token:
        return None
    cache: TokenCache = request.app.state.tokens
    known = cache.known(token)
    return known if known is not None else await run_in_threadpool(token_role, request, token)


async def api_role(request: Request) -> Role:
    """The caller's role from the Bearer token.

    Raises:
        HTTPException: 401 without a token or with an unknown one.
    """
    token = bearer_token(request)
    if token is None:
        raise HTTPException(
            401,
            "this API needs a token: send 'Authorization: Bearer TOKEN'. "
            "Create one with `segmint token create --role viewer`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    role = await known_role(request, token)
    if role is None:
        raise HTTPException(
            401,
            "the token is not valid for this mart; create one with `segmint token create`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return role


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
