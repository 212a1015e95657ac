"""Staff review queue of one town, and erasing a person's data by e-mail."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.accounts import policy
from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.errors import Forbidden
from app.matching import flows as matching_flows
from app.municipalities import service as municipality_service
from app.proposals import service as proposals
from app.schemas import AGS_PATTERN, Email, Strict
from app.vacancies import reports

router = APIRouter(prefix="/api/v1", tags=["review"])


class EraseRequest(Strict):
    email: Email


@router.get("/review", summary="Review queue of a municipality (staff)")
def review_queue(
    session: SessionDep, principal: UserDep,
    municipality: Annotated[str, Query(pattern=AGS_PATTERN, description="AGS")],
) -> dict[str, Any]:
    """Open reports, pending proposals, flagged proposals; each oldest first."""
    town = municipality_service.get_by_ags(session=session, ags=municipality, field="municipality")
    if not policy.may_moderate(principal, town.id):
        raise Forbidden(f"only staff of {town.name} see its review queue")
    pending, flagged = proposals.review_lists(session=session, municipality_id=town.id,
                                              principal=principal)
    pending = matching_flows.with_fits(session=session, views=pending)
    flagged = matching_flows.with_fits(session=session, views=flagged)
    return {"municipality": town.ags, "reports": reports.open_reports(session=session,
                                                                      municipality_id=town.id),
            "pending_proposals": pending, "flagged_proposals": flagged}


@router.post("/privacy/erase", summary="Erase a person's data by e-mail (staff, admin)")
def erase(body: EraseRequest, session: SessionDep, principal: UserDep) -> dict[str, int]:
    """The e-mail goes in the body (never the URL); staff erase within their town."""
    return proposals.erase_person(session=session, email=body.email, actor=principal)
