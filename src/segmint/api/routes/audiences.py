"""``/api/v1/audiences``: a segment's members for export: only those who may be contacted
(latest consent; forgotten people and the do-not-contact table ``suppressions`` left out),
each answer recorded as an export in the audit trail.

The JSON form comes in pages of ``limit`` members in id order (pseudonym order when
pseudonymised); ``next_cursor`` (and the ``next`` link, which also pins ``as_of`` to the day
read) resumes after the page's last member. A cursor is sealed and bound to the list it
pages (:mod:`segmint.api.cursors`); the audience's members are read and ordered once and
kept by the dashboard until the mart changes, so later pages are slices of them. The CSV form is the whole audience, a download, unless ``limit`` or
``cursor`` asks for a page of it."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from segmint.api.audit import record_download
from segmint.api.auth import Role
from segmint.api.cursors import (
    CURSOR_PATTERN,
    MAX_CURSOR,
    PageOf,
    decode_cursor,
    encode_cursor,
)
from segmint.api.deps import Analyst, DashboardDep, MartDep
from segmint.api.downloads import attachment
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.schemas import Audience
from segmint.features.asof import parse_query_date
from segmint.mart import csv_safety
from segmint.serving.frames import records
from segmint.views.customers import STANDARD_CHANNELS, AudiencePage, AudienceQuery

router = APIRouter(prefix="/audiences", tags=["audiences"])


class ExportFormat(StrEnum):
    """How the audience is returned."""

    json = "json"
    csv = "csv"


Pseudonymise = Annotated[
    bool,
    Query(
        description="Replace customer ids by keyed pseudonyms (stable while the server's "
        "privacy key stays; never with contact details)."
    ),
]

SegmentsAsOf = Annotated[
    str | None,
    Query(
        description="The segment as it stood that day: the segmentation's latest stored "
        "results on or before it (default: its latest).",
        max_length=MAX_DATE,
        pattern=NO_CONTROL,
    ),
]

SegmentationName = Annotated[
    str, Path(description="Stored segmentation.", max_length=MAX_NAME, pattern=NO_CONTROL)
]
SegmentName = Annotated[
    str, Path(description="One of its segments.", max_length=MAX_NAME, pattern=NO_CONTROL)
]
Channel = Annotated[
    str,
    Query(
        min_length=1,
        max_length=40,
        pattern=NO_CONTROL,
        description="Contact channel: one recorded in the mart's consents or a standard "
        f"one ({', '.join(STANDARD_CHANNELS)}); any case.",
    ),
]

DEFAULT_PAGE = 1_000
"""Members in a page of the JSON form when ``limit`` is not given."""
MAX_PAGE = 10_000
"""Most members in one page."""

Limit = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_PAGE,
        description=f"Members per page, 1-{MAX_PAGE:_} (JSON: default {DEFAULT_PAGE:_}; CSV: "
        "the whole audience unless `limit` or `cursor` is given).",
    ),
]

Cursor = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=MAX_CURSOR,
        pattern=CURSOR_PATTERN,
        description="Where the page starts: the `next_cursor` of the previous page (JSON), "
        "or its `X-Next-Cursor` (CSV), unchanged; leave it out for the first page.",
    ),
]

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of the audience as JSON, or as a CSV download with "
        "`format=csv` (the whole audience unless `limit` or `cursor` is given).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
        "headers": {
            "Content-Disposition": {
                "description": "CSV only: `attachment` with the file name (RFC 6266).",
                "schema": {"type": "string"},
            },
            "X-Excluded-Without-Consent": {
                "description": "CSV only: members left out for want of consent.",
                "schema": {"type": "integer"},
            },
            "X-Segments-As-Of": {
                "description": "CSV only: the date of the segments exported, the latest "
                "stored on or before `as_of`.",
                "schema": {"type": "string", "format": "date"},
            },
            "X-Excluded-Suppressed": {
                "description": "CSV only: members left out as suppressed (forgotten, or on "
                "the do-not-contact table `suppressions` for the channel).",
                "schema": {"type": "integer"},
            },
            "X-Total-Count": {
                "description": "CSV only: members of the whole audience (all pages).",
                "schema": {"type": "integer"},
            },
            "X-Next-Cursor": {
                "description": "CSV page only, when more members follow: the `cursor` of "
                "the next page.",
                "schema": {"type": "string"},
            },
            "Link": {
                "description": "CSV page only, when more members follow: `<path?query>; "
                'rel="next"` (RFC 8288), the next page.',
                "schema": {"type": "string"},
            },
        },
    }
}


@router.get("/{segmentation}/{segment}", response_model=Audience, responses=CSV_RESPONSE)
def export_audience(
    segmentation: SegmentationName,
    segment: SegmentName,
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    channel: Channel = "email",
    as_of: SegmentsAsOf = None,
    format: Annotated[ExportFormat, Query(description="json or csv.")] = ExportFormat.json,
    pseudonymise: Pseudonymise = False,
    limit: Limit = None,
    cursor: Cursor = None,
) -> Response | Audience:
    """Members of the segment who may be contacted on ``channel``: forgotten people, members
    on the do-not-contact table ``suppressions`` for the channel and members whose latest
    consent there does not grant contact are left out and counted
    (ids or pseudonyms; admins also get contact details). Every answer (each page) is
    recorded as an export of the members it holds in the audit trail.

    JSON comes in pages of ``limit`` members in id (pseudonym) order: ``count`` is the whole
    audience's, ``page_count`` the page's; ``next_cursor`` and ``next`` are null on the last
    page. ``next`` carries ``as_of`` = the day read; a cursor pages only the list it came
    from (same segment, day, stored version, channel and ``pseudonymise``; else a 422).
    CSV is the whole audience unless ``limit`` or ``cursor`` asks for a page.

    ``as_of`` is any date: the segmentation's latest results on or before it are read (as
    ``segmint campaign create --as-of`` does); the date used is ``as_of`` of the answer
    (``X-Segments-As-Of`` of a CSV, ``segments_as_of`` in the audit entry).

    Text cells of the CSV that a spreadsheet would read as a formula start with ``'``."""
    asked = parse_query_date(as_of, "as_of") if as_of else None
    day = dashboard.latest_on_or_before(mart, dashboard.check(mart, segmentation), asked)
    dashboard.check_segment(mart, segmentation, segment, day)
    wanted = dashboard.check_channel(mart, channel)
    include_pii = role.allows(Role.admin) and not pseudonymise
    name = f"{segmentation}-{segment}-{day.isoformat()}-{wanted}.csv"
    if format == ExportFormat.csv and limit is None and cursor is None:
        found = dashboard.audience(
            mart, segmentation, segment, day, wanted, include_pii, pseudonymise
        )
        whole = found.as_page()
        _record(request, whole, (format, include_pii, None), (asked, day, wanted))
        return _csv(whole, name, day, None)
    version = dashboard.version(mart, segmentation, day)
    of = PageOf(segmentation, segment, day, version, wanted, pseudonymise)
    after = decode_cursor(cursor, of) if cursor is not None else None
    where = AudienceQuery(segmentation, segment, day, wanted, version)
    size = limit or DEFAULT_PAGE
    page = dashboard.audience_page(
        mart, where, limit=size, after=after, include_pii=include_pii, pseudonymise=pseudonymise
    )
    _record(request, page, (format, include_pii, size), (asked, day, wanted))
    nxt = encode_cursor(page.after, of) if page.after is not None else None
    if format == ExportFormat.csv:
        return _csv(page, name, day, None if nxt is None else (nxt, next_path(request, nxt, day)))
    return _json(request, page, where, (asked, size, nxt))


def _json(
    request: Request,
    page: AudiencePage,
    where: AudienceQuery,
    asked: tuple[dt.date | None, int, str | None],
) -> Audience:
    """The answer of a JSON page: the page, the whole audience's counts, the next page."""
    as_of_requested, limit, cursor = asked
    return Audience(
        segmentation=where.segmentation,
        segment=where.segment,
        as_of=where.day,
        as_of_requested=as_of_requested,
        channel=where.channel,
        count=page.total,
        page_count=len(page.frame),
        limit=limit,
        next_cursor=cursor,
        next=None if cursor is None else next_path(request, cursor, where.day),
        excluded_without_consent=page.excluded_without_consent,
        excluded_suppressed=page.excluded_suppressed,
        pseudonymised=page.pseudonymised,
        data=records(page.frame),
    )


def next_path(request: Request, cursor: str, day: dt.date) -> str:
    """The path and query of the next page: this request's, with ``cursor`` in place and
    ``as_of`` the day read, so that every page reads the segments of the first.

    The path is built from the decoded path parameters, each percent-encoded once (a name
    holding ``?``, ``#``, ``%``, ``/``, a space or any other character comes back as itself);
    ``request.url.path`` is already partly encoded and would be encoded twice."""
    names = request.path_params["segmentation"], request.path_params["segment"]
    base = request.scope["path"].removesuffix(f"/{names[0]}/{names[1]}")
    query = request.url.include_query_params(cursor=cursor, as_of=day.isoformat()).query
    quoted = "/".join(quote(part, safe="") for part in names)
    return f"{quote(base, safe='/')}/{quoted}?{query}"


def _record(
    request: Request,
    page: AudiencePage,
    asked_for: tuple[ExportFormat, bool, int | None],
    dates: tuple[dt.date | None, dt.date, str],
) -> None:
    """Journal the members handed out: a registered export with exactly the page's members
    (the whole audience for a CSV without ``limit`` or ``cursor``), the date asked for
    (``as_of``, None when none was) and the date of the segments it holds. The cursor is
    left out of the recorded path (it holds a customer id, sealed); ``first_page`` says whether
    one was given."""
    format, include_pii, limit = asked_for
    asked, day, channel = dates
    record_download(
        request,
        page.members,
        kind="audience",
        description=f"{request.path_params['segmentation']}/{request.path_params['segment']} "
        f"as of {day.isoformat()} for {channel}",
        details={
            "format": format.value,
            "include_pii": include_pii,
            "pseudonymised": page.pseudonymised,
            "as_of_requested": asked.isoformat() if asked else None,
            "segments_as_of": day.isoformat(),
            "n_without_consent": page.excluded_without_consent,
            "n_suppressed": page.excluded_suppressed,
            "n_total": page.total,
            "limit": limit,
            "first_page": "cursor" not in request.query_params,
            "more": page.after is not None,
        },
        unrecorded=("cursor",),
    )


def _csv(
    page: AudiencePage, name: str, day: dt.date, following: tuple[str, str] | None
) -> Response:
    """The audience (or a page of it) as a CSV download, with the segments' date, who was
    left out, the whole audience's count and, for a page with more to come, the next one in
    headers."""
    headers = {
        "Content-Disposition": attachment(name),
        "X-Segments-As-Of": day.isoformat(),
        "X-Excluded-Without-Consent": str(page.excluded_without_consent),
        "X-Excluded-Suppressed": str(page.excluded_suppressed),
        "X-Total-Count": str(page.total),
    }
    if following is not None:
        headers["X-Next-Cursor"], path = following
        headers["Link"] = f'<{path}>; rel="next"'
    return Response(csv_safety.to_csv(page.frame), media_type="text/csv", headers=headers)
