"""Supporting and flagging a published idea in Chromium: two people behind one address (two
browser contexts on loopback) both count, "Melden" sends a flag; on a phone with taps, and with
the keyboard alone on the idea's own page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.helpers.browser import Api, open_page
from tests.helpers.towns import CENTRES, SCHMOELLN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
IDEA = "Lastenrad-Verleih"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
THANKS = "Danke, die Stadtverwaltung sieht sich das an."


def _published_idea(live_server, users) -> int:
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    created = staff.http.post("/api/v1/proposals", json={
        "title": IDEA, "description": "Lastenräder zum Ausleihen am Markt.", "category": "social",
        "duration": "interim", "municipality": SCHMOELLN,
        "location": {"type": "Point", "coordinates": [lon, lat]}, "radius_m": 300})
    assert created.status_code == 201, created.text
    published = staff.http.post(f"/api/v1/proposals/{created.json()['id']}/publish")
    assert published.status_code == 200, published.text
    return created.json()["id"]


def _card(page, url: str):
    page.goto(f"{url}/karte/{SCHMOELLN}")
    card = page.locator("#proposal-list .proposal-card", has_text=IDEA)
    expect(card).to_be_visible()
    return card


def _at_least_44(locator) -> None:
    box = locator.bounding_box()
    assert box and box["width"] >= 44 and box["height"] >= 44, box


def test_two_people_on_one_connection_support_and_one_flags_with_taps(
        live_server, users, browser, guard, session):
    proposal_id = _published_idea(live_server, users)
    first_context, first = open_page(browser, guard, **PHONE)
    card = _card(first, live_server.url)
    expect(card.locator(".support-count")).to_have_text("0 Unterstützungen")
    support = card.get_by_role("button", name="Unterstützen")
    _at_least_44(support)
    _at_least_44(card.get_by_role("button", name="Melden"))
    support.tap()
    expect(card.locator(".support-count")).to_have_text("1 Unterstützung")
    expect(card).to_contain_text("Danke für Ihre Unterstützung!")

    # a second person in the same household: a browser of their own, the same address
    second_context, second = open_page(browser, guard, **PHONE)
    card = _card(second, live_server.url)
    expect(card.locator(".support-count")).to_have_text("1 Unterstützung")
    card.get_by_role("button", name="Unterstützen").tap()
    expect(card.locator(".support-count")).to_have_text("2 Unterstützungen")
    expect(card).to_contain_text("Danke für Ihre Unterstützung!")

    melden = card.get_by_role("button", name="Melden")
    melden.tap()
    form = card.locator("form.flag-form")
    expect(form).to_be_visible()
    for name in ("Meldung senden", "Abbrechen"):
        _at_least_44(form.get_by_role("button", name=name))
    _at_least_44(form.locator("label", has_text="Werbung/Spam"))
    form.locator("label", has_text="Werbung/Spam").tap()
    form.get_by_label("Bemerkung").fill("Reine Werbung für einen Verleih.")
    form.get_by_role("button", name="Meldung senden").tap()
    expect(card.locator(".flag-note")).to_have_text(THANKS)
    expect(form).to_be_hidden()
    flags = session.execute(text("SELECT proposal_id, reason, comment FROM proposal_flag")).all()
    assert [tuple(f) for f in flags] == [(proposal_id, "spam", "Reine Werbung für einen Verleih.")]

    melden.tap()
    form.locator("label", has_text="beleidigend").tap()
    form.get_by_role("button", name="Meldung senden").tap()
    expect(card.locator(".flag-note")).to_have_text("Sie haben diese Idee schon gemeldet.")
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal_flag")).scalar_one() == 1
    assert session.execute(text("SELECT support_count FROM proposal WHERE id = :id"),
                           {"id": proposal_id}).scalar_one() == 2
    first_context.close()
    second_context.close()
    guard.assert_clean()


def _tab_to(page, name: str, limit: int = 20) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_melden_on_the_ideas_own_page_with_the_keyboard_alone(
        live_server, users, browser, guard, session):
    proposal_id = _published_idea(live_server, users)
    context, page = open_page(browser, guard, **LAPTOP)
    page.goto(f"{live_server.url}/vorschlaege/{proposal_id}")
    melden = page.get_by_role("button", name="Melden")
    form = page.locator("form.flag-form")
    expect(form).to_be_hidden()

    _tab_to(page, "Melden")
    page.keyboard.press("Enter")
    expect(form).to_be_visible()
    expect(melden).to_have_attribute("aria-expanded", "true")
    expect(form.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(melden).to_be_focused()

    page.keyboard.press("Space")
    expect(form).to_be_visible()
    page.keyboard.press("Tab")  # nothing chosen yet: sending asks for a reason
    page.keyboard.press("Tab")
    expect(form.get_by_role("button", name="Meldung senden")).to_be_focused()
    page.keyboard.press("Enter")
    expect(form.locator(".form-alert")).to_have_text("Bitte wählen Sie einen Grund.")
    expect(form.get_by_role("radio").first).to_be_focused()
    # the reasons in the order of the label table; Space chooses the first, the arrows move on
    expect(form.get_by_role("radio")).to_have_count(3)
    assert [r.get_attribute("value") for r in form.get_by_role("radio").all()] == [
        "spam", "offensive", "personal_data"]
    page.keyboard.press("Space")
    expect(form.get_by_label("Werbung/Spam")).to_be_checked()
    page.keyboard.press("ArrowDown")
    expect(form.get_by_label("beleidigend")).to_be_checked()
    page.keyboard.press("Tab")
    expect(form.get_by_label("Bemerkung")).to_be_focused()
    page.keyboard.type("Beleidigt die Nachbarn.")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator(".flag-note")).to_have_text(THANKS)
    expect(form).to_be_hidden()
    expect(melden).to_be_focused()
    flags = session.execute(text("SELECT reason, comment FROM proposal_flag")).all()
    assert [tuple(f) for f in flags] == [("offensive", "Beleidigt die Nachbarn.")]
    context.close()
    guard.assert_clean()


def test_the_ideas_popup_on_the_map_has_melden_and_escape_closes_only_the_form(
        live_server, users, page, guard):
    _published_idea(live_server, users)
    _card(page, live_server.url)
    page.wait_for_selector("path.leaflet-interactive")
    lon, lat = CENTRES[SCHMOELLN]
    x, y = page.evaluate("""([lat, lon]) => {
        const p = window.leerstandLayer.map.latLngToContainerPoint([lat, lon]).round();
        return [p.x, p.y];
    }""", [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"]
    page.mouse.click(box["x"] + x, box["y"] + y)
    popup = page.locator(".leaflet-popup .proposal-card", has_text=IDEA)
    expect(popup).to_be_visible()
    expect(popup.locator(".support-count")).to_have_text("0 Unterstützungen")
    popup.get_by_role("button", name="Melden").click()
    form = popup.locator("form.flag-form")
    expect(form).to_be_visible()
    expect(form.get_by_role("radio").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(form).to_be_hidden()
    expect(popup).to_be_visible()  # the popup the form stands in stays open
    expect(popup.get_by_role("button", name="Melden")).to_be_focused()
    guard.assert_clean()
