"""``segmint serve``, ``segmint token create|list|revoke`` and ``segmint report``: the
dashboard as a service.

``serve`` runs the API and pages with uvicorn on 127.0.0.1 unless told otherwise (with its
compiled HTTP parser and event loop, httptools and uvloop, when installed: about 0.45 ms less
CPU per request than the pure-Python ones, a third of what a request that reads nothing
costs), over HTTPS with ``--cert``/``--key``. It reads a snapshot of the mart, never the
mart itself, so loads run while it serves (see :mod:`segmint.mart.snapshot`).
``token create`` prints a new token alone on the last line of stdout (scripts take it with
``tail -n 1``); ``token list`` shows every token by its short id, never the token;
``token revoke ID`` ends one (a running server refuses it within a second).
``report`` writes the self-contained HTML report.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, user_errors
from segmint.config import get_settings
from segmint.exceptions import InputError
from segmint.mart import connect
from segmint.mart.tokens import (
    ID_LENGTH,
    Role,
    TokenInfo,
    create_token,
    hash_token,
    list_tokens,
    parse_lifetime,
    revoke_token,
)
from segmint.report import write_report

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_EXPIRES = "90d"

token_app = typer.Typer(help="Access tokens for the API and the pages.", no_args_is_help=True)


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

    from segmint.api import create_app

    tls = _tls_files(cert, key)
    settings = get_settings(mart)
    app = create_app(
        settings, settings.mart, on_wait=lambda said: err.print(said, markup=False, highlight=False)
    )
    scheme = "https" if tls else "http"
    if tls is None and not is_loopback(host):
        err.print(
            f"[bold yellow]warning:[/] serving on {host} without TLS: tokens and login cookies "
            "cross the network readable by anyone on the way. Give --cert FILE --key FILE, or "
            "put a TLS proxy in front and bind 127.0.0.1.",
            highlight=False,
        )
    err.print(
        f"segmint dashboard on {scheme}://{host}:{port}/ (API docs: {scheme}://{host}:{port}/docs). "
        "Log in with a token from `segmint token create`.",
        highlight=False,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=None if tls is None else str(tls[0]),
        ssl_keyfile=None if tls is None else str(tls[1]),
    )


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


@user_errors
def token_create(
    role: Annotated[
        Role, typer.Option("--role", help="viewer: aggregates; analyst: customers; admin: PII.")
    ] = Role.viewer,
    label: Annotated[str, typer.Option("--label", help="A note saying who it is for.")] = "",
    expires: Annotated[
        str,
        typer.Option(
            "--expires",
            help="How long it works: hours, days or weeks such as 12h, 90d, 2w; 'never' for "
            "no expiry. Default: 90d.",
        ),
    ] = DEFAULT_EXPIRES,
    mart: MartOption = None,
) -> None:
    """Create an access token; it is printed once, alone on the last line. Only its hash is kept."""
    lifetime = parse_lifetime(expires)
    with connect(mart, create=False) as m:
        token = create_token(m, role, label, lifetime)
        info = {t.token_hash: t for t in list_tokens(m)}[hash_token(token)]
    until = "never expires" if info.expires_at is None else f"expires {_utc(info.expires_at)}"
    err.print(
        f"new {role.value} token {info.id} for {m.path}, {until} (shown once; keep it safe):",
        highlight=False,
    )
    out.print(token, highlight=False, soft_wrap=True)


@user_errors
def token_list(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List the tokens: id, role, label, created, expires, revoked. Never the tokens themselves."""
    with connect(mart, read_only=True) as m:
        tokens = list_tokens(m)
    rows = [_row(info) for info in tokens]
    if format_ == OutputFormat.json:
        typer.echo(json.dumps(rows))
        return
    if format_ == OutputFormat.csv:
        typer.echo(",".join(_COLUMNS))
        for row in rows:
            typer.echo(",".join(_csv_cell(row[c]) for c in _COLUMNS))
        return
    view = Table(*_COLUMNS, title=f"tokens of {m.path}")
    for row in rows:
        view.add_row(*(str(row[c] or "") for c in _COLUMNS))
    out.print(view)
    if not rows:
        err.print("no tokens yet: make one with `segmint token create --role viewer`")


@user_errors
def token_revoke(
    token_id: Annotated[
        str,
        typer.Argument(
            metavar="ID", help=f"The token's id from `segmint token list` ({ID_LENGTH} hex digits)."
        ),
    ],
    mart: MartOption = None,
) -> None:
    """Revoke a token: the API and pages refuse it from now on (a running server within a second)."""
    with connect(mart, create=False) as m:
        info, changed = revoke_token(m, token_id)
    what = f"token {info.id} ({info.role.value}{', ' + info.label if info.label else ''})"
    if changed:
        out.print(f"revoked {what}", highlight=False)
    else:
        out.print(f"{what} was already revoked on {_utc(info.revoked_at)}", highlight=False)


_COLUMNS = ("id", "role", "label", "created", "expires", "revoked", "status")


def _row(info: TokenInfo) -> dict[str, str | None]:
    return {
        "id": info.id,
        "role": info.role.value,
        "label": info.label,
        "created": _utc(info.created_at),
        "expires": _utc(info.expires_at) if info.expires_at else "never",
        "revoked": _utc(info.revoked_at) if info.revoked_at else None,
        "status": info.status(),
    }


def _utc(moment: object) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _csv_cell(value: str | None) -> str:
    text = value or ""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


@user_errors
def report(
    out_path: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path(
        "report.html"
    ),
    segmentation: Annotated[
        str | None, typer.Option("--segmentation", help="Stored segmentation (default: rfm).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Stored date, YYYY-MM-DD. Default: the latest.")
    ] = None,
    mart: MartOption = None,
) -> None:
    """Write a self-contained HTML report (overview and segments) that needs no network."""
    with connect(mart, read_only=True) as m:
        written = write_report(m, out_path, segmentation, as_of)
    out.print(f"report written to {written} ({written.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve)
    app.command("report")(report)
    token_app.command("create")(token_create)
    token_app.command("list")(token_list)
    token_app.command("revoke")(token_revoke)
    app.add_typer(token_app, name="token")
