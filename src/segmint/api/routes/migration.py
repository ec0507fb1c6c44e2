"""``/api/v1/segmentations/{name}/migration``: moves between segments from one date to another."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segmint.api.deps import CurrencyDep, DashboardDep, MartDep, Viewer
from segmint.api.params import MAX_DATE, NO_CONTROL
from segmint.api.routes.segmentations import NameParam
from segmint.api.schemas import Flow, MigrationOut
from segmint.exceptions import SegmintError
from segmint.serving.frames import records

router = APIRouter(prefix="/segmentations", tags=["migration"])


@router.get("/{name}/migration", response_model=MigrationOut)
def segmentation_migration(
    name: NameParam,
    mart: MartDep,
    dashboard: DashboardDep,
    role: Viewer,
    currency: CurrencyDep,
    from_date: Annotated[
        str | None,
        Query(
            alias="from",
            max_length=MAX_DATE,
            pattern=NO_CONTROL,
            description="Earlier stored date; default: the one before `to`.",
        ),
    ] = None,
    to_date: Annotated[
        str | None,
        Query(
            alias="to",
            max_length=MAX_DATE,
            pattern=NO_CONTROL,
            description="Later stored date; default: the latest.",
        ),
    ] = None,
    top: Annotated[int, Query(ge=1, le=50, description="Largest moves described.")] = 5,
) -> MigrationOut:
    """The from → to matrix as flows (ready for a Sankey), counts and the largest moves."""
    end = dashboard.resolve(mart, name, to_date, "to")
    if from_date is None:
        earlier = [d for d in dashboard.dates(mart, name) if d < end]
        if not earlier:
            raise SegmintError(
                f"segmentation '{name}' has results for one date only ({end.isoformat()}); "
                "store it as of an earlier date too (`segmint segment ... --as-of DATE`)"
            )
        start = earlier[-1]
    else:
        start = dashboard.resolve(mart, name, from_date, "from")
    result = dashboard.migration(mart, name, start, end)
    counts = {
        str(r): {str(c): int(result.counts.loc[r, c]) for c in result.counts.columns}
        for r in result.counts.index
    }
    return MigrationOut(
        segmentation=name,
        from_date=result.from_date,
        to_date=result.to_date,
        currency=currency,
        entered=result.entered,
        left=result.left,
        flows=[Flow.model_validate(f) for f in records(result.flows)],
        top_flows=result.top_flows(top),
        counts=counts,  # type: ignore[arg-type]
    )
