"""Import a module on a background thread while the engine works, so the import costs no
wall time.

A command that will need a heavy module later — pandas, which Ibis loads for any
in-memory table, or SciPy's special functions for Student's t — starts importing it
before its first long query. DuckDB releases the GIL while a query runs, so the import
proceeds on the other thread meanwhile; at 1M campaign members this hides about half a
second of ``campaign create`` and a quarter of ``campaign results``. If the command
reaches the import first, Python's import lock makes it wait for the thread's import to
finish, so it never sees a half-imported module; an import that fails on the thread is
left for the command's own import to report.
"""

from __future__ import annotations

import importlib
import threading
from contextlib import suppress


def preload(*modules: str) -> threading.Thread:
    """Start importing ``modules`` (in order) on a daemon thread; returns the thread."""

    def load() -> None:
        for name in modules:
            with suppress(Exception):  # the command's own import raises it, if it needs it
                importlib.import_module(name)

    thread = threading.Thread(target=load, name="segmint-preload", daemon=True)
    thread.start()
    return thread
