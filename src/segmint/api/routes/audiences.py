"""``/api/v1/audiences``: a segment's members for export, only those who consented."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from segmint.api.auth import Role
from segmint.api.deps import Analyst, DashboardDep, MartDep
from segmint.api.schemas import Audience
from segmint.mart import csv_safety
from segmint.web.customers import audience
from segmint.web.frames import records

router = APIRouter(prefix="/audiences", tags=["audiences"])


class ExportFormat(StrEnum):
    """How the audience is returned."""

    json = "json"
    csv = "csv"


@router.get(
    "/{segmentation}/{segment}",
    response_model=Audience,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_audience(
    segmentation: Annotated[str, Path(description="Stored segmentation.")],
    segment: Annotated[str, Path(description="One of its segments.")],
    mart: MartDep,
    dashboard: DashboardDep,
    role: Analyst,
    channel: Annotated[
        str, Query(min_length=1, max_length=40, description="Contact channel: email, sms, push…")
    ] = "email",
    as_of: Annotated[str | None, Query(description="Date of stored results.")] = None,
    format: Annotated[ExportFormat, Query(description="json or csv.")] = ExportFormat.json,
) -> Response | Audience:
    """Members of the segment who granted consent on ``channel`` (customer ids; admins also
    get contact details). Members without granted consent are left out and counted."""
    day = dashboard.resolve(mart, dashboard.check(mart, segmentation), as_of)
    dashboard.check_segment(mart, segmentation, segment, day)
    frame, excluded = audience(
        mart, segmentation, segment, day, channel, include_pii=role.allows(Role.admin)
    )
    if format == ExportFormat.csv:
        name = f"{segmentation}-{segment}-{day.isoformat()}-{channel}.csv".replace(" ", "_")
        return Response(
            csv_safety.to_csv(frame),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Excluded-Without-Consent": str(excluded),
            },
        )
    return Audience(
        segmentation=segmentation,
        segment=segment,
        as_of=day,
        channel=channel,
        count=len(frame),
        excluded_without_consent=excluded,
        data=records(frame),
    )
