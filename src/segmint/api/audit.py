"""The audit trail of the API and the pages: who read whose personal data, what was exported.

The server reads a snapshot and never writes the mart, so its entries go to the mart's
audit journal (:mod:`segmint.mart.privacy.journal`, through
:mod:`segmint.workflows.privacy`), which the next erasure or ``segmint audit`` moves into the
audit log. Who acted is the label of the caller's token (Bearer, or the one their page
session was opened with) with its short id, never the token itself; subjects are keyed
pseudonyms.

Personal data is shown only once its read is journalled: without the privacy key, or when
the journal cannot be written, an admin sees what an analyst sees and a message says why.
A download that cannot be journalled is refused (503).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import HTTPException, Request

from segmint.api.auth import bearer_token, token_info
from segmint.api.head import is_head
from segmint.api.sessions import SESSION_COOKIE, Session, Sessions
from segmint.mart.privacy import PrivacyKeyError
from segmint.mart.token_terms import Role
from segmint.mart.tokens import hash_token
from segmint.serving.snapshot_pool import SnapshotPool
from segmint.workflows import privacy


def actor_of(request: Request) -> str:
    """``api:<label> [<id>]`` for a Bearer token, ``page:<label> [<id>]`` for a page session:
    the token's label and short id (never the token)."""
    token = bearer_token(request)
    if token is not None:
        info, via = token_info(request, hash_token(token)), "api"
    else:
        session: Session | None = getattr(request.state, "session", None)
        if session is None:
            sessions: Sessions = request.app.state.sessions
            session = sessions.get(request.cookies.get(SESSION_COOKIE))
        info = None if session is None else token_info(request, session.token_hash)
        via = "page"
    if info is None:
        return f"{via}:unknown"
    return f"{via}:{info.label.strip() or 'token'} [{info.id}]"


def _mart_path(request: Request) -> str:
    pool: SnapshotPool = request.app.state.pool
    return str(pool.mart)


def shows_pii(request: Request, role: Role, customer_id: str, view: str) -> tuple[bool, str | None]:
    """Whether personal data of ``customer_id`` may be shown to the caller: an admin, and the
    read journalled (a ``HEAD`` shows nothing, so it journals nothing). The message says why it is hidden from an admin (None otherwise)."""
    if not role.allows(Role.admin):
        return False, None
    if is_head(request):  # the same headers as the GET, and nothing shown to journal
        return True, None
    via = "api" if request.url.path.startswith("/api/") else "page"
    hidden = privacy.audit_read(
        _mart_path(request), actor_of(request), [customer_id], view=view, via=via
    )
    return hidden is None, hidden


def record_download(
    request: Request,
    members: Iterable[str],
    *,
    kind: str,
    description: str,
    details: Mapping[str, Any],
    unrecorded: Collection[str] = (),
) -> None:
    """Journal a download handed out (it becomes a registered export with its members); a
    ``HEAD`` hands nothing out. The path recorded is the request's, without the query
    parameters named in ``unrecorded`` (a paging cursor holds a customer id, and the journal
    names nobody by id).

    Raises:
        HTTPException: 503 when it cannot be journalled (the download is then refused).
    """
    if is_head(request):  # nothing handed out
        return
    where = f"download:{request.url.path}"
    query = request.url.query
    if unrecorded:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in unrecorded]
        query = urlencode(kept)
    if query:
        where += f"?{query}"
    try:
        privacy.audit_download(
            _mart_path(request),
            actor_of(request),
            members,
            path=where,
            kind=kind,
            description=description,
            details=details,
        )
    except (PrivacyKeyError, OSError) as exc:
        raise HTTPException(
            503, f"the export could not be recorded in the audit journal, so it is refused: {exc}"
        ) from None
