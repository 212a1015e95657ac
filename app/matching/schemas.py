"""Matching API schemas: the review state of a pair, and the ranked lists both ways.

A list is read in one of two views (app.accounts.policy.sees_moderation): everybody gets the
count of fits, the town's staff, the working group and admins also the ranked ``matches``. Each
view has exactly its keys: no ``matches`` key, not even ``null``, for the public.
"""

from __future__ import annotations

from pydantic import Field

from app.matching.models import MatchState
from app.proposals.models import Category
from app.schemas import Out, Strict
from app.vacancies.lifecycle import VacancyStatus


class MatchCreate(Strict):
    proposal_id: int = Field(ge=1)
    vacancy_id: int = Field(ge=1)
    state: MatchState


class MatchUpdate(Strict):
    state: MatchState


class MatchOut(Strict):
    id: int
    proposal_id: int
    vacancy_id: int
    state: MatchState


class MatchReason(Out):
    code: str
    points: int
    de: str
    en: str


class VacancySummary(Out):
    street: str | None
    house_number: str | None
    status: VacancyStatus
    floor_area_m2: float | None


# the fields in the order the service writes them: the pair's other side first
class VacancyMatch(Out):
    vacancy_id: int
    score: int = Field(description="soft score 0–100")
    pinned: bool
    distance_m: float | None
    reasons: list[MatchReason]
    match_id: int | None = Field(description="null while the pair has no review state")
    state: MatchState
    vacancy: VacancySummary


class ProposalMatch(Out):
    proposal_id: int
    title: str
    category: Category
    score: int = Field(description="soft score 0–100")
    pinned: bool
    distance_m: float | None
    reasons: list[MatchReason]
    match_id: int | None = Field(description="null while the pair has no review state")
    state: MatchState


class ProposalFits(Out):
    """Everybody: how many vacancies fit the proposal."""

    proposal_id: int
    fits: int


class ProposalMatches(ProposalFits):
    """Staff of the town, the working group and admins: also the ranked vacancies."""

    matches: list[VacancyMatch]


class VacancyFits(Out):
    """Everybody: how many published proposals the vacancy fits."""

    vacancy_id: int
    fits: int


class VacancyMatches(VacancyFits):
    """Staff of the town, the working group and admins: also the ranked proposals."""

    matches: list[ProposalMatch]
