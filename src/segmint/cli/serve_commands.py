"""``segmint serve``, ``segmint token create`` and ``segmint report``: the dashboard as a service.

``serve`` runs the API and pages with uvicorn on 127.0.0.1 unless told otherwise (with its
compiled HTTP parser and event loop, httptools and uvloop, when installed: about 0.45 ms less
CPU per request than the pure-Python ones, a third of what a request that reads nothing
costs);
``token create`` prints a new token alone on the last line of stdout (scripts take it with
``tail -n 1``); ``report`` writes the self-contained HTML report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from segmint.api.auth import Role, create_token
from segmint.cli._options import MartOption
from segmint.cli._output import err, out, user_errors
from segmint.config import get_settings
from segmint.mart import connect
from segmint.report import write_report

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

token_app = typer.Typer(help="Access tokens for the API and the pages.", no_args_is_help=True)


@user_errors
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; 0.0.0.0 exposes it to the network.")
    ] = DEFAULT_HOST,
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = DEFAULT_PORT,
    mart: MartOption = None,
) -> None:
    """Serve the REST API (/api/v1, docs at /docs) and the dashboard pages."""
    import uvicorn

    from segmint.api import create_app

    settings = get_settings(mart)
    app = create_app(settings, settings.mart)
    err.print(
        f"segmint dashboard on http://{host}:{port}/ (API docs: http://{host}:{port}/docs). "
        "Log in with a token from `segmint token create`."
    )
    uvicorn.run(app, host=host, port=port, log_level="warning")


@user_errors
def token_create(
    role: Annotated[
        Role, typer.Option("--role", help="viewer: aggregates; analyst: customers; admin: PII.")
    ] = Role.viewer,
    label: Annotated[str, typer.Option("--label", help="A note saying who it is for.")] = "",
    mart: MartOption = None,
) -> None:
    """Create an access token; it is printed once, alone on the last line. Only its hash is kept."""
    with connect(mart, create=False) as m:
        token = create_token(m, role, label)
    err.print(f"new {role.value} token for {m.path} (shown once; keep it safe):")
    out.print(token, highlight=False, soft_wrap=True)


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
    with connect(mart, create=False) as m:
        written = write_report(m, out_path, segmentation, as_of)
    out.print(f"report written to {written} ({written.stat().st_size / 1e6:.1f} MB)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve)
    app.command("report")(report)
    token_app.command("create")(token_create)
    app.add_typer(token_app, name="token")
