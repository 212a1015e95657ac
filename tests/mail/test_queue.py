"""The queue's promises against a real SMTP server (aiosmtpd): a server that is down gets the
mail once it is up, a worker killed mid-queue loses and repeats nothing, user text cannot add
headers, and no citizen's address reaches a log line."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from email import message_from_string, policy

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import Settings
from app.database import make_engine
from app.mail import service
from app.mail.smtp import build_message
from app.mail.worker import MailWorker, backoff_s
from tests.helpers.participation import SECRET_EMAIL, point
from tests.helpers.participation import proposal_body as _proposal_body
from tests.helpers.server import ROOT, SECRET, free_port
from tests.helpers.smtp import smtp_server

ADDRESSES = [f"buerger{i}@example.org" for i in range(5)]


def queue_confirmations(database_url: str, addresses: list[str]) -> None:
    with Session(make_engine(database_url)) as session, session.begin():
        for email in addresses:
            service.enrol(session=session, email=email, what="report", days=7,
                          base_url="http://leerstand.test")


def states(session: Session) -> list[tuple[str, int]]:
    session.rollback()
    return [tuple(row) for row in session.execute(text(
        "SELECT state, attempts FROM mail_message ORDER BY id"))]


def test_smtp_down_then_up_delivers_once(settings, session, database_url):
    port = free_port()  # nothing listens here yet
    down = settings.model_copy(update={"smtp_url": f"smtp://127.0.0.1:{port}"})
    worker = MailWorker(engine=make_engine(database_url), settings=down, retry_base_s=0.2)
    queue_confirmations(database_url, ADDRESSES[:1])

    assert worker.deliver_due() == 1
    assert states(session) == [("queued", 1)]
    assert session.scalar(text("SELECT last_error FROM mail_message")) == "ConnectionRefusedError"
    assert worker.deliver_due() == 0  # backing off: not due yet

    with smtp_server(port) as (sink, _):
        time.sleep(0.3)
        assert worker.deliver_due() == 1
        time.sleep(0.5)
        assert worker.deliver_due() == 0
    assert len(sink.messages) == 1 and sink.envelopes[0][1] == ADDRESSES[:1]
    assert states(session) == [("sent", 2)]


def test_backoff_doubles_and_is_capped():
    assert [backoff_s(n, 30) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_s(40, 30) == 6 * 3600


def _worker_process(database_url: str, port: int, log_path) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("LEERSTAND_")}
    environ.update(PYTHONPATH=str(ROOT), LEERSTAND_DATABASE_URL=database_url,
                   LEERSTAND_SECRET_KEY=SECRET, LEERSTAND_SMTP_URL=f"smtp://127.0.0.1:{port}")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "-v", "worker", "--poll", "0.1"],
                            cwd=log_path.parent, env=environ, stdout=log_path.open("wb"),
                            stderr=subprocess.STDOUT)


def _wait_sent(session: Session, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        session.rollback()
        if session.scalar(text("SELECT count(*) FROM mail_message WHERE state = 'sent'")) == count:
            return
        time.sleep(0.1)
    raise AssertionError(f"not all mails sent: {states(session)}")


def test_worker_killed_mid_queue_loses_and_repeats_nothing(database_url, session, tmp_path):
    queue_confirmations(database_url, ADDRESSES)
    with smtp_server() as (sink, port):
        sink.hold_at = 3  # the third mail is in flight when the worker dies
        first = _worker_process(database_url, port, tmp_path / "first.log")
        try:
            assert sink.holding.wait(60), (tmp_path / "first.log").read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            first.kill()
        sink.release.set()  # the server refuses the orphaned DATA (451): nothing accepted
        assert [s for s, _ in states(session)] == ["sent", "sent", "queued", "queued", "queued"]

        second = _worker_process(database_url, port, tmp_path / "second.log")
        try:
            _wait_sent(session, len(ADDRESSES))
        finally:
            second.send_signal(signal.SIGTERM)  # graceful: ends after the mail in flight
            assert second.wait(timeout=30) == 0
    received = sorted(to for _, (to,) in sink.envelopes)
    assert received == sorted(ADDRESSES)  # each once: no loss, no duplicate
    assert len({m["Message-ID"] for m in sink.messages}) == len(ADDRESSES)
    logs = (tmp_path / "first.log").read_text() + (tmp_path / "second.log").read_text()
    assert "mail worker stopped" in logs
    assert not [email for email in ADDRESSES if email in logs]


def test_line_breaks_in_user_text_add_no_header(client, session, sink, worker, staff):
    title = "Repair-Café\r\nBcc: angreifer@example.org\r\n\r\nHallo"
    body = _proposal_body(location=point(), radius_m=500, email=SECRET_EMAIL, title=title)
    response = client.post("/api/v1/proposals", json=body)
    assert response.status_code == 201, response.text  # a title may have line breaks
    session.execute(text("UPDATE mail_recipient SET confirmed_at = now()"))
    session.execute(text("UPDATE mail_message SET state = 'queued'"))
    session.commit()
    worker.deliver_due()
    received = [m for m in sink.messages if "eingegangen" in str(m["Subject"])]
    assert len(received) == 1
    mail = received[0]
    assert mail["Bcc"] is None
    assert "\n" not in str(mail["Subject"]) and "\r" not in str(mail["Subject"])
    assert all(to == [SECRET_EMAIL] for _, to in sink.envelopes)


@pytest.mark.parametrize("subject", ["Hallo\r\nBcc: x@example.org", "Hallo\nX-Evil: 1"])
def test_the_mail_policy_refuses_raw_line_breaks(subject):
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        build_message(mail_from="Leerstand <l@example.org>", to="a@example.org", subject=subject,
                      text="x", html="<p>x</p>", unsubscribe_url="http://x/abbestellen/t",
                      message_key="m1")


@pytest.mark.parametrize("mail_from", ["Stadt\r\nBcc: x@example.org <l@example.org>",
                                       "keine-adresse"])
def test_a_bad_sender_setting_is_refused(mail_from):
    with pytest.raises(ValueError, match="LEERSTAND_MAIL_FROM"):
        Settings(_env_file=None, mail_from=mail_from)


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://mail.example.org?tls=1",
                                 "smtp://mail.example.org?starttls=ja", "smtp://:25"])
def test_a_bad_smtp_url_is_refused(url):
    with pytest.raises(ValueError, match="LEERSTAND_SMTP_URL"):
        Settings(_env_file=None, smtp_url=url)


def test_smtp_urls():
    target = Settings(_env_file=None, smtp_url="smtp://u%40s:p%3Aw@mail.example.org:587"
                      "?starttls=true").smtp
    assert (target.host, target.port, target.tls, target.username, target.password) == (
        "mail.example.org", 587, "starttls", "u@s", "p:w")
    assert "p:w" not in repr(target)
    ssl = Settings(_env_file=None, smtp_url="smtps://mail.example.org").smtp
    assert (ssl.port, ssl.tls) == (465, "ssl")


def test_no_address_in_any_log_line(client, session, sink, worker, staff, caplog):
    caplog.set_level(logging.DEBUG)
    body = _proposal_body(location=point(), radius_m=500, email=SECRET_EMAIL)
    created = client.post("/api/v1/proposals", json=body).json()
    worker.deliver_due()
    confirm = sink.messages[0].get_body(("plain",)).get_content()
    path = next(line for line in confirm.split() if "/bestaetigen/" in line)
    client.get(path.removeprefix("http://testserver"))
    client.post(f"/api/v1/proposals/{created['id']}/publish", headers=staff)
    client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL}, headers=staff)
    worker.deliver_due()
    assert len(sink.messages) >= 1
    assert any(r.name == "app.mail.worker" for r in caplog.records)  # the worker did log
    # "mail.log" is aiosmtpd, the test's SMTP server: a server logs its envelopes, the app not
    ours = [r for r in caplog.records if r.name != "mail.log"]
    assert [r.name for r in ours if SECRET_EMAIL in r.getMessage()] == []
    assert [r for r in caplog.records if r.name == "mail.log" and SECRET_EMAIL in r.getMessage()]


def test_a_received_mail_round_trips_as_standard_mail():
    message = build_message(mail_from="Stadt Schmölln <l@example.org>", to="a@example.org",
                            subject="Ihr Vorschlag „Café“", text="Hallo", html="<p>Hallo</p>",
                            unsubscribe_url="http://x/abbestellen/t", message_key="m1")
    parsed = message_from_string(message.as_string(), policy=policy.default)
    assert str(parsed["Subject"]) == "Ihr Vorschlag „Café“"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>Hallo</p>"
