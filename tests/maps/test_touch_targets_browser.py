"""Touch targets and colours of the public map on a phone (390×844, touch), measured in
Chromium: the main actions at least 44×44 CSS px, markers, radio buttons and check boxes at
least 24×24 (WCAG 2.2 target size), clusters in a colour unlike every status colour, and the
idea areas in the legend."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import Api, screenshot
from tests.helpers.participation import proposal_body
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MAIN_ACTION, SMALL_TARGET = 44, 24


def _arrange(live_server, users) -> None:
    """A lone shop (a marker), five shops a few metres apart (a cluster) and a published idea
    with a circle."""
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    staff.create(feature(SCHMOELLN, lon + 0.004, lat, street="Markt", house_number="1"))
    for i in range(5):
        staff.create(feature(SCHMOELLN, lon - 0.004 + 0.00002 * i, lat, street=f"Dichtgasse {i}"))
    created = staff.http.post("/api/v1/proposals", json=proposal_body(
        title="Wochenmarkt-Café", location={"type": "Point", "coordinates": [lon, lat + 0.002]},
        radius_m=100)).json()
    assert staff.http.post(f"/api/v1/proposals/{created['id']}/publish").status_code == 200


def _open_map(page, url: str) -> None:
    """The public map at zoom 16 on the centre: the lone shop a marker, the five a cluster."""
    lon, lat = CENTRES[SCHMOELLN]
    page.goto(f"{url}/karte/{SCHMOELLN}")
    expect(page.locator("#proposal-count")).to_have_text("1 Idee")
    page.wait_for_function("""([lat, lon]) => {
        const map = window.leerstandLayer && window.leerstandLayer.map;
        if (!map) return false;
        const there = map.getZoom() === 16 && Math.abs(map.getCenter().lat - lat) < 1e-5;
        if (!there) map.setView([lat, lon], 16, {reset: true});
        return there;
    }""", arg=[lat, lon], polling=100)
    page.wait_for_selector(".vac-marker")
    page.wait_for_selector(".marker-cluster")


def _size(locator) -> tuple[float, float]:
    box = locator.evaluate("n => { const r = n.getBoundingClientRect(); return [r.width, r.height]; }")
    return box[0], box[1]


def _at_least(locator, minimum: int, what: str) -> None:
    """The element measures at least minimum × minimum px; measured again for up to 5 s, as
    markers and clusters are redrawn while the map's data arrive."""
    page = locator.page
    for _ in range(10):
        expect(locator).to_be_visible()
        width, height = _size(locator)
        if width >= minimum and height >= minimum:
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"{what}: {width:.1f}×{height:.1f} px < {minimum}")


def _rgb(css: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", css)[:3])


def test_main_actions_markers_and_choices_are_big_enough_on_a_phone(live_server, users, phone_page, guard):
    _arrange(live_server, users)
    page = phone_page
    _open_map(page, live_server.url)

    _at_least(page.locator(".vac-marker").first, SMALL_TARGET, "marker")
    _at_least(page.locator(".marker-cluster").first, SMALL_TARGET, "cluster")
    for radio in page.locator("input[name=colour-by]").all():
        _at_least(radio, SMALL_TARGET, "radio button")
        _at_least(radio.locator("xpath=.."), SMALL_TARGET, "label of a radio button")
    _at_least(page.locator("#report-start"), MAIN_ACTION, "Leerstand melden")
    _at_least(page.locator("#proposal-start"), MAIN_ACTION, "Nutzungsidee vorschlagen")
    support = page.locator("#proposal-list .support-button").first
    expect(support).to_have_text("Unterstützen")
    _at_least(support, MAIN_ACTION, "Unterstützen")

    page.locator("#vacancy-list button", has_text="Markt 1").click()
    popup = page.locator(".leaflet-popup")
    _at_least(popup.get_by_role("button", name="Bewertung im Detail"), MAIN_ACTION, "Bewertung im Detail")
    _at_least(popup.get_by_role("button", name="Idee für diesen Laden vorschlagen"), MAIN_ACTION,
              "Idee für diesen Laden vorschlagen")
    close = popup.locator(".leaflet-popup-close-button")
    _at_least(close, MAIN_ACTION, "popup close")
    # the popup pans the map into view first; a click during that animation misses the button
    page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
    screenshot(page, "public-phone-popup")
    close.click()
    expect(popup).to_have_count(0)

    page.click("#report-start")
    _at_least(page.locator("#report-form button[type=submit]"), MAIN_ACTION, "Meldung absenden")
    _at_least(page.locator("#r-consent"), SMALL_TARGET, "consent check box")
    page.locator("#report-form .form-cancel").click()
    page.click("#proposal-start")
    _at_least(page.locator("#proposal-form button[type=submit]"), MAIN_ACTION, "Vorschlag absenden")
    for box in page.locator("#proposal-form input[type=checkbox]").all():
        _at_least(box, SMALL_TARGET, "check box")
    guard.assert_clean()


def test_clusters_differ_from_every_status_colour_and_the_legend_shows_idea_areas(
        live_server, users, page, guard):
    _arrange(live_server, users)
    _open_map(page, live_server.url)
    legend = page.locator(".map-legend")
    cluster = _rgb(page.locator(".marker-cluster div").first.evaluate(
        "n => getComputedStyle(n).backgroundColor"))
    for colouring in ("Stand des Leerstands", "Empfehlung der Bewertung"):
        page.get_by_label(colouring).check()
        expect(legend).to_contain_text("mehrere Einträge")
        colours = legend.locator(".swatch[class*=vac-]").evaluate_all(
            "ns => ns.map((n) => [n.parentNode.textContent, getComputedStyle(n).backgroundColor])")
        assert len(colours) >= 4, colours
        for name, colour in colours:
            assert math.dist(cluster, _rgb(colour)) > 90, f"cluster {cluster} looks like {name} {colour}"
    expect(page.locator(".marker-cluster span").first).to_have_css("color", "rgb(255, 255, 255)")

    idea = legend.locator("li", has_text="Gebiet einer Idee").locator(".line-swatch")
    expect(idea).to_have_css("border-top-style", "dashed")
    expect(idea).to_have_css("border-top-color", "rgb(106, 61, 154)")  # participation.js PROPOSAL_STYLE
    expect(legend).to_contain_text("mehrere Einträge")
    guard.assert_clean()
