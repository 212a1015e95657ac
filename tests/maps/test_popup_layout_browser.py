"""The public map on small and large screens (issue 11, item 3): a popup with its cover photo and
its score breakdown fits a 360 px and a 390 px wide phone, its main buttons are the topmost
element at their centre (nothing — legend, zoom buttons — lies over them), the legend folds on
phones; a report form names every missing field at once; "Meinen Standort verwenden" sets the
place with the device's position, and says in German why not when the position is refused or
outside the town."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.helpers import images
from tests.helpers.browser import Api, open_page
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.vacancies import full_feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PHONE = {"is_mobile": True, "has_touch": True, "device_scale_factor": 2}
SCREENS = {
    "phone-360": {"viewport": {"width": 360, "height": 640}, **PHONE},
    "phone-390": {"viewport": {"width": 390, "height": 844}, **PHONE},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}
# the element at the centre of a node is the node itself or inside it, and the node is on screen
TOPMOST = """(node) => {
    const r = node.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return {hit: !!hit && (hit === node || node.contains(hit)), who: hit ? hit.outerHTML.slice(0, 120) : null,
            inside: r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight,
            width: r.width};
}"""


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, guard) -> Iterator:
    context, page = open_page(browser, guard, **SCREENS[request.param])
    page.screen = request.param
    yield page
    context.close()


def _tap(page, selector: str) -> None:
    if page.screen.startswith("phone"):
        page.locator(selector).first.tap()
    else:
        page.locator(selector).first.click()


def _assert_topmost(page, selector: str) -> None:
    node = page.locator(selector).first
    node.scroll_into_view_if_needed()
    seen = node.evaluate(TOPMOST)
    assert seen["hit"], f"{selector} is covered by {seen['who']} on {page.screen}"
    assert seen["inside"], f"{selector} lies (partly) off-screen on {page.screen}"


def _open_shop(page, base_url: str) -> None:
    """Open the one shop's popup with the shop near the bottom-left corner of the map, where the
    legend lies (a marker under the legend is opened as from the list: by the page)."""
    page.goto(f"{base_url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".vac-marker")
    page.evaluate("""() => {
        const layer = window.leerstandLayer, map = layer.map;
        const marker = [...layer.markers.values()][0];
        const at = map.containerPointToLatLng([60, map.getSize().y - 40]);
        const c = map.getCenter(), m = marker.getLatLng();
        map.setView([c.lat + (m.lat - at.lat), c.lng + (m.lng - at.lng)], map.getZoom(), {animate: false});
        marker.openPopup();
    }""")
    expect(page.locator(".leaflet-popup .vacancy-popup")).to_be_visible()
    page.wait_for_timeout(400)  # Leaflet pans the popup into view


def test_a_vacancy_popup_with_its_breakdown_fits_and_is_not_covered(live_server, users, screen, guard):
    page = screen
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    shop = staff.create(full_feature(SCHMOELLN))
    photo = staff.http.post(f"/api/v1/vacancies/{shop['id']}/photos",
                            files={"file": ("laden.jpg", images.photo(), "image/jpeg")})
    assert photo.status_code == 201, photo.text  # the popup shows it as its cover
    _open_shop(page, live_server.url)
    expect(page.locator(".leaflet-popup .popup-cover")).to_be_visible()
    _assert_topmost(page, ".leaflet-popup .score-more")
    _assert_topmost(page, ".leaflet-popup .propose-here")
    _tap(page, ".leaflet-popup .score-more")
    expect(page.locator(".leaflet-popup .breakdown-table")).to_be_visible()
    page.wait_for_timeout(400)  # Leaflet pans the grown popup into view
    # the legend (open on a laptop) stepped aside while the popup is open
    expect(page.locator(".map-legend")).to_be_hidden()
    popup = page.locator(".leaflet-popup").bounding_box()
    width = page.viewport_size["width"]
    assert popup["x"] >= 0 and popup["x"] + popup["width"] <= width, (popup, width)
    _assert_topmost(page, ".leaflet-popup-close-button")
    _assert_topmost(page, ".leaflet-popup .propose-here")
    if page.screen.startswith("phone"):
        # the zoom buttons stepped aside while the popup is open, and come back after it
        expect(page.locator(".leaflet-control-zoom")).to_be_hidden()
        _tap(page, ".leaflet-popup-close-button")
        expect(page.locator(".leaflet-popup")).to_have_count(0)
        expect(page.locator(".leaflet-control-zoom")).to_be_visible()
    guard.assert_clean()


def test_the_legend_folds_on_a_phone_and_opens_with_a_tap(live_server, users, phone_page, guard):
    page = phone_page
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    legend = page.locator(".map-legend")
    expect(legend).to_be_visible()
    assert legend.evaluate("n => n.open") is False
    expect(legend.locator("li").first).to_be_hidden()
    legend.locator("summary").tap()
    expect(legend.locator("li").first).to_be_visible()
    guard.assert_clean()


def test_every_missing_field_of_a_report_is_named_at_once(live_server, page, guard):
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.click("#report-start")
    page.fill("#r-email", "jemand@example.org")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#r-description-error")).not_to_be_empty()
    assert not [url for url in posts if url.endswith("/api/v1/reports")], posts
    for field in ("r-location", "r-address", "r-description", "r-consent"):
        expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
        expect(page.locator(f"#{field}-error")).not_to_be_empty()
    expect(page.locator("#r-location-error")).to_contain_text("Stelle")
    expect(page.locator("#r-consent-error")).to_contain_text("Einwilligung")
    # focus is on the first field in error, for keyboard and screen-reader users
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    guard.assert_clean()


def _position_context(browser, guard, *, lat: float, lon: float, allow: bool):
    options = {"viewport": {"width": 390, "height": 844}, **PHONE, "geolocation":
               {"latitude": lat, "longitude": lon, "accuracy": 12}}
    if allow:
        options["permissions"] = ["geolocation"]
    return open_page(browser, guard, **options)


def test_my_position_sets_the_place_of_a_report(live_server, browser, guard):
    lon, lat = CENTRES[SCHMOELLN]
    context, page = _position_context(browser, guard, lat=lat + 0.0004, lon=lon - 0.0003, allow=True)
    try:
        page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
        page.locator("#report-start").tap()
        page.locator("#report-form .locate-me").tap()
        expect(page.locator("#report-form .locate-status")).to_contain_text("Ihr Standort ist gesetzt")
        expect(page.locator("#report-form .locate-status")).to_contain_text("12 m genau")
        expect(page.locator("#r-location")).not_to_have_value("")
        shown = page.locator("#r-location").input_value()
        numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+[.,]\d+", shown)]
        assert abs(numbers[0] - (lat + 0.0004)) < 1e-5 and abs(numbers[1] - (lon - 0.0003)) < 1e-5, shown
        # the map shows the place
        centre = page.evaluate(
            "(() => { const c = window.leerstandLayer.map.getCenter(); return [c.lat, c.lng]; })()")
        assert abs(centre[0] - (lat + 0.0004)) < 1e-4 and abs(centre[1] - (lon - 0.0003)) < 1e-4
        guard.assert_clean()
    finally:
        context.close()


@pytest.mark.parametrize("case", ["refused", "elsewhere"])
def test_my_position_refused_or_outside_the_town_says_why(live_server, browser, guard, case):
    lon, lat = CENTRES[JENA] if case == "elsewhere" else CENTRES[SCHMOELLN]
    context, page = _position_context(browser, guard, lat=lat, lon=lon, allow=case == "elsewhere")
    try:
        page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
        page.locator("#report-start").tap()
        page.locator("#report-form .locate-me").tap()
        expected = "nicht erlaubt" if case == "refused" else "außerhalb von Schmölln"
        expect(page.locator("#report-form .locate-status")).to_contain_text(expected)
        expect(page.locator("#r-location")).to_have_value("")
        guard.assert_clean()
    finally:
        context.close()
