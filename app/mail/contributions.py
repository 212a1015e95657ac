""""Meine Beiträge": a magic link by mail lists one person's reports and ideas with their states.

Asking for the link answers the same whatever the address (the page reveals nothing). Only a
confirmed, not unsubscribed address with at least one report or idea gets a mail; its link's
token is random, stored as SHA-256 only, and works for LEERSTAND_CONTRIBUTIONS_LINK_HOURS
(a newer request replaces it). It is not single-use: mail scanners open links before people do."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.mail import service
from app.mail.models import MailRecipient
from app.vacancies.lifecycle import PUBLIC_STATUSES

REPORTS_SQL = """
    SELECT v.id, v.street AS address, v.status, c.created_at, r.rejection_reason AS reason,
           m.ags
    FROM report_contact c JOIN vacancy v ON v.id = c.vacancy_id
    JOIN municipality m ON m.id = v.municipality_id
    LEFT JOIN vacancy_report r ON r.vacancy_id = v.id
    WHERE c.email = :email ORDER BY c.created_at DESC, v.id DESC
"""
PROPOSALS_SQL = """
    SELECT p.id, p.title, p.status, p.created_at, p.rejection_reason AS reason,
           p.hidden_at IS NULL AND p.status = 'published' AS public,
           (SELECT mm.text_body FROM mail_message mm WHERE mm.recipient_id = :rid
              AND mm.event_key = 'proposal:' || p.id || :suffix) AS received_mail
    FROM proposal_contact c JOIN proposal p ON p.id = c.proposal_id
    WHERE c.email = :email ORDER BY p.created_at DESC, p.id DESC
"""


def _has_contributions(session: Session, email: str) -> bool:
    return bool(session.scalar(text("""
        SELECT EXISTS (SELECT 1 FROM report_contact WHERE email = :email)
            OR EXISTS (SELECT 1 FROM proposal_contact WHERE email = :email)
    """), {"email": email}))


def request_link(*, session: Session, email: str, base_url: str, hours: int) -> bool:
    """Queue the mail with a fresh link when the address may have one; True if queued (the
    caller tells nobody which)."""
    email = email.strip().lower()
    recipient = session.scalars(select(MailRecipient).where(MailRecipient.email == email)
                                .with_for_update()).first()
    if (recipient is None or recipient.confirmed_at is None or recipient.unsubscribed_at is not None
            or not _has_contributions(session, email)):
        return False
    token = secrets.token_urlsafe(24)
    token_hash = service.hash_token(token)
    recipient.contributions_token_hash = token_hash
    recipient.contributions_token_expires_at = func.now() + timedelta(hours=hours)
    session.flush()
    return service.enqueue(
        session=session, recipient=recipient, event_key=f"contributions:{token_hash[:32]}",
        kind="contributions_link", base_url=base_url,
        context={"link": f"{base_url}{service.CONTRIBUTIONS_PAGE}/{token}", "hours": hours})


def mask(email: str) -> str:
    """e.g. ``e•••@example.org``: enough for a person to recognise their own address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"


def _status_link(mail_text: str | None) -> str | None:
    if not mail_text:
        return None
    found = service.STATUS_LINK.search(mail_text)
    return found.group(0) if found else None


def for_token(*, session: Session, token: str, base_url: str) -> dict[str, Any]:
    """The reports and ideas of the address whose link this is — nobody else's."""
    recipient = session.scalars(select(MailRecipient).where(
        MailRecipient.contributions_token_hash == service.hash_token(token),
        MailRecipient.contributions_token_expires_at > func.now())).first()
    if recipient is None:
        raise NotFound("this link is unknown or no longer valid", field="token")
    params = {"email": recipient.email, "rid": recipient.id, "suffix": ":received"}
    reports = [{**row, "url": f"{base_url}/karte/{row['ags']}/leerstand/{row['id']}"
                if row["status"] in PUBLIC_STATUSES else None}
               for row in session.execute(text(REPORTS_SQL), params).mappings()]
    proposals = [{**{k: v for k, v in row.items() if k != "received_mail"},
                  "url": f"{base_url}/vorschlaege/{row['id']}" if row["public"] else None,
                  "status_url": _status_link(row["received_mail"])}
                 for row in session.execute(text(PROPOSALS_SQL), params).mappings()]
    return {"email": mask(recipient.email), "reports": reports, "proposals": proposals,
            "expires_at": recipient.contributions_token_expires_at}
