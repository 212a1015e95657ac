"""Proposal API schemas (stable public names, see docs/participation.md).

A proposal is read in one of three views, by audience (app.accounts.policy): ``ProposalPublic``
for everybody, ``ProposalModeration`` adding the moderation state (the working group, and staff
and admins), ``ProposalStaff`` adding whether the author can be contacted and the pinned shop's address
(staff of the town and admins). Each
view has exactly its keys, so no private key ever appears, not even as ``null``, for a caller
who may not see it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from geojson_pydantic import Point, Polygon
from pydantic import Field, model_validator

from app.abuse.schemas import PublicPost
from app.proposals.models import Category, Duration, FlagReason, ProposalStatus
from app.schemas import AGS_PATTERN, Email, Out, Strict

MAX_RADIUS_M = 10_000


class ProposalCreate(PublicPost):
    municipality: str | None = Field(
        None, pattern=AGS_PATTERN,
        description="AGS; optional: found from the vacancy or the area when left out",
    )
    title: str = Field(min_length=3, max_length=200)
    description: str = Field(min_length=1, max_length=5000)
    category: Category
    min_area_m2: float | None = Field(None, gt=0, le=100_000)
    max_area_m2: float | None = Field(None, gt=0, le=100_000)
    needs_ground_floor: bool = False
    needs_shop_window: bool = False
    needs_step_free: bool = False
    duration: Duration = Duration.either
    max_rent_eur_m2: float | None = Field(None, ge=0, le=1000, description="€ per m² and month")
    vacancy_id: int | None = Field(None, ge=1, description="a specific published vacancy")
    area: Polygon | None = Field(None, description="preferred area, GeoJSON Polygon (WGS84)")
    location: Point | None = Field(None, description="preferred place, with radius_m")
    radius_m: int | None = Field(None, gt=0, le=MAX_RADIUS_M)
    display_name: str | None = Field(None, max_length=100, description="public")
    email: Email | None = Field(None, description="private; staff of the town only")

    @model_validator(mode="after")
    def _consistent(self) -> ProposalCreate:
        if (self.min_area_m2 is not None and self.max_area_m2 is not None
                and self.min_area_m2 > self.max_area_m2):
            raise ValueError("max_area_m2: the area range is inverted (min_area_m2 > max_area_m2)")
        wishes = [name for name in ("vacancy_id", "area", "location") if getattr(self, name) is not None]
        if len(wishes) != 1:
            raise ValueError("give exactly one of vacancy_id, area, or location with radius_m; "
                             f"got {', '.join(wishes) or 'none'}")
        if (self.location is None) != (self.radius_m is None):
            raise ValueError("radius_m: location and radius_m go together")
        return self


class Rejection(Strict):
    reason: str = Field(min_length=1, max_length=1000, description="shown to the author")


class ContactMessage(Strict):
    """Staff write to an idea's author; the reply goes to the staff member's own address."""

    subject: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=5000)


class ContactSent(Out):
    proposal_id: int
    status: Literal["queued"] = "queued"


class Withdrawal(Strict):
    reason: str | None = Field(None, max_length=1000)


class SupportCreate(PublicPost):
    pass


class SupportResult(Strict):
    proposal_id: int
    support_count: int


# 202 answers to a filled-in honeypot (PublicPost.website): they look accepted, nothing is stored
class SupportReceived(Out):
    """Received; the count is not given."""

    proposal_id: int
    support_count: None


class ProposalReceived(Out):
    """Received; held back."""

    id: None
    status: Literal["received"]


class FlagCreate(PublicPost):
    reason: FlagReason
    comment: str | None = Field(None, max_length=1000)


class FlagResult(Strict):
    proposal_id: int
    received: bool = True


# The views list their keys in the order the service writes them (fits_count last, added by the
# matching flow), so a body reads as before the routes declared models.
class _PublicFields(Out):
    id: int
    municipality: str = Field(description="AGS")
    title: str
    description: str
    category: Category
    min_area_m2: float | None
    max_area_m2: float | None
    needs_ground_floor: bool
    needs_shop_window: bool
    needs_step_free: bool
    duration: Duration
    max_rent_eur_m2: float | None
    vacancy_id: int | None
    area: dict[str, Any] | None = Field(description="GeoJSON Polygon (WGS84)")
    location: dict[str, Any] | None = Field(description="GeoJSON Point (WGS84)")
    radius_m: int | None
    display_name: str | None
    status: ProposalStatus
    support_count: int
    created_at: datetime
    published_at: datetime | None


class _ModerationFields(_PublicFields):
    hidden: bool = Field(description="hidden by flags until staff decide")
    open_flags: int
    rejection_reason: str | None
    decided_at: datetime | None


class _StaffFields(_ModerationFields):
    contactable: bool = Field(description='"Kontakt aufnehmen" reaches the author (a confirmed '
                              "address; the address itself is never shown)")
    vacancy_address: str | None = Field(description="the pinned shop's street and house number")


FitsCount = Annotated[int, Field(description="published vacancies passing the hard filters")]


class PinnedReason(Out):
    code: str
    de: str
    en: str


class PinnedFit(Out):
    """Whether the pinned shop passes the proposal's hard filters (and so counts in
    ``fits_count``); when not, why."""

    vacancy_id: int
    fits: bool
    reasons: list[PinnedReason]


PinnedFitField = Annotated[PinnedFit | None, Field(
    description="null unless pinned to a vacancy in a public status")]


class ProposalPublic(_PublicFields):
    """What everybody reads of a proposal."""

    fits_count: FitsCount
    pinned_fit: PinnedFitField


class ProposalModeration(_ModerationFields):
    """The working group's view: with the moderation state, without the author's e-mail."""

    fits_count: FitsCount
    pinned_fit: PinnedFitField


class ProposalStaff(_StaffFields):
    """Staff of the town and admins: also whether the author can be contacted, and the pinned shop's
    address."""

    fits_count: FitsCount
    pinned_fit: PinnedFitField


# the most specific first; each view forbids the others' keys, so exactly one fits a body
ProposalView = ProposalStaff | ProposalModeration | ProposalPublic


class ProposalList(Out):
    proposals: list[ProposalView]
    limit: int
    offset: int


class ProposalSubmitted(ProposalPublic):
    """The author's answer: the public view and the private status link (shown only here)."""

    status_token: str
    status_url: str
    status_page: str


class ProposalAuthorStatus(Out):
    """What the author's status link shows: no e-mail, no other private field."""

    id: int
    title: str
    status: ProposalStatus
    rejection_reason: str | None
    support_count: int
    hidden: bool
    created_at: datetime
    published_at: datetime | None
    decided_at: datetime | None


class FlagOut(Out):
    reason: FlagReason
    comment: str | None
    created_at: datetime


class ProposalFlagged(_StaffFields):
    """A published proposal with open flags, in the review queue (staff of the town, admins)."""

    flags: list[FlagOut]
    fits_count: FitsCount
    pinned_fit: PinnedFitField
