"""Every page and state under axe-core's WCAG 2.0/2.1/2.2 A and AA rules in headless Chromium,
on a laptop (1366×768) and a phone (390×844, touch): 0 violations, open forms, popups and
error states included. axe-core is a pinned copy in tests/vendor/axe-core (nothing downloads)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.config import PROJECT_DIR
from app.database import make_engine
from tests.helpers import images
from tests.helpers.browser import Api, login, open_page, set_view
from tests.helpers.participation import proposal_body
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature, full_feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
AXE = (PROJECT_DIR / "tests" / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "laptop": {"viewport": {"width": 1366, "height": 768}},
}
STAFF_EMAIL = "axe-staff@example.org"


@pytest.fixture(params=sorted(SCREENS))
def screen(request, browser, guard) -> Iterator:
    context, page = open_page(browser, guard, **SCREENS[request.param])
    yield page
    context.close()


class Audit:
    """Runs axe on the page's current state and collects what it finds, so one run of a test
    lists every violation of every state it visits."""

    def __init__(self, page) -> None:
        self.page = page
        self.found: list[str] = []

    def check(self, state: str, exclude: tuple[str, ...] = (), disable: tuple[str, ...] = ()) -> None:
        """``exclude``: CSS selectors axe skips; ``disable``: rule ids it does not run (each
        use says why)."""
        # page.evaluate runs through the DevTools protocol, which the page's CSP (nonces, no
        # inline script) does not govern; add_script_tag would insert an inline <script> that
        # the enforced policy blocks. The CSP itself is tested in test_csp_browser.py.
        # a popup fading in or out would be measured half transparent
        self.page.wait_for_function("() => document.getAnimations().every((a) => a.playState !== 'running')")
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.page.evaluate(AXE)
        violations = self.page.evaluate("""async ([values, exclude, disable]) => {
            const context = exclude.length ? {exclude: exclude.map((s) => [s])} : document;
            const rules = Object.fromEntries(disable.map((id) => [id, {enabled: false}]));
            const result = await axe.run(context, {runOnly: {type: "tag", values}, rules,
                                                   resultTypes: ["violations"]});
            return result.violations.map((v) => ({id: v.id, help: v.help, nodes: v.nodes.map(
                (n) => ({target: n.target.join(" "), summary: n.failureSummary}))}));
        }""", [WCAG_AA, list(exclude), list(disable)])
        for v in violations:
            for node in v["nodes"]:
                self.found.append(f"{state}: {v['id']} ({v['help']}) at {node['target']}\n"
                                  f"    {node['summary']}")

    def assert_clean(self) -> None:
        assert self.found == [], f"{len(self.found)} axe violations:\n" + "\n".join(self.found)


def _arrange(live_server, users) -> dict:
    """A town with a vacancy of every kind of popup, a published idea with an area, a pinned
    idea, a pending idea and a citizen report (the staff review lists)."""
    users.token("staff", SCHMOELLN, email=STAFF_EMAIL, password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    shop = staff.create(full_feature(SCHMOELLN, dx=0.0006, dy=0.0002, street="Markt", house_number="1",
                                     description="Helles Eckgeschäft"))
    # a cover photo: the public popup shows its thumbnail, the staff editor its gallery
    photo = staff.http.post(f"/api/v1/vacancies/{shop['id']}/photos", data={"caption": "Schaufenster"},
                            files={"file": ("markt.jpg", images.photo(), "image/jpeg")})
    assert photo.status_code == 201, photo.text
    staff.http.patch(f"/api/v1/photos/{photo.json()['id']}", json={"is_cover": True})
    staff.create(feature(SCHMOELLN, lon + 0.0012, lat, street="Brückenplatz", status="threatened"))
    staff.create(feature(SCHMOELLN, lon - 0.0012, lat, street="Ecke", status="interim_use"))
    area = staff.http.post("/api/v1/proposals", json=proposal_body(
        title="Wochenmarkt-Café", location={"type": "Point", "coordinates": [lon - 0.002, lat - 0.001]},
        radius_m=120)).json()
    pinned = staff.http.post("/api/v1/proposals", json=proposal_body(
        title="Repair-Café", vacancy_id=shop["id"], display_name="Nachbarschaftsverein",
        email="repair@example.org")).json()
    for created in (area, pinned):
        assert staff.http.post(f"/api/v1/proposals/{created['id']}/publish").status_code == 200
    staff.http.post("/api/v1/proposals", json=proposal_body(title="Tauschregal", vacancy_id=shop["id"],
                                                            email="verein@example.org"))
    report = staff.http.post("/api/v1/reports", json={
        "location": {"type": "Point", "coordinates": [lon + 0.0003, lat + 0.0003]},
        "address": "Markt 3", "description": "Seit Monaten leer", "municipality": SCHMOELLN})
    assert report.status_code == 201, report.text
    return {"shop": shop["id"], "area": area, "pinned": pinned}


def _map_ready(page) -> None:
    page.wait_for_selector(".vac-marker, .marker-cluster")
    expect(page.locator("#proposal-count")).to_have_text("2 Ideen")



def _close_popup(page) -> None:
    page.locator(".leaflet-popup-close-button").click()
    expect(page.locator(".leaflet-popup")).to_have_count(0)  # a fading popup still covers markers


def test_plain_pages(live_server, users, screen, guard):
    ids = _arrange(live_server, users)
    base, audit = live_server.url, Audit(screen)
    items = "/ogc/collections/vacancies/items"
    for path in ("/", "/ueber", "/hilfe/qgis", "/anmelden", f"/vorschlaege/{ids['pinned']['id']}",
                 ids["pinned"]["status_page"], "/ogc?f=html", "/ogc/conformance?f=html",
                 "/ogc/collections?f=html", "/ogc/collections/vacancies?f=html", f"{items}?f=html",
                 f"{items}/{ids['shop']}?f=html", "/gibt-es-nicht", "/karte/99999999",
                 "/meine-beitraege"):
        screen.goto(base + path)
        audit.check(path)

    screen.goto(base + "/anmelden")
    screen.fill("#email", STAFF_EMAIL)
    screen.fill("#password", "falsch-falsch-falsch")
    screen.locator("form.form button[type=submit]").click()
    expect(screen.locator("p.error[role=alert]")).to_be_visible()
    audit.check("/anmelden with a login error")

    screen.goto(base + "/meine-beitraege")
    screen.fill("#email", "niemand@example.org")
    screen.locator("form.form button[type=submit]").click()
    expect(screen.get_by_role("status")).to_contain_text("haben wir einen Link geschickt")
    audit.check("/meine-beitraege after asking")

    screen.goto(base + "/uebersicht")
    screen.wait_for_selector("#towns-table table")
    audit.check("/uebersicht")
    screen.locator("path.leaflet-interactive").first.click(force=True)  # a town's area
    expect(screen.locator(".leaflet-popup-content")).to_contain_text("Schmölln")
    audit.check("/uebersicht with a town's popup")
    audit.assert_clean()
    guard.assert_clean()


def test_public_map_in_every_state(live_server, users, screen, guard):
    ids = _arrange(live_server, users)
    lon, lat = CENTRES[SCHMOELLN]
    page, audit = screen, Audit(screen)
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    _map_ready(page)
    set_view(page, lat, lon, 16)
    audit.check("public map")

    page.locator("#vacancy-list button", has_text="Markt 1").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Helles Eckgeschäft")
    audit.check("vacancy popup")
    popup.get_by_role("button", name="Bewertung im Detail").click()
    expect(popup.locator(".score-breakdown")).to_be_visible()
    audit.check("vacancy popup with the score breakdown")
    _close_popup(page)

    page.get_by_label("Empfehlung der Bewertung").check()
    audit.check("coloured by recommendation")
    page.get_by_label("Stand des Leerstands").check()

    area = ids["area"]
    page.evaluate("""(id) => { const map = window.leerstandLayer.map; map.eachLayer((l) => {
        if (l.getRadius && l.getPopup && l.getPopup()) l.openPopup(); }); }""", area["id"])
    expect(popup).to_contain_text("Wochenmarkt-Café")
    audit.check("idea popup")
    _close_popup(page)

    page.click("#report-start")
    expect(page.locator("#report-form")).to_be_visible()
    audit.check("report form open")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#r-location-error")).to_be_visible()
    audit.check("report form submitted empty")
    page.locator("#report-form .form-cancel").click()

    page.click("#proposal-start")
    expect(page.locator("#proposal-form")).to_be_visible()
    audit.check("proposal form open")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-title-error")).to_be_visible()
    audit.check("proposal form submitted empty")
    audit.assert_clean()
    guard.assert_clean()


def test_staff_map_with_editor_and_review_lists(live_server, users, screen, guard, session):
    arranged = _arrange(live_server, users)
    session.execute(text("UPDATE mail_recipient SET confirmed_at = now()"))  # "Kontakt aufnehmen"
    session.commit()
    page, audit = screen, Audit(screen)
    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)
    page.wait_for_selector(".vac-marker, .marker-cluster")
    expect(page.locator("#review-reports")).to_contain_text("Markt 3")
    expect(page.locator("#review-pending")).to_contain_text("Tauschregal")
    audit.check("staff map with review lists")

    published = page.locator("#review-published form", has_text="Repair-Café")
    published.get_by_role("button", name="Passende Leerstände").click()
    expect(published.locator(".match").first).to_be_visible()
    audit.check("staff map with matches open")
    published.get_by_role("button", name="Kontakt aufnehmen", exact=True).click()
    expect(page.get_by_role("dialog", name="Kontakt aufnehmen")).to_be_visible()
    audit.check("staff contact dialog")
    page.keyboard.press("Escape")
    published.get_by_role("button", name="Zurückziehen").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    audit.check("staff asked before withdrawing an idea")
    page.keyboard.press("Escape")
    page.locator("#import-file").set_input_files({"name": "leer.geojson", "mimeType": "application/geo+json",
                                                 "buffer": b'{"type": "FeatureCollection", "features": [1]}'})
    page.get_by_role("button", name="Probelauf").click()
    expect(page.locator("table.import-problems")).to_be_visible()
    audit.check("staff import dry run with problems")

    page.locator("#vacancy-list button", has_text="Markt 1").click()
    expect(page.locator("#editor-title")).to_contain_text("Markt 1")
    expect(page.locator("#gallery-list li")).to_have_count(1)
    audit.check("staff editor open, with its photo gallery")
    page.fill("#f-floor_area_m2", "-5")
    page.click("#save-vacancy")
    expect(page.locator("#f-floor_area_m2-error")).to_be_visible()
    audit.check("staff editor with an error")
    expect(page.locator("#history-list li")).to_have_count(1)
    page.locator(".folium-map").click(position={"x": 280, "y": 80})  # unsaved: asks first
    expect(page.get_by_role("dialog", name="Ungespeicherte Änderungen verwerfen?")).to_be_visible()
    audit.check("staff editor: discard dialog")
    page.get_by_role("button", name="Weiter bearbeiten").click()
    Api(live_server.url, users.token("staff", SCHMOELLN)).patch(arranged["shop"], 1, floor_area_m2=70)
    page.fill("#f-floor_area_m2", "75")
    page.click("#save-vacancy")
    expect(page.locator("#merge-form")).to_be_visible()
    audit.check("staff editor: version comparison")
    page.click("#merge-save")  # saved: leaving the page asks nothing
    expect(page.locator("#merge-form")).to_be_hidden()
    response = page.goto(f"{live_server.url}/verwaltung/{JENA}")  # another town's: German 403
    assert response.status == 403
    audit.check("403 page")
    audit.assert_clean()
    guard.assert_clean()


# Violations inside the vendored viewers (static/vendor/swagger-ui, static/vendor/redoc) that
# cannot be fixed from outside without rewriting their styles: Swagger UI's HTTP-method badges
# (white on light green/blue/orange, color-contrast), its operation rows (a button holding the
# copy-path button, nested-interactive) and its small icon buttons, and ReDoc's small
# expand/copy controls (target-size). Every other rule runs on these pages; the page around
# them (lang) is the app's and passes.
SWAGGER_UI_RULES = ("color-contrast", "nested-interactive", "target-size")
REDOC_RULES = ("target-size",)


def test_api_viewers(live_server, screen, guard):
    audit = Audit(screen)
    screen.goto(f"{live_server.url}/docs")
    # the viewers build their page from the whole OpenAPI document: slow on a busy machine
    expect(screen.locator(".opblock-summary-path").first).to_be_visible(timeout=60_000)
    audit.check("/docs", disable=SWAGGER_UI_RULES)
    screen.goto(f"{live_server.url}/redoc")
    expect(screen.locator("redoc")).to_contain_text("/api/v1/vacancies", timeout=60_000)
    audit.check("/redoc", disable=REDOC_RULES)
    audit.assert_clean()
    guard.assert_clean()


def test_the_audit_finds_a_violation(live_server, page):
    """The harness can fail: an image without a text alternative is reported."""
    page.goto(f"{live_server.url}/ueber")
    page.evaluate("""() => { const img = document.createElement("img");
        img.src = "/static/vendor/leaflet/images/marker-icon.png";
        document.querySelector("main").append(img); }""")
    audit = Audit(page)
    audit.check("/ueber with an image without alt")
    assert any("image-alt" in line for line in audit.found), audit.found


def test_staff_home(live_server, users, screen, guard):
    """/verwaltung with task cards, the re-check list, after a "Noch aktuell" (the status line)
    and an admin's town chooser."""
    _arrange(live_server, users)
    base, audit = live_server.url, Audit(screen)
    lon, lat = CENTRES[SCHMOELLN]
    staff = Api(base, users.token("staff", SCHMOELLN))
    old = staff.create(feature(SCHMOELLN, lon + 0.002, lat, street="Altstraße"))["id"]
    stale = staff.http.post(f"/api/v1/vacancies/{old}/verify", json={"version": 1})
    assert stale.status_code == 200  # a staff record is verified; make it old again by SQL:
    with Session(make_engine(live_server.settings.database_url)) as session, session.begin():
        session.execute(text("UPDATE vacancy SET verified_at = now() - interval '400 days', "
                             "updated_at = now() - interval '400 days' WHERE id = :id"), {"id": old})
    screen.goto(base + "/anmelden")
    screen.fill("#email", STAFF_EMAIL)
    screen.fill("#password", PASSWORD)
    screen.locator("form.form button[type=submit]").click()
    screen.wait_for_url(base + "/verwaltung")
    audit.check("/verwaltung")
    screen.get_by_role("button", name="Noch aktuell: Altstraße").click()
    expect(screen.locator("#recheck-status")).to_contain_text("bestätigt")
    audit.check("/verwaltung after Noch aktuell")
    screen.context.clear_cookies()
    users.token("admin", email="axe-admin@example.org", password=PASSWORD)
    screen.goto(base + "/anmelden")
    screen.fill("#email", "axe-admin@example.org")
    screen.fill("#password", PASSWORD)
    screen.locator("form.form button[type=submit]").click()
    screen.wait_for_url(base + "/verwaltung")
    audit.check("/verwaltung town chooser (admin)")
    audit.assert_clean()
    guard.assert_clean()


def test_statistics_pages(live_server, users, screen, guard):
    """/statistik/{ags} with its charts and every table open, with a bad period (the hint), and
    the comparison /statistik with its small charts and table."""
    _arrange(live_server, users)
    base, audit = live_server.url, Audit(screen)
    screen.goto(f"{base}/statistik/{SCHMOELLN}")
    screen.wait_for_selector("#chart-durations canvas")
    audit.check("/statistik/{ags}")
    for toggle in screen.locator(".table-toggle").all():
        toggle.click()
    expect(screen.locator("#table-durations table")).to_be_visible()
    audit.check("/statistik/{ags} with the tables")
    screen.goto(f"{base}/statistik/{SCHMOELLN}?from=2026-13")
    screen.wait_for_selector("#chart-counts canvas")
    audit.check("/statistik/{ags} with a bad period")
    screen.goto(f"{base}/statistik")
    screen.wait_for_selector("#small-multiples canvas")
    screen.locator(".table-toggle").click()
    expect(screen.locator("#table-multiples table")).to_be_visible()
    audit.check("/statistik")
    audit.assert_clean()
    guard.assert_clean()
