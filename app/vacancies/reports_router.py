"""HTTP for citizen reports: public submit and duplicate check, staff confirm and reject."""

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.abuse.http import rate_limit
from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.mail import events as mail_events
from app.municipalities.models import Municipality
from app.photos import tokens as photo_tokens
from app.responses import errors
from app.schemas import Id
from app.scoring import flows
from app.urls import public_base
from app.vacancies import reports
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.report_schemas import (
    Duplicate,
    DuplicateList,
    ReportConfirm,
    ReportCreate,
    ReportCreated,
    ReportDecision,
    ReportReject,
)

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], responses=errors(503))
# staff decide on a report of their town once
DECISION_ERRORS = errors(401, 403, 404, 409)


@router.get("/duplicates", response_model=DuplicateList, summary="Vacancies and reports within 30 m")
def duplicates(
    session: SessionDep,
    lon: Annotated[float, Query(ge=-180, le=180, allow_inf_nan=False)],
    lat: Annotated[float, Query(ge=-90, le=90, allow_inf_nan=False)],
) -> DuplicateList:
    """Ask before reporting: "is it one of these?" Open reports come without their text."""
    found = reports.find_duplicates(session=session, lon=lon, lat=lat)
    return DuplicateList(duplicates=[Duplicate.model_validate(d) for d in found])


@router.post("", status_code=201, response_model=ReportCreated, summary="Report an empty shop",
             responses={202: {"model": ReportCreated, "description": "Received"}, **errors(429)})
def submit_report(report: ReportCreate, request: Request,
                  session: SessionDep) -> ReportCreated | JSONResponse:
    """Public. Lands as status `reported`, invisible until staff confirm it."""
    rate_limit(request, session, "report", "public_posts_per_hour")
    if report.is_bot:
        return JSONResponse({"id": None, "status": "received", "municipality": None,
                             "duplicates": []}, status_code=202)
    vacancy, town, found = flows.submit_report(session=session, report=report)
    token = photo_tokens.issue(secret_key=request.app.state.settings.secret_key,
                               report_id=vacancy.id)
    mail_events.report_submitted(session=session, vacancy=vacancy, email=report.email,
                                 base_url=public_base(request),
                                 days=request.app.state.settings.unconfirmed_email_days)
    return ReportCreated(id=vacancy.id, status="reported", municipality=town.ags,
                         duplicates=[Duplicate.model_validate(d) for d in found],
                         upload_token=token)


@router.post("/{report_id}/confirm", response_model=ReportDecision, summary="Confirm a report",
             responses=DECISION_ERRORS)
def confirm_report(report_id: Id, request: Request, session: SessionDep, principal: UserDep,
                   body: ReportConfirm | None = None) -> ReportDecision:
    """Staff of the town: the report becomes a `vacant` (default) or `threatened` vacancy."""
    status = VacancyStatus((body or ReportConfirm()).status)
    vacancy = flows.confirm_report(session=session, vacancy_id=report_id, status=status,
                                   actor=principal)
    _tell_reporter(request, session, vacancy, reason=None)
    return ReportDecision(id=vacancy.id, status=vacancy.status, version=vacancy.version)


@router.post("/{report_id}/reject", response_model=ReportDecision, summary="Reject a report",
             responses=DECISION_ERRORS)
def reject_report(report_id: Id, body: ReportReject, request: Request, session: SessionDep,
                  principal: UserDep) -> ReportDecision:
    """Staff of the town, with a reason; the record stays (status `rejected`) for the history."""
    vacancy = flows.reject_report(session=session, vacancy_id=report_id, reason=body.reason,
                                  actor=principal)
    _tell_reporter(request, session, vacancy, reason=body.reason)
    return ReportDecision(id=vacancy.id, status=vacancy.status, version=vacancy.version,
                          rejection_reason=body.reason)


def _tell_reporter(request: Request, session: SessionDep, vacancy, reason: str | None) -> None:
    town = session.get_one(Municipality, vacancy.municipality_id)
    mail_events.report_decided(session=session, vacancy=vacancy, ags=town.ags, reason=reason,
                               base_url=public_base(request))
