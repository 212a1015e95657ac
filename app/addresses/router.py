"""HTTP for the address table: fuzzy search and the reverse lookup. Anonymous: open data."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.accounts.deps import ReadSessionDep
from app.addresses import service
from app.addresses.schemas import AddressCollection, NearestFeature
from app.responses import GeoJSONResponse, errors
from app.schemas import AGS_PATTERN

router = APIRouter(prefix="/api/v1/addresses", tags=["addresses"], responses=errors(503))
AgsQuery = Annotated[str | None, Query(pattern=AGS_PATTERN,
                                       description="only this municipality (AGS, 8 digits)")]


@router.get("", response_class=GeoJSONResponse, response_model=AddressCollection,
            summary="Search addresses (FeatureCollection, best match first)",
            responses=errors(404, 422))
def search_addresses(
    session: ReadSessionDep,
    q: Annotated[str, Query(description="street and house number, e.g. 'Musterstr. 3'; 2–200 "
                                        "characters; tolerant of str./straße, umlauts, typos")],
    municipality: AgsQuery = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 10,
) -> AddressCollection:
    """404 for an unknown AGS, 422 for a query that is too short, too long or holds NUL."""
    return AddressCollection.model_validate(
        service.search(session=session, q=q, ags=municipality, limit=limit))


@router.get("/nearest", response_class=GeoJSONResponse, response_model=NearestFeature,
            summary="The address nearest to a point (Feature with distance_m)",
            responses=errors(404, 422))
def nearest_address(
    session: ReadSessionDep,
    lon: Annotated[float, Query(allow_inf_nan=False, description="longitude (WGS84)")],
    lat: Annotated[float, Query(allow_inf_nan=False, description="latitude (WGS84)")],
    municipality: AgsQuery = None,
    max_distance_m: Annotated[float, Query(gt=0, le=service.MAX_DISTANCE_M, allow_inf_nan=False,
                                           description="search radius in metres")] = (
        service.DEFAULT_DISTANCE_M),
) -> NearestFeature:
    """404 (code not_found) when no address lies within max_distance_m; 422 for a point
    outside Thuringia."""
    return NearestFeature.model_validate(service.nearest(
        session=session, lon=lon, lat=lat, ags=municipality, max_distance_m=max_distance_m))
