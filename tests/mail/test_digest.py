"""The daily digest against a real SMTP server (aiosmtpd): opted-in staff get one mail per
day with their town's tasks and absolute links, a second run the same day sends nothing, staff
who did not opt in get none, and a record due for re-checking keeps coming back until it is
marked "noch aktuell". No citizen's address, owner contact or internal note is in a mail."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from app import cli
from app.config import Settings
from app.mail import digest
from tests.accounts.test_login import PASSWORD, csrf_of, login
from tests.helpers.participation import SECRET_EMAIL, new_vacancy, report_body
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.review.test_tasks import make_stale

OWNER = "priv-owner-digest@example.invalid"
NOTES = "priv-notes-digest-geheim"
BASE = "http://leerstand.test"
DAY = dt.date(2026, 12, 2)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"public_url": BASE, "digest_hour": 0})


def opt_in(client, email: str, on: bool = True) -> None:
    answer = login(client, email)
    assert answer.headers.get("location") == "/verwaltung", (email, answer.status_code)
    page = client.get("/verwaltung")
    assert "Tägliche Zusammenfassung per E-Mail" in page.text
    data = {"csrf_token": csrf_of(page.text), **({"taeglich": "on"} if on else {})}
    answer = client.post("/verwaltung/zusammenfassung", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text[-600:]
    client.post("/abmelden", data={"csrf_token": csrf_of(client.get("/verwaltung").text)})


def schedule(session, day: dt.date) -> list[dict]:
    report = digest.schedule(session=session, base_url=BASE, day=day)
    session.commit()
    return report


@pytest.fixture
def world(client, users, session):
    staff = users.token("staff", SCHMOELLN, email="amt@schmoelln.example", password=PASSWORD)
    users.token("staff", SCHMOELLN, email="kollege@schmoelln.example", password=PASSWORD)
    users.token("staff", JENA, email="amt@jena.example", password=PASSWORD)
    opt_in(client, "amt@schmoelln.example")
    opt_in(client, "amt@jena.example")  # Jena has nothing to do: no mail
    opt_in(client, "kollege@schmoelln.example")
    opt_in(client, "kollege@schmoelln.example", on=False)  # switched off again
    client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    stale = new_vacancy(client, staff, street="Altstraße", house_number="7",
                        owner_contact=OWNER, internal_notes=NOTES)
    make_stale(session, stale)
    return {"staff": staff, "stale": stale}


def test_opted_in_staff_get_one_digest_a_day(world, client, session, worker, sink):
    assert worker.schedule_digests() == 1  # the worker's own step (hour 0: due now)
    assert worker.deliver_due() == 2  # and the citizen's confirmation mail
    assert worker.schedule_digests() == 0  # the same day again: nothing
    again = schedule(session, dt.datetime.now(digest.BERLIN).date())
    assert {t["ags"]: (t["open"], t["queued"]) for t in again} == {SCHMOELLN: (2, 0), JENA: (0, 0)}
    assert worker.deliver_due() == 0
    digests = [(m, rcpts) for m, (_, rcpts) in zip(sink.messages, sink.envelopes, strict=True)
               if str(m["Subject"]).startswith("Offene Aufgaben")]
    assert [rcpts for _, rcpts in digests] == [["amt@schmoelln.example"]]
    mail = digests[0][0]
    assert str(mail["Subject"]) == "Offene Aufgaben in Schmölln"
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for body in (plain, html):
        assert "Neue Meldungen von Bürgerinnen und Bürgern" in body
        assert "Altstraße 7" in body
        assert f"{BASE}/verwaltung" in body
        assert f"{BASE}/verwaltung/{SCHMOELLN}#leerstand-{world['stale']}" in body
        for private in (SECRET_EMAIL, OWNER, NOTES):
            assert private not in body
    assert "Erneut prüfen (1)" in plain


def _digests(sink):
    return [m.get_body(("plain",)).get_content() for m in sink.messages
            if str(m["Subject"]).startswith("Offene Aufgaben")]


def test_the_stale_record_returns_daily_until_verified(world, client, session, worker, sink):
    schedule(session, DAY)
    schedule(session, DAY + dt.timedelta(days=1))
    worker.deliver_due()
    assert len(_digests(sink)) == 2
    assert all("Altstraße 7" in body for body in _digests(sink))
    verified = client.post(f"/api/v1/vacancies/{world['stale']}/verify", json={"version": 1},
                           headers=bearer(world["staff"]))
    assert verified.status_code == 200
    schedule(session, DAY + dt.timedelta(days=2))
    worker.deliver_due()
    assert len(_digests(sink)) == 3  # the open report is still there
    last = _digests(sink)[-1]
    assert "Altstraße 7" not in last and "Erneut prüfen" not in last


def test_dry_run_queues_nothing(world, settings, session, monkeypatch, capsys):
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    assert cli.main(["mail", "digest", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Schmölln (16077043): 2 offene Aufgaben, 1 Empfänger" in out
    assert "amt@" not in out
    assert session.execute(text("SELECT count(*) FROM mail_message WHERE kind = 'digest'")).scalar() == 0
    assert cli.main(["mail", "digest"]) == 0
    assert "1 neu in den Postausgang" in capsys.readouterr().out
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM mail_message WHERE kind = 'digest'")).scalar() == 1
