"""``GET /api/v1/health``: the server is up and reads its mart."""

from __future__ import annotations

from fastapi import APIRouter, Request

from segmint import __version__
from segmint.api.deps import DashboardDep, MartDep, Viewer
from segmint.api.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health)
def health(request: Request, mart: MartDep, dashboard: DashboardDep, role: Viewer) -> Health:
    """Liveness, a count of stored segmentations and whether caches are still warming (any
    role)."""
    return Health(
        status="ok",
        version=__version__,
        segmentations=len(dashboard.names(mart)),
        warming=request.app.state.warmer.warming,
    )
