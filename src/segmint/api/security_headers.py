"""Security headers on every answer of the app: pages, API, errors, static files.

* ``Content-Security-Policy``: scripts, styles, images and requests from this server only,
  no inline script (the pages' script is ``/static/app.js``), no plugins, no ``<base>``,
  forms posting here only, and no framing (``frame-ancestors 'none'``). Styles may be
  inline because plotly.js and Swagger UI set them on the elements they draw; images may be
  ``data:``/``blob:`` URLs, which both use for icons and downloads.
* ``X-Frame-Options: DENY`` for browsers that predate ``frame-ancestors``.
* ``X-Content-Type-Options: nosniff``: a CSV stays a CSV, never a script.
* ``Referrer-Policy: no-referrer``: customer ids in URLs do not travel to other sites.
* ``Cache-Control: no-store`` on every answer that does not set its own caching: pages and
  API answers carry customer-level and personal data, which must not be kept by browsers
  or proxies; versioned static files (plotly.js, the stylesheet, scripts) keep theirs.

One pure ASGI middleware, outermost, so error answers get the headers too.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
NO_STORE = "no-store"


class SecurityHeaders:
    """Adds :data:`HEADERS` to every HTTP answer, and ``Cache-Control: no-store`` to those
    without a ``Cache-Control`` of their own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["Cache-Control"] = NO_STORE
            await send(message)

        await self.app(scope, receive, with_headers)


def install(app: FastAPI) -> None:
    """Add the middleware to ``app`` (call it last, so it wraps every other middleware)."""
    app.add_middleware(SecurityHeaders)
