"""The vacancy register: create, read, list, update with optimistic locking, history.

GeoJSON output is assembled by PostgreSQL (one SQL builder for one feature and for pages of
thousands); private fields are added per row only where the principal may read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2.shape import to_shape
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts.models import User
from app.accounts.principal import Principal, Role
from app.errors import (
    Forbidden,
    ForbiddenTransition,
    InvalidGeometry,
    InvalidInput,
    NotFound,
    OutsideMunicipality,
    StaleVersion,
)
from app.municipalities.models import Municipality
from app.scoring import service as scoring_service
from app.vacancies.lifecycle import INITIAL_STATUSES, PUBLIC_STATUSES, VacancyStatus, can_transition
from app.vacancies.models import Vacancy, VacancyHistory
from app.vacancies.schemas import (
    PRIVATE_FIELDS,
    PUBLIC_FIELDS,
    VacancyCreate,
    VacancyUpdate,
)

FOOTPRINT_MAX_DISTANCE_M = 50
MAX_PAGE = 10_000

_PUBLIC_PROPS = ",\n".join(f"'{name}', v.{name}" for name in PUBLIC_FIELDS)
_PRIVATE_PROPS = ", ".join(f"'{name}', v.{name}" for name in PRIVATE_FIELDS)

# The one place that decides what a vacancy Feature contains. :priv_all / :priv_ids say whose
# private fields the caller may read; everything else is public.
FEATURE_SQL = f"""
    jsonb_build_object(
        'type', 'Feature', 'id', v.id,
        'geometry', ST_AsGeoJSON(v.location, 7)::jsonb,
        'properties', jsonb_build_object(
            'municipality', m.ags,
            {_PUBLIC_PROPS},
            'footprint', ST_AsGeoJSON(v.footprint, 7)::jsonb,
            'verified_at', v.verified_at,
            'stale', v.verified_at IS NULL
                     OR v.verified_at < now() - make_interval(days => m.stale_after_days),
            'created_at', v.created_at, 'updated_at', v.updated_at, 'version', v.version,
            'scores', CASE WHEN s.vacancy_id IS NOT NULL THEN jsonb_build_object(
                'interim', s.interim, 'permanent', s.permanent,
                'recommendation', s.recommendation, 'confidence', s.confidence,
                'profile_version', s.profile_version) END
        ) || CASE WHEN :priv_all OR v.municipality_id = ANY(:priv_ids)
                  THEN jsonb_build_object({_PRIVATE_PROPS}) ELSE '{{}}'::jsonb END
    )
"""

# every query that builds FEATURE_SQL reads from this (the score join feeds `scores`)
FROM_SQL = ("FROM vacancy v JOIN municipality m ON m.id = v.municipality_id "
            "LEFT JOIN vacancy_score s ON s.vacancy_id = v.id")

# what rows a principal may see at all
VISIBLE_SQL = "(:reads_all OR v.status = ANY(:public_statuses) OR v.municipality_id = :own_id)"


def visibility_params(principal: Principal) -> dict[str, Any]:
    priv_all, priv_ids = principal.private_scope
    return {
        "priv_all": priv_all, "priv_ids": priv_ids,
        "reads_all": principal.reads_all_statuses,
        "public_statuses": [s.value for s in PUBLIC_STATUSES],
        "own_id": principal.municipality_id if principal.role == "staff" else -1,
    }


@dataclass
class ListFilters:
    municipalities: list[str] | None = None
    statuses: list[VacancyStatus] | None = None
    bbox: tuple[float, float, float, float] | None = None
    updated_since: datetime | None = None
    min_interim: int | None = None
    min_permanent: int | None = None
    sort: str = "id"
    limit: int = 100
    offset: int = 0


# list order: the key, then id; unscored vacancies come last either way
SORTS = {
    "id": "v.id", "interim": "s.interim ASC NULLS LAST, v.id",
    "-interim": "s.interim DESC NULLS LAST, v.id", "permanent": "s.permanent ASC NULLS LAST, v.id",
    "-permanent": "s.permanent DESC NULLS LAST, v.id",
}


def _filter_sql(filters: ListFilters) -> tuple[str, dict[str, Any]]:
    clauses, params = [VISIBLE_SQL], {}
    if filters.municipalities:
        clauses.append("m.ags = ANY(:agss)")
        params["agss"] = filters.municipalities
    if filters.statuses:
        clauses.append("v.status = ANY(:statuses)")
        params["statuses"] = [s.value for s in filters.statuses]
    if filters.bbox:
        clauses.append("v.location && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
        params.update(zip(("minx", "miny", "maxx", "maxy"), filters.bbox, strict=True))
    if filters.updated_since:
        clauses.append("v.updated_at >= :updated_since")
        params["updated_since"] = filters.updated_since
    if filters.min_interim is not None:
        clauses.append("s.interim >= :min_interim")
        params["min_interim"] = filters.min_interim
    if filters.min_permanent is not None:
        clauses.append("s.permanent >= :min_permanent")
        params["min_permanent"] = filters.min_permanent
    return " AND ".join(clauses), params


def list_geojson(*, session: Session, principal: Principal, filters: ListFilters) -> str:
    """A page of vacancies as a GeoJSON FeatureCollection string, built by PostgreSQL."""
    where, params = _filter_sql(filters)
    params.update(visibility_params(principal), limit=filters.limit, offset=filters.offset)
    base = f"{FROM_SQL} WHERE {where}"
    matched = session.execute(text(f"SELECT count(*) {base}"), params).scalar_one()
    features, returned = session.execute(text(f"""
        SELECT coalesce(jsonb_agg(page.feature ORDER BY page.n), '[]'::jsonb)::text, count(*)
        FROM (SELECT row_number() OVER (ORDER BY {SORTS[filters.sort]}) AS n,
                     {FEATURE_SQL} AS feature {base}
              ORDER BY {SORTS[filters.sort]} LIMIT :limit OFFSET :offset) page
    """), params).one()
    return (
        f'{{"type":"FeatureCollection","numberMatched":{matched},'
        f'"numberReturned":{returned},"features":{features}}}'
    )


def get_geojson(*, session: Session, principal: Principal, vacancy_id: int) -> tuple[str, int]:
    """One vacancy Feature (string) and its version; 404 where the caller may not see it."""
    params = {**visibility_params(principal), "id": vacancy_id}
    row = session.execute(text(f"""
        SELECT ({FEATURE_SQL})::text, v.version
        {FROM_SQL}
        WHERE v.id = :id AND {VISIBLE_SQL}
    """), params).first()
    if row is None:
        raise NotFound(f"no vacancy {vacancy_id}", field="id")
    return row[0], row[1]


def _check_location(*, session: Session, municipality: Municipality, point: BaseGeometry) -> None:
    inside, swapped_inside, containing = session.execute(text("""
        SELECT ST_Covers(m.boundary, p.pt), ST_Covers(m.boundary, ST_FlipCoordinates(p.pt)),
               (SELECT o.name || ' (AGS ' || o.ags || ')' FROM municipality o
                WHERE ST_Covers(o.boundary, p.pt) LIMIT 1)
        FROM municipality m, (SELECT ST_GeomFromText(:wkt, 4326) AS pt) p WHERE m.id = :id
    """), {"wkt": point.wkt, "id": municipality.id}).one()
    if inside:
        return
    lon, lat = point.x, point.y
    if swapped_inside:
        hint = "longitude and latitude look swapped (GeoJSON wants [lon, lat])"
    elif containing:
        hint = f"it lies in {containing}"
    else:
        hint = "it lies outside every municipality in the register"
    raise OutsideMunicipality(
        f"point [{lon:.6f}, {lat:.6f}] is outside {municipality.name} (AGS {municipality.ags}): {hint}",
        field="geometry",
    )


def _check_footprint(*, session: Session, municipality: Municipality, point: BaseGeometry,
                     footprint: BaseGeometry) -> None:
    near, inside = session.execute(text("""
        SELECT ST_DWithin(f::geography, p::geography, :distance),
               ST_CoveredBy(f, (SELECT boundary FROM municipality WHERE id = :id))
        FROM ST_GeomFromText(:f, 4326) f, ST_GeomFromText(:p, 4326) p
    """), {"f": footprint.wkt, "p": point.wkt, "distance": FOOTPRINT_MAX_DISTANCE_M,
           "id": municipality.id}).one()
    if not inside:
        raise OutsideMunicipality(
            f"footprint extends outside {municipality.name}", field="properties.footprint"
        )
    if not near:
        raise InvalidGeometry(
            f"footprint is more than {FOOTPRINT_MAX_DISTANCE_M} m from the vacancy's point",
            field="properties.footprint",
        )


def _epsg(feature: VacancyCreate | VacancyUpdate, query_crs: str | None) -> int:
    if feature.crs is not None:
        epsg = geo.crs_from_member(feature.crs.model_dump())
        if query_crs and geo.parse_crs(query_crs) != epsg:
            raise InvalidInput("the crs query parameter contradicts the body's crs member", field="crs")
        return epsg
    return geo.parse_crs(query_crs) if query_crs else geo.WGS84


def _point(feature: VacancyCreate | VacancyUpdate, epsg: int) -> BaseGeometry:
    return geo.geometry_from_geojson(
        feature.geometry.model_dump(exclude_none=True), field="geometry", epsg=epsg, types=("Point",)
    )


def _footprint(properties: Any, epsg: int) -> BaseGeometry | None:
    if properties.footprint is None:
        return None
    return geo.geometry_from_geojson(
        properties.footprint.model_dump(exclude_none=True), field="properties.footprint",
        epsg=epsg, types=("Polygon",),
    )


def _ewkt(geom: BaseGeometry | None) -> str | None:
    return None if geom is None else f"SRID=4326;{geom.wkt}"


def create_vacancy(
    *, session: Session, feature: VacancyCreate, actor: Principal, query_crs: str | None = None,
    source: str = "staff",
) -> Vacancy:
    props = feature.properties
    municipality = session.scalar(select(Municipality).where(Municipality.ags == props.municipality))
    if municipality is None:
        raise InvalidInput(f"unknown municipality AGS {props.municipality}",
                           field="properties.municipality")
    if not actor.can_write(municipality.id):
        raise Forbidden(f"you may not add vacancies to {municipality.name}")
    if props.status not in INITIAL_STATUSES:
        allowed = ", ".join(sorted(INITIAL_STATUSES))
        raise ForbiddenTransition(
            f"a new vacancy cannot start as {props.status.value!r}; allowed: {allowed}",
            field="properties.status",
        )
    epsg = _epsg(feature, query_crs)
    point = _point(feature, epsg)
    _check_location(session=session, municipality=municipality, point=point)
    footprint = _footprint(props, epsg)
    if footprint is not None:
        _check_footprint(session=session, municipality=municipality, point=point, footprint=footprint)

    values = props.model_dump(exclude={"municipality", "footprint"}, exclude_none=True)
    if source == "staff":
        # staff registering a unit have just checked it; imports and reports have not
        values.setdefault("verified_at", func.now())
    vacancy = Vacancy(
        municipality_id=municipality.id, location=_ewkt(point), footprint=_ewkt(footprint),
        created_by_id=actor.user_id, source=source, **values,
    )
    session.add(vacancy)
    session.flush()
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id)
    return vacancy


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def update_vacancy(
    *, session: Session, vacancy_id: int, changes: VacancyUpdate, expected_version: int | None,
    actor: Principal, query_crs: str | None = None,
) -> Vacancy:
    vacancy = session.scalar(select(Vacancy).where(Vacancy.id == vacancy_id).with_for_update())
    if vacancy is None:
        raise NotFound(f"no vacancy {vacancy_id}", field="id")
    if not actor.can_write(vacancy.municipality_id):
        # staff of another town: hide non-public records entirely, refuse the rest
        if vacancy.status not in PUBLIC_STATUSES and not actor.reads_all_statuses:
            raise NotFound(f"no vacancy {vacancy_id}", field="id")
        raise Forbidden("you may only change vacancies of your own municipality")
    body_version = changes.properties.version
    if expected_version is not None and body_version is not None and expected_version != body_version:
        raise InvalidInput("If-Match and properties.version disagree", field="properties.version")
    expected = expected_version if expected_version is not None else body_version
    if expected != vacancy.version:
        raise StaleVersion(
            f"vacancy {vacancy_id} is at version {vacancy.version}, your edit is based on "
            f"version {expected}; reload it and apply your change again",
            current_version=vacancy.version,
        )
    municipality = session.get(Municipality, vacancy.municipality_id)
    props = changes.properties
    given = props.model_dump(exclude_unset=True, exclude={"version", "footprint"})
    if "status" in given:
        if given["status"] is None:
            raise InvalidInput("status cannot be cleared", field="properties.status")
        if not can_transition(vacancy.status, given["status"]):
            raise ForbiddenTransition(
                f"status cannot change from {vacancy.status.value!r} to {given['status'].value!r}",
                field="properties.status",
            )
    if "owner_interim_willing" in given and given["owner_interim_willing"] is None:
        given["owner_interim_willing"] = "unknown"

    epsg = _epsg(changes, query_crs)
    new_geometries: dict[str, BaseGeometry | None] = {}
    if changes.geometry is not None:
        new_geometries["location"] = _point(changes, epsg)
        _check_location(session=session, municipality=municipality,
                        point=new_geometries["location"])
    if "footprint" in props.model_fields_set:
        new_geometries["footprint"] = footprint = _footprint(props, epsg)
        if footprint is not None:
            point = new_geometries.get("location") or ShapelyPoint(session.execute(
                select(func.ST_X(vacancy.location), func.ST_Y(vacancy.location))).one())
            _check_footprint(session=session, municipality=municipality, point=point,
                             footprint=footprint)

    old_location = (session.scalar(select(func.ST_AsEWKT(vacancy.location)))
                    if "location" in new_geometries else None)
    history: list[tuple[str, Any, Any]] = []
    for name, new in given.items():
        old = getattr(vacancy, name)
        if _jsonable(old) != _jsonable(new):
            history.append((name, _jsonable(old), _jsonable(new)))
            setattr(vacancy, name, new)
    for name, geom in new_geometries.items():
        stored = getattr(vacancy, name)
        old = to_shape(stored) if stored is not None else None
        if old is None and geom is None or (
            old is not None and geom is not None and old.equals_exact(geom, 1e-8)
        ):
            continue
        history.append((name, geo.to_geojson(old), geo.to_geojson(geom)))
        setattr(vacancy, name, _ewkt(geom))
    if not history:
        return vacancy
    vacancy.version += 1
    vacancy.updated_at = func.now()
    session.add_all(
        VacancyHistory(vacancy_id=vacancy.id, version=vacancy.version, actor_id=actor.user_id,
                       field=name, old_value=old, new_value=new)
        for name, old, new in history
    )
    session.flush()
    # the score of this vacancy and of its neighbours (old and new place) follows the change
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id, also_near=old_location)
    return vacancy


def history(*, session: Session, vacancy_id: int, actor: Principal) -> list[dict[str, Any]]:
    vacancy = session.get(Vacancy, vacancy_id)
    visible = vacancy is not None and (
        actor.reads_all_statuses or vacancy.status in PUBLIC_STATUSES
        or actor.can_write(vacancy.municipality_id)
    )
    if not visible:
        raise NotFound(f"no vacancy {vacancy_id}", field="id")
    private_ok = actor.sees_private(vacancy.municipality_id)

    def who(email: str | None, role: Role | None) -> str | None:
        # staff names are shown to their colleagues; others see the role only
        return email if private_ok else (role.value if role else None)

    rows = session.execute(
        select(VacancyHistory, User.email, User.role)
        .outerjoin(User, User.id == VacancyHistory.actor_id)
        .where(VacancyHistory.vacancy_id == vacancy_id)
        .order_by(VacancyHistory.id)
    ).all()
    # the creation is the vacancy row itself (who, when, how); its first status is the old value
    # of the first status change, if there was one
    creator = session.execute(select(User.email, User.role).where(
        User.id == vacancy.created_by_id)).first() if vacancy.created_by_id else None
    first_status = next((entry.old_value for entry, _, _ in rows if entry.field == "status"),
                        vacancy.status.value)
    entries = [{
        "version": 1, "changed_at": vacancy.created_at, "actor": who(*(creator or (None, None))),
        "field": "created", "old": None,
        "new": {"status": first_status, "source": vacancy.source}, "redacted": False,
    }]
    for entry, email, role in rows:
        redact = entry.field in PRIVATE_FIELDS and not private_ok
        entries.append({
            "version": entry.version, "changed_at": entry.changed_at,
            "actor": who(email, role), "field": entry.field,
            "old": None if redact else entry.old_value,
            "new": None if redact else entry.new_value,
            "redacted": redact,
        })
    return entries
