"""``HEAD`` wherever ``GET`` answers: uptime checks and link checkers ask with ``HEAD``.

FastAPI routes declared with ``GET`` do not accept ``HEAD`` (Starlette's plain routes do), so
without this every ``HEAD`` met a 405. One pure ASGI middleware serves a ``HEAD`` as the
``GET`` of the same URL, through the same dependencies (the same authentication and role
checks: :data:`segmint.api.auth.SAFE_METHODS` treats both alike), and sends its status and
headers without the body, as RFC 9110 §9.3.2 asks. Doing it here rather than adding ``HEAD``
to each route keeps the OpenAPI document to one operation per resource. A ``HEAD`` hands
out no body, so the audit trail journals neither a read of personal data nor a download for
it (:func:`is_head`).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEAD_MARK = "served_as_head"
"""The request state attribute set on a ``HEAD`` served as ``GET`` (:func:`is_head`)."""


class HeadAsGet:
    """Answers ``HEAD`` requests as ``GET`` ones, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        body_sent = False

        async def without_body(message: Message) -> None:
            nonlocal body_sent
            if message["type"] != "http.response.body":
                await send(message)
            elif not body_sent:
                # The headers (Content-Length included) stay those of the GET; one empty
                # body ends the answer, the rest of a streamed body is dropped.
                body_sent = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        state = {**scope.get("state", {}), HEAD_MARK: True}
        await self.app({**scope, "method": "GET", "state": state}, receive, without_body)


def is_head(request: Request) -> bool:
    """Whether ``request`` is a ``HEAD`` served as its ``GET``: no body leaves, so nothing
    personal is shown or handed out and the audit trail has nothing to journal."""
    return bool(getattr(request.state, HEAD_MARK, False))


def install(app: FastAPI) -> None:
    """Add the middleware to ``app``."""
    app.add_middleware(HeadAsGet)
