"""HTTP for matches: ranked lists both ways and the staff review state of a pair."""

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.accounts.deps import PrincipalDep, UserDep
from app.deps import SessionDep
from app.matching import service
from app.matching.models import Match
from app.matching.schemas import (
    MatchCreate,
    MatchOut,
    MatchUpdate,
    ProposalFits,
    ProposalMatches,
    VacancyFits,
    VacancyMatches,
)
from app.responses import errors
from app.schemas import Id, Out

router = APIRouter(prefix="/api/v1", tags=["matching"], responses=errors(401, 404, 503))
Limit = Annotated[int, Query(ge=1, le=service.MAX_MATCHES)]


def _shape(result: dict[str, Any], full: type[Out], count: type[Out]) -> Out:
    """The ranked view where the service gave the ranked list (by the caller's access)."""
    return (full if "matches" in result else count).model_validate(result)


@router.get("/proposals/{proposal_id}/matches", response_model=ProposalMatches | ProposalFits,
            summary="Vacancies that fit a proposal")
def proposal_matches(proposal_id: Id, session: SessionDep, principal: PrincipalDep,
                     limit: Limit = 50) -> Any:
    """Public: `{"proposal_id", "fits"}`. Staff of the town: also `matches`, ranked with reasons."""
    return _shape(service.matches_for_proposal(session=session, proposal_id=proposal_id,
                                               principal=principal, limit=limit),
                  ProposalMatches, ProposalFits)


@router.get("/vacancies/{vacancy_id}/matches", response_model=VacancyMatches | VacancyFits,
            summary="Published proposals a vacancy fits")
def vacancy_matches(vacancy_id: Id, session: SessionDep, principal: PrincipalDep,
                    limit: Limit = 50) -> Any:
    """Public: `{"vacancy_id", "fits"}`. Staff of the town: also `matches`, ranked with reasons."""
    return _shape(service.matches_for_vacancy(session=session, vacancy_id=vacancy_id,
                                              principal=principal, limit=limit),
                  VacancyMatches, VacancyFits)


def _out(match: Match) -> MatchOut:
    return MatchOut(id=match.id, proposal_id=match.proposal_id, vacancy_id=match.vacancy_id,
                    state=match.state)


@router.post("/matches", response_model=MatchOut, summary="Record the review state of a pair")
def record_match(body: MatchCreate, session: SessionDep, principal: UserDep) -> MatchOut:
    """Staff of the vacancy's town: suggested → contacted → agreed / declined."""
    return _out(service.record_state(session=session, proposal_id=body.proposal_id,
                                     vacancy_id=body.vacancy_id, state=body.state,
                                     principal=principal))


@router.put("/matches/{match_id}", response_model=MatchOut, summary="Move a match's review state")
def update_match(match_id: Id, body: MatchUpdate, session: SessionDep, principal: UserDep) -> MatchOut:
    return _out(service.update_state(session=session, match_id=match_id, state=body.state,
                                     principal=principal))
