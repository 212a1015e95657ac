"""The vacancy register's writes: create, update with optimistic locking, and the history.

Reads of the register go through ``app.vacancies.query``; scores follow these writes through
``app.scoring.flows``, which the routes, the CLI and the importers call.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from geoalchemy2.shape import to_shape
from geojson_pydantic import Point
from shapely.geometry import Point as ShapelyPoint
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
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
from app.municipalities import service as municipality_service
from app.municipalities.models import Municipality
from app.vacancies import query
from app.vacancies.lifecycle import INITIAL_STATUSES, can_transition
from app.vacancies.models import Vacancy, VacancyHistory
from app.vacancies.schemas import (
    PRIVATE_FIELDS,
    VacancyCreate,
    VacancyUpdate,
    VacancyUpdateProperties,
)

FOOTPRINT_MAX_DISTANCE_M = 50


def _check_location(*, session: Session, municipality: Municipality, point: BaseGeometry) -> None:
    inside, swapped, containing = session.execute(text(f"""
        SELECT ST_Covers(m.boundary, p.pt), ST_Covers(m.boundary, ST_FlipCoordinates(p.pt)),
               {municipality_service.containing_sql("p.pt")}
        FROM municipality m, (SELECT ST_GeomFromText(:wkt, 4326) AS pt) p WHERE m.id = :id
    """), {"wkt": point.wkt, "id": municipality.id}).one()
    if not inside:
        raise OutsideMunicipality(municipality_service.outside_message(
            lon=point.x, lat=point.y, town=municipality, containing=containing, swapped=swapped),
            field="geometry")


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


def _point(geometry: Point, epsg: int) -> BaseGeometry:
    return geo.geometry_from_geojson(
        geometry.model_dump(exclude_none=True), field="geometry", epsg=epsg, types=("Point",)
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
    municipality = municipality_service.get_by_ags(
        session=session, ags=props.municipality, field="properties.municipality", referenced=True)
    if not policy.may_edit(actor, municipality.id):
        raise Forbidden(f"you may not add vacancies to {municipality.name}")
    if props.status not in INITIAL_STATUSES:
        allowed = ", ".join(sorted(INITIAL_STATUSES))
        raise ForbiddenTransition(
            f"a new vacancy cannot start as {props.status.value!r}; allowed: {allowed}",
            field="properties.status",
        )
    epsg = _epsg(feature, query_crs)
    point = _point(feature.geometry, epsg)
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
) -> tuple[Vacancy, str | None]:
    """The changed vacancy and, where it moved, its old location (EWKT): the scores near both
    places follow (``app.scoring.flows``)."""
    # FOR NO KEY UPDATE: a concurrent edit nearby writes this vacancy's score, whose foreign key
    # check takes KEY SHARE on the row; FOR UPDATE would block it, and the two edits deadlocked
    vacancy = session.scalar(select(Vacancy).where(Vacancy.id == vacancy_id)
                             .with_for_update(key_share=True))
    if vacancy is None:
        raise NotFound(f"no vacancy {vacancy_id}", field="id")
    if not policy.may_edit(actor, vacancy.municipality_id):
        # staff of another town: hide non-public records entirely, refuse the rest
        if not query.readable(actor, vacancy):
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
    municipality = session.get_one(Municipality, vacancy.municipality_id)
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
    if "owner_consent" in given and given["owner_consent"] is None:
        given["owner_consent"] = "none"

    epsg = _epsg(changes, query_crs)
    new_geometries: dict[str, BaseGeometry | None] = {}
    if changes.geometry is not None:
        new_geometries["location"] = _point(changes.geometry, epsg)
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
        return vacancy, None
    vacancy.version += 1
    vacancy.updated_at = func.now()
    session.add_all(
        VacancyHistory(vacancy_id=vacancy.id, version=vacancy.version, actor_id=actor.user_id,
                       field=name, old_value=old, new_value=new)
        for name, old, new in history
    )
    session.flush()
    return vacancy, old_location


def verify(*, session: Session, vacancy_id: int, expected_version: int, actor: Principal) -> Vacancy:
    """"Noch aktuell": staff checked the record; ``verified_at`` becomes now, through the same
    checks, version step and history as any edit (a stale version is refused with 409)."""
    changes = VacancyUpdate(properties=VacancyUpdateProperties(verified_at=datetime.now(UTC),
                                                               version=expected_version))
    vacancy, _ = update_vacancy(session=session, vacancy_id=vacancy_id, changes=changes,
                                expected_version=expected_version, actor=actor)
    return vacancy


def history(*, session: Session, vacancy_id: int, actor: Principal) -> list[dict[str, Any]]:
    vacancy = query.get_readable(session=session, principal=actor, vacancy_id=vacancy_id)
    private_ok = policy.sees_private(actor, vacancy.municipality_id)

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
