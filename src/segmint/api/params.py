"""Bounds on what a request may carry in its path and query, checked before any route runs.

Hostile input is normal input. A NUL byte cannot travel inside the text of an engine
statement (DuckDB stops reading the literal there), a line break has no place in a name or
an id, and an offset past 2^63 - 1 overflows the engine's integers: each of these was a 500
before. Every string parameter declares :data:`NO_CONTROL` as its pattern (so the OpenAPI
document says what is accepted), and :func:`reject_control_characters`, installed on the
whole application, refuses control characters in any path or query value, declared or not,
with a 422 that names the parameter. :func:`reject_unknown_query` refuses, on the API, a
query parameter the endpoint does not take (``?offset=10`` on an audience, which pages by
cursor, would otherwise hand out its first page again as if it were the next).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.convertors import Convertor, register_url_convertor

NO_CONTROL = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""Pattern of every string parameter: no control characters (NUL, tab, line breaks, DEL…)."""

CONTROL_MESSAGE = "must not contain control characters (NUL, tab, line breaks…)"

MAX_NAME = 200
"""Longest segmentation, segment or customer id accepted in a request."""

MAX_DATE = 20
"""Longest date text accepted (``YYYY-MM-DD`` and some slack for spaces)."""

MAX_OFFSET = 1_000_000_000
"""Largest ``offset`` of a page: far beyond any real list, far below the engine's limit."""


class AnyText(Convertor[str]):
    """A path parameter that takes the rest of the path, slashes and line breaks included
    (``{customer_id:anytext}``): Starlette's ``path`` stops at a line break, so an id
    holding one met no route (a 404) instead of the 422 of :func:`reject_control_characters`."""

    regex = r"[\s\S]*"

    def convert(self, value: str) -> str:
        return str(value)

    def to_string(self, value: str) -> str:
        return str(value)


register_url_convertor("anytext", AnyText())


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (Unicode category Cc)."""
    return any(unicodedata.category(c) == "Cc" for c in text)


async def reject_control_characters(request: Request) -> None:
    """Refuse a request whose path or query values hold control characters.

    Raises:
        RequestValidationError: a 422 naming each offending parameter.
    """
    errors: list[dict[str, Any]] = []
    for name, value in request.path_params.items():
        if isinstance(value, str) and has_control(value):
            errors.append(_error("path", name, value))
    for name, value in request.query_params.multi_items():
        if has_control(value) or has_control(name):
            errors.append(_error("query", name, value))
    if errors:
        raise RequestValidationError(errors)


API_PATHS = "/api/"
"""Where :func:`reject_unknown_query` applies: the pages' forms may carry fields of their own."""


async def reject_unknown_query(request: Request) -> None:
    """Refuse an API request with a query parameter its endpoint does not take.

    Raises:
        RequestValidationError: a 422 naming each unknown parameter and those it takes.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.url.path.startswith(API_PATHS):
        return
    taken = query_names(route.dependant)
    listed = ", ".join(sorted(taken)) or "none"
    errors = [
        {
            "type": "value_error",
            "loc": ("query", name),
            "msg": f"not a parameter of this endpoint (it takes: {listed})",
            "input": value,
        }
        for name, value in request.query_params.multi_items()
        if name not in taken
    ]
    if errors:
        raise RequestValidationError(errors)


def query_names(dependant: Dependant) -> set[str]:
    """The query parameter names ``dependant`` and its dependencies take (their aliases)."""
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return names


def _error(where: str, name: str, value: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": (where, name), "msg": CONTROL_MESSAGE, "input": value}
