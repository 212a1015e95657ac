"""Staff review queue of one town, and erasing a person's data by e-mail."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.accounts import policy
from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.errors import Forbidden
from app.mail import service as mail_service
from app.matching import flows as matching_flows
from app.municipalities import service as municipality_service
from app.photos import router as photos_http
from app.photos import service as photos
from app.proposals import service as proposals
from app.proposals.schemas import ProposalFlagged, ProposalStaff
from app.responses import errors
from app.review import tasks
from app.review.schemas import (
    EraseRequest,
    ErasureResult,
    ReportWithPhotos,
    ReviewQueue,
    TaskList,
)
from app.schemas import AGS_PATTERN
from app.vacancies import reports

router = APIRouter(prefix="/api/v1", tags=["review"], responses=errors(401, 403, 503))


@router.get("/review", response_model=ReviewQueue, summary="Review queue of a municipality (staff)",
            responses=errors(404))
def review_queue(
    request: Request, session: SessionDep, principal: UserDep,
    municipality: Annotated[str, Query(pattern=AGS_PATTERN, description="AGS")],
) -> ReviewQueue:
    """Open reports, pending proposals, flagged proposals; each oldest first."""
    town = municipality_service.get_by_ags(session=session, ags=municipality, field="municipality")
    if not policy.may_moderate(principal, town.id):
        raise Forbidden(f"only staff of {town.name} see its review queue")
    pending, flagged = proposals.review_lists(session=session, municipality_id=town.id,
                                              principal=principal)
    open_reports = reports.open_reports(session=session, municipality_id=town.id)
    report_photos = photos.photos_of_reports(session=session,
                                             report_ids=[report["id"] for report in open_reports])
    return ReviewQueue(
        municipality=town.ags,
        reports=[ReportWithPhotos.model_validate({**report, "photos": [
                     photos_http.photo_out(request, photo) for photo in report_photos[report["id"]]]})
                 for report in open_reports],
        pending_proposals=[ProposalStaff.model_validate(view) for view in
                           matching_flows.with_fits(session=session, views=pending)],
        flagged_proposals=[ProposalFlagged.model_validate(view) for view in
                           matching_flows.with_fits(session=session, views=flagged)],
    )


@router.get("/tasks", response_model=TaskList, summary="Today's tasks of a municipality (staff)",
            responses=errors(404))
def task_list(
    session: SessionDep, principal: UserDep,
    municipality: Annotated[str | None, Query(pattern=AGS_PATTERN, description="AGS; staff: "
                                              "default their own town, others: every town")] = None,
) -> TaskList:
    """Counts and the first items of each task: new reports, pending and flagged ideas,
    matches waiting for a decision, records due for re-checking. The working group gets counts
    only (no items: they carry unpublished or private text)."""
    return TaskList.model_validate(tasks.for_principal(session=session, principal=principal,
                                                       ags=municipality))


@router.post("/privacy/erase", response_model=ErasureResult,
             summary="Erase a person's data by e-mail (staff, admin)")
def erase(body: EraseRequest, session: SessionDep, principal: UserDep) -> ErasureResult:
    """The e-mail goes in the body (never the URL); staff erase within their town. The mail
    address itself (opt-in state, queued mails) goes once no town holds a contact with it."""
    erased = proposals.erase_person(session=session, email=body.email, actor=principal)
    erased["mail_addresses_deleted"] = mail_service.erase_unused(session=session, email=body.email)
    return ErasureResult.model_validate(erased)
