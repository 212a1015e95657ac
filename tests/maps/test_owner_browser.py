"""The owner dialogue in the staff editor (/verwaltung/{ags}) in headless Chromium: consent and
next follow-up saved with the vacancy, the contacts log added by keyboard and deleted after a
confirmation, on a desktop and on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import Api, login
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _german(day: date) -> str:
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def test_staff_keeps_the_owner_dialogue_by_keyboard(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="owner@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    created = api.create(feature(SCHMOELLN, street="Eigentümerweg"))
    login(page, live_server.url, SCHMOELLN, "owner@example.org")
    page.locator("#vacancy-list button").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#editor-title")).to_contain_text("Eigentümerweg")
    expect(page.locator("#owner-contacts")).to_be_visible()
    expect(page.locator("#owner-contact-status")).to_have_text("Noch kein Kontakt eingetragen.")
    expect(page.locator("#oc-contacted_on")).to_have_value(date.today().isoformat())

    # consent and follow-up travel with the vacancy's own form
    follow_up = date.today() + timedelta(days=10)
    page.select_option("#f-owner_consent", "basic")
    page.fill("#f-next_follow_up", follow_up.isoformat())
    page.click("#save-vacancy")
    expect(page.locator("#editor-title")).to_contain_text("Version 2")
    props = api.get(created["id"])["properties"]
    assert props["owner_consent"] == "basic" and props["next_follow_up"] == follow_up.isoformat()

    # a contact logged with the keyboard alone
    page.locator("#oc-channel").focus()
    page.keyboard.press("ArrowDown")  # Telefon → per E-Mail
    page.keyboard.press("Tab")
    page.keyboard.type("Frau Besitzer")
    page.keyboard.press("Tab")
    page.locator("#oc-outcome").select_option("interested")
    page.locator("#oc-note").focus()
    page.keyboard.type("Will im Frühjahr vermieten.")
    page.locator("#add-owner-contact").focus()
    page.keyboard.press("Enter")
    entry = page.locator("#owner-contact-list li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(_german(date.today()) + " · per E-Mail")
    expect(entry).to_contain_text("per E-Mail · interessiert")
    expect(entry).to_contain_text("Gesprächspartner: Frau Besitzer")
    expect(entry).to_contain_text("Will im Frühjahr vermieten.")
    expect(page.locator("#oc-person")).to_have_value("")
    assert "Frau Besitzer" not in Api(live_server.url).http.get(
        f"/api/v1/vacancies/{created['id']}").text

    # deleting asks first, in the page; "Abbrechen" keeps it
    entry.get_by_role("button", name=re.compile("^Kontakt vom .* löschen$")).focus()
    page.keyboard.press("Enter")
    expect(entry).to_contain_text("Diesen Kontakt wirklich löschen?")
    page.keyboard.press("Tab")  # from "Ja, löschen" to "Abbrechen"
    page.keyboard.press("Enter")
    expect(entry.get_by_text("Diesen Kontakt wirklich löschen?")).to_be_hidden()
    expect(entry).to_have_count(1)
    entry.get_by_role("button", name=re.compile("^Kontakt vom .* löschen$")).click()
    entry.get_by_role("button", name="Ja, löschen").click()
    expect(page.locator("#owner-contact-status")).to_have_text("Kontakt gelöscht.")
    expect(entry).to_have_count(0)
    guard.assert_clean()


def test_owner_dialogue_on_a_phone(live_server, users, phone_page, guard):
    users.token("staff", SCHMOELLN, email="owner-phone@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    api.create(feature(SCHMOELLN, street="Telefonweg"))
    login(phone_page, live_server.url, SCHMOELLN, "owner-phone@example.org")
    phone_page.locator("#vacancy-list button").first.tap()
    expect(phone_page.locator("#editor-title")).to_contain_text("Telefonweg")
    phone_page.locator("#oc-person").scroll_into_view_if_needed()
    phone_page.locator("#oc-person").tap()
    phone_page.keyboard.type("Herr Lang-Name-Ohne-Umbruch-" + "x" * 60)
    phone_page.locator("#add-owner-contact").tap()
    entry = phone_page.locator("#owner-contact-list li")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Telefon · erreicht")
    box = phone_page.locator("#owner-contacts").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    entry_box = entry.bounding_box()
    assert entry_box and entry_box["x"] + entry_box["width"] <= 390
    # the empty date is refused on the page, in German, next to its field
    phone_page.fill("#oc-contacted_on", "")
    phone_page.locator("#add-owner-contact").tap()
    expect(phone_page.locator("#oc-contacted_on-error")).to_have_text("Bitte ein Datum angeben.")
    expect(entry).to_have_count(1)


def test_public_map_shows_a_basic_consent_as_location_and_status(
        live_server, users, page, guard, database_url):
    from sqlalchemy import create_engine, text
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    created = staff.create(feature(SCHMOELLN, street="Geheimgasse", description="Nur intern"))
    response = staff.http.patch(f"/api/v1/municipalities/{SCHMOELLN}",
                                json={"require_owner_consent": True})
    assert response.status_code == 200, response.text
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET owner_consent = 'basic' WHERE id = :id"),
                     {"id": created["id"]})
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    button = page.locator("#vacancy-list button").first
    expect(button).to_contain_text("Adresse nicht angegeben")
    button.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Leerstand")
    expect(popup.locator(".expose-link")).to_have_count(0)
    shown = popup.inner_text()
    assert "null" not in shown and "undefined" not in shown and "NaN" not in shown, shown
    assert "Geheimgasse" not in page.content() and "Nur intern" not in page.content()
    guard.assert_clean()
