"""The outbox: addresses with their double opt-in, and mails queued in the event's transaction.

A mail is written as a row by the same session (and so the same transaction) as the event it
tells of: a report stored means its mail is queued, a rolled-back request queues nothing. Until
its address is confirmed a mail is ``held``; confirming releases it, and an address never
confirmed is erased after LEERSTAND_UNCONFIRMED_EMAIL_DAYS together with what was held for it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.database import rowcount
from app.errors import NotFound
from app.mail.models import MailMessage, MailRecipient, MailState
from app.mail.render import render

CONFIRM_PAGE = "/bestaetigen/"
UNSUBSCRIBE_PAGE = "/abbestellen/"
# a link's secret (confirmation, unsubscribe, status token) is for its recipient only: the
# outbox shows the link without it, so an admin cannot confirm somebody else's address
SECRET_LINK = re.compile(
    r"(/(?:bestaetigen|abbestellen|vorschlaege/status|meine-beitraege)/)[A-Za-z0-9_-]+")

# the private status link of an idea, as its "received" mail carries it (only its hash is stored)
STATUS_LINK = re.compile(r"https?://\S+/vorschlaege/status/[A-Za-z0-9_-]+")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _recipient(session: Session, email: str) -> MailRecipient:
    """The address's row, made on first use (one row per address, also under concurrency)."""
    email = email.strip().lower()
    session.execute(insert(MailRecipient).values(email=email)
                    .on_conflict_do_nothing(index_elements=["email"]))
    return session.scalars(select(MailRecipient).where(MailRecipient.email == email)
                           .with_for_update()).one()


CONTRIBUTIONS_PAGE = "/meine-beitraege"


def recipient_for(session: Session, email: str) -> MailRecipient:
    """The address's row (made on first use), locked for this transaction."""
    return _recipient(session, email)


def _message(*, event_key: str, kind: str, context: dict[str, Any], base_url: str,
             reply_to: str | None = None) -> dict[str, Any]:
    """A mail's row (without recipient and state), rendered with its own unsubscribe link."""
    token = secrets.token_urlsafe(24)
    unsubscribe_url = f"{base_url}{UNSUBSCRIBE_PAGE}{token}"
    mail = render(kind, {**context, "unsubscribe_url": unsubscribe_url,
                         "contributions_url": base_url + CONTRIBUTIONS_PAGE})
    return {"event_key": event_key, "kind": kind, "subject": mail.subject, "text_body": mail.text,
            "html_body": mail.html, "unsubscribe_token_hash": hash_token(token),
            "unsubscribe_url": unsubscribe_url, "attempts": 0, "reply_to": reply_to}


def enqueue(*, session: Session, recipient: MailRecipient, event_key: str, kind: str,
            context: dict[str, Any], base_url: str, reply_to: str | None = None) -> bool:
    """Queue one mail (held until the address is confirmed); False when the address has
    unsubscribed or this event's mail to it exists already."""
    if recipient.unsubscribed_at is not None:
        return False
    confirmed = recipient.confirmed_at is not None or kind == "confirm"
    inserted = session.execute(insert(MailMessage).values(
        recipient_id=recipient.id, state=MailState.queued if confirmed else MailState.held,
        **_message(event_key=event_key, kind=kind, context=context, base_url=base_url,
                   reply_to=reply_to),
    ).on_conflict_do_nothing(constraint="uq_mail_message_event_recipient")
        .returning(MailMessage.id)).first()
    return inserted is not None


def enrol(*, session: Session, email: str, what: str, base_url: str,
          days: int) -> None:
    """The address of a new report or idea; an address not yet confirmed gets (once) the
    mail with its confirmation link. One statement on the write path (its cost, bench/mail):
    the address's row and, only where that row is new, its confirmation mail."""
    email = email.strip().lower()
    token = secrets.token_urlsafe(24)
    row = _message(event_key="confirm", kind="confirm", base_url=base_url,
                   context={"what": what, "days": days,
                            "confirm_url": f"{base_url}{CONFIRM_PAGE}{token}"})
    session.execute(text(_ENROL_SQL), {**row, "email": email, "confirm": hash_token(token)})


# the address's row and, only where that row is new (a known address had its mail already),
# its confirmation mail: one statement, one round trip on the write path
_ENROL_SQL = """
    WITH new_recipient AS (
        INSERT INTO mail_recipient (email, confirm_token_hash) VALUES (:email, :confirm)
        ON CONFLICT (email) DO NOTHING RETURNING id)
    INSERT INTO mail_message (recipient_id, state, event_key, kind, subject, text_body, html_body,
                              unsubscribe_token_hash, unsubscribe_url, attempts, reply_to)
    SELECT id, 'queued', :event_key, :kind, :subject, :text_body, :html_body,
           :unsubscribe_token_hash, :unsubscribe_url, :attempts, :reply_to FROM new_recipient
"""


def notify(*, session: Session, email: str | None, event_key: str, kind: str,
           context: dict[str, Any], base_url: str) -> bool:
    """A status mail to the address of a report or idea, if it left one."""
    if not email:
        return False
    return enqueue(session=session, recipient=_recipient(session, email), event_key=event_key,
                   kind=kind, context=context, base_url=base_url)


def confirm(*, session: Session, token: str) -> None:
    """Double opt-in, second step: the address is confirmed and its held mails go out."""
    recipient = session.scalars(select(MailRecipient).where(
        MailRecipient.confirm_token_hash == hash_token(token))).first()
    if recipient is None:
        raise NotFound("no address for this confirmation link", field="token")
    if recipient.confirmed_at is None:
        recipient.confirmed_at = func.now()
    session.execute(update(MailMessage).where(MailMessage.recipient_id == recipient.id,
                                              MailMessage.state == MailState.held)
                    .values(state=MailState.queued, next_attempt_at=func.now()))
    session.flush()


def unsubscribe(*, session: Session, token: str) -> None:
    """One click (RFC 8058): no more mail to this address; what is still queued is cancelled."""
    recipient_id = session.scalar(select(MailMessage.recipient_id).where(
        MailMessage.unsubscribe_token_hash == hash_token(token)))
    if recipient_id is None:
        raise NotFound("no address for this link", field="token")
    session.execute(update(MailRecipient).where(MailRecipient.id == recipient_id,
                                                MailRecipient.unsubscribed_at.is_(None))
                    .values(unsubscribed_at=func.now()))
    session.execute(update(MailMessage).where(
        MailMessage.recipient_id == recipient_id,
        MailMessage.state.in_([MailState.held, MailState.queued]))
        .values(state=MailState.cancelled))


def purge_unconfirmed(*, session: Session, days: int) -> int:
    """Addresses never confirmed within ``days`` are erased, with every mail held for them."""
    return rowcount(session, text("""
        DELETE FROM mail_recipient WHERE confirmed_at IS NULL
          AND created_at < now() - make_interval(days => :days)
    """), {"days": days})


def erase_unused(*, session: Session, email: str) -> int:
    """After a person's contacts were erased: their address, its confirmation state and every
    mail queued for it go too — unless a contact of another town still holds it."""
    email = email.strip().lower()
    still_used = session.scalar(text("""
        SELECT EXISTS (SELECT 1 FROM report_contact WHERE email = :email)
            OR EXISTS (SELECT 1 FROM proposal_contact WHERE email = :email)
    """), {"email": email})
    if still_used:
        return 0
    return rowcount(session, delete(MailRecipient).where(MailRecipient.email == email))


def outbox(*, session: Session, limit: int = 200) -> list[dict[str, Any]]:
    """The newest mails with their recipient, for the admins' outbox page."""
    rows = session.execute(select(
        MailMessage.id, MailMessage.kind, MailMessage.subject, MailMessage.text_body,
        MailMessage.state, MailMessage.attempts, MailMessage.created_at, MailMessage.sent_at,
        MailRecipient.email,
    ).join(MailRecipient).order_by(MailMessage.id.desc()).limit(limit)).mappings().all()
    return [{**row, "text_body": SECRET_LINK.sub(r"\1[…]", row["text_body"])} for row in rows]
