""""Meine Beiträge": the magic link lists one person's reports and ideas, nobody else's, and
asking for it reveals nothing about an address."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.helpers.participation import SECRET_EMAIL, report_body
from tests.mail.test_opt_in import link, proposal_body

OTHER_EMAIL = "max.beispiel@example.net"
ANSWER = "Wenn zu dieser Adresse Beiträge vorliegen, haben wir einen Link geschickt."
MAGIC = re.compile(r"http://testserver(/meine-beitraege/[A-Za-z0-9_-]+)")


def confirm_all(client, sink, worker) -> None:
    worker.deliver_due()
    for message in list(sink.messages):
        if str(message["Subject"]).startswith("Bitte bestätigen"):
            assert client.get(link(message, "/bestaetigen/")).status_code == 200
    worker.deliver_due()


def ask(client, email: str):
    form = client.get("/meine-beitraege")
    assert form.status_code == 200
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    return client.post("/meine-beitraege", data={"email": email, "csrf_token": csrf})


def magic_link(sink, email: str) -> str:
    (message,) = [m for m, (_, to) in zip(sink.messages, sink.envelopes, strict=True)
                  if to == [email] and "Meine Beiträge" in str(m["Subject"])]
    assert "Ihr Link zu „Meine Beiträge“" == str(message["Subject"])
    return MAGIC.search(message.get_body(("plain",)).get_content()).group(1)


def test_two_people_each_see_only_their_own(client, session, sink, worker, staff):
    report = client.post("/api/v1/reports", json=report_body(email=SECRET_EMAIL, consent=True))
    assert report.status_code == 201, report.text
    mine = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL,
                                                               title="Mein Stadtgarten"))
    theirs = client.post("/api/v1/proposals", json=proposal_body(email=OTHER_EMAIL,
                                                                 title="Fremdes Nähcafé"))
    assert mine.status_code == theirs.status_code == 201
    confirm_all(client, sink, worker)
    reject = client.post(f"/api/v1/reports/{report.json()['id']}/reject", headers=staff,
                         json={"reason": "Das Geschäft ist geöffnet."})
    assert reject.status_code == 200, reject.text
    # the status mails' footer links to the page
    assert "http://testserver/meine-beitraege" in sink.messages[-1].get_body(("plain",)).get_content()

    before = len(sink.messages)
    for email in (SECRET_EMAIL, "niemand@example.org"):
        answer = ask(client, email)
        assert answer.status_code == 200 and ANSWER in answer.text
    worker.deliver_due()
    assert len(sink.messages) == before + 2  # the rejection mail and one magic link
    page = client.get(magic_link(sink, SECRET_EMAIL))
    assert page.status_code == 200
    assert "Markt 5" in page.text and "Das Geschäft ist geöffnet." in page.text
    assert "Meldung abgelehnt" in page.text
    assert "Mein Stadtgarten" in page.text and "wird geprüft" in page.text
    assert mine.json()["status_page"] in page.text  # the private status link
    assert "e•••@example.org" in page.text
    assert SECRET_EMAIL not in page.text and "Fremdes Nähcafé" not in page.text
    assert OTHER_EMAIL not in page.text

    ask(client, OTHER_EMAIL)
    worker.deliver_due()
    other = client.get(magic_link(sink, OTHER_EMAIL))
    assert "Fremdes Nähcafé" in other.text and "Mein Stadtgarten" not in other.text
    assert "Markt 5" not in other.text and "Meine Meldungen" in other.text


def test_unconfirmed_gets_no_link_and_links_expire(client, session, sink, worker):
    client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL))
    worker.deliver_due()  # the confirmation mail only; not confirmed
    assert ANSWER in ask(client, SECRET_EMAIL).text
    worker.deliver_due()
    assert len(sink.messages) == 1

    assert client.get(link(sink.messages[0], "/bestaetigen/")).status_code == 200
    assert ANSWER in ask(client, SECRET_EMAIL).text
    worker.deliver_due()
    path = magic_link(sink, SECRET_EMAIL)
    assert client.get(path).status_code == 200
    session.execute(text("UPDATE mail_recipient SET contributions_token_expires_at = now()"))
    session.commit()
    expired = client.get(path, headers={"Accept": "text/html"})
    assert expired.status_code == 404 and "Seite nicht gefunden" in expired.text
    assert client.get("/meine-beitraege/" + "x" * 32).status_code == 404


def test_requests_per_address_are_limited(client):
    for _ in range(3):
        assert ask(client, SECRET_EMAIL).status_code == 200
    limited = ask(client, SECRET_EMAIL.upper())
    assert limited.status_code == 429
    assert ask(client, OTHER_EMAIL).status_code == 200  # another address still may
    bad = ask(client, "keine adresse")
    assert bad.status_code == 422 and "gültige E-Mail-Adresse" in bad.text
