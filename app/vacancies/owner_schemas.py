"""Schemas of the owner dialogue: the contacts log of a vacancy (private to the town's staff)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, field_validator

from app.schemas import Out, Strict
from app.vacancies.properties import Consent, ContactChannel, ContactOutcome

EARLIEST = date(2000, 1, 1)


def _plausible(value: date | None) -> date | None:
    if value is not None and value < EARLIEST:
        raise ValueError("Kontaktdatum vor 2000 ist nicht plausibel")
    if value is not None and value > date.today():
        raise ValueError("Kontaktdatum liegt in der Zukunft")
    return value


class OwnerContactCreate(Strict):
    contacted_on: date = Field(description="day of the contact")
    channel: ContactChannel
    person: str | None = Field(None, max_length=200, description="who was spoken to")
    outcome: ContactOutcome
    note: str | None = Field(None, max_length=5000)

    _date = field_validator("contacted_on")(_plausible)


class OwnerContactUpdate(Strict):
    """Only the keys given change; ``person`` and ``note`` may be cleared with null."""

    contacted_on: date | None = None
    channel: ContactChannel | None = None
    person: str | None = Field(None, max_length=200)
    outcome: ContactOutcome | None = None
    note: str | None = Field(None, max_length=5000)

    _date = field_validator("contacted_on")(_plausible)


class OwnerContact(Out):
    id: int
    vacancy_id: int
    contacted_on: date
    channel: ContactChannel
    person: str | None
    outcome: ContactOutcome
    note: str | None
    created_by: str | None = Field(description="e-mail of the staff member who logged it")
    created_at: datetime


class OwnerContacts(Out):
    """The vacancy's owner dialogue: consent, next follow-up and the log, newest first."""

    vacancy_id: int
    owner_consent: Consent
    next_follow_up: date | None
    entries: list[OwnerContact]
