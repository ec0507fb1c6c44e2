"""``segmint token create|list|revoke``: access tokens for the API and the pages.

``token create`` prints a new token alone on the last line of stdout (scripts take it with
``tail -n 1``, or as JSON with its id and expiry with ``--format json``); ``token list`` shows every token by its short id, never the token;
``token revoke ID`` ends one (a running server refuses it within a second). The tokens are
mart data (:mod:`segmint.mart.tokens`), shared with the API without either importing the other.
"""

from __future__ import annotations

from typing import Annotated

import typer

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, user_errors
from segmint.mart.token_terms import ID_LENGTH, Role

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
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Create an access token; it is printed once, alone on the last line. Only its hash is kept.

    With ``--format json`` (or csv) the token comes with its id, role, label and times, as
    ``token list`` gives them, in one object (one row)."""
    from segmint.cli._token_output import show_new_token
    from segmint.mart import connect
    from segmint.mart.tokens import create_token, hash_token, list_tokens, parse_lifetime

    lifetime = parse_lifetime(expires)
    with connect(mart, create=False) as m:
        token = create_token(m, role, label, lifetime)
        info = {t.token_hash: t for t in list_tokens(m)}[hash_token(token)]
    show_new_token(info, token, m.path, format_)


@user_errors
def token_list(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List the tokens: id, role, label, created, expires, revoked. Never the tokens themselves."""
    from segmint.cli._token_output import show_tokens
    from segmint.mart import connect
    from segmint.mart.tokens import list_tokens

    with connect(mart, read_only=True) as m:
        tokens = list_tokens(m)
    show_tokens(tokens, m.path, format_)


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
    from segmint.cli._token_output import utc
    from segmint.mart import connect
    from segmint.mart.tokens import revoke_token

    with connect(mart, create=False) as m:
        info, changed = revoke_token(m, token_id)
    what = f"token {info.id} ({info.role.value}{', ' + info.label if info.label else ''})"
    if changed:
        out.print(f"revoked {what}", highlight=False)
    else:
        out.print(f"{what} was already revoked on {utc(info.revoked_at)}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the ``token`` group to ``app``."""
    token_app.command("create")(token_create)
    token_app.command("list")(token_list)
    token_app.command("revoke")(token_revoke)
    app.add_typer(token_app, name="token")
