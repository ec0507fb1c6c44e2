"""``/api/v1/audiences``: a segment's members for export, only those who consented."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from segmint.api.auth import Role
from segmint.api.deps import Analyst, DashboardDep, MartDep
from segmint.api.downloads import attachment
from segmint.api.params import MAX_DATE, MAX_NAME, NO_CONTROL
from segmint.api.schemas import Audience
from segmint.mart import csv_safety
from segmint.serving.frames import records
from segmint.views.customers import STANDARD_CHANNELS

router = APIRouter(prefix="/audiences", tags=["audiences"])


class ExportFormat(StrEnum):
    """How the audience is returned."""

    json = "json"
    csv = "csv"


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
    as_of: Annotated[
        str | None,
        Query(description="Date of stored results.", max_length=MAX_DATE, pattern=NO_CONTROL),
    ] = None,
    format: Annotated[ExportFormat, Query(description="json or csv.")] = ExportFormat.json,
) -> Response | Audience:
    """Members of the segment who granted consent on ``channel`` (customer ids; admins also
    get contact details). Members without granted consent are left out and counted.

    Text cells of the CSV that a spreadsheet would read as a formula start with ``'``."""
    day = dashboard.resolve(mart, dashboard.check(mart, segmentation), as_of)
    dashboard.check_segment(mart, segmentation, segment, day)
    wanted = dashboard.check_channel(mart, channel)
    frame, excluded = dashboard.audience(
        mart, segmentation, segment, day, wanted, role.allows(Role.admin)
    )
    if format == ExportFormat.csv:
        return Response(
            csv_safety.to_csv(frame),
            media_type="text/csv",
            headers={
                "Content-Disposition": attachment(
                    f"{segmentation}-{segment}-{day.isoformat()}-{wanted}.csv"
                ),
                "X-Excluded-Without-Consent": str(excluded),
            },
        )
    return Audience(
        segmentation=segmentation,
        segment=segment,
        as_of=day,
        channel=wanted,
        count=len(frame),
        excluded_without_consent=excluded,
        data=records(frame),
    )
