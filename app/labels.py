"""The German label of every enum value, gathered for the pages and the API.

Each table lives next to its enum (vacancies/lifecycle.py, vacancies/properties.py,
proposals/models.py, matching/models.py, accounts/principal.py, scoring/rules.py); this module
only collects them, so it sits with the pages at the top of the import order. The templates read
them as the Jinja global `labels`, the map pages' scripts read the same object embedded as JSON
(Leerstand.labels), API clients GET /api/v1/labels. The order of a table is the order of the
choices on the pages.
"""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.accounts.principal import ROLE_LABELS, Role
from app.mail.models import MAIL_STATE_LABELS, MailState
from app.matching.models import MATCH_ACTION_LABELS, MATCH_STATE_LABELS, MatchState
from app.proposals.models import (
    CATEGORY_LABELS,
    DURATION_LABELS,
    FLAG_REASON_LABELS,
    PROPOSAL_STATUS_LABELS,
    Category,
    Duration,
    FlagReason,
    ProposalStatus,
)
from app.scoring import rules
from app.vacancies.lifecycle import STATUS_LABELS, VacancyStatus
from app.vacancies.properties import (
    CONDITION_LABELS,
    CONSENT_LABELS,
    CONTACT_CHANNEL_LABELS,
    CONTACT_OUTCOME_LABELS,
    FLOOR_LABELS,
    WILLINGNESS_LABELS,
    YES_NO_LABELS,
    Condition,
    Consent,
    ContactChannel,
    ContactOutcome,
    Floor,
    Willingness,
)


class Labels(BaseModel):
    """Per enum: value -> German label, in the order the pages offer the values."""

    model_config = ConfigDict(frozen=True)

    vacancy_status: dict[VacancyStatus, str]
    floor: dict[Floor, str]
    condition: dict[Condition, str]
    willingness: dict[Willingness, str] = Field(description="the owner's willingness for interim use")
    yes_no: dict[Literal["", "true", "false"], str] = Field(
        description='a yes/no fact of a vacancy (WC, heating, step-free); "" is not known')
    category: dict[Category, str] = Field(description="category of a proposal")
    duration: dict[Duration, str] = Field(description="the use a proposal wants")
    proposal_status: dict[ProposalStatus, str]
    flag_reason: dict[FlagReason, str]
    match_state: dict[MatchState, str]
    match_action: dict[MatchState, str] = Field(description="the button that moves a match into the state")
    role: dict[Role, str]
    recommendation: dict[str, str] = Field(description="recommendation of the scoring")
    score: dict[str, str] = Field(description="the two scores (interim, permanent)")
    score_group: dict[str, str] = Field(description="group of a scoring criterion")
    mail_state: dict[MailState, str] = Field(description="state of a mail in the outbox")
    owner_consent: dict[Consent, str] = Field(description="the owner's consent to publish")
    contact_channel: dict[ContactChannel, str] = Field(description="how staff contacted the owner")
    contact_outcome: dict[ContactOutcome, str] = Field(description="outcome of an owner contact")


LABELS = Labels(
    vacancy_status=STATUS_LABELS, floor=FLOOR_LABELS, condition=CONDITION_LABELS,
    willingness=WILLINGNESS_LABELS, yes_no=YES_NO_LABELS, category=CATEGORY_LABELS,
    duration=DURATION_LABELS, proposal_status=PROPOSAL_STATUS_LABELS,
    flag_reason=FLAG_REASON_LABELS, match_state=MATCH_STATE_LABELS,
    match_action=MATCH_ACTION_LABELS, role=ROLE_LABELS, recommendation=rules.RECOMMENDATION_LABELS,
    score=rules.SCORE_LABELS, score_group=rules.GROUP_LABELS,
    mail_state=MAIL_STATE_LABELS, owner_consent=CONSENT_LABELS,
    contact_channel=CONTACT_CHANNEL_LABELS, contact_outcome=CONTACT_OUTCOME_LABELS,
)
# {table: {value: label}} as plain JSON data, for the templates and the scripts
TABLES: dict[str, dict[str, str]] = LABELS.model_dump(mode="json")

router = APIRouter(prefix="/api/v1", tags=["labels"])


@router.get("/labels", response_model=Labels, summary="German labels of every enum value")
def labels() -> Labels:
    """The one German label of each enum value the API returns, as the pages show them."""
    return LABELS
