"""Citizen report API schemas (stable public names, see docs/participation.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from geojson_pydantic import Point
from pydantic import ConfigDict, Field, model_validator

from app.abuse.schemas import PublicPost
from app.schemas import AGS_PATTERN, Email, Out, Strict
from app.vacancies.lifecycle import VacancyStatus

DUPLICATE_RADIUS_M = 30


class ReportCreate(PublicPost):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "location": {"type": "Point", "coordinates": [12.3550, 50.8953]}, "address": "Markt 5",
        "description": "Seit Monaten leer, Schaufenster zugeklebt",
    }]})

    municipality: str | None = Field(
        None, pattern=AGS_PATTERN, description="AGS; optional, found from the point when left out"
    )
    location: Point = Field(description="GeoJSON Point, WGS84 [lon, lat]")
    address: str = Field(min_length=1, max_length=200, description="address as the citizen knows it")
    description: str = Field(min_length=1, max_length=2000)
    hint: str | None = Field(None, max_length=500, description="how to recognise the place")
    email: Email | None = Field(None, description="private; only staff of the town see it")
    consent: bool = Field(False, description="consent to store the e-mail and be contacted")

    @model_validator(mode="after")
    def _email_needs_consent(self) -> ReportCreate:
        if self.email and not self.consent:
            raise ValueError("consent: an e-mail address is only stored with consent=true")
        return self


class Duplicate(Strict):
    id: int
    kind: Literal["vacancy", "report"]
    status: VacancyStatus
    street: str | None = Field(description="null for open reports (unverified text stays private)")
    house_number: str | None
    distance_m: float
    location: dict


class DuplicateList(Strict):
    radius_m: int = DUPLICATE_RADIUS_M
    duplicates: list[Duplicate]


class ReportCreated(Strict):
    id: int | None = Field(description="null when the request was not stored (honeypot)")
    status: Literal["reported", "received"]
    municipality: str | None
    duplicates: list[Duplicate]
    upload_token: str | None = Field(
        None, description="for POST /api/v1/reports/{id}/photos: up to 3 photos within an hour")


class ReportConfirm(Strict):
    status: Literal["vacant", "threatened"] = "vacant"


class ReportReject(Strict):
    reason: str = Field(min_length=1, max_length=1000)


class ReportDecision(Strict):
    id: int
    status: VacancyStatus
    version: int
    rejection_reason: str | None = None


class ReportForReview(Out):
    """An open report in the staff review queue. The reporter's address is shown to nobody:
    ``contactable`` tells whether the decision's mail reaches them."""

    id: int
    location: dict[str, Any] = Field(description="GeoJSON Point (WGS84)")
    address: str | None
    description: str | None
    hint: str | None
    contactable: bool = Field(description="the reporter left an address and confirmed it: "
                              "the mail of the decision reaches them")
    created_at: datetime
    version: int
    duplicates: list[Duplicate]
