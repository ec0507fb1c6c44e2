"""Errors as JSON a person can act on, never a stack trace.

``SegmintError`` messages already say what was expected, what arrived and the fix; they
become 404 when something named does not exist in the mart and 400 otherwise. Request
validation errors become one sentence per bad parameter. Anything unexpected is a 500
whose body names no internals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from segmint.exceptions import MartError, SegmintError

log = logging.getLogger("segmint.api")

PageError = Callable[[Request, int, str], Response]
"""Renders an error page for a status and message (pages get HTML, the API JSON)."""


def validation_message(exc: RequestValidationError) -> str:
    """One sentence per invalid parameter, e.g. "query parameter limit: must be ≤ 1000; got 5000"."""
    parts = []
    for error in exc.errors():
        where = " ".join(str(p) for p in error.get("loc", ()))
        got = error.get("input")
        shown = f"; got {got!r}" if got is not None and not isinstance(got, dict) else ""
        parts.append(f"{where}: {error.get('msg', 'invalid')}{shown}")
    return "invalid request: " + "; ".join(parts)


def segmint_status(exc: SegmintError) -> int:
    """404 for names and dates the mart does not hold, 400 for other bad input."""
    return 404 if isinstance(exc, MartError) else 400


def install(app: FastAPI, page_handler: PageError | None = None) -> None:
    """Register the JSON error handlers on ``app`` (pages get HTML from ``page_handler``)."""

    async def on_segmint(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SegmintError)
        status = segmint_status(exc)
        if page_handler and not is_api(request):
            return page_handler(request, status, str(exc))
        return JSONResponse({"detail": str(exc)}, status_code=status)

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

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        message = "the server could not answer this request; the error is in the server log"
        if page_handler and not is_api(request):
            return page_handler(request, 500, message)
        return JSONResponse({"detail": message}, status_code=500)

    app.add_exception_handler(SegmintError, on_segmint)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_unexpected)


def is_api(request: Request) -> bool:
    """True for requests to the REST API (JSON errors) rather than pages (HTML errors)."""
    return request.url.path.startswith("/api/")
