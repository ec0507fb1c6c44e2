"""``/api/v1/customers/{id}/recommendations``: a customer's next products; analysts and admins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from starlette.responses import Response

from segmint.api.deps import Analyst, CopiesDep, MartDep
from segmint.api.encoded import json_response
from segmint.api.params import MAX_NAME, NO_CONTROL
from segmint.api.schemas import CustomerRecommendations, Recommendation
from segmint.exceptions import MartError
from segmint.mart.privacy.spelling import did_you_mean
from segmint.serving.customer_lookup import table_records
from segmint.views.recommendations import customer_list

router = APIRouter(prefix="/customers", tags=["customers"])


@router.get("/{customer_id:anytext}/recommendations", response_model=CustomerRecommendations)
def recommendations(
    customer_id: Annotated[str, Path(min_length=1, max_length=MAX_NAME, pattern=NO_CONTROL)],
    mart: MartDep,
    copies: CopiesDep,
    role: Analyst,
) -> Response:
    """The customer's latest stored list with the reason for each product (empty, with a
    note, when ``segmint recommend fit`` has not covered them)."""
    if not table_records(mart, copies, "customers", customer_id):
        hint = did_you_mean(mart, customer_id)
        raise MartError(
            f"no customer with id '{customer_id}'.{hint} Search for ids at /api/v1/customers?q=..."
        )
    found = customer_list(mart, customer_id)
    items = [Recommendation.model_validate(row) for row in found.items]
    return json_response(
        CustomerRecommendations(
            customer_id=customer_id,
            as_of=found.as_of,
            data=items,
            count=len(items),
            notes=found.notes,
        )
    )
