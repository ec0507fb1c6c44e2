"""Scratch tables: rows a step needs in the engine for one query, dropped when it is done.

A server answers every request on one long-lived connection, so whatever a request puts in
the engine must leave with it. :func:`scratch` writes rows (an expression, or columns of
Python values) to a temporary table; :func:`scratch_scope` drops the ones made inside it
when the block ends. Audiences use them for the pseudonyms' lookup
(:mod:`segmint.mart.privacy`), pages of an audience for the ids whose contact details they
read (:mod:`segmint.views.customers`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from segmint.mart.connection import Mart

_counter = itertools.count()
_made: ContextVar[list[str] | None] = ContextVar("segmint_scratch", default=None)
"""The scratch tables made inside the innermost :func:`scratch_scope`, if any."""


def scratch(
    mart: Mart, rows: ir.Table | dict[str, Sequence[object]], schema: dict[str, str] | None = None
) -> ir.Table:
    """``rows`` (an expression, or columns of Python values of the Ibis types ``schema``
    names) as a temporary table, dropped at the end of the enclosing :func:`scratch_scope`
    (else when the connection closes).

    Python values reach the engine through :meth:`segmint.mart.Mart.temp_table`, which
    leaves nothing registered with the connection: a server making one per audience would
    otherwise grow by every audience's ids.
    """
    name = f"_segmint_scratch_{next(_counter)}"
    if isinstance(rows, ir.Table):
        table = mart.create_table(name, rows, temp=True)
    else:
        types = None if schema is None else ibis.schema(schema).to_pyarrow()
        table = mart.temp_table(name, pa.table(dict(rows), schema=types))
    made = _made.get()
    if made is not None:
        made.append(name)
    return table


@contextmanager
def scratch_scope(mart: Mart) -> Iterator[None]:
    """Drop the scratch tables :func:`scratch` makes inside the block when it ends, however
    it ends: a long-lived connection (a server's) keeps no temporary table per request.
    Read every expression over them inside the block."""
    made: list[str] = []
    token = _made.set(made)
    try:
        yield
    finally:
        _made.reset(token)
        for name in made:
            mart.drop_temp(name)
