"""The pages' script and the API's interactive documentation, served by the app itself.

The Content-Security-Policy (:mod:`segmint.api.security_headers`) lets pages run scripts
from this server only, never inline, so the pages' behaviour lives in ``static/app.js``.
``/docs`` is Swagger UI from the files the ``fastapi-offline`` package ships (FastAPI's own
page loads them from a CDN and starts them with an inline script): it works with no network
and under the same policy.
"""

from __future__ import annotations

from functools import cache
from html import escape
from importlib import resources

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

router = APIRouter(include_in_schema=False)

HOUR = 3600
DOCS_STATIC = "/static/docs"
DOCS_FILES = {
    "swagger-ui-bundle.js": ("fastapi_offline", "static/swagger-ui-bundle.js"),
    "swagger-ui.css": ("fastapi_offline", "static/swagger-ui.css"),
    "favicon.png": ("fastapi_offline", "static/favicon.png"),
    "docs.js": ("segmint.views", "static/docs.js"),
}
MEDIA_TYPES = {".js": "application/javascript", ".css": "text/css", ".png": "image/png"}

DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} · API documentation</title>
  <link rel="stylesheet" href="{static}/swagger-ui.css">
  <link rel="icon" href="{static}/favicon.png">
</head>
<body>
  <div id="swagger-ui" data-openapi="{openapi}"></div>
  <script src="{static}/swagger-ui-bundle.js"></script>
  <script src="{static}/docs.js"></script>
</body>
</html>
"""


@cache
def packaged(package: str, path: str) -> bytes:
    """A file shipped inside ``package``."""
    return resources.files(package).joinpath(path).read_bytes()


@router.get("/static/app.js")
def app_js() -> Response:
    """The pages' script: charts, chart clicks and filter forms."""
    return Response(
        packaged("segmint.views", "static/app.js"),
        media_type="application/javascript",
        headers={"Cache-Control": f"public, max-age={HOUR}"},
    )


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    """Swagger UI over this server's OpenAPI document."""
    root = request.scope.get("root_path", "")
    return HTMLResponse(
        DOCS_PAGE.format(
            title=escape(request.app.title),
            static=escape(root + DOCS_STATIC),
            openapi=escape(root + (request.app.openapi_url or "/openapi.json")),
        )
    )


@router.get(DOCS_STATIC + "/{name}")
def docs_file(name: str) -> Response:
    """Swagger UI's script, stylesheet and icon, and the script that starts it."""
    if name not in DOCS_FILES:
        raise HTTPException(404, f"no file '{name}'; files: {', '.join(sorted(DOCS_FILES))}")
    suffix = name[name.rindex(".") :]
    return Response(
        packaged(*DOCS_FILES[name]),
        media_type=MEDIA_TYPES[suffix],
        headers={"Cache-Control": f"public, max-age={HOUR}"},
    )
