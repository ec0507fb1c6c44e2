"""Typed dependencies of the routes: the mart of this thread, the dashboard, the caller's role.

``MartDep``, ``DashboardDep`` and ``require(Role.analyst)`` are ``Annotated`` aliases and
dependency factories, so a route states what it needs in its signature.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import ibis
from fastapi import Depends, HTTPException, Request

from segmint.api.auth import Role, hash_token, role_of
from segmint.config import Settings
from segmint.mart import Mart, connect
from segmint.web.dashboard import Dashboard

COOKIE = "segmint_token"
TOKEN_TTL = 60.0


class MartPool:
    """One mart connection for the server and a cursor of it per worker thread.

    DuckDB connections are not safe to share between threads, but cursors of one
    connection are independent and see the same database, so requests on different
    threads run in parallel.
    """

    def __init__(self, path: Path | str, settings: Settings | None = None) -> None:
        self.main = connect(path, settings=settings, create=False)
        self.path = self.main.path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Mart] = []

    def get(self) -> Mart:
        """The mart of the calling thread."""
        mart: Mart | None = getattr(self._local, "mart", None)
        if mart is None:
            with self._lock:
                cursor = self.main.raw.cursor()
            mart = Mart(ibis.duckdb.from_connection(cursor), self.path)
            self._local.mart = mart
            with self._lock:
                self._opened.append(mart)
        return mart

    def close(self) -> None:
        """Close every cursor and the connection."""
        with self._lock:
            for mart in self._opened:
                mart.raw.close()
            self._opened.clear()
        self.main.close()


class TokenCache:
    """Roles of recently seen tokens (by hash), so a request costs no query most of the time."""

    def __init__(self, ttl: float = TOKEN_TTL) -> None:
        self.ttl = ttl
        self._roles: dict[str, tuple[float, Role]] = {}
        self._lock = threading.Lock()

    def role(self, mart: Mart, token: str) -> Role | None:
        """The role of ``token`` (None when unknown)."""
        key = hash_token(token)
        with self._lock:
            hit = self._roles.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        role = role_of(mart, token)
        if role is not None:
            with self._lock:
                self._roles[key] = (time.monotonic(), role)
        return role


def get_mart(request: Request) -> Mart:
    """The mart connection of this request's thread."""
    pool: MartPool = request.app.state.pool
    return pool.get()


def get_dashboard(request: Request) -> Dashboard:
    """The application's cached dashboard reads."""
    dashboard: Dashboard = request.app.state.dashboard
    return dashboard


MartDep = Annotated[Mart, Depends(get_mart)]
DashboardDep = Annotated[Dashboard, Depends(get_dashboard)]


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
    return cache.role(get_mart(request), token)


def api_role(request: Request) -> Role:
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
    role = token_role(request, token)
    if role is None:
        raise HTTPException(
            401,
            "the token is not valid for this mart; create one with `segmint token create`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return role


def require(needed: Role) -> Callable[[Request], Role]:
    """A dependency giving the caller's role, or 403 when it may not see what ``needed`` sees."""

    def check(request: Request) -> Role:
        role = api_role(request)
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
