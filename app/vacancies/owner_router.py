"""HTTP for the owner dialogue: the contacts log of a vacancy (staff of the town, admins)."""

from fastapi import APIRouter
from fastapi.responses import Response

from app.accounts.deps import UserDep
from app.deps import SessionDep
from app.responses import errors
from app.schemas import Id
from app.vacancies import owner
from app.vacancies.owner_schemas import (
    OwnerContact,
    OwnerContactCreate,
    OwnerContacts,
    OwnerContactUpdate,
)

router = APIRouter(prefix="/api/v1/vacancies/{vacancy_id}/owner-contacts", tags=["owner"],
                   responses=errors(401, 403, 404, 503))


@router.get("", response_model=OwnerContacts, summary="The owner dialogue of a vacancy")
def list_contacts(vacancy_id: Id, session: SessionDep, principal: UserDep) -> OwnerContacts:
    """Consent, next follow-up and the contacts log, newest first (private)."""
    return OwnerContacts.model_validate(
        owner.contacts(session=session, principal=principal, vacancy_id=vacancy_id))


@router.post("", status_code=201, response_model=OwnerContact, summary="Log a contact",
             responses=errors(422))
def add_contact(vacancy_id: Id, body: OwnerContactCreate, session: SessionDep,
                principal: UserDep) -> OwnerContact:
    return OwnerContact.model_validate(
        owner.add_contact(session=session, principal=principal, vacancy_id=vacancy_id, data=body))


@router.patch("/{entry_id}", response_model=OwnerContact, summary="Change a logged contact",
              responses=errors(422))
def update_contact(vacancy_id: Id, entry_id: Id, body: OwnerContactUpdate, session: SessionDep,
                   principal: UserDep) -> OwnerContact:
    return OwnerContact.model_validate(owner.update_contact(
        session=session, principal=principal, vacancy_id=vacancy_id, entry_id=entry_id,
        changes=body))


@router.delete("/{entry_id}", status_code=204, summary="Delete a logged contact")
def delete_contact(vacancy_id: Id, entry_id: Id, session: SessionDep,
                   principal: UserDep) -> Response:
    owner.delete_contact(session=session, principal=principal, vacancy_id=vacancy_id,
                         entry_id=entry_id)
    return Response(status_code=204)
