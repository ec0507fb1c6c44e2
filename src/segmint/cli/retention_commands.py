"""``segmint retention`` (keep data no longer than the policy says) and ``segmint requests``
(access and erasure requests with their legal due dates). See ``docs/privacy.md``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import out, steps, user_errors
from segmint.exceptions import InputError

PERIOD_HELP = "400d, 52w, 18m (30-day months), 3y (365-day years), or 'off' to remove the rule."


@user_errors
def retention(
    events: Annotated[
        str | None, typer.Option("--events", help=f"Keep events this long: {PERIOD_HELP}")
    ] = None,
    pii_inactive: Annotated[
        str | None,
        typer.Option(
            "--pii-inactive",
            help=f"Delete the personal data of customers inactive this long: {PERIOD_HELP}",
        ),
    ] = None,
    history: Annotated[
        str | None,
        typer.Option(
            "--history",
            help="Keep stored segments, scores and recommendations this long before each "
            f"one's latest date (storage, not privacy): {PERIOD_HELP}",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Count what the policy would delete; change nothing."),
    ] = False,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Store a retention policy and apply it now; every refresh applies it again.

    With --dry-run, count what it would delete without storing or deleting anything (the
    counts a real run then deletes)."""
    from segmint.cli._retention_output import show_retention
    from segmint.mart import connect
    from segmint.workflows import privacy

    options = privacy.RetentionOptions(events, pii_inactive, dry_run, history=history)
    with connect(mart, create=False, read_only=dry_run) as m, steps("retention"):
        outcome = privacy.retention(m, options)
    show_retention(outcome, format_)


requests_app = typer.Typer(
    help="Access and erasure requests with their due dates (GDPR one month, CCPA 45 days).",
    invoke_without_command=True,
)


@requests_app.callback()
@user_errors
def requests_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="Only requests still open.")] = False,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List the requests, soonest due first, with the days left (overdue ones stand out)."""
    if ctx.invoked_subcommand is not None:
        return
    from segmint.cli._retention_output import show_requests
    from segmint.mart import connect
    from segmint.mart.clock import utc_today
    from segmint.workflows import privacy

    with connect(mart, read_only=True) as m:
        found = privacy.requests(m, open_only=open_only)
    show_requests(found, format_, utc_today())


def _day(text: str | None) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--received must be a date such as 2026-01-31; got {text!r}") from None


@requests_app.command("add")
@user_errors
def requests_add(
    customer_id: Annotated[str, typer.Argument(metavar="CUSTOMER_ID", help="Whose request.")],
    kind: Annotated[str, typer.Option("--kind", help="access or erasure.")] = "access",
    law: Annotated[str, typer.Option("--law", help="gdpr (one month) or ccpa (45 days).")] = "gdpr",
    received: Annotated[
        str | None, typer.Option("--received", help="Day it arrived (YYYY-MM-DD). Default: today.")
    ] = None,
    note: Annotated[
        str, typer.Option("--note", help="A reference or channel; never personal data.")
    ] = "",
    mart: MartOption = None,
) -> None:
    """Record a request; prints its id and due date."""
    from segmint.mart import connect
    from segmint.workflows import privacy

    with connect(mart, create=False) as m:
        made = privacy.record_request(m, customer_id, kind, law, received=_day(received), note=note)
    out.print(
        f"request {made.request_id}: {made.kind} ({made.law}), due {made.due_date}",
        highlight=False,
    )


@requests_app.command("close")
@user_errors
def requests_close(
    request_id: Annotated[int, typer.Argument(metavar="REQUEST_ID", help="From `requests`.")],
    note: Annotated[
        str | None, typer.Option("--note", help="How it was answered, or why it was refused.")
    ] = None,
    mart: MartOption = None,
) -> None:
    """Mark a request done (erasures and subject access close theirs by themselves)."""
    from segmint.mart import connect
    from segmint.workflows import privacy

    with connect(mart, create=False) as m:
        closed = privacy.close_request(m, request_id, note=note)
    out.print(f"request {closed.request_id} closed", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``retention`` and the ``requests`` group to ``app``."""
    app.command("retention")(retention)
    app.add_typer(requests_app, name="requests")
