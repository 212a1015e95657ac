"""One mail as the wire sees it, and a connection to the configured SMTP server (smtplib).

Headers are set through ``email.policy.SMTP``, which refuses CR or LF in a header value: user
text in a subject can never start a header of its own (``render.one_line`` makes it one line
before that, so a title with a line break still gets its mail)."""

from __future__ import annotations

import smtplib
import ssl
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, getaddresses
from typing import Self

from app.config import SmtpTarget

# the server refused the mail itself (5xx): sending it again would fail again
PERMANENT_CODES = range(500, 600)


def sender_address(mail_from: str) -> Address:
    (name, addr), = getaddresses([mail_from])
    username, _, domain = addr.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def build_message(*, mail_from: str, to: str, subject: str, text: str, html: str,
                  unsubscribe_url: str, message_key: str,
                  reply_to: str | None = None) -> EmailMessage:
    sender = sender_address(mail_from)
    username, _, domain = to.rpartition("@")
    message = EmailMessage(policy=SMTP)
    message["From"] = sender
    message["To"] = Address(username=username, domain=domain)
    if reply_to:  # a staff member's contact mail: the answer goes to them, not to the sender
        r_user, _, r_domain = reply_to.rpartition("@")
        message["Reply-To"] = Address(username=r_user, domain=r_domain)
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    # the same for every attempt: a mail sent twice (docs/mail.md) can be recognised
    message["Message-ID"] = f"<{message_key}@{sender.domain or 'localhost'}>"
    # RFC 8058: a one-click unsubscribe that mail programs offer as a button
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


class Connection:
    """An open SMTP session (TLS and login as the URL says), reused for many mails."""

    def __init__(self, target: SmtpTarget, timeout_s: float) -> None:
        if target.tls == "ssl":
            self.smtp: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout_s,
                                                       context=ssl.create_default_context())
        else:
            self.smtp = smtplib.SMTP(target.host, target.port, timeout=timeout_s)
        try:
            if target.tls == "starttls":
                self.smtp.starttls(context=ssl.create_default_context())
            if target.username:
                self.smtp.login(target.username, target.password or "")
        except BaseException:
            self.close()
            raise

    def send(self, message: EmailMessage) -> None:
        self.smtp.send_message(message)

    def close(self) -> None:
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def is_permanent(error: Exception) -> bool:
    """A refusal of this mail (5xx for its sender, recipient or content), not of the moment."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code in PERMANENT_CODES for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # the configuration is wrong, not the mail: retried once it is fixed
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code in PERMANENT_CODES
