"""``create_app``: one FastAPI application serving the REST API (``/api/v1``) and the pages.

The server never locks the mart: it reads a snapshot of it, read-only, that writers
publish when they finish (:mod:`segmint.mart.snapshot`), and switches to each new one
within a second (:class:`segmint.serving.snapshot_pool.SnapshotPool`), so loads run while it serves
and their rows appear without a restart. Requests run on a bounded pool of worker threads
(``workers``: more requests wait at the door instead of fighting over two cores), each with
its own cursor of the snapshot; expensive results are cached per (segmentation,
date) in :class:`segmint.views.dashboard.Dashboard`, warmed and refreshed off the request
path by :class:`segmint.views.warmup.Warmer`. Pages read stored results only and never
refit a model.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
from anyio import to_thread
from fastapi import Depends, FastAPI

from segmint import __version__
from segmint.api import errors, head, security_headers
from segmint.api.params import reject_control_characters, reject_unknown_query
from segmint.api.render import error_page, notice_page
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
    recommendation_pages,
    recommendations,
    report_pages,
    reports,
    segmentations,
)
from segmint.api.sessions import Sessions
from segmint.config import Settings, get_settings
from segmint.exceptions import MartError
from segmint.mart.snapshot import warm_state_path
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
from segmint.views.warmup import Warmer

API_PREFIX = "/api/v1"
WORKERS = 8
"""Requests served at once by default (the rest queue): enough to keep two cores and the
engine busy, few enough that each request gets the CPU it needs."""


API_ROUTERS = (health, segmentations, migration, recommendations, customers, audiences, reports)
"""The JSON API's routers, mounted under :data:`API_PREFIX`. Customer ids may hold ``/`` (they
come from users' files), so both customer routes take the rest of the path as the id:
``recommendations`` (``/customers/{id}/recommendations``) comes before ``customers``
(``/customers/{id}``), which would otherwise read ``C1/recommendations`` as an id."""
PAGE_ROUTERS = (
    login,
    pages,
    analysis_pages,
    customer_pages,
    recommendation_pages,
    report_pages,
    assets,
)
"""The pages' routers (sign-in, dashboard pages, static assets and offline docs)."""


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
    settings = settings or get_settings(mart, serving=True)
    path = Path(mart) if mart is not None else settings.mart
    _arrow_from_the_system()
    registration, pool = _serve(path, settings, wait, on_wait)
    dashboard = Dashboard(ttl=cache_ttl, catalogue_ttl=cache_ttl)
    copies = SortedCopies()
    warmer = Warmer(
        pool.lease, dashboard, copies, kept=warm_state_path(path), memory=_warming_memory(settings)
    )
    state = _State(pool, TokenCache(), Sessions(), dashboard, copies, warmer)
    app = FastAPI(
        title="segmint",
        version=__version__,
        description="Segments, their money, migration and customers of a segmint mart.",
        lifespan=_lifespan(state, registration, workers, watch_interval),
        docs_url=None,  # served offline by routes.assets
        redoc_url=None,
        dependencies=[Depends(reject_control_characters), Depends(reject_unknown_query)],
        responses=errors.ERROR_RESPONSES,
    )
    state.install(app)
    for router in API_ROUTERS:
        app.include_router(router.router, prefix=API_PREFIX)
    for router in PAGE_ROUTERS:
        app.include_router(router.router)
    errors.install(app, error_page, notice_page)
    head.install(app)
    security_headers.install(app)
    return app


def _serve(
    path: Path, settings: Settings, wait: float, on_wait: Callable[[str], None] | None
) -> tuple[ServingRegistration, SnapshotPool]:
    """Register as a server of the mart at ``path`` and open the pool on its fresh snapshot.

    Raises:
        MartError: there is no mart at ``path``.
        MartBusyError: a writer held the mart for ``wait`` seconds and there is no snapshot.
    """
    if not path.is_file():
        raise MartError(
            f"no mart at {path}. Create one with `segmint init --mart {path}` or load data into it."
        )
    registration = ServingRegistration(path)
    try:
        prepare_snapshot(path, settings, wait=wait, on_wait=on_wait)
        return registration, SnapshotPool(path, settings)
    except BaseException:
        registration.release()
        raise


@dataclass
class _State:
    """What the application's requests share (``app.state``): the pool of snapshot cursors,
    the tokens read, the login sessions, the cached dashboard, the sorted copies, the warmer."""

    pool: SnapshotPool
    tokens: TokenCache
    sessions: Sessions
    dashboard: Dashboard
    copies: SortedCopies
    warmer: Warmer

    def install(self, app: FastAPI) -> None:
        """Put every part on ``app.state``, where the dependencies find them."""
        for name in ("pool", "tokens", "sessions", "dashboard", "copies", "warmer"):
            setattr(app.state, name, getattr(self, name))

    def switched(self) -> None:
        """A new snapshot is served: read its tokens, look whether the data changed."""
        self.tokens.clear()
        self.warmer.wake()


def _arrow_from_the_system() -> None:
    """Take the process's Arrow memory from the C library's allocator, which hands large
    freed blocks back to the system at once, instead of Arrow's default (mimalloc), which
    keeps freed memory for reuse. The 360° view's copies are Arrow arrays built in parts
    whose raw rows are let go as each is compacted; at a million customers the server's
    peak under 20 clients was about 170 MB lower (docs/dashboard.md)."""
    pa.set_memory_pool(pa.system_memory_pool())


def _warming_memory(settings: Settings) -> tuple[str, str] | None:
    """The engine's memory cap while the warmer computes its summaries and the server's cap
    to set back after (None: one cap for both)."""
    warming, serving = settings.warming_memory_limit, settings.memory_limit
    return None if warming is None or serving is None else (warming, serving)


def _lifespan(
    state: _State, registration: ServingRegistration, workers: int, watch_interval: float
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the warmer and the snapshot watcher with the server; stop, close and release
    everything when it stops."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        to_thread.current_default_thread_limiter().total_tokens = workers
        state.warmer.start()
        state.pool.watch(state.switched, watch_interval)
        yield
        state.warmer.stop()
        state.pool.close()
        state.copies.clear()
        registration.release()

    return lifespan


def create_app_from_env() -> FastAPI:
    """The application over the mart named by ``SEGMINT_MART`` (and the engine settings of
    the other ``SEGMINT_*`` variables).

    This is how ``segmint serve`` starts the server, by import string
    (``uvicorn.run("segmint.api.app:create_app_from_env", factory=True)``), so the CLI never
    imports the API. A wait for a writer at start is told on stderr.

    Raises:
        MartError: there is no mart at that path.
        MartBusyError: a writer held the mart too long and there is no snapshot.
    """
    settings = get_settings(serving=True)
    return create_app(settings, settings.mart, on_wait=_tell)


def _tell(said: str) -> None:
    """Say ``said`` on stderr (where ``segmint serve`` prints its own messages)."""
    print(said, file=sys.stderr, flush=True)
