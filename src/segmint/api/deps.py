"""Typed dependencies of the routes: the mart of this request, the dashboard, the sorted
copies, the shop's currency, the caller's role.

``MartDep``, ``DashboardDep``, ``CopiesDep``, ``CurrencyDep``, ``Viewer`` and ``Analyst``
are ``Annotated`` aliases, so a route states what it needs in its signature. The providers
are ``async`` because none of them waits (a cursor comes from a pool, a token from memory,
the currency from the dashboard's cache but once per change of the mart, a one-row read):
FastAPI runs a plain function dependency on a worker thread, and those hand-overs cost more
than the dependencies themselves. Who the caller is and what they may see:
:mod:`segmint.api.auth`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import nullcontext
from typing import Annotated

from fastapi import Depends, Request

from segmint.api.auth import require
from segmint.mart import Mart
from segmint.mart.token_terms import Role
from segmint.serving.snapshot_pool import SnapshotPool
from segmint.serving.sorted_copies import SortedCopies
from segmint.views.dashboard import Dashboard


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


async def get_currency(mart: MartDep, dashboard: DashboardDep) -> str | None:
    """The ISO 4217 code of the shop's amounts (``segmint currency``), or None when none is
    set: the ``currency`` of every answer holding money. Read with the request's own mart
    cursor and cached with the dashboard's catalogue until the mart changes."""
    return dashboard.currency(lambda: nullcontext(mart))


CurrencyDep = Annotated[str | None, Depends(get_currency)]
CopiesDep = Annotated[SortedCopies, Depends(get_copies)]
Viewer = Annotated[Role, Depends(require(Role.viewer))]
Analyst = Annotated[Role, Depends(require(Role.analyst))]
