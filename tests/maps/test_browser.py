"""The three map pages in headless Chromium against the live app and a real database."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from shapely.geometry import Point, shape

from tests.helpers.browser import Api, login, screenshot, set_view
from tests.helpers.german import coordinates
from tests.helpers.towns import CENTRES, JENA, SCHMALKALDEN, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
XSS = {
    "street": "<script>alert('street')</script>",
    "house_number": "1",
    "former_use": "<img src=x onerror=alert('img')>",
    "description": "${alert('template')} `backtick` \\` </script><script>alert('close')</script>",
}


def _markers_drawn(page) -> None:
    page.wait_for_selector(".vac-marker, .marker-cluster")



def test_public_map_loads_by_viewport_with_markers_list_and_popup(live_server, users, page, guard):
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    api.create(feature(SCHMOELLN, street="Markt", house_number="1", floor_area_m2=120,
                       description="Helles Eckgeschäft", owner_contact="geheim@example.org"))
    api.create(feature(SCHMOELLN, lon + 0.001, lat, street="Brückenplatz", status="threatened"))
    api.create(feature(SCHMOELLN, lon - 0.001, lat, street="Gemeldetweg", status="interim_use"))
    hidden = api.create(feature(SCHMOELLN, lon, lat - 0.001, street="Intern"))
    api.patch(hidden["id"], 1, status="withdrawn")

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    _markers_drawn(page)
    expect(page.locator("#vacancy-count")).to_have_text("3 Leerstände")
    items = page.locator("#vacancy-list button")
    expect(items).to_have_count(3)
    assert "Intern" not in page.locator("#vacancy-list").inner_text()
    assert page.evaluate("L.version") == "1.9.3"
    legend = page.locator(".map-legend").inner_text()
    assert "leer" in legend and "drohender Leerstand" in legend and "Innenstadtbereich" in legend

    # the list is the keyboard way into the map: focus, Enter, the popup opens
    page.locator("#vacancy-list button", has_text="Markt 1").focus()
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Helles Eckgeschäft")
    expect(popup).to_contain_text("120 m²")
    assert "geheim@example.org" not in page.content()
    screenshot(page, "public")

    # markers follow the viewport: every load asks with bbox and town; the list of the whole
    # town asks by town, in pages; ticking "nur im Kartenausschnitt" lists the view only
    vacancy_calls = [u for u in guard.api_calls if "/vacancies?" in u]
    assert vacancy_calls and all(f"municipality={SCHMOELLN}" in u for u in vacancy_calls)
    assert any("bbox=" in u for u in vacancy_calls) and any("limit=50&" in u for u in vacancy_calls)
    page.check("#vf-in_view")
    before = len(guard.api_calls)
    set_view(page, 50.70, 12.20, 16)
    expect(page.locator("#vacancy-count")).to_have_text("0 Leerstände im Kartenausschnitt")
    assert len(guard.api_calls) > before
    assert guard.tiles, "the base map asks for tiles"
    guard.assert_clean()


def test_public_map_clusters_when_dense(live_server, users, page, guard):
    api = Api(live_server.url, users.token("staff", JENA))
    lon, lat = CENTRES[JENA]
    for i in range(30):
        api.create(feature(JENA, lon + 0.00002 * i, lat + 0.00001 * i, street=f"Dichtgasse {i}"))
    page.goto(f"{live_server.url}/karte/{JENA}")
    page.wait_for_selector(".marker-cluster")
    assert page.locator(".marker-cluster").first.inner_text().strip().isdigit()
    expect(page.locator("#vacancy-count")).to_have_text("30 Leerstände")
    guard.assert_clean()


def test_public_map_on_a_phone(live_server, users, phone_page, guard):
    Api(live_server.url, users.token("staff", SCHMOELLN)).create(feature(SCHMOELLN, street="Markt"))
    phone_page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    _markers_drawn(phone_page)
    map_box = phone_page.locator(".folium-map").bounding_box()
    list_box = phone_page.locator("#vacancy-list").bounding_box()
    assert map_box["width"] <= 390 and map_box["height"] > 300
    assert list_box["y"] >= map_box["y"] + map_box["height"] - 1, "list below the map on phones"
    viewport = phone_page.evaluate("document.querySelector('meta[name=viewport]').content")
    assert "user-scalable=no" not in viewport
    screenshot(phone_page, "public-phone")
    guard.assert_clean()


def test_user_text_is_shown_as_text_never_run(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="xss@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    created = api.create(feature(SCHMOELLN, **XSS))

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    button = page.locator("#vacancy-list button").first
    expect(button).to_contain_text(XSS["street"])
    button.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(XSS["description"])
    expect(popup).to_contain_text(XSS["former_use"])
    assert popup.locator("img, script").count() == 0
    assert page.locator(f".vac-marker[title=\"{XSS['street']} 1, Stand: leer\"]").count() == 1

    login(page, live_server.url, SCHMOELLN, "xss@example.org")
    page.locator("#vacancy-list button").first.click()
    expect(page.locator("#f-description")).to_have_value(XSS["description"])
    expect(page.locator("#f-street")).to_have_value(XSS["street"])
    expect(page.locator("#editor-title")).to_contain_text(XSS["street"])
    page.wait_for_timeout(300)  # give an injected handler the chance to fire
    assert api.get(created["id"])["properties"]["description"] == XSS["description"]
    guard.assert_clean()


def test_staff_adds_moves_and_edits_with_version_check(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="staff@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    login(page, live_server.url, SCHMOELLN, "staff@example.org")

    # add: click into the empty map, fill the form
    lon, lat = CENTRES[SCHMOELLN]
    set_view(page, lat, lon, 17)
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("#editor-title")).to_have_text("Neuer Leerstand")
    shown_lat, shown_lon = coordinates(page.locator("#editor-position").inner_text())
    clicked = Point(shown_lon, shown_lat)
    page.fill("#f-street", "Neue Gasse")
    page.fill("#f-house_number", "7")
    page.fill("#f-floor_area_m2", "64,5")
    page.select_option("#f-status", "threatened")
    page.click("#save-vacancy")
    expect(page.locator("#map-status")).to_contain_text("Leerstand angelegt: Neue Gasse 7")
    [added] = api.list(SCHMOELLN)
    assert added["properties"]["floor_area_m2"] == 64.5
    assert added["properties"]["status"] == "threatened"
    start = Point(added["geometry"]["coordinates"])
    assert start.distance(clicked) < 0.00001
    screenshot(page, "staff")

    # move: drag the marker 80 px to the right
    set_view(page, start.y, start.x, 18)
    marker = page.locator('.vac-marker[title="Neue Gasse 7"]')
    mbox = marker.bounding_box()
    x, y = mbox["x"] + mbox["width"] / 2, mbox["y"] + mbox["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 40, y, steps=4)
    page.mouse.move(x + 80, y, steps=4)
    page.mouse.up()
    expect(page.locator("#map-status")).to_contain_text("Verschoben: Neue Gasse 7")
    moved = api.get(added["id"])
    assert moved["properties"]["version"] == 2
    assert moved["geometry"]["coordinates"][0] > start.x + 0.0001
    expect(page.locator("#editor-title")).to_contain_text("Version 2")

    # edit while someone else changed it: nothing saved, both sides compared (the other's area
    # kept, the own change chosen), saved on the new version (more in test_editor_browser.py)
    api.patch(added["id"], 2, floor_area_m2=99)
    page.fill("#f-former_use", "Bäckerei")
    page.click("#save-vacancy")
    expect(page.locator("#merge-title")).to_contain_text("inzwischen geändert")
    assert api.get(added["id"])["properties"]["former_use"] is None
    page.click("#merge-save")
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 4)")
    expect(page.locator("#f-floor_area_m2")).to_have_value("99")
    final = api.get(added["id"])["properties"]
    assert (final["former_use"], final["floor_area_m2"], final["version"]) == ("Bäckerei", 99, 4)
    guard.assert_clean()


def test_staff_form_shows_every_server_error_next_to_its_field_in_german(
        live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="errors@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    created = api.create(feature(SCHMOELLN, street="Fehlerweg"))
    login(page, live_server.url, SCHMOELLN, "errors@example.org")
    page.locator("#vacancy-list button").first.click()
    expect(page.locator("#editor-title")).to_contain_text("Fehlerweg")

    page.fill("#f-postcode", "abc")
    page.fill("#f-floor_area_m2", "-5")
    page.fill("#f-shop_window_m", "viel")
    page.fill("#f-asking_rent_eur_m2", "5000")
    page.fill("#f-vacant_since", "2999-01-01")
    page.click("#save-vacancy")
    expected = {
        "postcode": "Das Format stimmt nicht.",
        "floor_area_m2": "Der Wert muss größer als 0 sein.",
        "shop_window_m": "Bitte eine Zahl eingeben",
        "asking_rent_eur_m2": "Der Wert ist zu groß (höchstens 1.000).",
        "vacant_since": "Das Datum liegt in der Zukunft.",
    }
    for name, message in expected.items():
        expect(page.locator(f"#f-{name}-error")).to_contain_text(message)
        expect(page.locator(f"#f-{name}")).to_have_attribute("aria-invalid", "true")
    assert api.get(created["id"])["properties"]["version"] == 1

    # a status change the lifecycle forbids is not offered at all (test_editor_browser.py)
    expect(page.locator('#f-status option[value="reported"]')).to_be_disabled()
    guard.assert_clean()


def _draw_polygon(page, points: list[tuple[float, float]]) -> None:
    box = page.locator(".folium-map").bounding_box()
    page.click("#core-draw")
    for fx, fy in [*points, points[0]]:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(100)


def test_staff_draws_the_core_area(live_server, users, page, guard):
    users.token("staff", SCHMALKALDEN, email="core@example.org", password=PASSWORD)
    api = Api(live_server.url)
    assert api.municipality(SCHMALKALDEN)["properties"]["core_area"] is None
    login(page, live_server.url, SCHMALKALDEN, "core@example.org")
    lon, lat = CENTRES[SCHMALKALDEN]
    set_view(page, lat, lon, 16)

    _draw_polygon(page, [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)])
    expect(page.locator("#core-status")).to_contain_text("noch nicht gespeichert")
    page.click("#core-save")
    expect(page.locator("#core-error")).to_have_text("")
    expect(page.locator("#core-status")).to_have_text("Innenstadtbereich gespeichert.")
    core = shape(api.municipality(SCHMALKALDEN)["properties"]["core_area"])
    assert core.contains(Point(lon, lat))
    assert page.locator("#editor").is_hidden(), "drawing did not open the add form"
    screenshot(page, "staff-core-area")

    # too big: reaches outside the town; German error, stored area unchanged
    set_view(page, lat, lon, 10)
    _draw_polygon(page, [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)])
    page.click("#core-save")
    expect(page.locator("#core-error")).to_have_text(
        "Der Innenstadtbereich muss innerhalb der Gemeindegrenze liegen.")
    assert shape(api.municipality(SCHMALKALDEN)["properties"]["core_area"]).equals(core)
    guard.assert_clean()


def test_overview_choropleth_with_legend_and_links(live_server, users, page, guard):
    for ags in (SCHMOELLN, JENA):
        Api(live_server.url, users.token("staff", ags)).create(feature(ags))
    page.goto(f"{live_server.url}/uebersicht")
    page.wait_for_selector("#towns-table table")
    expect(page.locator("path.leaflet-interactive")).to_have_count(2)
    expect(page.locator(".map-legend")).to_contain_text("je 10.000 Einw.")
    link = page.locator("#towns-table a", has_text="Schmölln")
    assert link.get_attribute("href") == f"/karte/{SCHMOELLN}"
    screenshot(page, "overview")
    link.click()
    page.wait_for_url(re.compile(f"/karte/{SCHMOELLN}$"))
    _markers_drawn(page)
    guard.assert_clean()


def test_popup_shows_the_vacancys_scores(live_server, users, page, guard):
    """The popup shows the stored scores of the register (properties.scores)."""
    created = Api(live_server.url, users.token("staff", SCHMOELLN)).create(
        feature(SCHMOELLN, street="Markt"))
    scores = created["properties"]["scores"]
    assert scores is not None, "a new vacancy is scored on write"
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator("#vacancy-list button").first.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("Markt")
    expect(popup.locator(".scores")).to_contain_text(
        f"Eignung Zwischennutzung: {scores['interim']} von 100")
    expect(popup.locator(".scores")).to_contain_text(
        f"Eignung Nachnutzung: {scores['permanent']} von 100")

    render = """(scores) => {
        const props = {street: "Markt", status: "vacant"};
        if (scores !== "absent") props.scores = scores;
        return Leerstand.popupContent({type: "Feature", id: 1, properties: props},
                                      {statusLabels: {vacant: "leer"}}).innerText;
    }"""
    assert "Bewertung" not in page.evaluate(render, "absent")
    assert "Noch nicht bewertet." in page.evaluate(render, None)
    shown = page.evaluate(render, {"interim": 72, "permanent": 41.5, "recommendation": "interim",
                                   "confidence": 0.8, "profile_version": 2})
    assert "Zwischennutzung empfohlen" in shown
    assert "Eignung Zwischennutzung: 72 von 100" in shown and "Eignung Nachnutzung: 41,5 von 100" in shown
    assert "Verlässlichkeit 80 % (Bewertungsprofil 2)" in shown
    odd = page.evaluate(render, {"interim": 1, "permanent": 1, "confidence": 0, "profile_version": 1,
                                 "recommendation": "<img src=x onerror=alert(1)>"})
    assert "<img src=x onerror=alert(1)>" in odd
    guard.assert_clean()


# ---- phase 2: score breakdown, participation forms, review queue --------------------------------

def _click_map_at(page, lat: float, lon: float, dx: float = 0, dy: float = 0) -> None:
    """Click into the map at a coordinate (plus a pixel offset)."""
    point = page.evaluate("([lat, lon]) => { const p = window.leerstandLayer.map"
                          ".latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + point[0] + dx, box["y"] + point[1] + dy)


def _anonymous_page(browser, guard):
    from tests.helpers.browser import open_page

    return open_page(browser, guard, viewport={"width": 1280, "height": 900})


def test_popup_loads_the_score_breakdown_in_german(live_server, users, page, guard):
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    created = api.create(feature(SCHMOELLN, street="Markt", house_number="2", floor_area_m2=85,
                                 floor="ground"))
    expected = api.http.get(f"/api/v1/vacancies/{created['id']}/score").json()
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator("#vacancy-list button").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.get_by_role("button", name="Bewertung im Detail").click()
    details = popup.locator(".score-breakdown")
    expect(details).to_contain_text(expected["recommendation_label"])
    expect(details).to_contain_text(expected["reason"])
    row = details.locator("tr", has_text="Nutzfläche")
    expect(row).to_contain_text("85 m²")
    floor = next(c for c in expected["criteria"] if c["criterion"] == "floor_area")
    expect(row).to_contain_text(f"{floor['interim']['points']:g} Punkte × Gewicht 3")
    missing = [m["label"] for m in expected["missing_facts"]]
    assert missing, "the test vacancy lacks facts"
    expect(details.locator(".missing-facts")).to_contain_text(missing[0])
    assert "Fehlende Angaben" in details.inner_text()
    screenshot(page, "score-breakdown")
    guard.assert_clean()


def test_citizen_report_with_duplicate_hint_is_confirmed_on_the_staff_map(
        live_server, users, page, browser, guard):
    users.token("staff", SCHMOELLN, email="review@example.org", password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    staff.create(feature(SCHMOELLN, lon, lat, street="Bekanntgasse", house_number="1"))

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    _markers_drawn(page)
    page.click("#report-start")
    set_view(page, lat, lon, 18)
    _click_map_at(page, lat, lon, dx=30)  # ~12 m east of the known vacancy
    hint = page.locator("#report-duplicates")
    expect(hint).to_contain_text("Ist es einer dieser Einträge?")
    expect(hint).to_contain_text("Bekanntgasse 1")
    page.fill("#r-address", "Bekanntgasse 3")
    page.fill("#r-description", "Nebenan ist auch leer")
    page.fill("#r-email", "melderin@example.org")
    page.check("#r-consent")
    screenshot(page, "public-report-form")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#participate-status")).to_contain_text("Danke! Ihre Meldung ist eingegangen.")
    assert "melderin@example.org" not in page.content()
    queue = staff.http.get("/api/v1/review", params={"municipality": SCHMOELLN}).json()
    [report] = queue["reports"]
    assert report["address"] == "Bekanntgasse 3" and report["duplicates"]
    assert len(staff.list(SCHMOELLN)) == 2

    login(page, live_server.url, SCHMOELLN, "review@example.org")
    item = page.locator("#review-reports form", has_text="Bekanntgasse 3")
    expect(item).to_contain_text("Nebenan ist auch leer")
    # nobody reads the address, staff neither: they see whether the decision's mail reaches her
    expect(item).to_contain_text("Rückmeldungkeine (keine bestätigte E-Mail-Adresse)")
    expect(item).not_to_contain_text("melderin@example.org")
    expect(item).to_contain_text("Mögliche Doppelung")
    screenshot(page, "staff-review")
    item.get_by_role("button", name="Als leer bestätigen").click()
    expect(page.locator("#review-status")).to_contain_text("Meldung bestätigt: Bekanntgasse 3")
    expect(page.locator("#review-reports")).to_contain_text("Keine offenen Meldungen.")
    assert staff.get(report["id"])["properties"]["status"] == "vacant"

    context, public = _anonymous_page(browser, guard)
    public.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    expect(public.locator("#vacancy-list")).to_contain_text("Bekanntgasse 3")
    assert "melderin@example.org" not in public.content()
    context.close()
    guard.assert_clean()


def test_proposal_from_the_public_form_is_published_matched_and_supported(
        live_server, users, page, browser, guard):
    users.token("staff", SCHMOELLN, email="ideas@example.org", password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    shop = staff.create(feature(SCHMOELLN, street="Ideengasse", house_number="5", floor_area_m2=80))

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator("#vacancy-list button").first.click()
    page.get_by_role("button", name="Idee für diesen Laden vorschlagen").click()
    expect(page.locator("#p-vacancy_id")).to_have_value("Ideengasse 5")
    page.fill("#p-title", "Repair-Café")
    page.fill("#p-description", "Wir reparieren gemeinsam Dinge.")
    page.select_option("#p-category", "social")
    page.fill("#p-display_name", "Nachbarschaftsverein")
    page.fill("#p-email", "verein@example.org")
    page.locator("#proposal-form button[type=submit]").click()
    link = page.locator("#proposal-status-link")
    expect(link).to_contain_text("/vorschlaege/status/")
    status_page = link.get_attribute("href")
    queue = staff.http.get("/api/v1/review", params={"municipality": SCHMOELLN}).json()
    [pending] = queue["pending_proposals"]
    assert (pending["title"], pending["vacancy_id"]) == ("Repair-Café", shop["id"])

    login(page, live_server.url, SCHMOELLN, "ideas@example.org")
    item = page.locator("#review-pending form", has_text="Repair-Café")
    # staff never read the author's address: they see whether an answer is possible, and the
    # chosen shop by its address
    expect(item).to_contain_text("Antwort möglichnein (keine bestätigte E-Mail-Adresse)")
    expect(item).to_contain_text("Für Laden" + shop["properties"]["street"])
    expect(item).not_to_contain_text("verein@example.org")
    item.get_by_role("button", name="Veröffentlichen").click()
    expect(page.locator("#review-status")).to_contain_text("Vorschlag veröffentlicht: Repair-Café")
    # match review: suggested -> contacted
    published = page.locator("#review-published form", has_text="Repair-Café")
    published.get_by_role("button", name="Passende Leerstände").click()
    match = published.locator(".match", has_text="Ideengasse 5")
    expect(match).to_contain_text("vorgeschlagen")
    expect(match).to_contain_text("im Vorschlag ausgewählt")
    match.get_by_role("button", name="Als angesprochen markieren").click()
    expect(published.locator(".match", has_text="Ideengasse 5")).to_contain_text("Eigentümer angesprochen")
    matches = staff.http.get(f"/api/v1/proposals/{pending['id']}/matches").json()["matches"]
    assert matches[0]["state"] == "contacted"

    context, public = _anonymous_page(browser, guard)
    public.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    card = public.locator("#proposal-list .proposal-card", has_text="Repair-Café")
    expect(card).to_contain_text("passt zu 1 Leerstand")
    expect(card).to_contain_text("Nachbarschaftsverein")
    expect(card).to_contain_text("Für den Laden Ideengasse 5")
    expect(card.locator(".support-count")).to_have_text("0 Unterstützungen")
    assert "verein@example.org" not in public.content()
    card.get_by_role("button", name="Unterstützen").click()
    expect(card.locator(".support-count")).to_have_text("1 Unterstützung")
    expect(card).to_contain_text("Danke für Ihre Unterstützung!")
    screenshot(public, "public-proposals")
    card.get_by_role("button", name="Unterstützen").click()
    expect(card).to_contain_text("Sie unterstützen diesen Vorschlag bereits")
    expect(card.locator(".support-count")).to_have_text("1 Unterstützung")
    assert staff.http.get(f"/api/v1/proposals/{pending['id']}").json()["support_count"] == 1
    public.goto(live_server.url + status_page)
    expect(public.locator("body")).to_contain_text("Repair-Café")
    context.close()
    guard.assert_clean()


def test_public_forms_show_server_errors_next_to_the_fields_in_german(live_server, users, page, guard):
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    expect(page.locator("#report-form")).to_be_hidden()  # forms open on demand only
    expect(page.locator("#proposal-form")).to_be_hidden()
    expect(page.locator("#r-website")).not_to_be_in_viewport()  # honeypot off-screen
    page.click("#report-start")
    expect(page.locator("#proposal-form")).to_be_hidden()
    page.fill("#r-email", "ohne-einwilligung@example.org")
    page.locator("#report-form button[type=submit]").click()
    place = "Bitte setzen Sie die Stelle: Adresse suchen, in die Karte klicken oder Ihren Standort verwenden."
    # every problem at once, the cross-field one (e-mail only with consent) too
    for name, message in (("location", place), ("address", "Bitte ausfüllen."),
                          ("description", "Bitte ausfüllen."),
                          ("consent", "Die E-Mail-Adresse speichern wir nur mit Ihrer Einwilligung.")):
        expect(page.locator(f"#r-{name}-error")).to_have_text(message)
        expect(page.locator(f"#r-{name}")).to_have_attribute("aria-invalid", "true")
    set_view(page, lat, lon, 16)
    _click_map_at(page, lat, lon, dx=40)
    page.fill("#r-address", "Markt 9")
    page.fill("#r-description", "leer")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#r-consent-error")).to_have_text(
        "Die E-Mail-Adresse speichern wir nur mit Ihrer Einwilligung.")
    expect(page.locator("#r-description-error")).to_have_count(0)
    # out of the town
    set_view(page, 50.98, 11.03, 14)  # Erfurt
    _click_map_at(page, 50.98, 11.03)
    page.check("#r-consent")
    page.locator("#report-form button[type=submit]").click()
    expect(page.locator("#r-location-error")).to_have_text("Der Punkt liegt außerhalb dieser Gemeinde.")

    page.click("#proposal-start")
    page.fill("#p-title", "ab")
    page.fill("#p-min_area_m2", "-3")
    page.fill("#p-max_rent_eur_m2", "5000")
    page.locator("#proposal-form button[type=submit]").click()
    expected = {"title": "Der Text ist zu kurz.", "description": "Bitte ausfüllen.",
                "category": "Bitte ausfüllen.",
                "location": "Bitte wählen Sie einen Laden oder setzen Sie den Ort: Adresse suchen, "
                            "in die Karte klicken oder Ihren Standort verwenden.",
                "min_area_m2": "Der Wert muss größer als 0 sein.",
                "max_rent_eur_m2": "Der Wert ist zu groß (höchstens 1.000)."}
    for name, message in expected.items():
        expect(page.locator(f"#p-{name}-error")).to_have_text(message)
    page.fill("#p-title", "Atelier")
    page.fill("#p-description", "Malen")
    page.select_option("#p-category", "creative")
    page.fill("#p-min_area_m2", "100")
    page.fill("#p-max_area_m2", "50")
    page.fill("#p-max_rent_eur_m2", "")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-max_area_m2-error")).to_have_text(
        "Die größte Fläche darf nicht kleiner als die kleinste sein.")
    page.fill("#p-max_area_m2", "")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-max_area_m2-error")).to_have_count(0)
    expect(page.locator("#p-location-error")).to_have_text(expected["location"])
    set_view(page, lat, lon, 16)
    _click_map_at(page, lat, lon)
    page.fill("#p-radius_m", "20000")
    page.locator("#proposal-form button[type=submit]").click()
    expect(page.locator("#p-radius_m-error")).to_have_text("Der Wert ist zu groß (höchstens 10.000).")

    queue = staff.http.get("/api/v1/review", params={"municipality": SCHMOELLN}).json()
    assert queue["reports"] == [] and queue["pending_proposals"] == []
    # the answers the forms may get without a field: rate limit (429) in German
    limited = page.evaluate("""() => Leerstand.fieldErrors(new Leerstand.ApiError(429,
        {detail: "too many", code: "rate_limited", retry_after: 60}), null)[0].message""")
    assert limited.startswith("Von Ihrem Anschluss kamen in der letzten Stunde zu viele Einsendungen.")
    guard.assert_clean()


def test_citizen_text_is_shown_as_text_on_the_public_map_and_in_the_review_queue(
        live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="xss-review@example.org", password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    anonymous = Api(live_server.url)
    lon, lat = CENTRES[SCHMOELLN]
    report = anonymous.http.post("/api/v1/reports", json={
        "location": {"type": "Point", "coordinates": [lon, lat]}, "address": XSS["street"],
        "description": XSS["description"], "hint": XSS["former_use"]})
    assert report.status_code == 201, report.text
    proposal = {"description": XSS["description"], "category": "culture", "display_name": XSS["former_use"],
                "location": {"type": "Point", "coordinates": [lon, lat]}, "radius_m": 200}
    published = anonymous.http.post("/api/v1/proposals", json={**proposal, "title": XSS["street"]}).json()
    assert staff.http.post(f"/api/v1/proposals/{published['id']}/publish").status_code == 200
    anonymous.http.post("/api/v1/proposals", json={**proposal, "title": "${alert('pending')} `x`"})

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    card = page.locator("#proposal-list .proposal-card").first
    expect(card).to_contain_text(XSS["street"])
    expect(card).to_contain_text(XSS["description"])
    expect(card).to_contain_text(XSS["former_use"])
    assert page.locator("#proposal-list img, #proposal-list script").count() == 0
    page.locator("path.leaflet-interactive").last.click(force=True)  # the proposal's circle
    expect(page.locator(".leaflet-popup-content")).to_contain_text(XSS["street"])

    login(page, live_server.url, SCHMOELLN, "xss-review@example.org")
    review = page.locator("#review")
    expect(review.locator("#review-reports")).to_contain_text(XSS["street"])
    expect(review.locator("#review-reports")).to_contain_text(XSS["former_use"])
    expect(review.locator("#review-pending")).to_contain_text("${alert('pending')} `x`")
    expect(review.locator("#review-published")).to_contain_text(XSS["street"])
    assert review.locator("img, script").count() == 0
    page.wait_for_timeout(300)  # give an injected handler the chance to fire
    guard.assert_clean()


def test_markers_can_be_coloured_by_the_recommendation(live_server, users, page, guard):
    created = Api(live_server.url, users.token("staff", SCHMOELLN)).create(
        feature(SCHMOELLN, street="Farbweg", floor_area_m2=60, floor="ground"))
    recommendation = created["properties"]["scores"]["recommendation"]
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    marker = page.locator('.vac-marker').first
    expect(marker).to_have_class(re.compile(r"\bvac-vacant\b"))
    page.get_by_label("Empfehlung der Bewertung").check()
    expect(page.locator('.vac-marker').first).to_have_class(
        re.compile(rf"\bvac-rec-{recommendation}\b"))
    legend = page.locator(".map-legend")
    expect(legend).to_contain_text("Empfehlung der Bewertung")
    expect(legend).to_contain_text("nicht bewertet")
    page.get_by_label("Stand des Leerstands").check()
    expect(page.locator('.vac-marker').first).to_have_class(re.compile(r"\bvac-vacant\b"))
    expect(legend).to_contain_text("drohender Leerstand")
    guard.assert_clean()
