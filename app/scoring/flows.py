"""Scores follow the register: the register's writes with their scoring side effect.

The register (``app.vacancies``, ``app.municipalities``) knows nothing of scoring; routes, the
CLI, the demo and the importers call these flows, which make the write and then bring the
stored scores of the vacancy and its neighbours (old and new place) up to date in the same
transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.accounts.principal import Principal
from app.municipalities import service as municipality_service
from app.municipalities.models import Municipality
from app.scoring import service as scoring_service
from app.vacancies import reports
from app.vacancies import service as vacancy_service
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.models import Vacancy
from app.vacancies.report_schemas import ReportCreate
from app.vacancies.schemas import VacancyCreate, VacancyUpdate


def create_vacancy(*, session: Session, feature: VacancyCreate, actor: Principal,
                   query_crs: str | None = None) -> Vacancy:
    vacancy = vacancy_service.create_vacancy(session=session, feature=feature, actor=actor,
                                             query_crs=query_crs)
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id)
    return vacancy


def update_vacancy(*, session: Session, vacancy_id: int, changes: VacancyUpdate,
                   expected_version: int | None, actor: Principal,
                   query_crs: str | None = None) -> Vacancy:
    vacancy, old_location = vacancy_service.update_vacancy(
        session=session, vacancy_id=vacancy_id, changes=changes,
        expected_version=expected_version, actor=actor, query_crs=query_crs)
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id, also_near=old_location)
    return vacancy


def submit_report(*, session: Session,
                  report: ReportCreate) -> tuple[Vacancy, Municipality, list[dict[str, Any]]]:
    """The reported unit gets its own score at once (it counts as an empty neighbour of others
    only once staff confirm it)."""
    vacancy, municipality, duplicates = reports.submit_report(session=session, report=report)
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id)
    return vacancy, municipality, duplicates


def confirm_report(*, session: Session, vacancy_id: int, status: VacancyStatus,
                   actor: Principal) -> Vacancy:
    vacancy = reports.confirm_report(session=session, vacancy_id=vacancy_id, status=status,
                                     actor=actor)
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id)
    return vacancy


def reject_report(*, session: Session, vacancy_id: int, reason: str, actor: Principal) -> Vacancy:
    vacancy = reports.reject_report(session=session, vacancy_id=vacancy_id, reason=reason,
                                    actor=actor)
    scoring_service.rescore_near(session=session, vacancy_id=vacancy.id)
    return vacancy


def set_core_area(*, session: Session, ags: str, geometry: dict[str, Any] | None, epsg: int,
                  actor: Principal) -> Municipality:
    """"Inside the core area" is a scoring fact: the town's scores follow its new perimeter."""
    municipality = municipality_service.set_core_area(session=session, ags=ags, geometry=geometry,
                                                      epsg=epsg, actor=actor)
    session.flush()
    scoring_service.rescore(session=session, municipality_ids=[municipality.id])
    return municipality
