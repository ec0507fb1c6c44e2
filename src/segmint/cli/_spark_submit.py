"""Keeping stdout for data under ``spark-submit``.

``spark-submit job.py …`` runs the Python driver with its stderr joined to its stdout
(Spark's ``PythonRunner`` merges the two streams and copies them to its own stdout), so
every warning, note and progress line a command writes to stderr would land in the middle
of its ``--format json`` or ``csv`` output. A driver started that way finds the
launcher's gateway in ``PYSPARK_GATEWAY_PORT``; :func:`keep_stdout_for_data` then sends
Python's stderr to the launcher's own stderr (``System.err`` of its JVM, where Spark's
log lines go too), so stdout holds only what the command prints as data.
"""

from __future__ import annotations

import io
import os
import sys
from typing import Any

GATEWAY_PORT = "PYSPARK_GATEWAY_PORT"
GATEWAY_SECRET = "PYSPARK_GATEWAY_SECRET"


class LauncherStderr(io.TextIOBase):
    """A text stream that writes to the launcher JVM's ``System.err``.

    Args:
        stream: the JVM's ``java.io.PrintStream`` (a Py4J proxy).
        fallback: where text goes when the launcher cannot be reached any more.
    """

    def __init__(self, stream: Any, fallback: io.TextIOBase | Any) -> None:
        super().__init__()
        self._stream = stream
        self._fallback = fallback

    def write(self, text: str) -> int:
        """Print ``text`` on the launcher's stderr (or on the fallback)."""
        try:
            self._stream.print(text)
        except Exception:  # Py4J: the launcher is gone; keep the text anyway
            self._fallback.write(text)
        return len(text)

    def flush(self) -> None:
        """Flush the launcher's stderr."""
        try:
            self._stream.flush()
        except Exception:  # Py4J: the launcher is gone; flush what kept the text
            self._fallback.flush()

    def isatty(self) -> bool:
        """Never a terminal: no colours or live progress in the launcher's log."""
        return False


def keep_stdout_for_data() -> None:
    """Under ``spark-submit``, make ``sys.stderr`` the launcher's stderr (see the module
    docstring); elsewhere do nothing."""
    port = os.environ.get(GATEWAY_PORT)
    if port is None or isinstance(sys.stderr, LauncherStderr):
        return
    from py4j.java_gateway import GatewayParameters, JavaGateway

    parameters = GatewayParameters(
        port=int(port), auth_token=os.environ.get(GATEWAY_SECRET), auto_convert=True
    )
    launcher = JavaGateway(gateway_parameters=parameters)
    sys.stderr = LauncherStderr(launcher.jvm.System.err, sys.stderr)
