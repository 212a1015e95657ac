"""The whole-town list of the public map in Chromium: it lists the whole town (the demo's 27
published shops of Schmölln) whatever the map shows, filters and sorts, and keeps the focus on a
phone with taps and with the keyboard alone; markers and clusters have German names; the links
of a vacancy and of an idea open their popup and the address bar follows the open popup."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from app import demo
from tests.helpers.browser import Api, login, open_page
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
DEMO_PUBLIC = 27  # README: the demo's public map of each town counts 27 entries
ENTRIES = "#vacancy-list button.list-item"
LAPTOP = {"viewport": {"width": 1366, "height": 768}}
IN_POPUP = "document.activeElement && !!document.activeElement.closest('.leaflet-popup')"


@pytest.fixture
def demo_town(session) -> None:
    demo.load(session=session, password="leerstand-demo")
    session.commit()


@pytest.fixture
def laptop(browser, guard) -> Iterator:
    context, page = open_page(browser, guard, **LAPTOP)
    yield page
    context.close()


def _ids(page) -> list[int]:
    return [int(i) for i in page.locator(ENTRIES).evaluate_all("ns => ns.map(n => n.dataset.id)")]


def _open(page, url: str, path: str = f"/karte/{SCHMOELLN}") -> None:
    page.goto(url + path)
    expect(page.locator("#vacancy-count")).to_have_text(f"{DEMO_PUBLIC} Leerstände")
    page.wait_for_selector(".vac-marker, .marker-cluster")


def _api_ids(api: Api, **params) -> list[int]:
    response = api.http.get("/api/v1/vacancies", params={"municipality": SCHMOELLN, **params})
    assert response.status_code == 200, response.text
    return [f["id"] for f in response.json()["features"]]


def _popup_in_window(page) -> bool:
    return page.evaluate("""() => {
        const popup = document.querySelector('.leaflet-popup');
        if (!popup) return false;
        const r = popup.getBoundingClientRect();
        return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth
            && r.height > 0;
    }""")


def test_a_tapped_entry_opens_its_popup_in_view_and_the_list_keeps_every_entry(
        live_server, demo_town, phone_page, guard):
    page = phone_page
    _open(page, live_server.url)
    entries = page.locator(ENTRIES)
    expect(entries).to_have_count(DEMO_PUBLIC)
    entry = entries.nth(20)
    address = entry.locator(".list-address").inner_text()
    entry.tap()
    popup = page.locator(".leaflet-popup")
    expect(popup.locator("h3")).to_have_text(address)
    page.wait_for_function("""() => { const p = document.querySelector('.leaflet-popup');
        const r = p && p.getBoundingClientRect();
        return r && r.top >= 0 && r.bottom <= innerHeight; }""")
    assert _popup_in_window(page)
    # the map zoomed in; the list did not follow it
    expect(entries).to_have_count(DEMO_PUBLIC)
    expect(page.locator("#vacancy-count")).to_have_text(f"{DEMO_PUBLIC} Leerstände")
    assert page.evaluate(IN_POPUP)
    guard.assert_clean()


def test_the_keyboard_alone_opens_an_entry_and_escape_returns_to_it(
        live_server, demo_town, laptop, guard):
    page = laptop
    _open(page, live_server.url)
    # from the top of the page: Tab to the skip link, Enter, Tab through the filters to the list
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('skip-link')"):
            break
    page.keyboard.press("Enter")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('#vacancy-list button')"):
            break
    page.keyboard.press("Tab")  # the second entry
    entry_id = page.evaluate("document.activeElement.dataset.id")
    assert entry_id, "Tab reaches the list"
    address = page.locator(f'{ENTRIES}[data-id="{entry_id}"] .list-address').inner_text()
    page.keyboard.press("Enter")
    expect(page.locator(".leaflet-popup h3")).to_have_text(address)
    page.wait_for_function(IN_POPUP)
    assert page.evaluate("document.activeElement.textContent") == address
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    page.wait_for_function("id => document.activeElement.dataset.id === id", arg=entry_id)
    expect(page.locator(ENTRIES)).to_have_count(DEMO_PUBLIC)
    guard.assert_clean()


def test_filters_change_the_count_and_the_markers(live_server, demo_town, page, guard):
    api = Api(live_server.url)
    _open(page, live_server.url)
    threatened = _api_ids(api, status="threatened", sort="address")
    assert 0 < len(threatened) < DEMO_PUBLIC
    page.check('#vacancy-filter input[name=status][value="threatened"]')
    label = "1 Leerstand" if len(threatened) == 1 else f"{len(threatened)} Leerstände"
    expect(page.locator("#vacancy-count")).to_have_text(label)
    assert _ids(page) == threatened
    # the markers follow: only threatened shops left on the map
    page.wait_for_function("""n => { const ms = [...window.leerstandLayer.markers.values()];
        return ms.length > 0 && ms.length <= n
            && ms.every(m => m.feature.properties.status === 'threatened'); }""",
                           arg=len(threatened))

    page.uncheck('#vacancy-filter input[name=status][value="threatened"]')
    page.fill("#vf-min_area_m2", "100,5")
    page.locator("#vf-min_area_m2").press("Enter")
    large = _api_ids(api, min_area_m2=100.5, sort="address")
    assert 0 < len(large) < DEMO_PUBLIC
    expect(page.locator("#vacancy-count")).to_have_text(f"{len(large)} Leerstände" if len(large) > 1
                                                        else "1 Leerstand")
    assert _ids(page) == large
    page.wait_for_function("""() => [...window.leerstandLayer.markers.values()].every(
        m => m.feature.properties.floor_area_m2 >= 100.5)""")

    # a bad value: German message at the field, nothing else changes
    page.fill("#vf-min_area_m2", "viel")
    page.locator("#vf-min_area_m2").press("Enter")
    expect(page.locator("#vf-min_area_m2-error")).to_contain_text("Zahl")
    page.fill("#vf-min_area_m2", "")
    page.locator("#vf-min_area_m2").press("Enter")
    expect(page.locator("#vacancy-count")).to_have_text(f"{DEMO_PUBLIC} Leerstände")
    expect(page.locator("#vf-min_area_m2-error")).to_have_count(0)
    guard.assert_clean()


def test_sorting_orders_the_whole_list(live_server, demo_town, page, guard):
    api = Api(live_server.url)
    _open(page, live_server.url)
    assert _ids(page) == _api_ids(api, sort="address", limit=50)
    addresses = page.locator(f"{ENTRIES} .list-address").all_inner_texts()
    streets = [a.rsplit(" ", 1)[0].lower() for a in addresses]
    assert streets == sorted(streets)
    for value in ("-floor_area", "vacant_since", "-interim"):
        page.select_option("#vf-sort", value)
        expected = _api_ids(api, sort=value, limit=50)
        page.wait_for_function("ids => JSON.stringify([...document.querySelectorAll("
                               "'#vacancy-list button.list-item')].map(n => +n.dataset.id))"
                               " === JSON.stringify(ids)", arg=expected)
    areas = api.http.get("/api/v1/vacancies", params={
        "municipality": SCHMOELLN, "sort": "-floor_area"}).json()["features"]
    values = [f["properties"]["floor_area_m2"] for f in areas if f["properties"]["floor_area_m2"]]
    assert values == sorted(values, reverse=True)
    guard.assert_clean()


def test_more_entries_page_by_page(live_server, users, page, guard):
    api = Api(live_server.url, users.token("staff", JENA))
    lon, lat = CENTRES[JENA]
    for i in range(55):
        api.create(feature(JENA, lon + 0.0001 * (i % 10), lat + 0.0001 * (i // 10),
                           street="Reihengasse", house_number=str(i + 1)))
    page.goto(f"{live_server.url}/karte/{JENA}")
    expect(page.locator("#vacancy-count")).to_have_text("55 Leerstände, 50 angezeigt")
    expect(page.locator(ENTRIES)).to_have_count(50)
    page.locator("#vacancy-more").click()
    expect(page.locator(ENTRIES)).to_have_count(55)
    expect(page.locator("#vacancy-count")).to_have_text("55 Leerstände")
    expect(page.locator("#vacancy-more")).to_be_hidden()
    # the focus went to the first new entry, not to <body>
    assert page.evaluate("document.activeElement.dataset.id") == str(_ids(page)[50])
    numbers = [int(t.rsplit(" ", 1)[1]) for t in page.locator(f"{ENTRIES} .list-address").all_inner_texts()]
    assert numbers == list(range(1, 56))
    guard.assert_clean()


def test_only_in_view_keeps_the_viewport_list(live_server, demo_town, page, guard):
    _open(page, live_server.url)
    page.check("#vf-in_view")
    expect(page.locator("#vacancy-count")).to_have_text(re.compile(r"^\d+ Leerstände? im Kartenausschnitt$"))
    page.evaluate("window.leerstandLayer.map.setView([50.70, 12.20], 16, {animate: false})")
    expect(page.locator("#vacancy-count")).to_have_text("0 Leerstände im Kartenausschnitt")
    page.uncheck("#vf-in_view")
    expect(page.locator("#vacancy-count")).to_have_text(f"{DEMO_PUBLIC} Leerstände")
    guard.assert_clean()


def test_markers_and_clusters_have_german_names(live_server, users, page, guard):
    api = Api(live_server.url, users.token("staff", JENA))
    lon, lat = CENTRES[JENA]
    for i in range(12):
        api.create(feature(JENA, lon + 0.00002 * i, lat + 0.00001 * i, street=f"Dichtgasse {i}"))
    api.create(feature(JENA, lon + 0.01, lat, street="Musterstraße", house_number="3"))
    page.goto(f"{live_server.url}/karte/{JENA}")
    cluster = page.locator(".marker-cluster").first
    expect(cluster).to_have_attribute("aria-label",
                                      re.compile(r"^\d+ Leerstände – zum Vergrößern auswählen$"))
    count = cluster.inner_text().strip()
    assert cluster.get_attribute("aria-label").startswith(f"{count} Leerstände")
    assert cluster.get_attribute("tabindex") == "0" and cluster.get_attribute("role") == "button"
    # keyboard: Enter on the cluster zooms in
    zoom = page.evaluate("window.leerstandLayer.map.getZoom()")
    cluster.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("z => window.leerstandLayer.map.getZoom() > z", arg=zoom)

    page.evaluate(f"window.leerstandLayer.map.setView([{lat}, {lon + 0.01}], 18, {{animate: false}})")
    marker = page.locator('.vac-marker[aria-label="Musterstraße 3, Stand: leer"]')
    expect(marker).to_have_count(1)
    assert marker.get_attribute("title") == "Musterstraße 3, Stand: leer"
    page.evaluate(f"window.leerstandLayer.map.setView([{lat}, {lon}], 13, {{animate: false}})")
    # (while Leaflet animates the zoom, the old and the new cluster icon may both be there)
    expect(page.locator(".marker-cluster", has_text=re.compile(r"^12$")).first).to_have_attribute(
        "aria-label", "12 Leerstände – zum Vergrößern auswählen")
    guard.assert_clean()


def test_a_vacancy_link_opens_its_popup_and_the_url_follows(live_server, demo_town, page, guard):
    api = Api(live_server.url)
    first, second = _api_ids(api, sort="address")[:2]
    base = f"{live_server.url}/karte/{SCHMOELLN}"
    address = api.http.get(f"/api/v1/vacancies/{first}").json()["properties"]
    _open(page, live_server.url, f"/karte/{SCHMOELLN}/leerstand/{first}")
    popup = page.locator(".leaflet-popup")
    expect(popup.locator("h3")).to_have_text(f"{address['street']} {address['house_number']}")
    link = popup.get_by_role("link", name="Link zu diesem Leerstand")
    assert link.get_attribute("href") == f"/karte/{SCHMOELLN}/leerstand/{first}"
    assert page.url == f"{base}/leerstand/{first}"

    page.locator(f'{ENTRIES}[data-id="{second}"]').click()
    expect(page.locator(".leaflet-popup")).to_have_count(1)
    page.wait_for_url(f"{base}/leerstand/{second}")
    page.keyboard.press("Escape")
    expect(page.locator(".leaflet-popup")).to_have_count(0)
    page.wait_for_url(base)
    guard.assert_clean()


def test_an_idea_link_opens_its_card(live_server, demo_town, page, guard):
    ideas = Api(live_server.url).http.get("/api/v1/proposals", params={
        "municipality": SCHMOELLN, "status": "published"}).json()["proposals"]
    idea = next(p for p in ideas if p["radius_m"])
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}/idee/{idea['id']}")
    popup = page.locator(".leaflet-popup")
    expect(popup.locator(".proposal-title")).to_have_text(idea["title"])
    page.wait_for_function(IN_POPUP)
    assert popup.get_by_role("link", name="Link zu dieser Idee").get_attribute("href") == \
        f"/karte/{SCHMOELLN}/idee/{idea['id']}"
    assert page.url.endswith(f"/karte/{SCHMOELLN}/idee/{idea['id']}")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{live_server.url}/karte/{SCHMOELLN}")
    guard.assert_clean()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 1366, "height": 768},
                                      {"width": 390, "height": 844}])
def test_the_panel_fits_its_width(live_server, demo_town, users, browser, guard, viewport):
    """Nothing in the side panel sticks out of it sideways (it did: the list's filter form, as
    wide as its longest option): the status boxes wrap, the fields shrink; no horizontal
    scrolling anywhere. The same on the staff map, with its editor open."""
    context, page = open_page(browser, guard, viewport=viewport)
    _open(page, live_server.url)
    assert _sticking_out(page) == []
    users.token("staff", SCHMOELLN, email="breite@schmoelln.example.org", password=PASSWORD)
    login(page, live_server.url, SCHMOELLN, "breite@schmoelln.example.org")
    page.locator("#vacancy-list button").first.click()
    expect(page.locator("#editor-title")).to_contain_text("Leerstand bearbeiten")
    assert _sticking_out(page) == []
    context.close()


def _sticking_out(page) -> list[str]:
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    return page.evaluate("""() => {
        const panel = document.querySelector('.map-panel').getBoundingClientRect();
        return [...document.querySelectorAll('.map-panel *')].filter((n) => {
            const r = n.getBoundingClientRect();
            return r.width > 0 && (r.right > panel.right + 1 || r.left < panel.left - 1);
        }).map((n) => n.tagName + (n.id ? '#' + n.id : '') + ' ' + (n.textContent || '').trim().slice(0, 30));
    }""")
