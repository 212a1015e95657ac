"""Every kind of page under its Content-Security-Policy in headless Chromium: the policy blocks
nothing the pages need (no violation reported, the maps draw their markers), and a stored
<script> payload stays inert even where a script would put it into the page as markup."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import Api, login
from tests.helpers.participation import proposal_body
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
PAYLOAD = "<img src=x onerror=\"alert('img')\"><script>alert('script')</script>"


def _goto(page, url: str) -> str:
    """Open a page and return its enforced policy (which must be the strict one)."""
    response = page.goto(url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self' 'nonce-" in policy and "unsafe" not in policy, (url, policy)
    assert "default-src 'self'" in policy and "object-src 'none'" in policy, (url, policy)
    return policy


def _arrange(live_server, users) -> dict:
    users.token("staff", SCHMOELLN, email="csp@example.org", password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    vacancy = staff.create(feature(SCHMOELLN, lon, lat, street="Markt", house_number="1"))
    staff.create(feature(SCHMOELLN, lon + 0.001, lat, street="Brückenplatz", status="threatened"))
    created = staff.http.post("/api/v1/proposals", json=proposal_body(vacancy_id=vacancy["id"])).json()
    assert staff.http.post(f"/api/v1/proposals/{created['id']}/publish").status_code == 200
    return {"vacancy": vacancy["id"], "proposal": created["id"], "status": created["status_page"]}


def test_every_page_type_runs_under_the_policy_without_a_violation(live_server, users, page, guard):
    ids = _arrange(live_server, users)
    base = live_server.url
    items = f"{base}/ogc/collections/vacancies/items"
    for path in ("/", "/ueber", "/anmelden", "/karte/99999999", f"/vorschlaege/{ids['proposal']}",
                 ids["status"], "/ogc?f=html", "/ogc/conformance?f=html", "/ogc/collections?f=html",
                 "/ogc/collections/vacancies?f=html"):
        _goto(page, base + path)
    _goto(page, f"{items}?f=html")
    expect(page.locator("table.ogc-items")).to_contain_text("Markt")
    _goto(page, f"{items}/{ids['vacancy']}?f=html")
    expect(page.locator("dl.ogc-item")).to_contain_text("Markt")

    _goto(page, f"{base}/uebersicht")
    expect(page.locator("#towns-table table")).to_contain_text("Schmölln")
    assert page.locator("path.leaflet-interactive").count() >= 1  # the choropleth

    policy = _goto(page, f"{base}/karte/{SCHMOELLN}")
    assert "img-src 'self' data: https://tile.openstreetmap.org" in policy
    page.wait_for_selector(".vac-marker, .marker-cluster")
    expect(page.locator("#vacancy-list button")).to_have_count(2)
    page.locator("#vacancy-list button", has_text="Markt 1").click()
    expect(page.locator(".leaflet-popup-content")).to_contain_text("Markt 1")
    page.click("#report-start")
    expect(page.locator("#report-form")).to_be_visible()
    page.locator("#report-form .form-cancel").click()
    page.click("#proposal-start")
    expect(page.locator("#proposal-form")).to_be_visible()
    assert guard.tiles, "the tiles of the base map are allowed (and then aborted by the guard)"

    login(page, base, SCHMOELLN, "csp@example.org")
    page.wait_for_selector(".vac-marker, .marker-cluster")
    expect(page.locator("#review-published")).to_contain_text("Repair-Café")
    page.click("#core-draw")  # Leaflet-Geoman draws with markers and guide lines of its own
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-60, -40), (60, -40), (0, 50), (-60, -40)):
        page.mouse.click(x + dx, y + dy)
    expect(page.locator("#core-status")).to_contain_text("Neue Fläche gezeichnet")
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(f"{base}/")
    guard.assert_clean()


def test_a_stored_script_payload_stays_inert_even_as_markup(live_server, users, page, guard):
    """The pages show user text as text; were a script ever to write it as markup, the policy
    still refuses the inline handler and script (a violation, no dialog)."""
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    created = staff.http.post("/api/v1/proposals", json=proposal_body(
        title="<script>alert('title')</script>", description=PAYLOAD, radius_m=200,
        location={"type": "Point", "coordinates": [lon, lat]})).json()
    assert staff.http.post(f"/api/v1/proposals/{created['id']}/publish").status_code == 200

    _goto(page, f"{live_server.url}/vorschlaege/{created['id']}")
    expect(page.locator(".description")).to_have_text(PAYLOAD)
    assert page.locator("article img, article script").count() == 0
    page.evaluate("""async (id) => {
        const proposal = await (await fetch("/api/v1/proposals/" + id)).json();
        const box = document.createElement("div");
        box.id = "injected";
        box.innerHTML = proposal.description;  // the mistake the policy is there for
        document.body.append(box);
        const script = document.createElement("script");
        script.textContent = "alert('dynamic')";
        document.body.append(script);
    }""", created["id"])
    page.wait_for_timeout(500)  # give the handler the chance to fire
    assert guard.dialogs == [], "a stored payload ran"
    assert any(re.search(r"enforce script-src(-attr|-elem)? ", v) for v in guard.csp), guard.csp
    guard.csp.clear()
    guard.assert_clean()
