"""Logging in and out of the pages, and the static files they load.

The login form takes a token (from ``segmint token create``) and keeps it in an HTTP-only,
same-site cookie; logging out deletes it. plotly.js comes from the installed ``plotly``
package, served once per version with a one-year cache lifetime, so pages work offline.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from segmint.api.deps import COOKIE, token_role
from segmint.api.render import PLOTLY_PATH, templates

router = APIRouter(include_in_schema=False)

YEAR = 365 * 24 * 3600


@cache
def plotly_js() -> bytes:
    """The plotly.js bundle of the installed plotly package."""
    bundle: str = get_plotlyjs()
    return bundle.encode("utf-8")


@cache
def stylesheet() -> bytes:
    """The pages' stylesheet."""
    return resources.files("segmint.web").joinpath("static/app.css").read_bytes()


def safe_next(target: str | None) -> str:
    """A local path to return to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return templates.TemplateResponse(request, "login.html", {"next": safe_next(next)})


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the token; on success set the cookie and go on to ``next``."""
    role = token_role(request, token.strip())
    if role is None:
        return templates.TemplateResponse(
            request,
            "login.html",
            {
                "next": safe_next(next),
                "error": "That token is not valid for this mart. Create one with "
                "`segmint token create --role viewer`.",
            },
            status_code=401,
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE, token.strip(), httponly=True, samesite="strict", max_age=7 * 24 * 3600
    )
    return response


@router.post("/logout")
def logout() -> Response:
    """Forget the login cookie and show the login form."""
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE)
    return response


@router.get(PLOTLY_PATH)
def plotly_bundle() -> Response:
    """plotly.js from the installed package, cached by browsers for a year."""
    return Response(
        plotly_js(),
        media_type="application/javascript",
        headers={"Cache-Control": f"public, max-age={YEAR}, immutable"},
    )


@router.get("/static/app.css")
def app_css() -> Response:
    """The stylesheet."""
    return Response(
        stylesheet(), media_type="text/css", headers={"Cache-Control": "public, max-age=3600"}
    )
