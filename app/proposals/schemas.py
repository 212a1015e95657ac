"""Proposal API schemas (stable public names, see docs/participation.md)."""

from __future__ import annotations

from geojson_pydantic import Point, Polygon
from pydantic import Field, model_validator

from app.abuse.schemas import PublicPost
from app.proposals.models import Category, Duration, FlagReason
from app.schemas import AGS_PATTERN, Email, Strict

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


class Withdrawal(Strict):
    reason: str | None = Field(None, max_length=1000)


class SupportCreate(PublicPost):
    pass


class SupportResult(Strict):
    proposal_id: int
    support_count: int


class FlagCreate(PublicPost):
    reason: FlagReason
    comment: str | None = Field(None, max_length=1000)


class FlagResult(Strict):
    proposal_id: int
    received: bool = True
