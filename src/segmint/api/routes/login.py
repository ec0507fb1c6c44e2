"""Logging in and out of the pages, and the static files they load.

The login form takes a token (from ``segmint token create``) and opens a server-side session
(:mod:`segmint.api.sessions`) whose random id goes in an HTTP-only, same-site cookie; the
token itself never leaves the form. Both forms carry a CSRF value: the login form a
double-submit cookie (the same random value in a cookie and in the form, which another site
can neither read nor set), the logout form its session's CSRF secret. Cookies are ``Secure``
when the server is reached over HTTPS (``segmint serve --cert --key``). plotly.js comes from
the installed ``plotly`` package, served once per version with a one-year cache lifetime, so
pages work offline.
"""

from __future__ import annotations

import hmac
import secrets
from functools import cache
from importlib import resources
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from plotly.offline import get_plotlyjs

from segmint.api.auth import UNKNOWN_TOKEN, token_info
from segmint.api.render import PLOTLY_PATH, error_page, templates
from segmint.api.sessions import CSRF_COOKIE, SESSION_COOKIE, Sessions
from segmint.mart.tokens import hash_token

router = APIRouter(include_in_schema=False)

YEAR = 365 * 24 * 3600
FORM_LIFETIME = 3600
"""Seconds a login form stays usable (the lifetime of its CSRF cookie)."""
STALE_FORM = (
    "This login form has expired or was sent from another page. Log in again from this form."
)


@cache
def plotly_js() -> bytes:
    """The plotly.js bundle of the installed plotly package."""
    bundle: str = get_plotlyjs()
    return bundle.encode("utf-8")


@cache
def stylesheet() -> bytes:
    """The pages' stylesheet."""
    return resources.files("segmint.views").joinpath("static/app.css").read_bytes()


def safe_next(target: str | None) -> str:
    """A local path to return to after logging in (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def over_https(request: Request) -> bool:
    """True when the request came over TLS: cookies then get the ``Secure`` flag."""
    return request.url.scheme == "https"


def login_page(
    request: Request, next: str | None, error: str | None = None, status_code: int = 200
) -> Response:
    """The login form with a fresh CSRF value, also set as a cookie (double submit)."""
    csrf = secrets.token_urlsafe(32)
    context = {"next": safe_next(next), "csrf": csrf, **({"error": error} if error else {})}
    response = templates.TemplateResponse(request, "login.html", context, status_code=status_code)
    response.set_cookie(
        CSRF_COOKIE,
        csrf,
        max_age=FORM_LIFETIME,
        path="/login",
        secure=over_https(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The login form."""
    return login_page(request, next)


@router.post("/login")
def login(
    request: Request,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Check the form's CSRF value and the token; on success open a session and go on to
    ``next``."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not csrf or not expected or not hmac.compare_digest(csrf, expected):
        return login_page(request, next, STALE_FORM, status_code=403)
    token_hash = hash_token(token.strip())
    info = token_info(request, token_hash)
    problem = UNKNOWN_TOKEN if info is None else info.problem()
    if info is None or problem is not None:
        return login_page(request, next, f"Cannot log in: {problem}", status_code=401)
    sessions: Sessions = request.app.state.sessions
    session = sessions.open(token_hash, info.expires_at)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        max_age=session.seconds_left(),
        secure=over_https(request),
        httponly=True,
        samesite="strict",
    )
    response.delete_cookie(CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End the session (its CSRF secret must come with the form) and show the login form."""
    sessions: Sessions = request.app.state.sessions
    session = sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        if not session.csrf_matches(csrf):
            return error_page(
                request,
                403,
                "Log out with the button of a segmint page (the form had no valid key).",
            )
        sessions.end(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, secure=over_https(request), httponly=True, samesite="strict"
    )
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
