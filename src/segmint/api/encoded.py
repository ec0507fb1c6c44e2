"""API answers encoded on the request's worker thread, byte for byte as FastAPI would.

A route declared with ``response_model`` that returns a model makes FastAPI validate the
model again on a second worker thread and encode it on the event loop; the hand-over and the
second validation cost as much as a cached answer itself. A route on the hot path returns
:func:`json_response` of its model instead: one validation (building the model), encoded by
the same pydantic serialiser FastAPI uses (``dump_json``), and ``response_model`` still
documents the schema in OpenAPI.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response


def json_response(model: BaseModel) -> Response:
    """``model`` as the JSON body FastAPI writes for a ``response_model`` route."""
    return Response(model.model_dump_json(by_alias=True).encode(), media_type="application/json")
