"""``/api/v1/audiences``: a segment's members for export: only those who may be contacted
(latest consent; forgotten people and the do-not-contact table ``suppressions`` left out),
each answer recorded as an export in the audit trail."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from segmint.api.audit import record_download
from segmint.api.auth import Role
from segmint.api.deps import Analyst, DashboardDep, MartDep
from segmint.api.downloads import attachment
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.schemas import Audience
from segmint.features.asof import parse_query_date
from segmint.mart import csv_safety
from segmint.serving.frames import records
from segmint.views.customers import STANDARD_CHANNELS, AudienceRows

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

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The audience as JSON, or as a CSV download with `format=csv`.",
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
        },
    }
}


@router.get("/{segmentation}/{segment}", response_model=Audience, responses=CSV_RESPONSE)
def export_audience(
    segmentation: Annotated[
        str, Path(description="Stored segmentation.", max_length=MAX_NAME, pattern=NO_CONTROL)
    ],
    segment: Annotated[
        str, Path(description="One of its segments.", max_length=MAX_NAME, pattern=NO_CONTROL)
    ],
    request: Request,
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    channel: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            pattern=NO_CONTROL,
            description="Contact channel: one recorded in the mart's consents or a standard "
            f"one ({', '.join(STANDARD_CHANNELS)}); any case.",
        ),
    ] = "email",
    as_of: SegmentsAsOf = None,
    format: Annotated[ExportFormat, Query(description="json or csv.")] = ExportFormat.json,
    pseudonymise: Pseudonymise = False,
) -> Response | Audience:
    """Members of the segment who may be contacted on ``channel``: forgotten people, members
    on the do-not-contact table ``suppressions`` for the channel and members whose latest
    consent there does not grant contact are left out and counted
    (customer ids, or pseudonyms; admins also get contact details). Every answer is
    recorded as an export in the audit trail.

    ``as_of`` is any date: the members are those of the segmentation's latest results on or
    before it, as ``segmint campaign create --as-of`` and ``segmint recommend export
    --segment`` read them; the date used is ``as_of`` of the answer (``X-Segments-As-Of`` of
    a CSV, ``segments_as_of`` in the audit entry).

    Text cells of the CSV that a spreadsheet would read as a formula start with ``'``."""
    asked = parse_query_date(as_of, "as_of") if as_of else None
    day = dashboard.latest_on_or_before(mart, dashboard.check(mart, segmentation), asked)
    dashboard.check_segment(mart, segmentation, segment, day)
    wanted = dashboard.check_channel(mart, channel)
    include_pii = role.allows(Role.admin) and not pseudonymise
    found = dashboard.audience(mart, segmentation, segment, day, wanted, include_pii, pseudonymise)
    what = f"{segmentation}/{segment} as of {day.isoformat()} for {wanted}"
    _record(request, found, what, format, include_pii, (asked, day))
    if format == ExportFormat.csv:
        name = f"{segmentation}-{segment}-{day.isoformat()}-{wanted}.csv"
        return _csv(found, name, day)
    return Audience(
        segmentation=segmentation,
        segment=segment,
        as_of=day,
        as_of_requested=asked,
        channel=wanted,
        count=len(found.frame),
        excluded_without_consent=found.excluded_without_consent,
        excluded_suppressed=found.excluded_suppressed,
        pseudonymised=pseudonymise,
        data=records(found.frame),
    )


def _record(
    request: Request,
    found: AudienceRows,
    what: str,
    format: ExportFormat,
    include_pii: bool,
    dates: tuple[dt.date | None, dt.date],
) -> None:
    """Journal the audience handed out: a registered export with its members, the date
    asked for (``as_of``, None when none was) and the date of the segments it holds."""
    asked, day = dates
    record_download(
        request,
        found.members,
        kind="audience",
        description=what,
        details={
            "format": format.value,
            "include_pii": include_pii,
            "pseudonymised": found.pseudonymised,
            "as_of_requested": asked.isoformat() if asked else None,
            "segments_as_of": day.isoformat(),
            "n_without_consent": found.excluded_without_consent,
            "n_suppressed": found.excluded_suppressed,
        },
    )


def _csv(found: AudienceRows, name: str, day: dt.date) -> Response:
    """The audience as a CSV download, with the segments' date and who was left out in
    headers."""
    return Response(
        csv_safety.to_csv(found.frame),
        media_type="text/csv",
        headers={
            "Content-Disposition": attachment(name),
            "X-Segments-As-Of": day.isoformat(),
            "X-Excluded-Without-Consent": str(found.excluded_without_consent),
            "X-Excluded-Suppressed": str(found.excluded_suppressed),
        },
    )
