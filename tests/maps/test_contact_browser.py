"""Staff write to an idea's author from the review list ("Kontakt aufnehmen"), as a person does:
click the button, type into the dialog, send; the mail is queued with Reply-To the staff member."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.helpers.browser import Api, login
from tests.helpers.participation import SECRET_EMAIL, point, proposal_body
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

STAFF_EMAIL = "kontakt@schmoelln.example.org"


def _published_idea(live_server, users, page, session, shop=None):
    """A published idea whose author confirmed their address (and a shop, if given); the staff
    member logged in on the staff map; the idea's card in the review list."""
    users.token("staff", SCHMOELLN, email=STAFF_EMAIL, password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    if shop:
        staff.create(shop)
    created = staff.http.post("/api/v1/proposals", json=proposal_body(
        location=point(), radius_m=500, email=SECRET_EMAIL), headers={}).json()
    session.execute(text("UPDATE mail_recipient SET confirmed_at = now()"))
    session.commit()
    assert staff.http.post(f"/api/v1/proposals/{created['id']}/publish").status_code == 200

    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)
    published = page.locator("#review-published form", has_text="Repair-Café")
    return published


def test_contact_dialog_queues_a_mail_to_the_author(live_server, users, page, guard, session):
    published = _published_idea(live_server, users, page, session)
    published.get_by_role("button", name="Kontakt aufnehmen").click()
    dialog = page.get_by_role("dialog", name="Kontakt aufnehmen")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Die Antwort kommt an Ihre eigene E-Mail-Adresse")
    expect(dialog).not_to_contain_text(SECRET_EMAIL)
    expect(page.locator("#contact-subject")).to_be_focused()
    dialog.get_by_role("button", name="Nachricht senden").click()
    expect(dialog).to_contain_text("Bitte geben Sie einen Betreff ein.")

    page.keyboard.type("Ihr Repair-Café")
    page.keyboard.press("Tab")
    page.keyboard.type("Wir hätten einen Laden für Sie. Rufen Sie uns an?")
    dialog.get_by_role("button", name="Nachricht senden").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#review-status")).to_contain_text("Nachricht verschickt zum Vorschlag „Repair-Café“")
    session.rollback()
    row = session.execute(text("SELECT subject, reply_to, text_body FROM mail_message "
                               "WHERE kind = 'staff_contact'")).one()
    assert row.subject == "Ihr Repair-Café" and row.reply_to == STAFF_EMAIL
    assert "Wir hätten einen Laden für Sie." in row.text_body

    published.get_by_role("button", name="Kontakt aufnehmen").click()
    page.keyboard.press("Escape")  # the keyboard closes it again
    expect(dialog).to_be_hidden()



@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_contact_from_a_match_is_about_that_shop(live_server, users, screen, request, guard,
                                                 session):
    """"Kontakt aufnehmen" on a match, by keyboard alone, on a laptop and on a phone (390×844):
    the dialog names the shop, the subject carries its address (editable), and the mail goes to
    the idea's author with Reply-To the staff member."""
    page = request.getfixturevalue(screen)
    published = _published_idea(live_server, users, page, session,
                                shop=feature(street="Brückenstraße", house_number="12"))
    published.get_by_role("button", name="Passende Leerstände").focus()
    page.keyboard.press("Enter")
    published.get_by_role("button", name="Kontakt aufnehmen wegen Brückenstraße 12").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Kontakt aufnehmen")
    expect(dialog).to_contain_text("Zum Vorschlag „Repair-Café“ und dem Laden Brückenstraße 12.")
    subject = page.locator("#contact-subject")
    expect(subject).to_be_focused()
    expect(subject).to_have_value("Ein Laden für Ihre Idee „Repair-Café“: Brückenstraße 12")
    page.keyboard.press("Tab")
    page.keyboard.type("Der Laden wäre ab März frei.")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Nachricht senden")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    session.rollback()
    row = session.execute(text("SELECT subject, reply_to, text_body FROM mail_message "
                               "WHERE kind = 'staff_contact'")).one()
    assert row.subject == "Ein Laden für Ihre Idee „Repair-Café“: Brückenstraße 12"
    assert row.reply_to == STAFF_EMAIL and "Der Laden wäre ab März frei." in row.text_body
    assert SECRET_EMAIL not in page.content()
