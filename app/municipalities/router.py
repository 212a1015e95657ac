"""HTTP for municipalities: list, one with boundary, the core area."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from geojson_pydantic import MultiPolygon, Polygon
from pydantic import BaseModel, ConfigDict

from app import geo
from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.municipalities import service
from app.responses import GeoJSONResponse
from app.schemas import AGS_PATTERN, CRSMember
from app.scoring import flows as scoring_flows

router = APIRouter(prefix="/api/v1/municipalities", tags=["municipalities"])
AgsPath = Annotated[
    str, Path(pattern=AGS_PATTERN, description="Amtlicher Gemeindeschlüssel (8 digits)")
]


class CoreAreaIn(BaseModel):
    """A GeoJSON Polygon/MultiPolygon, or a Feature with one; ``null`` geometry clears it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    type: Literal["Feature", "Polygon", "MultiPolygon"]
    geometry: Polygon | MultiPolygon | None = None
    coordinates: Any = None
    properties: dict[str, Any] | None = None
    crs: CRSMember | None = None


@router.get("", response_class=GeoJSONResponse, summary="Municipalities (FeatureCollection)")
def list_municipalities(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
    geometry: Annotated[Literal["centre", "boundary"], Query()] = "centre",
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Centre points by default; ``geometry=boundary`` gives simplified boundaries for maps."""
    return service.list_geojson(session=session, q=q, with_boundary=geometry == "boundary",
                                limit=limit, offset=offset)


@router.get("/{ags}", response_class=GeoJSONResponse, summary="One municipality (Feature)")
def get_municipality(ags: AgsPath, session: SessionDep) -> dict[str, Any]:
    """Boundary as geometry; centre and core area as GeoJSON properties."""
    return service.feature(session=session, ags=ags)


@router.put("/{ags}/core-area", response_class=GeoJSONResponse, summary="Set the core area")
def put_core_area(
    ags: AgsPath, body: CoreAreaIn, session: SessionDep, principal: UserDep,
    crs: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    """Staff of the town draw the inner-city perimeter (zentraler Versorgungsbereich)."""
    if body.type == "Feature":
        geometry = body.geometry.model_dump(exclude_none=True) if body.geometry else None
    else:
        geometry = {"type": body.type, "coordinates": body.coordinates}
    epsg = geo.crs_from_member(body.crs.model_dump()) if body.crs else (
        geo.parse_crs(crs) if crs else geo.WGS84)
    scoring_flows.set_core_area(session=session, ags=ags, geometry=geometry, epsg=epsg, actor=principal)
    session.flush()
    return service.feature(session=session, ags=ags)
