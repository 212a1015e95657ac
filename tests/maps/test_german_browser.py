"""Every number a map page shows is in German format, and the controls and instructions speak
German: Leaflet's zoom buttons, Geoman's drawing hints, "Tippen" on touch screens."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import Api, login, set_view
from tests.helpers.german import english_numbers, visible_english_numbers
from tests.helpers.participation import proposal_body
from tests.helpers.towns import CENTRES, SCHMALKALDEN, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
# what the place fields show: "50,89528° N, 12,35404° O"
PLACE = re.compile(r"^\d{2},\d{5}° N, \d{1,2},\d{5}° O$")


def test_the_number_check_catches_english_and_raw_numbers():
    assert english_numbers(["30.0 bis 250.0 m²", "Miete 4.2 €/m²", "50.89770, 12.34820",
                            "höchstens 10000", "AGS 16053000"]) != []
    assert len(english_numbers("30.0 bis 250.0 m²")) == 2
    assert english_numbers(["1.250,5 m²", "höchstens 10.000", "am 31.12.2019", "Leaflet 1.9.3",
                            "50,89770° N", "4,2 €/m²", "1 Eintrag"]) == []


def _zoom_is_german(page) -> None:
    zoom_in, zoom_out = page.locator(".leaflet-control-zoom-in"), page.locator(".leaflet-control-zoom-out")
    expect(zoom_in).to_have_attribute("title", "Hineinzoomen")
    expect(zoom_in).to_have_attribute("aria-label", "Hineinzoomen")
    expect(zoom_out).to_have_attribute("title", "Herauszoomen")
    expect(zoom_out).to_have_attribute("aria-label", "Herauszoomen")
    attribution = page.locator(".leaflet-control-attribution").inner_html()
    assert "JavaScript library" not in attribution


def _click_map_at(page, lat: float, lon: float) -> None:
    point = page.evaluate("([lat, lon]) => { const p = window.leerstandLayer.map"
                          ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])



def _assert_german_numbers(page, where: str) -> None:
    bad = visible_english_numbers(page)
    assert bad == [], f"{where}: numbers in English format: {bad}"


def test_public_map_shows_every_number_in_german(live_server, users, page, guard):
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    shop = staff.create(feature(SCHMOELLN, lon + 0.0005, lat + 0.0003, street="Kommagasse",
                                house_number="7", floor_area_m2=1250.5, shop_window_m=3.5,
                                asking_rent_eur_m2=4.2, condition="ready"))
    # an idea pinned to the shop whose rent it cannot pay, and one for a place with radius
    staff.http.post("/api/v1/proposals", json=proposal_body(
        municipality=SCHMOELLN, title="Werkstatt", vacancy_id=shop["id"], max_rent_eur_m2=3.5,
        min_area_m2=30, max_area_m2=2500.5))
    area_idea = proposal_body(municipality=SCHMOELLN, title="Lesecafé", max_rent_eur_m2=5.5,
                              location={"type": "Point", "coordinates": [lon - 0.004, lat - 0.002]},
                              radius_m=150)
    staff.http.post("/api/v1/proposals", json=area_idea)
    for pending in staff.http.get("/api/v1/review", params={"municipality": SCHMOELLN}).json()[
            "pending_proposals"]:
        assert staff.http.post(f"/api/v1/proposals/{pending['id']}/publish").status_code == 200

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".vac-marker, .marker-cluster")
    expect(page.locator("#vacancy-count")).to_have_text("1 Leerstand")
    expect(page.locator("#proposal-count")).to_have_text("2 Ideen")
    _zoom_is_german(page)
    expect(page.locator("#report-form")).to_be_hidden()

    # the shop's popup with its score breakdown
    page.locator("#vacancy-list button", has_text="Kommagasse 7").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("1.250,5 m²")
    expect(popup).to_contain_text("4,2 €/m²")
    popup.get_by_role("button", name="Bewertung im Detail").click()
    expect(popup.locator(".breakdown-table")).to_be_visible()
    _assert_german_numbers(page, "vacancy popup")
    card = page.locator("#proposal-list .proposal-card", has_text="Werkstatt")
    expect(card).to_contain_text("4,2 €/m²")
    _assert_german_numbers(page, "proposal cards")

    # the idea's circle opens its card as a popup
    page.keyboard.press("Escape")
    set_view(page, lat - 0.002, lon - 0.004, 17)
    _click_map_at(page, lat - 0.002, lon - 0.004)
    expect(page.locator(".leaflet-popup-content .proposal-card")).to_contain_text("Lesecafé")
    _assert_german_numbers(page, "idea popup")

    # a report's place: German coordinates, latitude and longitude named
    page.click("#report-start")
    hint = page.locator("#report-form p.muted").first
    expect(hint).to_contain_text("klicken Sie")
    assert "tippen" not in hint.inner_text()
    _click_map_at(page, lat - 0.0021, lon - 0.0041)
    expect(page.locator("#r-location")).to_have_value(PLACE)
    _assert_german_numbers(page, "report form")

    # the proposal form with limits in its error messages
    page.click("#proposal-start")
    page.fill("#p-title", "Galerie")
    page.fill("#p-description", "Bilder")
    page.select_option("#p-category", "creative")
    page.fill("#p-max_area_m2", "100000000")
    page.fill("#p-max_rent_eur_m2", "5000")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-max_area_m2-error")).to_have_text("Der Wert ist zu groß (höchstens 100.000).")
    expect(page.locator("#p-max_rent_eur_m2-error")).to_have_text("Der Wert ist zu groß (höchstens 1.000).")
    page.fill("#p-max_area_m2", "")
    page.fill("#p-max_rent_eur_m2", "")
    _click_map_at(page, lat - 0.0021, lon - 0.0041)
    expect(page.locator("#p-location")).to_have_value(PLACE)
    page.fill("#p-radius_m", "20000")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-radius_m-error")).to_have_text("Der Wert ist zu groß (höchstens 10.000).")
    _assert_german_numbers(page, "proposal form with errors")
    guard.assert_clean()


def test_public_map_on_a_phone_says_tippen(live_server, users, phone_page, guard):
    Api(live_server.url, users.token("staff", SCHMOELLN)).create(
        feature(SCHMOELLN, street="Tippweg", floor_area_m2=99.5))
    phone_page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    phone_page.wait_for_selector(".vac-marker, .marker-cluster")
    _zoom_is_german(phone_page)
    phone_page.locator("#report-start").tap()
    hint = phone_page.locator("#report-form p.muted").first
    expect(hint).to_contain_text("tippen Sie")
    assert "klicken" not in hint.inner_text().lower()
    missing = phone_page.locator("#r-location").get_attribute("data-missing")
    assert "in die Karte tippen" in missing and "klicken" not in missing
    phone_page.locator("#proposal-start").tap()
    proposal_hint = phone_page.locator("#proposal-form p.muted").first.inner_text()
    assert "tippen Sie" in proposal_hint and "klicken" not in proposal_hint.lower()
    _assert_german_numbers(phone_page, "phone map")
    guard.assert_clean()


def test_staff_map_controls_and_geoman_speak_german(live_server, users, page, guard):
    users.token("staff", SCHMALKALDEN, email="deutsch@example.org", password=PASSWORD)
    # a named colleague: the history panel shows who created it (a generated address holds the AGS)
    Api(live_server.url, users.token("staff", SCHMALKALDEN, email="kollege@example.org")).create(
        feature(SCHMALKALDEN, street="Zahlenweg", floor_area_m2=12345.5))
    login(page, live_server.url, SCHMALKALDEN, "deutsch@example.org")
    page.wait_for_selector(".vac-marker, .marker-cluster")
    _zoom_is_german(page)
    expect(page.locator(".map-panel .notice")).to_contain_text("Klicken Sie")
    # a new vacancy's position in German
    lon, lat = CENTRES[SCHMALKALDEN]
    set_view(page, lat, lon, 16)
    _click_map_at(page, lat - 0.001, lon - 0.001)
    expect(page.locator("#editor-position")).to_have_text(re.compile(r"° N, .*° O$"))
    _assert_german_numbers(page, "staff map with the editor")

    # an existing vacancy's numbers in its form: decimal comma, and saved back unchanged
    page.locator("#vacancy-list button", has_text="Zahlenweg").click()
    expect(page.locator("#f-floor_area_m2")).to_have_value("12345,5")
    page.fill("#f-former_use", "Bäckerei")
    page.locator("#vacancy-form button[type=submit]").click()
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 2)")
    expect(page.locator("#f-floor_area_m2")).to_have_value("12345,5")
    _assert_german_numbers(page, "staff map with a vacancy's form")

    page.click("#close-editor")
    page.click("#core-draw")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    tooltip = page.locator(".leaflet-tooltip")
    expect(tooltip.first).to_contain_text("Klicken Sie")
    page.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4)
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.4)
    text = " ".join(tooltip.all_inner_texts())
    assert "Click" not in text and "marker" not in text.lower(), text
    assert "Ecke" in text, text
    _assert_german_numbers(page, "staff map while drawing")
    guard.assert_clean()
