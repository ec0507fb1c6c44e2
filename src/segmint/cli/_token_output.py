"""How ``segmint token create|list`` print tokens: a Rich table or line for people, JSON
or CSV for scripts. Times read ``2025-06-02 09:14 UTC`` in the table and the CSV, ISO 8601
with the offset in JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from segmint.cli._options import OutputFormat
from segmint.cli._output import err, out

if TYPE_CHECKING:
    from segmint.mart.tokens import TokenInfo


def show_new_token(info: TokenInfo, token: str, path: str, format_: OutputFormat) -> None:
    """The token just made: for people, a line on stderr and the token alone on the last line
    of stdout; as JSON, the row ``token list`` gives with ``token`` added; as CSV, that row
    under its header."""
    if format_ == OutputFormat.json:
        typer.echo(json.dumps({**_record(info), "token": token}))
        return
    if format_ == OutputFormat.csv:
        _echo_csv([{**_row(info), "token": token}], [*_COLUMNS, "token"])
        return
    until = "never expires" if info.expires_at is None else f"expires {utc(info.expires_at)}"
    err.print(
        f"new {info.role.value} token {info.id} for {path}, {until} (shown once; keep it safe):",
        highlight=False,
    )
    out.print(token, highlight=False, soft_wrap=True)


def show_tokens(tokens: list[TokenInfo], path: str, format_: OutputFormat) -> None:
    """The tokens as ``token list`` shows them, never the tokens themselves."""
    if format_ == OutputFormat.json:
        typer.echo(json.dumps([_record(info) for info in tokens]))
        return
    rows = [_row(info) for info in tokens]
    if format_ == OutputFormat.csv:
        _echo_csv(rows, list(_COLUMNS))
        return
    view = Table(*_COLUMNS, title=f"tokens of {path}")
    for row in rows:
        view.add_row(*(str(row[c] or "") for c in _COLUMNS))
    out.print(view)
    if not rows:
        err.print("no tokens yet: make one with `segmint token create --role viewer`")


def _echo_csv(rows: list[dict[str, str | None]], columns: list[str]) -> None:
    """``rows`` as CSV with formula-like cells defused (:mod:`segmint.mart.csv_safety`)."""
    import pandas as pd

    from segmint.mart import csv_safety

    typer.echo(csv_safety.to_csv(pd.DataFrame(rows, columns=columns)), nl=False)


_COLUMNS = ("id", "role", "label", "created", "expires", "revoked", "status")


def _row(info: TokenInfo) -> dict[str, str | None]:
    return {
        "id": info.id,
        "role": info.role.value,
        "label": info.label,
        "created": utc(info.created_at),
        "expires": utc(info.expires_at) if info.expires_at else "never",
        "revoked": utc(info.revoked_at) if info.revoked_at else None,
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


def utc(moment: object) -> str:
    """``moment`` (UTC) as people read it, ``2025-06-02 09:14 UTC``; nothing for None."""
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"
