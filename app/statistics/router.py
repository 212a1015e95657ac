"""HTTP for statistics: the numbers behind the working-group overview (/uebersicht)."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.accounts.deps import PrincipalDep, ReadSessionDep
from app.responses import (
    GEOJSON_COLLECTION,
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    content,
    errors,
    raw_geojson,
)
from app.statistics import service

router = APIRouter(prefix="/api/v1/statistics", tags=["statistics"])


@router.get("/municipalities", summary="Vacancy counts per municipality (FeatureCollection)",
            response_class=GeoJSONResponse,
            responses={200: content(GEOJSON_MEDIA_TYPE, GEOJSON_COLLECTION), **errors(401, 503)})
def municipality_statistics(
    session: ReadSessionDep, principal: PrincipalDep,
    geometry: Annotated[Literal["boundary", "none"], Query()] = "boundary",
) -> Response:
    """Municipalities with vacancies: `counts` by status, `total`, `active` (threatened, vacant,
    interim use) and `active_per_10000` inhabitants. Anonymous callers count published
    vacancies only; the working group and admins count every status."""
    return raw_geojson(service.municipality_statistics(
        session=session, principal=principal, with_boundary=geometry == "boundary"))
