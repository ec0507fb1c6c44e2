"""Errors as JSON a person can act on, never a stack trace.

``SegmintError`` messages already say what was expected, what arrived and the fix; they
become 404 when something named does not exist in the mart and 400 otherwise; a page that
reads what the mart does not hold yet (orders, a stored segmentation) shows its notice
instead (:func:`segmint.api.render.notice_page`). Request
validation errors become one sentence per bad parameter. None of these is logged: they are
the caller's to fix. The engine running out of memory is a 503 saying how to give the server
more (logged, as it is the server's set-up). Anything else unexpected is a 500 whose body
names no internals, logged
once as one line (where it happened, in segmint's own code) with the whole traceback at
DEBUG level only, so that a flood of odd requests cannot flood the log.
"""

from __future__ import annotations

import logging
import os
import traceback
from collections.abc import Callable
from pathlib import PurePath
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from segmint.api.params import CONTROL_MESSAGE, NO_CONTROL
from segmint.api.schemas import Problem
from segmint.exceptions import EmptyMartError, MartError, SegmintError
from segmint.mart.privacy.keys import PrivacyKeyError

log = logging.getLogger("segmint.api")

PageError = Callable[[Request, int, str], Response]
"""Renders an error page for a status and message (pages get HTML, the API JSON)."""
PageNotice = Callable[[Request, EmptyMartError], Response | None]
"""Renders a page's notice that the mart does not hold yet what it reads; None when the
request's page has none (it then gets the error page)."""

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": Problem,
        "description": "Input the mart cannot answer (a date not written YYYY-MM-DD, an "
        "unknown channel, dates in the wrong order, a parameter without the one it needs); "
        "the message names the parameter and says how to fix it.",
    },
    401: {
        "model": Problem,
        "description": "No token, or a token this mart does not know.",
        "headers": {"WWW-Authenticate": {"schema": {"type": "string"}}},
    },
    403: {
        "model": Problem,
        "description": "The token's role may not see this; the message names the role needed.",
    },
    404: {
        "model": Problem,
        "description": "No segmentation, segment, stored date or customer of that name; the "
        "message lists what exists.",
    },
    422: {
        "model": Problem,
        "description": "A parameter is malformed or out of bounds (one sentence per parameter, "
        "in one string).",
    },
}
"""The errors every API route may answer, each with the body ``{"detail": "..."}``."""

SHOWN_INPUT = 60
"""Characters of a rejected value repeated in the message."""

UNEXPECTED = "the server could not answer this request; the error is in the server log"

OUT_OF_MEMORY = (
    "the server's engine ran out of memory answering this request: start `segmint serve` "
    "with a larger cap, e.g. SEGMINT_MEMORY_LIMIT=2GB (a server's default is 512MB)"
)
"""The answer (503) when the engine hit its memory cap: the server's set-up, not the request."""


def validation_message(exc: RequestValidationError) -> str:
    """One sentence per invalid parameter, e.g. "query parameter limit: must be ≤ 1000; got 5000"."""
    parts = []
    for error in exc.errors():
        where = " ".join(str(p) for p in error.get("loc", ()))
        got = error.get("input")
        shown = f"; got {_shown(got)}" if got is not None and not isinstance(got, dict) else ""
        message = error.get("msg", "invalid")
        if error.get("type") == "string_pattern_mismatch" and (
            (error.get("ctx") or {}).get("pattern") == NO_CONTROL
        ):
            message = CONTROL_MESSAGE
        parts.append(f"{where}: {message}{shown}")
    return "invalid request: " + "; ".join(parts)


def _shown(value: object) -> str:
    """``repr(value)``, cut to :data:`SHOWN_INPUT` characters."""
    text = repr(value)
    return text if len(text) <= SHOWN_INPUT else text[: SHOWN_INPUT - 1] + "…"


def segmint_status(exc: SegmintError) -> int:
    """404 for names and dates the mart does not hold, 503 when the server lacks the privacy
    key something needs (its set-up, not the request), 400 for other bad input."""
    if isinstance(exc, PrivacyKeyError):
        return 503
    return 404 if isinstance(exc, MartError) else 400


def install(
    app: FastAPI, page_handler: PageError | None = None, notice_handler: PageNotice | None = None
) -> None:
    """Register the JSON error handlers on ``app`` (pages get HTML from ``page_handler``, and
    their notices of a mart without orders or segmentations from ``notice_handler``)."""

    async def on_segmint(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SegmintError)
        status = segmint_status(exc)
        if page_handler and not is_api(request):
            return page_handler(request, status, str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=status)

    async def on_empty(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EmptyMartError)
        notice = notice_handler(request, exc) if notice_handler and not is_api(request) else None
        return notice if notice is not None else await on_segmint(request, exc)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if page_handler and not is_api(request):
            return page_handler(request, 422, validation_message(exc))
        return JSONResponse({"detail": validation_message(exc)}, status_code=422)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if page_handler and not is_api(request):
            return page_handler(request, exc.status_code, str(exc.detail))
        return JSONResponse(
            {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    app.add_exception_handler(SegmintError, on_segmint)
    app.add_exception_handler(EmptyMartError, on_empty)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_middleware(UnexpectedErrors, page_handler=page_handler)


class UnexpectedErrors:
    """Turns an exception no handler took into a 500 answer, logged once, as one line.

    Starlette's own last-resort handler answers and then raises the exception again for the
    server to log, which writes the whole traceback (about 160 lines through Ibis and DuckDB)
    a second time. This middleware answers and stops there.
    """

    def __init__(self, app: ASGIApp, page_handler: PageError | None = None) -> None:
        self.app = app
        self.page_handler = page_handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            request = Request(scope)
            log_unexpected(request, exc)
            if started:  # too late for another answer: let the server close the connection
                raise
            status, detail = unexpected_answer(exc)
            response: Response = JSONResponse({"detail": detail}, status_code=status)
            if self.page_handler and not is_api(request):
                try:  # the page reads the login cookie's role: the mart may be what failed
                    response = self.page_handler(request, status, detail)
                except Exception:
                    log.debug("the error page failed too", exc_info=True)
            await response(scope, receive, send)


def unexpected_answer(exc: BaseException) -> tuple[int, str]:
    """The status and message of an exception no handler took: 503 with what to do when the
    engine ran out of memory, else a bare 500."""
    if isinstance(exc, duckdb.OutOfMemoryException):
        return 503, OUT_OF_MEMORY
    return 500, UNEXPECTED


def log_unexpected(request: Request, exc: BaseException) -> None:
    """One ERROR line: the request, the exception and where in segmint's code it arose; the
    full traceback at DEBUG level."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f"{os.sep}segmint{os.sep}" in f.filename]
    where = ours[-3:] + ([frames[-1]] if frames and frames[-1] not in ours[-3:] else [])
    at = " < ".join(f"{PurePath(f.filename).name}:{f.lineno} {f.name}" for f in reversed(where))
    first_line = (str(exc).strip().splitlines() or [""])[0][:300]
    log.error(
        "unexpected error on %s %s: %s: %s [at %s]",
        request.method,
        request.url.path,
        type(exc).__name__,
        first_line,
        at or "?",
    )
    log.debug("traceback of the unexpected error on %s", request.url.path, exc_info=exc)


def is_api(request: Request) -> bool:
    """True for requests to the REST API (JSON errors) rather than pages (HTML errors)."""
    return request.url.path.startswith("/api/")
