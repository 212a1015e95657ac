"""HTTP for proposals: public submit, list, read, support, flag; staff moderation; the author's
private status link; a German page per proposal."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from app.abuse.http import rate_limit
from app.abuse.supporter import Supporter, SupporterDep
from app.accounts.deps import PrincipalDep, UserDep
from app.accounts.principal import Principal
from app.deps import SessionDep
from app.errors import InvalidInput
from app.mail import events as mail_events
from app.matching import flows as matching_flows
from app.proposals import service
from app.proposals.models import ProposalStatus
from app.proposals.schemas import (
    ContactMessage,
    ContactSent,
    FlagCreate,
    FlagResult,
    ProposalAuthorStatus,
    ProposalCreate,
    ProposalList,
    ProposalModeration,
    ProposalPublic,
    ProposalReceived,
    ProposalStaff,
    ProposalSubmitted,
    ProposalView,
    Rejection,
    SupportCreate,
    SupportReceived,
    SupportResult,
    Withdrawal,
)
from app.responses import errors
from app.schemas import AGS_PATTERN, Id
from app.templating import render
from app.urls import public_base

router = APIRouter(prefix="/api/v1/proposals", tags=["proposals"], responses=errors(503))
pages = APIRouter(include_in_schema=False)
ProposalId = Id
STATUS_PATH = "/api/v1/proposals/status/"
STATUS_PAGE = "/vorschlaege/status/"
# staff of the town (and admins) move a proposal along its lifecycle
DECISION_ERRORS = errors(401, 403, 404, 409)


def fit(session: Session, view: dict[str, Any]) -> dict[str, Any]:
    return matching_flows.with_fit(session=session, view=view)


def shape(view: dict[str, Any]) -> ProposalView:
    """The view model for the keys the service gave, which it chose by the caller's access."""
    if "contactable" in view:
        return ProposalStaff.model_validate(view)
    if "hidden" in view:
        return ProposalModeration.model_validate(view)
    return ProposalPublic.model_validate(view)


@router.post("", status_code=201, response_model=ProposalSubmitted,
             summary="Suggest a use (held for moderation)",
             responses={202: {"model": ProposalReceived, "description": "Received"},
                        **errors(404, 429)})
def submit_proposal(data: ProposalCreate, request: Request, session: SessionDep) -> Any:
    """Public. Answers with the private `status_url` for the author; keep it."""
    rate_limit(request, session, "proposal", "public_posts_per_hour")
    if data.is_bot:
        return JSONResponse({"id": None, "status": "received"}, status_code=202)
    proposal, token = service.submit_proposal(session=session, data=data)
    base_url = public_base(request)
    mail_events.proposal_submitted(session=session, proposal=proposal,
                                   status_url=base_url + STATUS_PAGE + token, base_url=base_url,
                                   days=request.app.state.settings.unconfirmed_email_days)
    view = fit(session, service.author_view(session=session, proposal_id=proposal.id))
    return ProposalSubmitted.model_validate({
        **view, "status_token": token, "status_url": STATUS_PATH + token,
        "status_page": STATUS_PAGE + token})


@router.get("", response_model=ProposalList, summary="List proposals", responses=errors(401))
def list_proposals(
    session: SessionDep, principal: PrincipalDep,
    municipality: Annotated[str | None, Query(pattern=AGS_PATTERN, description="AGS")] = None,
    status: Annotated[str | None, Query(description="status, or several comma-separated")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_PAGE)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> ProposalList:
    """Public: published proposals. Staff of the town: all of theirs (with e-mail and flags)."""
    try:
        statuses = [ProposalStatus(s.strip()) for s in status.split(",")] if status else None
    except ValueError as exc:
        allowed = ", ".join(s.value for s in ProposalStatus)
        raise InvalidInput(f"unknown status; allowed: {allowed}", field="status") from exc
    items = matching_flows.with_fits(session=session, views=service.list_views(
        session=session, principal=principal, ags=municipality, statuses=statuses, limit=limit,
        offset=offset))
    return ProposalList(proposals=[shape(view) for view in items], limit=limit, offset=offset)


@router.get("/status/{token}", response_model=ProposalAuthorStatus,
            summary="The author's private status link", responses=errors(404))
def proposal_status(token: Annotated[str, Path(min_length=16, max_length=64)],
                    session: SessionDep) -> ProposalAuthorStatus:
    """Status and, when rejected, the reason; no e-mail."""
    return ProposalAuthorStatus.model_validate(service.status_for_token(session=session, token=token))


@router.get("/{proposal_id}", response_model=ProposalView, summary="One proposal",
            responses=errors(401, 404))
def get_proposal(proposal_id: ProposalId, session: SessionDep, principal: PrincipalDep) -> Any:
    return shape(fit(session, service.get_view(session=session, principal=principal,
                                               proposal_id=proposal_id)))


def _decision(request: Request, session: Session, principal: Principal, proposal_id: int,
              target: ProposalStatus, reason: str | None = None) -> ProposalStaff:
    # only staff of the town and admins decide, and they read the author's e-mail
    proposal = service.decide(session=session, proposal_id=proposal_id, target=target,
                              actor=principal, reason=reason)
    mail_events.proposal_decided(session=session, proposal=proposal, base_url=public_base(request))
    return ProposalStaff.model_validate(fit(session, service.get_view(
        session=session, principal=principal, proposal_id=proposal_id)))


@router.post("/{proposal_id}/publish", response_model=ProposalStaff,
             summary="Publish (or restore after flags)", responses=DECISION_ERRORS)
def publish(proposal_id: ProposalId, request: Request, session: SessionDep,
            principal: UserDep) -> ProposalStaff:
    return _decision(request, session, principal, proposal_id, ProposalStatus.published)


@router.post("/{proposal_id}/contact", status_code=202, response_model=ContactSent,
             summary="Write to the author (Kontakt aufnehmen)", responses=errors(401, 403, 404, 409))
def contact_author(proposal_id: ProposalId, body: ContactMessage, request: Request,
                   session: SessionDep, principal: UserDep) -> ContactSent:
    """Staff of the idea's town: the message is mailed to the author's confirmed address (never
    shown), Reply-To the staff member's own. 409 when there is no confirmed address."""
    proposal = service.for_staff(session=session, proposal_id=proposal_id, actor=principal)
    assert principal.email is not None
    mail_events.staff_contact(session=session, proposal=proposal, staff_email=principal.email,
                              subject=body.subject, message=body.message,
                              base_url=public_base(request))
    return ContactSent(proposal_id=proposal.id)


@router.post("/{proposal_id}/reject", response_model=ProposalStaff,
             summary="Reject with a reason for the author", responses=DECISION_ERRORS)
def reject(proposal_id: ProposalId, body: Rejection, request: Request, session: SessionDep,
           principal: UserDep) -> ProposalStaff:
    return _decision(request, session, principal, proposal_id, ProposalStatus.rejected, body.reason)


@router.post("/{proposal_id}/withdraw", response_model=ProposalStaff, summary="Withdraw",
             responses=DECISION_ERRORS)
def withdraw(proposal_id: ProposalId, request: Request, session: SessionDep, principal: UserDep,
             body: Withdrawal | None = None) -> ProposalStaff:
    return _decision(request, session, principal, proposal_id, ProposalStatus.withdrawn,
                     body.reason if body else None)


@router.post("/{proposal_id}/realise", response_model=ProposalStaff, summary="Mark realised",
             responses=DECISION_ERRORS)
def realise(proposal_id: ProposalId, request: Request, session: SessionDep,
            principal: UserDep) -> ProposalStaff:
    return _decision(request, session, principal, proposal_id, ProposalStatus.realised)


def _voter(request: Request, supporter: Supporter, purpose: str) -> service.Voter:
    settings = request.app.state.settings
    return service.Voter(browser_hash=supporter.browser_hash(purpose),
                         address_hash=supporter.address_hash(purpose),
                         per_address=settings.supports_per_ip,
                         retention_days=settings.client_hash_retention_days)


@router.post("/{proposal_id}/supports", status_code=201, response_model=SupportResult,
             summary="Support a published proposal (once per browser)",
             responses={202: {"model": SupportReceived, "description": "Received"},
                        **errors(404, 409, 429)})
def support(proposal_id: ProposalId, request: Request, session: SessionDep,
            supporter: SupporterDep, body: SupportCreate | None = None) -> Any:
    """Public. Sets the `leerstand_supporter` cookie when the browser has none (or a forged
    one); 429 `connection_limit` when LEERSTAND_SUPPORTS_PER_IP browsers behind the client's
    address already support the proposal."""
    rate_limit(request, session, "support", "public_votes_per_hour")
    if body is not None and body.is_bot:
        return JSONResponse({"proposal_id": proposal_id, "support_count": None}, status_code=202)
    count = service.support_proposal(session=session, proposal_id=proposal_id,
                                     voter=_voter(request, supporter, f"support:{proposal_id}"))
    return SupportResult(proposal_id=proposal_id, support_count=count)


@router.post("/{proposal_id}/flags", status_code=201, response_model=FlagResult,
             summary="Flag a published proposal (spam, offensive, personal data)",
             responses={202: {"model": FlagResult, "description": "Received"},
                        **errors(404, 409, 429)})
def flag(proposal_id: ProposalId, body: FlagCreate, request: Request, session: SessionDep,
         supporter: SupporterDep) -> Any:
    """Public, once per browser, with the same cookie and address ceiling as a support."""
    rate_limit(request, session, "flag", "public_votes_per_hour")
    if body.is_bot:
        return JSONResponse({"proposal_id": proposal_id, "received": True}, status_code=202)
    service.flag_proposal(
        session=session, proposal_id=proposal_id, reason=body.reason, comment=body.comment,
        voter=_voter(request, supporter, f"flag:{proposal_id}"),
        threshold=request.app.state.settings.flag_threshold,
    )
    return FlagResult(proposal_id=proposal_id)


@pages.get(STATUS_PAGE + "{token}")
def status_page(token: Annotated[str, Path(min_length=16, max_length=64)], request: Request,
                session: SessionDep) -> Response:
    """The author's private German status page (linked from the submit answer)."""
    status = service.status_for_token(session=session, token=token)
    return render(request, "proposal_status.html", status=status)


@pages.get("/vorschlaege/{proposal_id}")
def proposal_page(proposal_id: ProposalId, request: Request, session: SessionDep,
                  principal: PrincipalDep) -> Response:
    """German page of one proposal; every user text goes through Jinja's autoescape."""
    proposal = fit(session, service.get_view(session=session, principal=principal,
                                             proposal_id=proposal_id))
    return render(request, "proposal.html", proposal=proposal)
