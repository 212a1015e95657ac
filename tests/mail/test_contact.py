""""Kontakt aufnehmen": staff write to an idea's author; the address stays hidden, the reply
goes to the staff member."""

from __future__ import annotations

from tests.helpers.participation import SECRET_EMAIL
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import bearer
from tests.mail.test_opt_in import link, proposal_body

STAFF_EMAIL = "wirtschaft@schmoelln.example.org"


def test_contact_reaches_author_with_reply_to_staff(client, sink, worker, users, caplog):
    staff = bearer(users.token("staff", SCHMOELLN, email=STAFF_EMAIL))
    created = client.post("/api/v1/proposals", json=proposal_body(email=SECRET_EMAIL)).json()
    path = f"/api/v1/proposals/{created['id']}/contact"
    body = {"subject": "Rückfrage\r\nBcc: boese@example.org", "message": "Hätten Sie Zeit?\nGruß"}
    refused = client.post(path, headers=staff, json=body)  # not confirmed yet
    assert refused.status_code == 409
    assert "keine bestätigte E-Mail-Adresse" in refused.json()["detail"]
    view = f"/api/v1/proposals/{created['id']}"
    assert client.get(view, headers=staff).json()["contactable"] is False
    worker.deliver_due()
    assert client.get(link(sink.messages[0], "/bestaetigen/")).status_code == 200
    worker.deliver_due()
    shown = client.get(view, headers=staff)
    assert shown.json()["contactable"] is True and SECRET_EMAIL not in shown.text
    before = len(sink.messages)

    with caplog.at_level("INFO"):
        sent = client.post(path, headers=staff, json=body)
    assert sent.status_code == 202, sent.text
    assert SECRET_EMAIL not in sent.text
    assert "Kontakt aufgenommen" in caplog.text and SECRET_EMAIL not in caplog.text
    worker.deliver_due()
    (mail,) = sink.messages[before:]
    assert sink.envelopes[-1] == ("leerstand@example.org", [SECRET_EMAIL])
    assert str(mail["Reply-To"]) == STAFF_EMAIL
    assert str(mail["Subject"]) == "Rückfrage Bcc: boese@example.org"  # one line: no new header
    assert mail["Bcc"] is None
    assert "Hätten Sie Zeit?" in mail.get_body(("plain",)).get_content()


def test_contact_refusals(client, users, staff):
    created = client.post("/api/v1/proposals", json=proposal_body()).json()  # no address
    path = f"/api/v1/proposals/{created['id']}/contact"
    ok_body = {"subject": "Frage", "message": "Text"}
    assert client.post(path, headers=staff, json=ok_body).status_code == 409
    assert client.post(path, json=ok_body).status_code == 401
    other = bearer(users.token("staff", "16053000"))  # another town
    assert client.post(path, headers=other, json=ok_body).status_code in (403, 404)
    too_long = client.post(path, headers=staff, json={"subject": "x" * 201, "message": "Text"})
    assert too_long.status_code == 422
    too_long = client.post(path, headers=staff, json={"subject": "Frage", "message": "x" * 5001})
    assert too_long.status_code == 422
    assert client.post("/api/v1/proposals/999999/contact", headers=staff,
                       json=ok_body).status_code == 404
