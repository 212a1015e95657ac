"""The owner dialogue: the contacts log per vacancy (date, channel, person, outcome, note).

Private to the town's staff and admins (``policy.sees_private``): not the working group, never a
public response, export or log line. The owner's consent and the next follow-up are private
fields of the vacancy itself (``PRIVATE_FIELDS``), changed through the vacancy's PATCH.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.accounts import policy
from app.accounts.models import User
from app.accounts.principal import Principal
from app.errors import Forbidden, InvalidInput, NotFound
from app.vacancies import query
from app.vacancies.models import OwnerContactEntry, Vacancy
from app.vacancies.owner_schemas import OwnerContactCreate, OwnerContactUpdate

REQUIRED = ("contacted_on", "channel", "outcome")

# the owner follow-ups due in a town (another staff list reads it): :town, :today
FOLLOW_UPS_DUE_SQL = """
    SELECT v.id, v.next_follow_up FROM vacancy v
    WHERE v.municipality_id = :town AND v.next_follow_up <= :today
    ORDER BY v.next_follow_up, v.id
"""


def _vacancy(*, session: Session, principal: Principal, vacancy_id: int) -> Vacancy:
    vacancy = query.get_readable(session=session, principal=principal, vacancy_id=vacancy_id)
    if not policy.sees_private(principal, vacancy.municipality_id):
        raise Forbidden("Eigentümerdaten sehen nur Mitarbeitende der Stadt")
    return vacancy


def _entry(*, session: Session, vacancy: Vacancy, entry_id: int) -> OwnerContactEntry:
    entry = session.get(OwnerContactEntry, entry_id) if 0 < entry_id < 2**31 else None
    if entry is None or entry.vacancy_id != vacancy.id:
        raise NotFound(f"kein Kontakteintrag {entry_id} zu Leerstand {vacancy.id}",
                       field="entry_id")
    return entry


def _as_dict(entry: OwnerContactEntry, email: str | None) -> dict[str, Any]:
    return {"id": entry.id, "vacancy_id": entry.vacancy_id, "contacted_on": entry.contacted_on,
            "channel": entry.channel, "person": entry.person, "outcome": entry.outcome,
            "note": entry.note, "created_by": email, "created_at": entry.created_at}


def _email(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.email).where(User.id == user_id)) if user_id else None


def contacts(*, session: Session, principal: Principal, vacancy_id: int) -> dict[str, Any]:
    """The owner dialogue of one vacancy: consent, next follow-up, the log newest first."""
    vacancy = _vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    rows = session.execute(
        select(OwnerContactEntry, User.email)
        .outerjoin(User, User.id == OwnerContactEntry.created_by_id)
        .where(OwnerContactEntry.vacancy_id == vacancy.id)
        .order_by(OwnerContactEntry.contacted_on.desc(), OwnerContactEntry.id.desc())
    ).all()
    return {"vacancy_id": vacancy.id, "owner_consent": vacancy.owner_consent,
            "next_follow_up": vacancy.next_follow_up,
            "entries": [_as_dict(entry, email) for entry, email in rows]}


def add_contact(*, session: Session, principal: Principal, vacancy_id: int,
                data: OwnerContactCreate) -> dict[str, Any]:
    vacancy = _vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    entry = OwnerContactEntry(vacancy_id=vacancy.id, municipality_id=vacancy.municipality_id,
                              created_by_id=principal.user_id, **data.model_dump())
    session.add(entry)
    session.flush()
    session.refresh(entry)
    return _as_dict(entry, _email(session, entry.created_by_id))


def update_contact(*, session: Session, principal: Principal, vacancy_id: int, entry_id: int,
                   changes: OwnerContactUpdate) -> dict[str, Any]:
    vacancy = _vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    entry = _entry(session=session, vacancy=vacancy, entry_id=entry_id)
    given = changes.model_dump(exclude_unset=True)
    for name in REQUIRED:
        if name in given and given[name] is None:
            raise InvalidInput(f"{name} kann nicht geleert werden", field=name)
    for name, value in given.items():
        setattr(entry, name, value)
    session.flush()
    return _as_dict(entry, _email(session, entry.created_by_id))


def delete_contact(*, session: Session, principal: Principal, vacancy_id: int,
                   entry_id: int) -> None:
    vacancy = _vacancy(session=session, principal=principal, vacancy_id=vacancy_id)
    session.delete(_entry(session=session, vacancy=vacancy, entry_id=entry_id))
    session.flush()


def follow_ups_due(*, session: Session, municipality_id: int,
                   today: date | None = None) -> list[tuple[int, date]]:
    """(vacancy id, next follow-up) of the town's vacancies whose follow-up is due."""
    rows = session.execute(text(FOLLOW_UPS_DUE_SQL),
                           {"town": municipality_id, "today": today or date.today()}).all()
    return [(row[0], row[1]) for row in rows]
