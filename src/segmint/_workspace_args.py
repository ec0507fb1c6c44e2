"""What every :class:`~segmint.workspace.Workspace` method checks of its arguments first.

Settings that hold several values take one alone or several (``date_formats="%Y%m%d"`` is
one format, not eight); a setting that holds one name refuses a list with what to pass;
and a method that stores what it computes is refused on a mart opened read-only before it
computes anything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar, cast

from segmint.exceptions import MartError
from segmint.mart import Mart

Method = TypeVar("Method", bound=Callable[..., Any])


def stores(method: Method) -> Method:
    """``method`` refused on a mart opened read-only, before it computes anything.

    A method of a use-case group (``ws.clv``…) is named as it is called: the group's
    ``GROUP`` (``"clv"``), a dot and the method's name."""

    @functools.wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        group = getattr(type(self), "GROUP", None)
        called = method.__name__ if group is None else f"{group}.{method.__name__}"
        check_writable(getattr(self, "mart", self), called)
        return method(self, *args, **kwargs)

    return cast(Method, checked)


def check_writable(mart: Mart, method: str) -> None:
    """Raise when ``mart`` is read-only: ``method`` (as it is called: ``segment_rfm``,
    ``clv.fit``) stores what it computes."""
    if mart.read_only:
        raise MartError(
            f"the mart {mart.path} is open read-only, and {method}() stores what it computes: "
            f"open it with segmint.connect({str(mart.path)!r}) to write (read_only=True is "
            "for reading while another process writes)."
        )


FILE_LISTS = ("date_formats", "ignore")
"""The :class:`~segmint.mart.ingest.IngestOptions` that hold several values."""


def tupled(
    settings: dict[str, Any], names: tuple[str, ...] = ("exclude_products",)
) -> dict[str, Any]:
    """The settings ``names`` as tuples: a list, or one value alone (``date_formats="%Y%m%d"``,
    ``exclude_products="POST"``), is accepted, and a lone string is not read letter by letter."""
    chosen = dict(settings)
    for name in names:
        if chosen.get(name) is not None:
            chosen[name] = values(chosen[name])
    return chosen


def values(given: str | Iterable[str]) -> tuple[str, ...]:
    """One value alone (a string) or several, as a tuple."""
    return (given,) if isinstance(given, str) else tuple(given)


def one_name(settings: dict[str, Any], name: str, what: str, hint: str) -> dict[str, Any]:
    """``settings``, checked that ``name`` (when given) is one name: a string.

    ``what`` describes the name with an example (``"one feature column … (by='region')"``);
    ``hint`` says what to do instead of giving several.

    Raises:
        TypeError: ``name`` is a list or another non-string.
    """
    given = settings.get(name)
    if given is not None and not isinstance(given, str):
        raise TypeError(f"{name} takes {what}, as a string; got {given!r}. {hint}")
    return settings
