"""Double opt-in and status mails, end to end: the public API queues, a real SMTP server
(aiosmtpd) receives what the worker sends."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.helpers.participation import SECRET_EMAIL, point, report_body
from tests.helpers.participation import proposal_body as _proposal_body
from tests.helpers.towns import JENA
from tests.helpers.users import bearer

LINK = re.compile(r"http://testserver(/(?:bestaetigen|abbestellen|vorschlaege/status)/[A-Za-z0-9_-]+)")


def proposal_body(**fields) -> dict:
    return _proposal_body(location=point(), radius_m=500, **fields)


def mails(session, email: str = SECRET_EMAIL) -> list[dict]:
    session.rollback()  # a fresh snapshot: the app committed in its own sessions
    return [dict(r) for r in session.execute(text("""
        SELECT m.id, m.kind, m.state, m.text_body, m.attempts FROM mail_message m
        JOIN mail_recipient r ON r.id = m.recipient_id WHERE r.email = :email ORDER BY m.id
    """), {"email": email}).mappings()]


def link(message, prefix: str) -> str:
    body = message.get_body(("plain",)).get_content()
    return next(path for path in LINK.findall(body) if path.startswith(prefix))


def test_report_confirmation_then_status_mail(client, session, sink, worker, staff):
    response = client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    assert response.status_code == 201, response.text
    report_id = response.json()["id"]
    assert [(m["kind"], m["state"]) for m in mails(session)] == [("confirm", "queued")]

    assert worker.deliver_due() == 1
    (confirm,) = sink.messages
    assert sink.envelopes == [("leerstand@example.org", [SECRET_EMAIL])]
    assert str(confirm["Subject"]) == "Bitte bestätigen Sie Ihre E-Mail-Adresse"
    assert confirm.get_content_type() == "multipart/alternative"
    assert confirm["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://testserver/abbestellen/[A-Za-z0-9_-]+>",
                        confirm["List-Unsubscribe"].strip())
    assert "Stadt Schmölln" in str(confirm["From"])
    page = client.get(link(confirm, "/bestaetigen/"))
    assert page.status_code == 200
    assert "Ihre E-Mail-Adresse ist bestätigt" in page.text and SECRET_EMAIL not in page.text

    response = client.post(f"/api/v1/reports/{report_id}/reject", headers=staff,
                           json={"reason": "Das Geschäft ist geöffnet."})
    assert response.status_code == 200, response.text
    assert worker.deliver_due() == 1
    rejected = sink.messages[1]
    assert str(rejected["Subject"]) == "Ihre Leerstandsmeldung wurde nicht übernommen"
    assert "Das Geschäft ist geöffnet." in rejected.get_body(("plain",)).get_content()
    assert "Das Geschäft ist geöffnet." in rejected.get_body(("html",)).get_content()
    assert worker.deliver_due() == 0 and len(sink.messages) == 2


def test_unconfirmed_address_gets_no_status_mail(client, session, sink, worker, staff):
    created = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL)).json()
    assert [(m["kind"], m["state"]) for m in mails(session)] == [
        ("confirm", "queued"), ("proposal_received", "held")]
    assert client.post(f"/api/v1/proposals/{created['id']}/publish", headers=staff).status_code == 200
    worker.deliver_due()
    assert sink.subjects() == ["Bitte bestätigen Sie Ihre E-Mail-Adresse"]  # only this one
    assert [m["state"] for m in mails(session)] == ["sent", "held", "held"]

    # confirming releases what was held: the private status link and the publication
    assert client.get(link(sink.messages[0], "/bestaetigen/")).status_code == 200
    worker.deliver_due()
    assert sink.subjects()[1:] == ["Ihr Vorschlag „Repair-Café“ ist eingegangen",
                                   "Ihr Vorschlag „Repair-Café“ ist veröffentlicht"]
    status_link = link(sink.messages[1], "/vorschlaege/status/")
    assert status_link == created["status_page"]
    assert all(to == [SECRET_EMAIL] for _, to in sink.envelopes)


def test_unsubscribed_address_gets_nothing(client, session, sink, worker, staff):
    created = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL)).json()
    worker.deliver_due()
    confirm = sink.messages[0]
    assert client.get(link(confirm, "/bestaetigen/")).status_code == 200
    unsubscribe = confirm["List-Unsubscribe"].strip().strip("<>").removeprefix("http://testserver")
    page = client.get(unsubscribe)
    assert page.status_code == 200 and "<form" in page.text  # a GET (a link scanner) asks first
    # RFC 8058: the mail program POSTs this body, without cookies or CSRF token
    done = client.post(unsubscribe, content="List-Unsubscribe=One-Click",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "keine Nachrichten mehr" in done.text
    assert [m["state"] for m in mails(session)] == ["sent", "cancelled"]

    assert client.post(f"/api/v1/proposals/{created['id']}/publish", headers=staff).status_code == 200
    client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL, title="Zweite Idee"))
    worker.deliver_due()
    assert len(sink.messages) == 1
    assert [m["state"] for m in mails(session)] == ["sent", "cancelled"]  # nothing new queued


def test_unknown_links_are_german_404s(client):
    for path in ("/bestaetigen/" + "x" * 32, "/abbestellen/" + "x" * 32):
        html = {"Accept": "text/html"}
        response = client.request("GET" if path.startswith("/bestaetigen") else "POST", path,
                                  headers=html)
        assert response.status_code == 404
        assert "Seite nicht gefunden" in response.text


def test_unconfirmed_addresses_are_erased_after_the_setting(client, session, worker):
    client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL))
    assert worker.purge() == 0
    session.execute(text("UPDATE mail_recipient SET created_at = now() - interval '8 days'"))
    session.commit()
    assert worker.purge() == 1
    assert mails(session) == []
    assert session.scalar(text("SELECT count(*) FROM mail_message")) == 0


def test_erasing_a_person_removes_their_mails_and_confirmation(client, session, users, worker):
    client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL))
    client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    assert len(mails(session)) == 2
    admin = bearer(users.token("admin"))
    response = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["mail_addresses_deleted"] == 1
    assert mails(session) == []
    assert session.scalar(text("SELECT count(*) FROM mail_recipient")) == 0
    assert worker.deliver_due() == 0


def test_staff_erasure_keeps_an_address_another_town_still_holds(client, session, users, staff):
    client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL))  # Schmölln
    jena_report = report_body(JENA, email=SECRET_EMAIL, consent=True)
    assert client.post("/api/v1/reports", json=jena_report).status_code == 201
    response = client.post("/api/v1/privacy/erase", json={"email": SECRET_EMAIL}, headers=staff)
    assert response.json()["mail_addresses_deleted"] == 0
    assert len(mails(session)) == 2


def test_bad_addresses_are_refused_and_change_nothing(client, session):
    for email in ("erika\x00@example.org", "e" * 2000 + "@example.org", "erika@exa\r\nmple.org"):
        for url, body in (("/api/v1/reports", report_body(email=email, consent=True)),
                          ("/api/v1/proposals", proposal_body(email=email))):
            response = client.post(url, json=body)
            assert response.status_code == 422, (url, response.text)
            assert email not in response.text
    session.rollback()
    assert session.scalar(text("SELECT count(*) FROM mail_recipient")) == 0
    assert session.scalar(text("SELECT count(*) FROM report_contact")) == 0


def test_outbox_is_for_admins_and_hides_the_links_secrets(client, session, users, staff):
    created = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL)).json()
    html = {"Accept": "text/html"}
    assert client.get("/verwaltung/postausgang", headers=html,
                      follow_redirects=False).status_code == 303
    assert client.get("/verwaltung/postausgang", headers={**html, **staff}).status_code == 403
    page = client.get("/verwaltung/postausgang", headers={**html, **bearer(users.token("admin"))})
    assert page.status_code == 200
    assert SECRET_EMAIL in page.text and "Bitte bestätigen Sie Ihre E-Mail-Adresse" in page.text
    assert "/bestaetigen/[…]" in page.text and "/vorschlaege/status/[…]" in page.text
    assert created["status_token"] not in page.text
    assert "wartet auf Bestätigung" in page.text  # the held status mail
