"""``create_app``: one FastAPI application serving the REST API (``/api/v1``) and the pages.

Requests run on a bounded pool of worker threads (``workers``: more requests wait at the
door instead of fighting over two cores), each with its own cursor of the mart (see
:class:`segmint.api.deps.MartPool`); expensive results are cached per (segmentation,
date) in :class:`segmint.web.dashboard.Dashboard`, warmed and refreshed off the request
path by :class:`segmint.web.warmup.Warmer`. Pages read stored results only and never
refit a model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import Depends, FastAPI

from segmint import __version__
from segmint.api import errors, security_headers
from segmint.api.auth import ensure_tokens_table
from segmint.api.deps import MartPool, TokenCache
from segmint.api.params import reject_control_characters
from segmint.api.render import error_page
from segmint.api.routes import (
    analysis_pages,
    assets,
    audiences,
    customer_pages,
    customers,
    health,
    login,
    migration,
    pages,
    segmentations,
)
from segmint.config import Settings, get_settings
from segmint.web.dashboard import Dashboard
from segmint.web.sorted_copies import SortedCopies
from segmint.web.warmup import Warmer

API_PREFIX = "/api/v1"
WORKERS = 8
"""Requests served at once by default (the rest queue): enough to keep two cores and the
engine busy, few enough that each request gets the CPU it needs."""


def create_app(
    settings: Settings | None = None,
    mart: Path | str | None = None,
    *,
    cache_ttl: float | None = None,
    workers: int = WORKERS,
) -> FastAPI:
    """The application over the mart at ``mart`` (default: the configured ``SEGMINT_MART``).

    Args:
        settings: engine settings; read from the environment when omitted.
        mart: the mart file; it must exist.
        cache_ttl: seconds a cached profile or chart stays valid; None (the default): until
            the mart changes, which the warmer looks for every 30 seconds.
        workers: requests served at once; the others wait in line.

    Raises:
        MartError: there is no mart at that path.
    """
    settings = settings or get_settings(mart)
    path = Path(mart) if mart is not None else settings.mart
    pool = MartPool(path, settings)
    ensure_tokens_table(pool.main)
    dashboard = Dashboard(ttl=cache_ttl, catalogue_ttl=cache_ttl)
    copies = SortedCopies()
    warmer = Warmer(pool.lease, dashboard, copies)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = workers
        warmer.start()
        yield
        warmer.stop()
        copies.clear()
        pool.close()

    app = FastAPI(
        title="segmint",
        version=__version__,
        description="Segments, their money, migration and customers of a segmint mart.",
        lifespan=lifespan,
        docs_url=None,  # served offline by routes.assets
        redoc_url=None,
        dependencies=[Depends(reject_control_characters)],
        responses=errors.ERROR_RESPONSES,
    )
    app.state.pool = pool
    app.state.tokens = TokenCache()
    app.state.dashboard = dashboard
    app.state.copies = copies
    app.state.warmer = warmer
    for router in (health, segmentations, migration, customers, audiences):
        app.include_router(router.router, prefix=API_PREFIX)
    for router in (login, pages, analysis_pages, customer_pages, assets):
        app.include_router(router.router)
    errors.install(app, error_page)
    security_headers.install(app)
    return app
