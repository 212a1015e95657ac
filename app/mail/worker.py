"""The mail worker: claims due mails one at a time (``FOR UPDATE SKIP LOCKED``), sends each
over one reused SMTP connection and records the outcome in the same transaction.

A mail's row stays locked while it is being sent. When the process dies, PostgreSQL rolls the
transaction back: the mail is still ``queued`` and the next worker sends it — unless the server
had already answered 250 and the commit had not happened yet (milliseconds; docs/mail.md). Any
number of workers (threads of ``leerstand serve``, ``leerstand worker`` processes) share the
queue; SKIP LOCKED keeps them off each other's mails."""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.mail import digest, service
from app.mail.models import MailMessage, MailRecipient, MailState
from app.mail.smtp import Connection, build_message, is_permanent

log = logging.getLogger(__name__)
RETRY_BASE_S = 30.0  # 30 s, 1 min, 2 min … capped at RETRY_MAX_S
RETRY_MAX_S = 6 * 3600.0
MAX_ATTEMPTS = 12  # about a day and a half of retries, then the mail is given up
POLL_S = 2.0
PURGE_EVERY_S = 600.0
TRANSIENT = (smtplib.SMTPException, OSError)


def backoff_s(attempts: int, base_s: float = RETRY_BASE_S) -> float:
    return min(base_s * 2 ** max(attempts - 1, 0), RETRY_MAX_S)


class MailWorker:
    def __init__(self, *, engine: Engine, settings: Settings, retry_base_s: float = RETRY_BASE_S,
                 poll_s: float = POLL_S, max_attempts: int = MAX_ATTEMPTS) -> None:
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.settings = settings
        self.retry_base_s = retry_base_s
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self._smtp: Connection | None = None

    def deliver_due(self) -> int:
        """Send every due mail; returns how many were handled. Stops early while the server
        is unreachable (the mail that found out waits for its retry)."""
        handled = 0
        try:
            while (outcome := self._deliver_one()) is not None:
                handled += 1
                if outcome == "retry":
                    break
        finally:
            self.close()
        return handled

    def purge(self) -> int:
        with self.sessions.begin() as session:
            return service.purge_unconfirmed(session=session,
                                             days=self.settings.unconfirmed_email_days)

    def schedule_digests(self) -> int:
        with self.sessions.begin() as session:
            return digest.schedule_due(session=session, settings=self.settings)

    def weekly(self) -> int:
        """The working group's weekly summary, once per account and ISO week (app.mail.weekly)."""
        from app.mail.weekly import send_weekly

        with self.sessions.begin() as session:
            return len(send_weekly(session=session, base_url=digest.base_url(self.settings)))

    def run(self, stop: threading.Event) -> None:
        """Until ``stop`` is set: deliver, then wait for new mail (``leerstand worker``, or the
        thread inside ``leerstand serve``). A mail in flight is finished before it stops."""
        next_purge = 0.0
        log.info("mail worker started")
        while not stop.is_set():
            try:
                if (now := time.monotonic()) >= next_purge:
                    if purged := self.purge():
                        log.info("erased %s unconfirmed e-mail address(es)", purged)
                    if digests := self.schedule_digests():
                        log.info("queued %s daily digest(s)", digests)
                    self.weekly()
                    next_purge = now + PURGE_EVERY_S
                if self.settings.smtp is not None:
                    self.deliver_due()
            except Exception as error:  # the database went away: try again after the pause
                log.warning("mail worker: %s; retrying in %s s", type(error).__name__, self.poll_s)
            stop.wait(self.poll_s)
        log.info("mail worker stopped")

    def _connection(self) -> Connection:
        if self._smtp is None:
            target = self.settings.smtp
            assert target is not None
            self._smtp = Connection(target, self.settings.smtp_timeout_s)
        return self._smtp

    def close(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
            self._smtp = None

    def _deliver_one(self) -> str | None:
        with self.sessions.begin() as session:
            row = session.execute(
                select(MailMessage, MailRecipient.email).join(MailRecipient)
                .where(MailMessage.state == MailState.queued,
                       MailMessage.next_attempt_at <= func.now(),
                       MailRecipient.unsubscribed_at.is_(None))
                .order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1)
                .with_for_update(of=MailMessage, skip_locked=True)).first()
            if row is None:
                return None
            message, email = row
            return self._send(session, message, email)

    def _send(self, session: Session, message: MailMessage, email: str) -> str:
        message.attempts += 1
        try:
            self._connection().send(build_message(
                mail_from=self.settings.mail_from, to=email, subject=message.subject,
                text=message.text_body, html=message.html_body,
                unsubscribe_url=message.unsubscribe_url, reply_to=message.reply_to,
                message_key=f"mail-{message.id}.{message.unsubscribe_token_hash[:16]}"))
        except TRANSIENT as error:
            self.close()
            return self._failed(message, error)
        message.state = MailState.sent
        message.sent_at = func.now()
        message.last_error = None
        session.flush()
        log.info("mail %s (%s) sent", message.id, message.kind)
        return "sent"

    def _failed(self, message: MailMessage, error: Exception) -> str:
        # the error's class and SMTP code only: a server's message may quote the address
        code = getattr(error, "smtp_code", None)
        message.last_error = f"{type(error).__name__}{f' {code}' if code else ''}"
        if is_permanent(error) or message.attempts >= self.max_attempts:
            message.state = MailState.failed
            log.warning("mail %s (%s) given up: %s", message.id, message.kind, message.last_error)
            return "failed"
        delay = backoff_s(message.attempts, self.retry_base_s)
        message.next_attempt_at = func.now() + timedelta(seconds=delay)
        log.warning("mail %s (%s) not sent (%s); retry in %.0f s", message.id, message.kind,
                    message.last_error, delay)
        return "retry"
