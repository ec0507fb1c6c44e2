"""``segmint forget``, ``segmint subject-access`` and ``segmint audit``: erasure, the answer
to a subject access request, and the audit trail (see ``docs/privacy.md``).

Thin adapters over :mod:`segmint.workflows.privacy`. The privacy key comes from
``SEGMINT_PRIVACY_KEY``; who acted is recorded as ``cli:<user>``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from segmint.cli._options import FormatOption, MartOption, OutputFormat
from segmint.cli._output import err, out, user_errors
from segmint.exceptions import InputError


@user_errors
def forget(
    customer_ids: Annotated[
        list[str] | None, typer.Argument(metavar="CUSTOMER_ID...", help="Customers to forget.")
    ] = None,
    id_file: Annotated[
        Path | None,
        typer.Option("--file", help="More ids: a CSV with a customer_id column, or one id a line."),
    ] = None,
    reason: Annotated[
        str,
        typer.Option(
            "--reason",
            help="Why, e.g. 'GDPR art. 17 request 2026-014' (kept in the audit log: never "
            "the person's name, id or e-mail).",
        ),
    ] = "",
    keep_orders: Annotated[
        bool,
        typer.Option(
            "--keep-orders",
            help="Keep orders for accounting, detached from the person (a one-way tombstone "
            "replaces the customer id).",
        ),
    ] = False,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """Erase customers from every table and from the mart file's bytes.

    They are kept out of future loads and exports. Prints what was removed per table, the
    exports to purge and the models to refit."""
    from segmint.cli._privacy_output import show_forget
    from segmint.mart import connect
    from segmint.workflows import privacy

    options = privacy.ForgetOptions(tuple(customer_ids or ()), id_file, reason, keep_orders)
    with connect(mart, create=False) as m:
        result = privacy.forget(m, options)
    show_forget(result, format_)


@user_errors
def subject_access(
    customer_id: Annotated[str, typer.Argument(metavar="CUSTOMER_ID", help="The person.")],
    out_dir: Annotated[
        Path,
        typer.Option("--out", help="A new (or empty) folder for the answer; it is made private."),
    ],
    mart: MartOption = None,
) -> None:
    """Write everything held about a customer to a new folder (JSON and CSV).

    subject.json, one CSV per section and a README: personal data, attributes, consents,
    orders, events, segments and scores with what they mean, exports they were in, and
    where the data came from."""
    from segmint.mart import connect
    from segmint.workflows import privacy

    with connect(mart, create=False) as m:
        result = privacy.subject_access(m, customer_id, out_dir)
    total = sum(result.rows.values())
    out.print(f"wrote {len(result.files)} files ({total:,} rows) to {result.folder}")
    err.print(f"audit entry {result.audit_seq}; the folder holds personal data: send, then delete")


def _since(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--since must be a date such as 2026-01-31; got {text!r}") from None


@user_errors
def audit(
    since: Annotated[
        str | None, typer.Option("--since", help="Entries from this day (YYYY-MM-DD, UTC) on.")
    ] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action: forget, export, pii_read…")
    ] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Check the whole hash chain and print its head.")
    ] = False,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor", help="A head noted earlier (SEQ:HASH): the log must still contain it."
        ),
    ] = None,
    mart: MartOption = None,
    format_: FormatOption = OutputFormat.human,
) -> None:
    """List the audit log: who did what to whose data (subjects by pseudonym).

    With --verify, check its hash chain and print its head (exit code 1 when broken)."""
    from segmint.cli._audit_output import show_audit
    from segmint.mart import connect
    from segmint.workflows import privacy

    pinned = privacy.parse_anchor(anchor) if anchor is not None else None
    with connect(mart, create=False) as m:
        report = privacy.audit_trail(
            m, since=_since(since), action=action, verify=verify, anchor=pinned
        )
    show_audit(report, format_)
    if report.verification is not None and not report.verification.ok:
        raise typer.Exit(code=1)


@user_errors
def refits(mart: MartOption = None, format_: FormatOption = OutputFormat.human) -> None:
    """List the models to refit: fitted on data of people forgotten since.

    A refit (a new fit of the model after the erasure) clears its flags."""
    from segmint.cli._privacy_output import show_refits
    from segmint.mart import connect
    from segmint.workflows import privacy

    with connect(mart, create=False) as m:
        report = privacy.refits(m)
    show_refits(report, format_)


def register(app: typer.Typer) -> None:
    """Add ``forget``, ``subject-access``, ``audit`` and ``refits`` to ``app``."""
    app.command("forget")(forget)
    app.command("subject-access")(subject_access)
    app.command("audit")(audit)
    app.command("refits")(refits)
