"""HTTP for municipalities: list, one with boundary, the core area."""

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from app import geo
from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.municipalities import service
from app.municipalities.schemas import (
    CoreAreaIn,
    MunicipalityCollection,
    MunicipalityFeature,
    MunicipalitySettings,
)
from app.responses import GeoJSONResponse, errors
from app.schemas import AGS_PATTERN
from app.scoring import flows as scoring_flows

router = APIRouter(prefix="/api/v1/municipalities", tags=["municipalities"], responses=errors(503))
AgsPath = Annotated[
    str, Path(pattern=AGS_PATTERN, description="Amtlicher Gemeindeschlüssel (8 digits)")
]


@router.get("", response_class=GeoJSONResponse, response_model=MunicipalityCollection,
            summary="Municipalities (FeatureCollection)")
def list_municipalities(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=100, description="part of the name")] = None,
    geometry: Annotated[Literal["centre", "boundary"], Query()] = "centre",
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> MunicipalityCollection:
    """Centre points by default; ``geometry=boundary`` gives simplified boundaries for maps."""
    return MunicipalityCollection.model_validate(service.list_geojson(
        session=session, q=q, with_boundary=geometry == "boundary", limit=limit, offset=offset))


@router.get("/{ags}", response_class=GeoJSONResponse, response_model=MunicipalityFeature,
            summary="One municipality (Feature)", responses=errors(404))
def get_municipality(ags: AgsPath, session: SessionDep) -> MunicipalityFeature:
    """Boundary as geometry; centre and core area as GeoJSON properties."""
    return MunicipalityFeature.model_validate(service.feature(session=session, ags=ags))


@router.put("/{ags}/core-area", response_class=GeoJSONResponse, response_model=MunicipalityFeature,
            summary="Set the core area", responses=errors(401, 403, 404))
def put_core_area(
    ags: AgsPath, body: CoreAreaIn, session: SessionDep, principal: UserDep,
    crs: Annotated[str | None, Query()] = None,
) -> MunicipalityFeature:
    """Staff of the town draw the inner-city perimeter (zentraler Versorgungsbereich)."""
    if body.type == "Feature":
        geometry = body.geometry.model_dump(exclude_none=True) if body.geometry else None
    else:
        geometry = {"type": body.type, "coordinates": body.coordinates}
    epsg = geo.crs_from_member(body.crs.model_dump()) if body.crs else (
        geo.parse_crs(crs) if crs else geo.WGS84)
    scoring_flows.set_core_area(session=session, ags=ags, geometry=geometry, epsg=epsg, actor=principal)
    session.flush()
    return MunicipalityFeature.model_validate(service.feature(session=session, ags=ags))


@router.patch("/{ags}", response_class=GeoJSONResponse, response_model=MunicipalityFeature,
              summary="Change the town's settings", responses=errors(401, 403, 404, 422))
def patch_settings(ags: AgsPath, body: MunicipalitySettings, session: SessionDep,
                   principal: UserDep) -> MunicipalityFeature:
    """Staff of the town: ``public_contact`` (exposés), ``stale_after_days``,
    ``require_owner_consent``."""
    changes = body.model_dump(exclude_unset=True)
    for required in ("stale_after_days", "require_owner_consent"):
        if required in changes and changes[required] is None:
            changes.pop(required)  # a required setting is not cleared
    service.update_settings(session=session, ags=ags, changes=changes, actor=principal)
    return MunicipalityFeature.model_validate(service.feature(session=session, ags=ags))
