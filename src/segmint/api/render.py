"""Rendering pages: the Jinja2 templates of :mod:`segmint.web`, the page role from the cookie.

Pages share one layout (navigation, the user's role, log out). A page request without a
valid login cookie is redirected to the login form; one the role may not see gets a 403
page saying which role it needs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import plotly  # type: ignore[import-untyped]
from fastapi import HTTPException, Request
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from segmint.api.auth import Role
from segmint.api.deps import COOKIE, forbidden_message, token_role
from segmint.web.formatting import TEMPLATES, install

PLOTLY_PATH = f"/static/plotly-{plotly.__version__}.min.js"
"""Where pages load plotly.js from: versioned, so it can be cached for a year."""


NAV = (
    ("overview", "/", "Overview"),
    ("segments", "/segments", "Segments"),
    ("rfm", "/rfm", "RFM grid"),
    ("migration", "/migration", "Migration"),
    ("value", "/value", "Value & risk"),
    ("customers", "/customers", "Customers"),
)


templates = Jinja2Templates(directory=str(TEMPLATES))
install(templates.env)
templates.env.globals.update(nav=NAV, plotly_path=PLOTLY_PATH)


def page_role(request: Request) -> Role:
    """The role of the logged-in user; 401 (a redirect to the login form) when not logged in."""
    role = token_role(request, request.cookies.get(COOKIE))
    if role is None:
        raise HTTPException(401, "please log in")
    return role


def page_require(request: Request, needed: Role) -> Role:
    """The user's role, or 403 when it may not see what ``needed`` sees."""
    role = page_role(request)
    if not role.allows(needed):
        raise HTTPException(403, forbidden_message(role, needed))
    return role


def page(request: Request, template: str, active: str, role: Role, **context: Any) -> Response:
    """Render ``template`` inside the layout."""
    return templates.TemplateResponse(
        request,
        template,
        {"active": active, "role": role.value, "can": _abilities(role), **context},
    )


def _abilities(role: Role) -> dict[str, bool]:
    return {"customers": role.allows(Role.analyst), "pii": role.allows(Role.admin)}


def error_page(request: Request, status: int, message: str) -> Response:
    """An error page; a 401 sends the user to the login form and back afterwards."""
    if status == 401:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
    role = token_role(request, request.cookies.get(COOKIE))
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "active": "",
            "role": role.value if role else None,
            "can": _abilities(role) if role else {},
            "status": status,
            "message": message,
        },
        status_code=status,
    )
