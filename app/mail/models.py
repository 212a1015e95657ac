"""Mail tables: a citizen's address with its opt-in state, and the outbox every mail passes.

The outbox is the queue: a mail is a row written in the same transaction as the event it tells
of, and the worker claims rows with ``FOR UPDATE SKIP LOCKED`` (docs/mail.md says why not a job
library). Erasing an address deletes its row, and with it every mail held or queued for it."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, str_enum


class MailState(StrEnum):
    held = "held"  # waits for the address's confirmation (double opt-in)
    queued = "queued"  # the worker sends it from next_attempt_at on
    sent = "sent"  # the SMTP server accepted it
    cancelled = "cancelled"  # unsubscribed before it went out
    failed = "failed"  # the server refused it for good, or every retry failed


MAIL_STATE_LABELS = {
    MailState.held: "wartet auf Bestätigung", MailState.queued: "wartet auf Versand",
    MailState.sent: "verschickt", MailState.cancelled: "abbestellt", MailState.failed: "gescheitert",
}


class MailRecipient(Base):
    """Private: nobody but the worker and the admin outbox reads ``email``."""

    __tablename__ = "mail_recipient"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    confirm_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # "Meine Beiträge": the SHA-256 of the newest magic link's token and when it stops working
    contributions_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    contributions_token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class MailMessage(Base):
    __tablename__ = "mail_message"
    __table_args__ = (
        # one mail per event and recipient: a repeated event or a retried request adds none
        UniqueConstraint("event_key", "recipient_id", name="uq_mail_message_event_recipient"),
        Index("ix_mail_message_due", "next_attempt_at", postgresql_where=text("state = 'queued'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("mail_recipient.id", ondelete="CASCADE"), index=True)
    event_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(Text)
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    unsubscribe_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unsubscribe_url: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str | None] = mapped_column(String(320))  # staff's address (contact mails)
    state: Mapped[MailState] = mapped_column(str_enum(MailState, "mail_state"), default=MailState.queued)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(200))  # the error class, never an address
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
