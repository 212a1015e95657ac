"""The working group's weekly summary: opted-in accounts get it once per ISO week, others
nothing, and nothing private is in it."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import text

from app.mail.weekly import send_weekly
from tests.helpers.participation import SECRET_EMAIL, new_vacancy
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.mail.test_opt_in import proposal_body

GROUP = "ag@leerstand.example.org"
OTHER_GROUP = "ag-ohne@leerstand.example.org"
OWNER = "OWNER-MARKER-Frau Eigentümerin 0171"
NOTES = "NOTES-MARKER intern"


def test_weekly_summary_once_per_week_nothing_private(client, session, sink, worker, users,
                                                       settings):
    users.token("working_group", email=GROUP)
    users.token("working_group", email=OTHER_GROUP)
    token = users.token("staff", SCHMOELLN)
    vacancy_id = new_vacancy(client, token, street="Brüderstraße", owner_contact=OWNER,
                             internal_notes=NOTES)
    changed = client.patch(f"/api/v1/vacancies/{vacancy_id}", json={"properties": {
        "status": "reused"}}, headers={**bearer(token), "If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    proposal = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL)).json()
    assert client.post(f"/api/v1/proposals/{proposal['id']}/publish",
                       headers=bearer(token)).status_code == 200
    worker.deliver_due()
    sink.messages.clear()
    sink.envelopes.clear()

    # opting in from the command line
    run = subprocess.run([sys.executable, "-m", "app.cli", "mail", "weekly-opt-in", "--email",
                          GROUP], capture_output=True, text=True, timeout=120,
                         env={"LEERSTAND_DATABASE_URL": settings.database_url,
                              "LEERSTAND_SECRET_KEY": settings.secret_key,
                              "PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr

    monday = datetime(2026, 11, 30, 7, tzinfo=UTC)
    assert send_weekly(session=session, base_url="http://leerstand.example", now=monday) == [GROUP]
    session.commit()
    assert send_weekly(session=session, base_url="http://leerstand.example", now=monday) == []
    session.commit()
    worker.deliver_due()
    assert [to for _, to in sink.envelopes] == [[GROUP]]
    (mail,) = sink.messages
    assert str(mail["Subject"]) == "Wochenübersicht Leerstand: 2026-W49"
    body = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    for part in (body, html):
        assert "Schmölln" in part and "Brüderstraße" in part and "Repair-Café" in part
        assert "OWNER-MARKER" not in part and "NOTES-MARKER" not in part
        assert SECRET_EMAIL not in part
        assert "Wochenübersicht in Ihrem Konto bestellt" in part
    assert "Wieder genutzt" in body
    assert f"http://leerstand.example/karte/{SCHMOELLN}/leerstand/{vacancy_id}" in body

    # the next ISO week sends again
    assert send_weekly(session=session, base_url="http://leerstand.example",
                       now=datetime(2026, 12, 7, 7, tzinfo=UTC)) == [GROUP]
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM app_user WHERE weekly_summary")) == 1
