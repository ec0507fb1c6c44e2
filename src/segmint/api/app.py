"""``create_app``: one FastAPI application serving the REST API (``/api/v1``) and the pages.

The server never locks the mart: it reads a snapshot of it, read-only, that writers
publish when they finish (:mod:`segmint.mart.snapshot`), and switches to each new one
within a second (:class:`segmint.serving.snapshot_pool.SnapshotPool`), so loads run while it serves
and their rows appear without a restart. Requests run on a bounded pool of worker threads
(``workers``: more requests wait at the door instead of fighting over two cores), each with
its own cursor of the snapshot; expensive results are cached per (segmentation,
date) in :class:`segmint.views.dashboard.Dashboard`, warmed and refreshed off the request
path by :class:`segmint.api.warmup.Warmer`. Pages read stored results only and never
refit a model.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from anyio import to_thread
from fastapi import Depends, FastAPI

from segmint import __version__
from segmint.api import errors, security_headers
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
from segmint.api.sessions import Sessions
from segmint.api.warmup import Warmer
from segmint.config import Settings, get_settings
from segmint.exceptions import MartError
from segmint.serving.snapshot_pool import (
    WAIT,
    WATCH_INTERVAL,
    ServingRegistration,
    SnapshotPool,
    prepare_snapshot,
)
from segmint.serving.sorted_copies import SortedCopies
from segmint.serving.token_cache import TokenCache
from segmint.views.dashboard import Dashboard

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
    watch_interval: float = WATCH_INTERVAL,
    wait: float = WAIT,
    on_wait: Callable[[str], None] | None = None,
) -> FastAPI:
    """The application over the mart at ``mart`` (default: the configured ``SEGMINT_MART``).

    Args:
        settings: engine settings; read from the environment when omitted.
        mart: the mart file; it must exist.
        cache_ttl: seconds a cached profile or chart stays valid; None (the default): until
            the mart changes, which the warmer looks for every 30 seconds.
        workers: requests served at once; the others wait in line.
        watch_interval: seconds between two looks for a new snapshot of the mart.
        wait: seconds to wait at start for a writer that holds a mart without a snapshot.
        on_wait: told (a sentence) when the start waits for a writer or serves the last
            snapshot because one is writing.

    Raises:
        MartError: there is no mart at that path.
        MartBusyError: a writer held the mart for ``wait`` seconds and there is no snapshot.
    """
    settings = settings or get_settings(mart)
    path = Path(mart) if mart is not None else settings.mart
    if not path.is_file():
        raise MartError(
            f"no mart at {path}. Create one with `segmint init --mart {path}` or load data into it."
        )
    registration = ServingRegistration(path)
    try:
        prepare_snapshot(path, settings, wait=wait, on_wait=on_wait)
        pool = SnapshotPool(path, settings)
    except BaseException:
        registration.release()
        raise
    tokens = TokenCache()
    sessions = Sessions()
    dashboard = Dashboard(ttl=cache_ttl, catalogue_ttl=cache_ttl)
    copies = SortedCopies()
    warmer = Warmer(pool.lease, dashboard, copies)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = workers
        warmer.start()
        pool.watch(switched, watch_interval)
        yield
        warmer.stop()
        pool.close()
        copies.clear()
        registration.release()

    def switched() -> None:
        """A new snapshot is served: read its tokens, look whether the data changed."""
        tokens.clear()
        warmer.wake()

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
    app.state.tokens = tokens
    app.state.sessions = sessions
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
