"""HTTP for the vacancy register: thin routes over the read model (app.vacancies.query) and the
register's writes, which scores follow (app.scoring.flows)."""

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import geo
from app.accounts.deps import PrincipalDep, ReadSessionDep, UserDep
from app.accounts.principal import Principal
from app.deps import SessionDep
from app.errors import BadRequest, PreconditionRequired
from app.responses import (
    GEOJSON_COLLECTION,
    GEOJSON_FEATURE,
    GEOJSON_MEDIA_TYPE,
    GeoJSONResponse,
    content,
    errors,
    raw_geojson,
)
from app.schemas import Id, Instant
from app.scoring import flows, rules
from app.vacancies import query, service
from app.vacancies.schemas import (
    History,
    HistoryEntry,
    VacancyCreate,
    VacancyUpdate,
    VerifyRequest,
)

router = APIRouter(prefix="/api/v1/vacancies", tags=["vacancies"], responses=errors(401, 503))
ETAG = {"ETag": "the version, to send back in If-Match when editing"}
FEATURE = content(GEOJSON_MEDIA_TYPE, GEOJSON_FEATURE, headers=ETAG)
CrsQuery = Annotated[
    str | None,
    Query(description="CRS of the body's coordinates, e.g. EPSG:25832 (default: WGS84 lon/lat)"),
]


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    if not tag.isdigit():
        raise BadRequest("If-Match must carry the vacancy's version as ETag, e.g. \"3\"",
                         field="If-Match")
    return int(tag)


def _feature_response(session: Session, principal: Principal, vacancy_id: int,
                      status_code: int = 200) -> Response:
    body, version = query.get_geojson(session=session, principal=principal, vacancy_id=vacancy_id)
    headers = {"ETag": etag(version)}
    if status_code == 201:
        headers["Location"] = f"/api/v1/vacancies/{vacancy_id}"
    return raw_geojson(body, status_code=status_code, headers=headers)


@router.get("", summary="List vacancies as a GeoJSON FeatureCollection",
            response_class=GeoJSONResponse,
            responses={200: content(GEOJSON_MEDIA_TYPE, GEOJSON_COLLECTION), **errors(400)})
def list_vacancies(
    session: ReadSessionDep, principal: PrincipalDep,
    municipality: Annotated[str | None, Query(description="AGS, or several comma-separated")] = None,
    status: Annotated[str | None, Query(description="status, or several comma-separated")] = None,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat (WGS84)")] = None,
    updated_since: Annotated[Instant | None, Query(
        description="ISO 8601 time (without offset: UTC): only vacancies updated at or after")] = None,
    min_interim: Annotated[int | None, Query(ge=0, le=100, description="interim score ≥")] = None,
    min_permanent: Annotated[int | None, Query(ge=0, le=100, description="permanent score ≥")] = None,
    min_area_m2: Annotated[float | None, Query(
        ge=0, le=100_000, allow_inf_nan=False, description="floor area ≥ (m²)")] = None,
    max_area_m2: Annotated[float | None, Query(
        ge=0, le=100_000, allow_inf_nan=False, description="floor area ≤ (m²)")] = None,
    floor: Annotated[str | None, Query(
        description="basement, ground or upper, or several comma-separated")] = None,
    step_free: Annotated[bool | None, Query(description="step-free access (true/false)")] = None,
    recommendation: Annotated[str | None, Query(
        description="the scoring's recommendation (interim, permanent, conversion, "
                    "insufficient_data), or several comma-separated")] = None,
    sort: Annotated[str, Query(description=", ".join(query.SORTS) + " (- descending)")] = "id",
    limit: Annotated[int, Query(ge=1, le=query.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> Response:
    """Anonymous callers see published vacancies; private fields only for staff of the town."""
    min_area_m2, max_area_m2 = query.parse_area_range(min_area_m2, max_area_m2)
    filters = query.VacancyFilter(
        municipalities=query.parse_municipalities(municipality),
        statuses=query.parse_statuses(status), bbox=geo.parse_bbox(bbox) if bbox else None,
        updated_since=updated_since, min_interim=min_interim, min_permanent=min_permanent,
        min_area_m2=min_area_m2, max_area_m2=max_area_m2, floors=query.parse_floors(floor),
        step_free=step_free, recommendations=query.parse_choices(
            recommendation, rules.RECOMMENDATIONS, field="recommendation"),
        sort=query.parse_sort(sort), limit=limit, offset=offset,
    )
    return raw_geojson(query.list_geojson(session=session, principal=principal, filters=filters))


@router.post("", status_code=201, summary="Register a vacancy (GeoJSON Feature)",
             response_class=GeoJSONResponse,
             responses={201: content(GEOJSON_MEDIA_TYPE, GEOJSON_FEATURE,
                                     headers={**ETAG, "Location": "the new vacancy's URL"}),
                        **errors(403, 409)})
def create_vacancy(
    feature: VacancyCreate, session: SessionDep, principal: UserDep, crs: CrsQuery = None
) -> Response:
    """Staff of the municipality (or admins) add a vacancy; the point must lie in the town."""
    vacancy = flows.create_vacancy(session=session, feature=feature, actor=principal, query_crs=crs)
    return _feature_response(session, principal, vacancy.id, status_code=201)


@router.get("/{vacancy_id}", summary="One vacancy as a GeoJSON Feature",
            response_class=GeoJSONResponse, responses={200: FEATURE, **errors(404)})
def get_vacancy(vacancy_id: Id, session: ReadSessionDep, principal: PrincipalDep) -> Response:
    """The ETag header carries the version to send back in If-Match when editing."""
    return _feature_response(session, principal, vacancy_id)


@router.patch("/{vacancy_id}", summary="Change some facts of a vacancy",
              response_class=GeoJSONResponse,
              responses={200: FEATURE, **errors(403, 404, 409, 428)})
def update_vacancy(
    vacancy_id: Id, changes: VacancyUpdate, session: SessionDep, principal: UserDep,
    if_match: Annotated[str | None, Header()] = None, crs: CrsQuery = None,
) -> Response:
    """Needs If-Match (or properties.version); a stale version gives 409 and changes nothing."""
    expected = parse_if_match(if_match)
    if expected is None and changes.properties.version is None:
        raise PreconditionRequired(
            "send the version you edited as If-Match header or properties.version",
            field="If-Match",
        )
    flows.update_vacancy(session=session, vacancy_id=vacancy_id, changes=changes,
                         expected_version=expected, actor=principal, query_crs=crs)
    return _feature_response(session, principal, vacancy_id)


@router.post("/{vacancy_id}/verify", summary="Mark a vacancy as checked (\"noch aktuell\")",
             response_class=GeoJSONResponse,
             responses={200: FEATURE, **errors(403, 404, 409, 428)})
def verify_vacancy(
    vacancy_id: Id, session: SessionDep, principal: UserDep, body: VerifyRequest | None = None,
    if_match: Annotated[str | None, Header()] = None,
) -> Response:
    """Sets verified_at to now (staff of the town); needs If-Match or the body's version, a
    stale version gives 409. The change is in the history like any edit."""
    expected = parse_if_match(if_match)
    given = body.version if body is not None else None
    if expected is not None and given is not None and expected != given:
        raise BadRequest("If-Match and version disagree", field="version")
    expected = expected if expected is not None else given
    if expected is None:
        raise PreconditionRequired("send the version you checked as If-Match header or version",
                                   field="If-Match")
    service.verify(session=session, vacancy_id=vacancy_id, expected_version=expected,
                   actor=principal)
    return _feature_response(session, principal, vacancy_id)


@router.get("/{vacancy_id}/history", response_model=History, summary="Change history",
            responses=errors(404))
def vacancy_history(vacancy_id: Id, session: SessionDep, principal: UserDep) -> History:
    """Who changed which field when, old → new; private values only for staff of the town."""
    entries = service.history(session=session, vacancy_id=vacancy_id, actor=principal)
    return History(vacancy_id=vacancy_id, entries=[HistoryEntry.model_validate(e) for e in entries])
