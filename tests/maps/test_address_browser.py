"""Reporting and suggesting by address on the public map (issue 11, item 2): keyboard only on a
laptop screen (Tab, typing, arrow keys, Enter — no mouse), and on a phone with taps, where a tap
into the map fills the address from the town's house coordinates. The addresses come in through
the real import (a GeoJSON file), the pages ask the real search."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from app.addresses.importer import import_addresses
from tests.helpers.browser import Api, open_page
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LON, LAT = CENTRES[SCHMOELLN]
# (street, number, dlon, dlat) from the town centre
HOUSES = [("Brückenstraße", "3", 0.0004, 0.0002), ("Brückenstraße", "13", 0.0009, 0.0002),
          ("Markt", "1", -0.0003, -0.0001), ("Amtsplatz", "7", 0.0002, -0.0006)]


@pytest.fixture
def addresses(session, tmp_path) -> dict[tuple[str, str], tuple[float, float]]:
    points = {(s, n): (LON + dx, LAT + dy) for s, n, dx, dy in HOUSES}
    path = tmp_path / "hauskoordinaten.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(point)},
         "properties": {"strasse": s, "hausnummer": n, "plz": "04626"}}
        for (s, n), point in points.items()]}))
    report = import_addresses(session=session, path=path, ags=SCHMOELLN)
    assert report.created == len(HOUSES), report
    session.commit()
    return points


def _tab_to(page, selector: str, most: int = 60) -> None:
    """Press Tab until the element is focused, as a keyboard user does."""
    for _ in range(most):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def _shown_point(value: str) -> tuple[float, float]:
    lat, lon = (float(n.replace(",", ".")) for n in re.findall(r"\d+[.,]\d+", value)[:2])
    return lat, lon


def test_a_report_is_made_by_keyboard_alone_via_its_address(live_server, browser, guard, session,
                                                            addresses):
    context, page = open_page(browser, guard, viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".leaflet-container")
    _tab_to(page, "#report-start")
    page.keyboard.press("Enter")
    expect(page.locator("#report-form")).to_be_visible()
    _tab_to(page, "#r-address")
    # abbreviated, lower case, without the umlaut: still found
    page.keyboard.type("bruckenstr. 1")
    options = page.get_by_role("listbox", name="Gefundene Adressen").get_by_role("option")
    expect(options.first).to_be_visible()
    labels = options.all_text_contents()
    assert labels[0].startswith("Brückenstraße 13"), labels  # "1…" before other numbers
    page.keyboard.press("ArrowDown")
    expect(page.locator("#r-address")).to_have_attribute("aria-activedescendant", "r-address-options-0")
    page.keyboard.press("ArrowDown")  # the second suggestion: Brückenstraße 3
    page.keyboard.press("Enter")
    expect(page.locator("#r-address")).to_have_value("Brückenstraße 3")
    expect(page.locator("#r-location")).not_to_have_value("")
    lat, lon = _shown_point(page.locator("#r-location").input_value())
    want_lon, want_lat = addresses[("Brückenstraße", "3")]
    assert abs(lat - want_lat) < 1e-5 and abs(lon - want_lon) < 1e-5
    _tab_to(page, "#r-description")
    page.keyboard.type("Schaufenster seit März leer")
    _tab_to(page, "#report-form button[type=submit]")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/reports")
                              and r.request.method == "POST") as response:
        page.keyboard.press("Enter")
    assert response.value.status == 201
    expect(page.locator("#participate-status")).to_contain_text("Danke! Ihre Meldung ist eingegangen.")
    [(stored_lon, stored_lat, address)] = session.execute(text(
        "SELECT ST_X(v.location), ST_Y(v.location), v.street FROM vacancy v "
        "JOIN vacancy_report r ON r.vacancy_id = v.id")).all()
    assert abs(stored_lon - want_lon) < 1e-6 and abs(stored_lat - want_lat) < 1e-6
    assert address == "Brückenstraße 3"
    context.close()
    guard.assert_clean()


def test_a_place_based_idea_is_made_by_keyboard_alone_via_an_address(live_server, browser, guard,
                                                                     session, addresses):
    context, page = open_page(browser, guard, viewport={"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".leaflet-container")
    _tab_to(page, "#proposal-start")
    page.keyboard.press("Enter")
    _tab_to(page, "#p-place-search")
    page.keyboard.type("Amtsplaz 7")  # a typo
    expect(page.get_by_role("option").first).to_have_text(re.compile(r"^Amtsplatz 7, 04626"))
    page.keyboard.press("Enter")  # one clear match: Enter takes the first
    expect(page.locator("#p-location")).not_to_have_value("")
    _tab_to(page, "#p-title")
    page.keyboard.type("Nähcafé")
    page.keyboard.press("Tab")
    page.keyboard.type("Nähen und reparieren, jeden Samstag.")
    _tab_to(page, "#p-category")
    page.keyboard.press("ArrowDown")  # the first category
    _tab_to(page, "#proposal-form button[type=submit]")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/proposals")
                              and r.request.method == "POST") as response:
        page.keyboard.press("Enter")
    assert response.value.status == 201, response.value.text()
    [(stored_lon, stored_lat)] = session.execute(text(
        "SELECT ST_X(location), ST_Y(location) FROM proposal WHERE title = 'Nähcafé'")).all()
    want_lon, want_lat = addresses[("Amtsplatz", "7")]
    assert abs(stored_lon - want_lon) < 1e-6 and abs(stored_lat - want_lat) < 1e-6
    context.close()
    guard.assert_clean()


def test_escape_closes_the_suggestions_not_the_form(live_server, page, guard, addresses):
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.click("#report-start")
    page.locator("#r-address").press_sequentially("Markt")
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox", name="Gefundene Adressen")).to_be_hidden()
    expect(page.locator("#r-address")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#report-form")).to_be_visible()
    guard.assert_clean()


def test_a_tap_into_the_map_fills_the_address_on_a_phone(live_server, users, phone_page, guard,
                                                         addresses):
    page = phone_page
    # a known shop 10 m away (within the 30 m of the duplicate check): the hint is shown next
    # to the place, in the map
    Api(live_server.url, users.token("staff", SCHMOELLN)).create(
        feature(SCHMOELLN, LON + 0.00055, LAT + 0.0002, street="Brückenstraße", house_number="13"))
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".vac-marker")
    page.locator("#report-start").tap()
    lon, lat = addresses[("Brückenstraße", "3")]
    page.evaluate("([lat, lon]) => window.leerstandLayer.map.setView([lat, lon], 18, {animate: false})",
                  [lat, lon])
    page.evaluate("window.scrollTo(0, 0)")
    x, y = page.evaluate("""([lat, lon]) => {
        const p = window.leerstandLayer.map.latLngToContainerPoint([lat, lon]).add([3, -2]);
        return [p.x, p.y]; }""", [lat + 0.00001, lon])
    box = page.locator(".folium-map").bounding_box()
    page.touchscreen.tap(box["x"] + x, box["y"] + y)
    expect(page.locator("#r-address")).to_have_value("Brückenstraße 3")
    tooltip = page.locator(".duplicate-tooltip")
    expect(tooltip).to_contain_text("Schon bekannt? Brückenstraße 13")
    expect(tooltip).to_be_in_viewport()
    # a typed address is never overwritten by a later tap
    page.fill("#r-address", "Hinterhaus am Markt")
    page.touchscreen.tap(box["x"] + x + 30, box["y"] + y)
    page.wait_for_timeout(500)
    expect(page.locator("#r-address")).to_have_value("Hinterhaus am Markt")
    guard.assert_clean()
