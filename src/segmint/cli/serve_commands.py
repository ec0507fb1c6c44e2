"""``segmint serve``: the API and the dashboard pages as a service.

``serve`` runs the API and pages with uvicorn on 127.0.0.1 unless told otherwise (with its
compiled HTTP parser and event loop, httptools and uvloop, when installed: about 0.45 ms less
CPU per request than the pure-Python ones, a third of what a request that reads nothing
costs), over HTTPS with ``--cert``/``--key``. It reads a snapshot of the mart, never the
mart itself, so loads run while it serves (see :mod:`segmint.mart.snapshot`).

The CLI never imports the API: uvicorn builds the application from an import string
(:data:`APP_FACTORY`, ``factory=True``), with the mart passed in ``SEGMINT_MART``. Tokens
to log in with come from ``segmint token create`` (:mod:`segmint.cli.token_commands`).
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from segmint.cli._options import MartOption
from segmint.cli._output import err, user_errors
from segmint.cli._serve_log import server_log
from segmint.config import get_settings
from segmint.exceptions import InputError, MartError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
APP_FACTORY = "segmint.api.app:create_app_from_env"
"""What uvicorn imports and calls to build the application (``factory=True``)."""


@user_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; 0.0.0.0 exposes it to the network.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    mart: MartOption = None,
    cert: Annotated[
        Path | None,
        typer.Option("--cert", help="TLS certificate (PEM) to serve HTTPS; needs --key."),
    ] = None,
    key: Annotated[
        Path | None, typer.Option("--key", help="Private key (PEM) of the --cert certificate.")
    ] = None,
) -> None:
    """Serve the REST API (/api/v1, docs at /docs) and the dashboard pages.

    Loads may run while it serves: it reads a snapshot of the mart that every write
    publishes, and shows new data within seconds.
    """
    import uvicorn

    tls = _tls_files(cert, key)
    path = get_settings(mart).mart
    if not path.is_file():
        raise MartError(
            f"no mart at {path}. Create one with `segmint init --mart {path}` or load data into it."
        )
    scheme = "https" if tls else "http"
    if tls is None and not is_loopback(host):
        err.print(
            Text.assemble(
                ("warning:", "bold yellow"),
                f" serving on {host} without TLS: tokens and login cookies cross the network "
                "readable by anyone on the way. Give --cert FILE --key FILE, or put a TLS proxy "
                "in front and bind 127.0.0.1.",
            ),
            highlight=False,
        )
    err.print(
        f"segmint dashboard on {scheme}://{host}:{port}/ (API docs: {scheme}://{host}:{port}/docs). "
        "Log in with a token from `segmint token create`.",
        highlight=False,
    )
    from segmint.serving.snapshot_pool import end_background, prepare_in_background

    prepare_in_background(path, get_settings(path, serving=True))  # while the app is imported
    try:
        with _environment("SEGMINT_MART", str(path.resolve())), server_log(err):
            uvicorn.run(
                APP_FACTORY,
                factory=True,
                host=host,
                port=port,
                log_level="warning",
                ssl_certfile=None if tls is None else str(tls[0]),
                ssl_keyfile=None if tls is None else str(tls[1]),
            )
    finally:
        end_background(path)  # the server took it up already, or never started


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """The environment variable ``name`` set to ``value`` for the block, then as it was."""
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before


def is_loopback(host: str) -> bool:
    """True when ``host`` is a loopback address or ``localhost`` (reachable from this machine only)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def _tls_files(cert: Path | None, key: Path | None) -> tuple[Path, Path] | None:
    """The certificate and key to serve HTTPS with, checked; None for plain HTTP.

    Raises:
        InputError: only one of them was given, or they cannot be loaded together.
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        given, missing = ("--cert", "--key") if key is None else ("--key", "--cert")
        raise InputError(f"{given} needs {missing} too: HTTPS takes a certificate and its key")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(
            f"cannot serve HTTPS with --cert {cert} --key {key}: {exc}. Give a PEM certificate "
            "and the PEM private key that belongs to it."
        ) from None
    return cert, key


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve)
