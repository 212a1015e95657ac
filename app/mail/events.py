"""Which event sends which mail: called by the routers in the event's own transaction.

The domains (reports, proposals) know nothing of mail; their routers call these after the
write, on the same session, so the mail is queued exactly when the event is stored."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.mail import service
from app.mail.models import MailRecipient
from app.proposals.models import Proposal, ProposalContact, ProposalStatus
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.models import Vacancy
from app.vacancies.report_models import ReportContact

log = logging.getLogger(__name__)
PROPOSAL_MAILS = {
    ProposalStatus.published: "proposal_published",
    ProposalStatus.rejected: "proposal_rejected",
    ProposalStatus.realised: "proposal_realised",
}


def report_submitted(*, session: Session, vacancy: Vacancy, email: str | None, base_url: str,
                     days: int) -> None:
    if email:
        service.enrol(session=session, email=email, what="report", base_url=base_url, days=days)


def report_decided(*, session: Session, vacancy: Vacancy, ags: str, reason: str | None,
                   base_url: str) -> None:
    email = session.scalar(select(ReportContact.email).where(ReportContact.vacancy_id == vacancy.id))
    rejected = vacancy.status == VacancyStatus.rejected
    kind = "report_rejected" if rejected else "report_confirmed"
    service.notify(session=session, email=email, event_key=f"report:{vacancy.id}:{kind}", kind=kind,
                   base_url=base_url, context={
                       "address": vacancy.street, "reason": reason,
                       "vacancy_url": f"{base_url}/karte/{ags}/leerstand/{vacancy.id}"})


def _proposal_email(session: Session, proposal_id: int) -> str | None:
    return session.scalar(select(ProposalContact.email)
                          .where(ProposalContact.proposal_id == proposal_id))


def proposal_submitted(*, session: Session, proposal: Proposal, status_url: str, base_url: str,
                       days: int) -> None:
    """The confirmation link, and (held until confirmed) the private status link."""
    email = _proposal_email(session, proposal.id)
    if not email:
        return
    service.enrol(session=session, email=email, what="proposal", base_url=base_url, days=days)
    service.notify(session=session, email=email, event_key=f"proposal:{proposal.id}:received",
                   kind="proposal_received", base_url=base_url,
                   context={"title": proposal.title, "status_url": status_url})


def proposal_decided(*, session: Session, proposal: Proposal, base_url: str) -> None:
    kind = PROPOSAL_MAILS.get(proposal.status)
    if kind is None:  # withdrawn: the author asked for it or staff did it with them
        return
    service.notify(session=session, email=_proposal_email(session, proposal.id),
                   event_key=f"proposal:{proposal.id}:{kind}", kind=kind, base_url=base_url,
                   context={"title": proposal.title, "reason": proposal.rejection_reason,
                            "proposal_url": f"{base_url}/vorschlaege/{proposal.id}"})


def staff_contact(*, session: Session, proposal: Proposal, staff_email: str, subject: str,
                  message: str, base_url: str) -> None:
    """"Kontakt aufnehmen": the staff member's message to the idea's author, with Reply-To their
    own address. The author's address is never shown to them; the log line names no address."""
    email = _proposal_email(session, proposal.id)
    recipient = session.scalar(select(MailRecipient).where(
        MailRecipient.email == email.strip().lower())) if email else None
    if recipient is None or recipient.confirmed_at is None or recipient.unsubscribed_at is not None:
        raise Conflict("Die Person hat keine bestätigte E-Mail-Adresse angegeben.")
    service.enqueue(session=session, recipient=recipient, reply_to=staff_email,
                    event_key=f"contact:proposal:{proposal.id}:{secrets.token_hex(8)}",
                    kind="staff_contact", base_url=base_url,
                    context={"title": proposal.title, "contact_subject": subject, "message": message,
                             "proposal_url": f"{base_url}/vorschlaege/{proposal.id}"})
    log.info("Kontakt aufgenommen: proposal %s", proposal.id)
