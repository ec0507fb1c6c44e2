"""Python rows written through Ibis leave nothing registered with the connection.

Ibis hands an in-memory table (``ibis.memtable``, and the Arrow tables a mart inserts,
which it wraps in one) to the engine by registering it on the connection: a DuckDB view
over the Arrow data, a Spark temporary view. It frees them only when the process exits,
so a long-lived connection (a server's, a Python workspace's) would keep every write's
and every read's rows, and one more view, per call. :func:`released` drops the ones a
write or a read registered once it has run (:meth:`segmint.mart.Mart.reading` for reads).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import ibis.expr.operations as ops
import ibis.expr.types as ir
from ibis.backends import BaseBackend


@contextmanager
def released(backend: BaseBackend, data: ir.Expr, drop: Callable[[str], object]) -> Iterator[None]:
    """Run the block that writes or reads ``data``, then unregister the in-memory tables of
    ``data`` that ``backend`` registered during it, however it ends.

    ``drop`` removes one registered name from the engine. The tables are also forgotten by
    Ibis, so an expression that reads one later registers it again instead of reading a
    name that is gone. Tables registered before the block (a caller's own, read again
    later) are left alone.
    """
    registered = backend._memtables  # Ibis's record of what it registered
    fresh = [op for op in data.op().find(ops.InMemoryTable) if op not in registered]
    try:
        yield
    finally:
        for op in fresh:
            if op in registered:
                drop(op.name)
                registered.discard(op)
