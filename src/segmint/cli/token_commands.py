"""``segmint token create|list|revoke``: access tokens for the API and the pages.

``token create`` prints a new token alone on the last line of stdout (scripts take it with
``tail -n 1``); ``token list`` shows every token by its short id, never the token;
``token revoke ID`` ends one (a running server refuses it within a second). The tokens are
mart data (:mod:`segmint.mart.tokens`), shared with the API without either importing the other.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, user_errors
from segmint.mart.token_terms import ID_LENGTH, Role

if TYPE_CHECKING:
    from segmint.mart.tokens import TokenInfo

DEFAULT_EXPIRES = "90d"

token_app = typer.Typer(help="Access tokens for the API and the pages.", no_args_is_help=True)


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
            metavar="<duration>",
            help="How long it works: a whole number and its unit, h (hours), d (days) or "
            "w (weeks), such as 12h, 90d or 2w; 'never' for no expiry.",
        ),
    ] = DEFAULT_EXPIRES,
    mart: MartOption = None,
) -> None:
    """Create an access token; it is printed once, alone on the last line. Only its hash is kept."""
    from segmint.mart import connect
    from segmint.mart.tokens import create_token, hash_token, list_tokens, parse_lifetime

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
    from segmint.mart import connect
    from segmint.mart.tokens import list_tokens

    with connect(mart, read_only=True) as m:
        tokens = list_tokens(m)
    if format_ == OutputFormat.json:
        typer.echo(json.dumps([_record(info) for info in tokens]))
        return
    rows = [_row(info) for info in tokens]
    if format_ == OutputFormat.csv:
        import pandas as pd

        from segmint.mart import csv_safety

        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        typer.echo(csv_safety.to_csv(frame), nl=False)
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
    from segmint.mart import connect
    from segmint.mart.tokens import revoke_token

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


def _record(info: TokenInfo) -> dict[str, str | None]:
    """A token as ``--format json`` gives it, for programs: the columns of the table with
    times in ISO 8601 with their offset (``2025-01-31T09:30:00+00:00``); ``expires`` is
    null for a token that never expires, ``revoked`` for one not revoked."""
    return {
        "id": info.id,
        "role": info.role.value,
        "label": info.label,
        "created": _iso(info.created_at),
        "expires": _iso(info.expires_at),
        "revoked": _iso(info.revoked_at),
        "status": info.status(),
    }


def _iso(moment: dt.datetime | None) -> str | None:
    """``moment`` (UTC, naive as the mart keeps it) in ISO 8601 to the second; None stays."""
    return None if moment is None else moment.replace(tzinfo=dt.UTC).isoformat("T", "seconds")


def _utc(moment: object) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def register(app: typer.Typer) -> None:
    """Add the ``token`` group to ``app``."""
    token_app.command("create")(token_create)
    token_app.command("list")(token_list)
    token_app.command("revoke")(token_revoke)
    app.add_typer(token_app, name="token")
