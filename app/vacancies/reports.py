"""Citizen reports of empty shops: submit (with duplicate check), confirm, reject.

A report is a vacancy row with status ``reported`` and source ``report``: invisible to the
public (``app.vacancies.query``) until staff confirm it, and then simply part of the register.
"""

from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app import geo
from app.accounts import policy
from app.accounts.principal import Principal
from app.errors import Conflict, Forbidden, NotFound, OutsideMunicipality
from app.municipalities import service as municipality_service
from app.municipalities.models import Municipality
from app.vacancies import query
from app.vacancies import service as vacancy_service
from app.vacancies.lifecycle import PUBLIC_STATUSES, VacancyStatus
from app.vacancies.models import Vacancy
from app.vacancies.report_models import ReportContact, VacancyReport
from app.vacancies.report_schemas import DUPLICATE_RADIUS_M, ReportCreate
from app.vacancies.schemas import VacancyUpdate

REPORT_SOURCE = "report"
MAX_DUPLICATES = 20
# statuses a new report may duplicate: what the public sees plus reports still open
_DUPLICATE_STATUSES = [s.value for s in PUBLIC_STATUSES] + [VacancyStatus.reported.value]


def locate(*, session: Session, point: BaseGeometry, ags: str | None, field: str) -> Municipality:
    """The municipality a citizen's point lies in; 422 outside every town or the named one."""
    containing = session.scalar(
        select(Municipality).where(func.ST_Covers(Municipality.boundary,
                                                  func.ST_GeomFromText(point.wkt, 4326))).limit(1)
    )
    where = f"[{point.x:.6f}, {point.y:.6f}]"
    if ags is None:
        if containing is None:
            raise OutsideMunicipality(f"point {where} lies outside every municipality in the "
                                      "register", field=field)
        return containing
    named = municipality_service.get_by_ags(session=session, ags=ags, field="municipality",
                                            referenced=True)
    if containing is None or containing.id != named.id:
        raise OutsideMunicipality(municipality_service.outside_message(
            lon=point.x, lat=point.y, town=named,
            containing=f"{containing.name} (AGS {containing.ags})" if containing else None),
            field=field)
    return named


def find_duplicates(*, session: Session, lon: float, lat: float,
                    exclude_id: int | None = None) -> list[dict[str, Any]]:
    """Vacancies (public statuses) and open reports within 30 m, nearest first. Open reports are
    shown without their text: it is unverified citizen input."""
    # the owner's consent rules as on the map: none hides the vacancy, basic its address
    rows = session.execute(text(f"""
        SELECT v.id, CASE WHEN v.status = 'reported' THEN 'report' ELSE 'vacancy' END AS kind,
               v.status,
               CASE WHEN {query.PUBLIC_DETAIL_SQL} THEN v.street END AS street,
               CASE WHEN {query.PUBLIC_DETAIL_SQL} THEN v.house_number END AS house_number,
               round(ST_Distance(v.location::geography, q.p::geography)::numeric, 1)::float
                   AS distance_m,
               ST_AsGeoJSON(v.location, 7)::jsonb AS location
        FROM vacancy v, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) q
        WHERE v.location && ST_Expand(q.p, 0.002)  -- index prefilter, > 30 m at German latitudes
          AND ST_DWithin(v.location::geography, q.p::geography, :radius)
          AND v.status = ANY(:statuses) AND v.id <> :exclude
          AND (v.status = 'reported' OR {query.CONSENT_SQL})
        ORDER BY distance_m, v.id LIMIT :limit
    """), {"lon": lon, "lat": lat, "radius": DUPLICATE_RADIUS_M, "statuses": _DUPLICATE_STATUSES,
           "exclude": exclude_id or -1, "limit": MAX_DUPLICATES}).mappings().all()
    return [dict(row) for row in rows]


def submit_report(
    *, session: Session, report: ReportCreate
) -> tuple[Vacancy, Municipality, list[dict[str, Any]]]:
    """Store a citizen report as a ``reported`` vacancy; returns it, its town and the nearby
    records it may duplicate (checked before saving)."""
    point = geo.geometry_from_geojson(report.location.model_dump(exclude_none=True),
                                      field="location", types=("Point",))
    municipality = locate(session=session, point=point, ags=report.municipality, field="location")
    duplicates = find_duplicates(session=session, lon=point.x, lat=point.y)
    vacancy = Vacancy(
        municipality_id=municipality.id, location=f"SRID=4326;{point.wkt}",
        street=report.address, description=report.description,
        status=VacancyStatus.reported, source=REPORT_SOURCE,
    )
    session.add(vacancy)
    session.flush()
    session.add(VacancyReport(vacancy_id=vacancy.id, hint=report.hint))
    if report.email:
        session.add(ReportContact(vacancy_id=vacancy.id, email=report.email, consent=report.consent))
    return vacancy, municipality, duplicates


def _open_report(*, session: Session, vacancy_id: int, actor: Principal) -> Vacancy:
    vacancy = session.get(Vacancy, vacancy_id)
    is_report = vacancy is not None and (vacancy.source == REPORT_SOURCE
                                         or vacancy.status == VacancyStatus.reported)
    if vacancy is None or not is_report or not policy.sees_moderation(actor, vacancy.municipality_id):
        raise NotFound(f"no report {vacancy_id}", field="id")
    if not policy.may_moderate(actor, vacancy.municipality_id):
        raise Forbidden("only staff of the town decide on its reports")
    if vacancy.status != VacancyStatus.reported:
        raise Conflict(f"report {vacancy_id} was already decided (status {vacancy.status.value})")
    return vacancy


def _set_status(*, session: Session, vacancy: Vacancy, status: VacancyStatus,
                actor: Principal) -> Vacancy:
    # through the register's own update: version bump, history entry, lifecycle table
    changes = VacancyUpdate.model_validate(
        {"properties": {"status": status.value, "version": vacancy.version}})
    vacancy, _ = vacancy_service.update_vacancy(
        session=session, vacancy_id=vacancy.id, changes=changes, expected_version=vacancy.version,
        actor=actor)
    return vacancy


def _record_decision(*, session: Session, vacancy_id: int, actor: Principal,
                     reason: str | None) -> None:
    decision = session.get(VacancyReport, vacancy_id) or VacancyReport(vacancy_id=vacancy_id)
    decision.rejection_reason = reason
    decision.decided_at = func.now()
    decision.decided_by_id = actor.user_id
    session.add(decision)
    session.flush()


def confirm_report(*, session: Session, vacancy_id: int, status: VacancyStatus,
                   actor: Principal) -> Vacancy:
    vacancy = _open_report(session=session, vacancy_id=vacancy_id, actor=actor)
    vacancy = _set_status(session=session, vacancy=vacancy, status=status, actor=actor)
    _record_decision(session=session, vacancy_id=vacancy_id, actor=actor, reason=None)
    return vacancy


def reject_report(*, session: Session, vacancy_id: int, reason: str, actor: Principal) -> Vacancy:
    vacancy = _open_report(session=session, vacancy_id=vacancy_id, actor=actor)
    vacancy = _set_status(session=session, vacancy=vacancy, status=VacancyStatus.rejected,
                          actor=actor)
    _record_decision(session=session, vacancy_id=vacancy_id, actor=actor, reason=reason)
    return vacancy


def reaches_sql(email: str) -> str:
    """SQL: a citizen's stored address is confirmed and not unsubscribed, so a mail to it goes
    out (the reporter's decision mail, "Kontakt aufnehmen" to an idea's author)."""
    return (f"EXISTS (SELECT 1 FROM mail_recipient m WHERE m.email = lower({email}) "
            "AND m.confirmed_at IS NOT NULL AND m.unsubscribed_at IS NULL)")


def open_reports(*, session: Session, municipality_id: int) -> list[dict[str, Any]]:
    """The review queue's reports of one town, oldest first, with whether the decision's mail
    reaches the reporter (never the address itself) and what each may duplicate."""
    rows = session.execute(text(f"""
        SELECT v.id, ST_AsGeoJSON(v.location, 7)::jsonb AS location, v.street AS address,
               v.description, r.hint, v.created_at, v.version,
               {reaches_sql("c.email")} AS contactable
        FROM vacancy v
        LEFT JOIN vacancy_report r ON r.vacancy_id = v.id
        LEFT JOIN report_contact c ON c.vacancy_id = v.id
        WHERE v.municipality_id = :mid AND v.status = 'reported'
        ORDER BY v.created_at, v.id
    """), {"mid": municipality_id}).mappings().all()
    queue = []
    for row in rows:
        lon, lat = row["location"]["coordinates"]
        duplicates = find_duplicates(session=session, lon=lon, lat=lat, exclude_id=row["id"])
        queue.append({**row, "duplicates": duplicates})
    return queue
