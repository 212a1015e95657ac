"""The staff editor on /verwaltung/{ags} never loses work (issue 12, item 2), in headless
Chromium against the live app: a stray click into the map asks before dropping unsaved notes,
the status control offers only the lifecycle's transitions, a version conflict shows both sides
field by field, the history panel lists the changes, a vacancy is placed by address (keyboard
only) or by Rechtswert/Hochwert, and drawing the core area keeps the saved one in sight."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pyproj import Transformer
from shapely.geometry import Point, shape

from tests.helpers.addresses import add_addresses
from tests.helpers.browser import Api, login, set_view
from tests.helpers.towns import CENTRES, JENA, SCHMALKALDEN, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
TO_UTM = Transformer.from_crs(4326, 25832, always_xy=True)
GERMAN_DATE_TIME = re.compile(r"\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}")


def _staff(live_server, users, page, email: str, ags: str = SCHMOELLN) -> Api:
    users.token("staff", ags, email=email, password=PASSWORD)
    api = Api(live_server.url, users.token("staff", ags))
    return api


def _open_first(page, street: str) -> None:
    page.locator("#vacancy-list button").first.click()
    expect(page.locator("#editor-title")).to_contain_text(street)


def _tap_map(page, touch: bool, fx: float = 0.75, fy: float = 0.3) -> None:
    """A click (desktop) or tap (phone) into the map, away from the marker at the centre."""
    page.locator(".folium-map").scroll_into_view_if_needed()
    box = page.locator(".folium-map").bounding_box()
    x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
    if touch:
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)


def _tab_to(page, selector: str, most: int = 80) -> None:
    """Press Tab until the element is focused, as a keyboard user does."""
    for _ in range(most):
        if page.evaluate("(s) => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_a_stray_click_keeps_unsaved_notes_until_discarded(live_server, users, screen, request,
                                                           guard):
    page = request.getfixturevalue(screen)
    touch = screen == "phone_page"
    email = f"stray-{screen}@example.org"
    api = _staff(live_server, users, page, email)
    created = api.create(feature(SCHMOELLN, street="Notizweg"))
    lon, lat = CENTRES[SCHMOELLN]
    api.create(feature(SCHMOELLN, lon=lon - 0.002, lat=lat - 0.001, street="Zweiter Weg"))
    login(page, live_server.url, SCHMOELLN, email)
    _open_first(page, "Notizweg")

    page.fill("#f-internal_notes", "Schlüssel liegt beim Nachbarn, Haus 5.")
    _tap_map(page, touch)
    dialog = page.locator("#discard-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("heading")).to_have_text("Ungespeicherte Änderungen verwerfen?")
    dialog.get_by_role("button", name="Weiter bearbeiten").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#editor-title")).to_contain_text("Leerstand bearbeiten: Notizweg")
    expect(page.locator("#f-internal_notes")).to_have_value("Schlüssel liegt beim Nachbarn, Haus 5.")

    # another vacancy from the list asks as well; Escape keeps editing
    page.locator("#vacancy-list button", has_text="Zweiter Weg").click()
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#f-internal_notes")).to_have_value("Schlüssel liegt beim Nachbarn, Haus 5.")

    page.click("#save-vacancy")
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 2)")
    assert api.get(created["id"])["properties"]["internal_notes"] == \
        "Schlüssel liegt beim Nachbarn, Haus 5."

    # saved: a click opens the new form at once, with a status chosen ("leer")
    _tap_map(page, touch)
    expect(page.locator("#editor-title")).to_have_text("Neuer Leerstand")
    expect(dialog).to_be_hidden()
    expect(page.locator("#f-status")).to_have_value("vacant")
    expect(page.locator("#f-status option:checked")).to_have_text("leer")

    # typed into the new form, then "Verwerfen": the click's new form replaces it
    page.fill("#f-street", "Verworfene Gasse")
    _tap_map(page, touch, 0.6, 0.35)
    dialog.get_by_role("button", name="Verwerfen").click()
    expect(page.locator("#editor-title")).to_have_text("Neuer Leerstand")
    expect(page.locator("#f-street")).to_have_value("")
    assert len(api.list(SCHMOELLN)) == 2

    # leaving the page: the browser's leave-page question only while something is unsaved
    # (the page's beforeunload handler cancels the unload, which makes the browser ask)
    leaving = ("() => { const e = new Event('beforeunload', {cancelable: true});"
               " window.dispatchEvent(e); return e.defaultPrevented; }")
    assert page.evaluate(leaving) is False
    page.fill("#f-street", "Ungespeichert")
    assert page.evaluate(leaving) is True
    expect(page.locator("#f-street")).to_have_value("Ungespeichert")
    guard.assert_clean()


@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_status_offers_only_allowed_transitions_and_notes_are_full_width(
        live_server, users, screen, request, guard):
    page = request.getfixturevalue(screen)
    email = f"status-{screen}@example.org"
    api = _staff(live_server, users, page, email)
    created = api.create(feature(SCHMOELLN, street="Statusweg"))
    login(page, live_server.url, SCHMOELLN, email)
    _open_first(page, "Statusweg")

    options = page.locator("#f-status option")
    enabled = options.evaluate_all("os => os.filter(o => !o.disabled).map(o => o.value)")
    disabled = options.evaluate_all("os => os.filter(o => o.disabled).map(o => o.value)")
    assert enabled == ["vacant", "interim_use", "reused", "withdrawn", "demolished"]
    assert disabled == ["reported", "threatened", "rejected"]
    expect(page.locator("#f-status-hint")).to_have_text(
        "Von „leer“ aus nur: Zwischennutzung, nachgenutzt, zurückgezogen, abgerissen.")
    expect(page.locator('#f-status option[value="reported"]')).to_contain_text("(nicht möglich)")
    expect(page.locator("#f-status")).to_have_accessible_description(re.compile("^Von „leer“ aus nur"))

    page.select_option("#f-status", "interim_use")
    page.click("#save-vacancy")
    expect(page.locator("#editor-title")).to_contain_text("Version 2")
    assert api.get(created["id"])["properties"]["status"] == "interim_use"
    expect(page.locator("#f-status-hint")).to_have_text(
        "Von „Zwischennutzung“ aus nur: leer, nachgenutzt, zurückgezogen, abgerissen.")

    # "Nur für die Verwaltung": each label above its box, the boxes as wide as the fieldset
    fieldset = page.locator("#vacancy-form fieldset").bounding_box()
    for name in ("owner_contact", "internal_notes"):
        label = page.locator(f'label[for="f-{name}"]').bounding_box()
        box = page.locator(f"#f-{name}").bounding_box()
        assert label["y"] + label["height"] <= box["y"] + 1, name
        assert box["width"] >= fieldset["width"] - 40, (name, box, fieldset)
    guard.assert_clean()


def test_a_version_conflict_shows_both_sides_and_saves_the_choice(live_server, users, page, guard):
    api = _staff(live_server, users, page, "merge@example.org")
    created = api.create(feature(SCHMOELLN, street="Konfliktweg", floor_area_m2=80,
                                 former_use="Kiosk"))
    login(page, live_server.url, SCHMOELLN, "merge@example.org")
    _open_first(page, "Konfliktweg")

    # behind the page's back, another tab changes area and former use
    api.patch(created["id"], 1, floor_area_m2=99, former_use="Café")
    page.fill("#f-former_use", "Bäckerei")
    page.fill("#f-internal_notes", "Eigentümer ruft zurück")
    page.click("#save-vacancy")
    merge = page.locator("#merge-form")
    expect(merge).to_be_visible()
    expect(page.locator("#merge-title")).to_be_focused()
    assert api.get(created["id"])["properties"]["version"] == 2  # nothing saved

    fields = merge.locator("fieldset.merge-field")
    expect(fields).to_have_count(3)
    area = merge.locator('fieldset[data-field="floor_area_m2"]')
    expect(area.locator("legend")).to_have_text("Fläche (m²)")
    expect(area.get_by_label(re.compile("^gespeichert"))).to_be_checked()  # only they changed it
    expect(area).to_contain_text("gespeichert: 99")
    expect(area).to_contain_text("meine Änderung: 80")
    use = merge.locator('fieldset[data-field="former_use"]')
    expect(use.locator("legend")).to_have_text("Frühere Nutzung")
    expect(use).to_contain_text("gespeichert: Café")
    expect(use.get_by_label(re.compile("^meine Änderung"))).to_be_checked()  # both changed it
    notes = merge.locator('fieldset[data-field="internal_notes"]')
    expect(notes).to_contain_text("gespeichert: —")
    expect(notes).to_contain_text("meine Änderung: Eigentümer ruft zurück")

    # keep their former use, take my area back, keep my notes
    use.get_by_label(re.compile("^gespeichert")).check()
    area.get_by_label(re.compile("^meine Änderung")).check()
    page.click("#merge-save")
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 3)")
    expect(merge).to_be_hidden()
    props = api.get(created["id"])["properties"]
    assert (props["floor_area_m2"], props["former_use"], props["internal_notes"]) == \
        (80, "Café", "Eigentümer ruft zurück")
    expect(page.locator("#f-former_use")).to_have_value("Café")
    guard.assert_clean()


def test_the_history_panel_shows_who_changed_what_when(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="history@example.org", password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN, email="kollegin@example.org"))
    created = api.create(feature(SCHMOELLN, street="Verlaufsweg", floor_area_m2=85))
    api.patch(created["id"], 1, floor_area_m2=99.5, status="interim_use")
    login(page, live_server.url, SCHMOELLN, "history@example.org")
    _open_first(page, "Verlaufsweg")

    entries = page.locator("#history-list li")
    expect(entries).to_have_count(3)
    expect(page.locator("#history-status")).to_have_text("3 Einträge")
    texts = entries.all_inner_texts()
    area = next(t for t in texts if "Fläche (m²)" in t)
    assert "Fläche (m²): 85 → 99,5" in area
    assert "kollegin@example.org" in area and "Version 2" in area
    assert GERMAN_DATE_TIME.search(area), area
    assert any("Status: leer → Zwischennutzung" in t for t in texts), texts
    assert "Angelegt: Status: leer" in texts[-1]  # newest first, the creation last

    # an edit in the page shows up at the top
    page.fill("#f-former_use", "Metzgerei")
    page.click("#save-vacancy")
    expect(entries).to_have_count(4)
    expect(entries.first).to_contain_text("Frühere Nutzung: — → Metzgerei")
    expect(entries.first).to_contain_text("history@example.org")
    guard.assert_clean()


def test_a_vacancy_is_moved_by_address_with_the_keyboard_alone(live_server, users, page, guard,
                                                                 session):
    add_addresses(session, SCHMOELLN, ("Brückenstraße", "3", "04626"), ("Brückenstraße", "13"),
                  east_m=150)
    api = _staff(live_server, users, page, "keys@example.org")
    created = api.create(feature(SCHMOELLN, street="Alte Adresse", house_number="1"))
    login(page, live_server.url, SCHMOELLN, "keys@example.org")
    page.locator("#vacancy-list button").first.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#editor-title")).to_contain_text("Alte Adresse")

    _tab_to(page, "#pos-address")
    page.keyboard.type("Brückenstr 3")
    options = page.locator("#pos-address-options [role=option]")
    expect(options.first).to_have_text("Brückenstraße 3, 04626 Schmölln")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#editor-position")).to_contain_text("nach Adresse Brückenstraße 3")
    expect(page.locator("#editor-position")).to_contain_text("noch nicht gespeichert")
    expect(page.locator("#f-street")).to_have_value("Brückenstraße")
    expect(page.locator("#f-house_number")).to_have_value("3")
    _tab_to(page, "#save-vacancy")
    page.keyboard.press("Enter")
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 2)")

    moved = api.get(created["id"])
    lon, lat = CENTRES[SCHMOELLN]
    assert Point(moved["geometry"]["coordinates"]).distance(Point(lon + 150 / 70_000, lat)) < 1e-6
    assert (moved["properties"]["street"], moved["properties"]["house_number"],
            moved["properties"]["postcode"]) == ("Brückenstraße", "3", "04626")
    guard.assert_clean()


@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_a_vacancy_is_placed_by_utm_coordinates_and_bad_ones_get_german_errors(
        live_server, users, screen, request, guard):
    page = request.getfixturevalue(screen)
    email = f"utm-{screen}@example.org"
    api = _staff(live_server, users, page, email)
    created = api.create(feature(SCHMOELLN, street="Koordinatenweg"))
    before = api.get(created["id"])["geometry"]
    login(page, live_server.url, SCHMOELLN, email)
    _open_first(page, "Koordinatenweg")

    error = page.locator("#pos-x-error")
    for x, y, message in [
        ("5642300", "713400", "Rechtswert und Hochwert scheinen vertauscht"),
        ("viel", "5642300", "Bitte eine Zahl eingeben"),
        ("12345", "5642300", "Ein Rechtswert in UTM-Zone 32N hat 6 Stellen"),
        ("600000", "5400000", "Dieser Punkt liegt nicht in Thüringen."),
    ]:
        page.fill("#pos-x", x)
        page.fill("#pos-y", y)
        page.click("#pos-apply")
        expect(error).to_contain_text(message)
        expect(page.locator("#pos-x")).to_have_attribute("aria-invalid", "true")
    page.fill("#pos-x", "713400")
    page.fill("#pos-y", "123")
    page.click("#pos-apply")
    expect(page.locator("#pos-y-error")).to_contain_text("Ein Hochwert in Deutschland hat 7 Stellen")

    # in Thuringia but in Jena: refused on saving, in German, nothing changed
    jx, jy = TO_UTM.transform(*CENTRES[JENA])
    page.fill("#pos-x", f"{jx:.1f}".replace(".", ","))
    page.fill("#pos-y", f"{jy:.1f}".replace(".", ","))
    page.click("#pos-apply")
    expect(page.locator("#editor-position")).to_contain_text("aus Rechtswert/Hochwert")
    page.click("#save-vacancy")
    expect(page.locator("#vacancy-form .form-alert")).to_contain_text("außerhalb")
    assert api.get(created["id"])["geometry"] == before

    # a Rechtswert/Hochwert in Schmölln in German format (dots between thousands, decimal comma)
    lon, lat = CENTRES[SCHMOELLN]
    x, y = TO_UTM.transform(lon + 0.001, lat - 0.0005)
    german = lambda v: f"{v:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")  # noqa: E731
    page.fill("#pos-x", german(x))
    page.fill("#pos-y", german(y))
    page.click("#pos-apply")
    expect(page.locator("#pos-x")).not_to_have_attribute("aria-invalid", "true")
    page.click("#save-vacancy")
    expect(page.locator("#map-status")).to_contain_text("Gespeichert (Version 2)")
    point = Point(api.get(created["id"])["geometry"]["coordinates"])
    assert point.distance(Point(lon + 0.001, lat - 0.0005)) < 1e-6
    guard.assert_clean()


def _paths(page, cls: str) -> list[dict]:
    return page.locator(f".leaflet-overlay-pane path.{cls}").evaluate_all(
        "ps => ps.map(p => { const b = p.getBBox(); return {w: Math.round(b.width), "
        "h: Math.round(b.height)}; })")


def _draw(page, points: list[tuple[float, float]]) -> None:
    box = page.locator(".folium-map").bounding_box()
    page.click("#core-draw")
    for fx, fy in [*points, points[0]]:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(100)


def test_drawing_the_core_area_keeps_the_saved_one_in_sight(live_server, users, page, guard):
    users.token("staff", SCHMALKALDEN, email="ghost@example.org", password=PASSWORD)
    api = Api(live_server.url)
    login(page, live_server.url, SCHMALKALDEN, "ghost@example.org")
    lon, lat = CENTRES[SCHMALKALDEN]
    set_view(page, lat, lon, 15)
    _draw(page, [(0.4, 0.4), (0.6, 0.4), (0.6, 0.6), (0.4, 0.6)])
    page.click("#core-save")
    expect(page.locator("#core-status")).to_have_text("Innenstadtbereich gespeichert.")
    saved = shape(api.municipality(SCHMALKALDEN)["properties"]["core_area"])
    set_view(page, lat, lon, 11)
    [small] = _paths(page, "core-area")
    assert _paths(page, "core-ghost") == []

    # a new, bigger area: both visible until saved, the old one faded and dashed
    _draw(page, [(0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9)])
    expect(page.locator("#core-status")).to_contain_text("noch nicht gespeichert")
    assert _paths(page, "core-ghost") == [small]
    [drawn] = _paths(page, "core-area")
    assert drawn["w"] > small["w"] * 3
    ghost = page.locator(".leaflet-overlay-pane path.core-ghost")
    expect(ghost).to_have_attribute("stroke-dasharray", "4 6")

    # too big for the town: refused; the old area is shown again, with the reason
    page.click("#core-save")
    expect(page.locator("#core-error")).to_have_text(
        "Der Innenstadtbereich muss innerhalb der Gemeindegrenze liegen.")
    expect(page.locator("#core-status")).to_contain_text("bisherige Innenstadtbereich")
    assert _paths(page, "core-area") == [small]
    assert _paths(page, "core-ghost") == []
    assert shape(api.municipality(SCHMALKALDEN)["properties"]["core_area"]).equals(saved)
    guard.assert_clean()
