"""Vacancy API schemas. Property names are a stable public interface (see README)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal

from geojson_pydantic import Point, Polygon
from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas import AGS_PATTERN, CRSMember, Strict
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.models import Condition, Consent, Floor, Willingness

PUBLIC_FIELDS = (
    "street", "house_number", "postcode", "floor_area_m2", "floor", "shop_window_m", "condition",
    "has_wc", "has_heating", "step_free", "former_use", "vacant_since", "status",
    "owner_interim_willing", "asking_rent_eur_m2", "description",
)
# private: the owner's contact details, the staff's notes, the owner's consent to publish and the
# next follow-up with the owner (the contacts log is a table of its own: app.vacancies.owner)
PRIVATE_FIELDS = ("owner_contact", "internal_notes", "owner_consent", "next_follow_up")
SCHEMA_VERSION = "1"
_STARTED = date.today()


class VacancyFields(Strict):
    """The editable facts of a vacancy; every one optional so a register can start small."""

    street: str | None = Field(None, max_length=200)
    house_number: str | None = Field(None, max_length=20, pattern=r"^[0-9][0-9a-zA-Z /\-]*$")
    postcode: str | None = Field(None, pattern=r"^[0-9]{5}$")
    floor_area_m2: float | None = Field(None, gt=0, le=100_000, description="usable floor area, m²")
    floor: Floor | None = None
    shop_window_m: float | None = Field(None, ge=0, le=1000, description="shop-window frontage, m")
    condition: Condition | None = None
    has_wc: bool | None = None
    has_heating: bool | None = None
    step_free: bool | None = None
    former_use: str | None = Field(None, max_length=200)
    vacant_since: date | None = None
    status: VacancyStatus | None = None
    owner_interim_willing: Willingness | None = None
    asking_rent_eur_m2: float | None = Field(None, ge=0, le=1000, description="€ per m² and month, cold")
    description: str | None = Field(None, max_length=5000)
    owner_contact: str | None = Field(None, max_length=1000, description="private")
    internal_notes: str | None = Field(None, max_length=10_000, description="private")
    owner_consent: Consent | None = Field(
        None, description="private: the owner's consent to publish (none, basic, full)")
    next_follow_up: date | None = Field(None, description="private: next contact with the owner")
    verified_at: datetime | None = Field(None, description="last on-site or owner check")
    footprint: Polygon | None = Field(None, description="optional building footprint (GeoJSON Polygon)")

    @field_validator("vacant_since")
    @classmethod
    def _not_future_date(cls, value: date | None) -> date | None:
        # dates before the process started are never in the future: no clock call for them
        # (an import validates 100,000 of them)
        if value is not None and value >= _STARTED and value > date.today():
            raise ValueError("vacant_since lies in the future")
        if value is not None and value.year < 1900:
            raise ValueError("vacant_since before 1900 is not plausible")
        return value

    @field_validator("verified_at")
    @classmethod
    def _not_future_time(cls, value: datetime | None) -> datetime | None:
        if value is not None:
            value = value if value.tzinfo else value.replace(tzinfo=UTC)
            if value > datetime.now(UTC):
                raise ValueError("verified_at lies in the future")
        return value


class VacancyCreateProperties(VacancyFields):
    municipality: str = Field(pattern=AGS_PATTERN, description="AGS of the municipality")
    status: VacancyStatus = VacancyStatus.vacant
    external_id: str | None = Field(None, max_length=100)


class VacancyUpdateProperties(VacancyFields):
    version: int | None = Field(None, ge=1, description="the version this edit is based on")


class VerifyRequest(Strict):
    version: int | None = Field(None, ge=1, le=2**31 - 1,
                                description="the version checked (or send If-Match)")


class VacancyCreate(Strict):
    # a shop near the market of Schmölln (an example for the API documentation)
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [12.3545, 50.8956]},
        "properties": {"municipality": "16077043", "street": "Markt", "house_number": "5",
                       "floor_area_m2": 85, "floor": "ground", "status": "vacant"},
    }]})

    type: Literal["Feature"]
    geometry: Point
    properties: VacancyCreateProperties
    crs: CRSMember | None = None
    id: Any = Field(None, description="ignored: the register assigns ids")


class VacancyUpdate(Strict):
    """A partial update: only the properties given are changed (``null`` clears a fact)."""

    type: Literal["Feature"] | None = None
    geometry: Point | None = None
    properties: VacancyUpdateProperties = Field(default_factory=VacancyUpdateProperties)
    crs: CRSMember | None = None
    id: Any = None


class HistoryEntry(BaseModel):
    version: int
    changed_at: datetime
    actor: str | None
    field: str
    old: Any
    new: Any
    redacted: bool = False


class History(BaseModel):
    vacancy_id: int
    entries: list[HistoryEntry]
