"""HTTP for the scoring: one vacancy's breakdown, profiles, rescoring a town."""

from typing import Annotated, Any

from fastapi import APIRouter, Path

from app.accounts.deps import PrincipalDep, ReadSessionDep, UserDep
from app.deps import SessionDep
from app.responses import errors
from app.schemas import AGS_PATTERN, Id
from app.scoring import service
from app.scoring.schemas import ProfileIn, ProfileOut, RescoreOut, ScoreOut

router = APIRouter(prefix="/api/v1", tags=["scoring"], responses=errors(503))
AgsPath = Annotated[
    str, Path(pattern=AGS_PATTERN, description="Amtlicher Gemeindeschlüssel (8 digits)")
]


@router.get("/vacancies/{vacancy_id}/score", response_model=ScoreOut, responses=errors(401, 404),
            summary="Interim and permanent score of a vacancy with the full breakdown")
def vacancy_score(vacancy_id: Id, session: ReadSessionDep, principal: PrincipalDep) -> Any:
    """Each criterion with the fact used, points, weight and contribution; missing facts listed."""
    return service.breakdown(session=session, principal=principal, vacancy_id=vacancy_id)


@router.post("/municipalities/{ags}/rescore", response_model=RescoreOut,
             responses=errors(401, 403, 404),
             summary="Recompute the scores of every vacancy of a town")
def rescore(ags: AgsPath, session: SessionDep, principal: UserDep) -> Any:
    """Staff of the town or admins; returns counts and where the time went."""
    result = service.rescore_municipality(session=session, ags=ags, actor=principal)
    return {"municipality": ags, **{k: v for k, v in vars(result).items()
                                    if k != "by_recommendation"}}


@router.get("/municipalities/{ags}/scoring-profile", response_model=ProfileOut,
            responses=errors(404),
            summary="The scoring profile in force for a town")
def get_profile(ags: AgsPath, session: SessionDep) -> Any:
    """Public: weights and thresholds are no secret; the default applies if the town has none."""
    return service.get_profile(session=session, ags=ags)


@router.put("/municipalities/{ags}/scoring-profile", response_model=ProfileOut,
            responses=errors(401, 403, 404),
            summary="Change a town's weights and thresholds")
def put_profile(ags: AgsPath, body: ProfileIn, session: SessionDep, principal: UserDep) -> Any:
    """Staff of the town or admins; omitted values keep their current value; bumps the version
    and rescores the town."""
    return service.update_profile(session=session, ags=ags, changes=body, actor=principal)


@router.get("/scoring-profile/default", response_model=ProfileOut,
            summary="The default scoring profile")
def get_default_profile(session: SessionDep) -> Any:
    """Applies to every town without a profile of its own."""
    return service.get_profile(session=session, ags=None)


@router.put("/scoring-profile/default", response_model=ProfileOut, responses=errors(401, 403),
            summary="Change the default scoring profile (admins)")
def put_default_profile(body: ProfileIn, session: SessionDep, principal: UserDep) -> Any:
    """Bumps the default's version and rescores every town that uses it."""
    return service.update_profile(session=session, ags=None, changes=body, actor=principal)
