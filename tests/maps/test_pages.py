"""The map pages over HTTP (no browser): access rules, German errors, no CDN, no inlined data."""

from __future__ import annotations

import json
import re

import pytest

from app.maps.offline import OfflineMap, StaffMap, build_map
from app.static_assets import static_url
from tests.helpers.german import english_numbers
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import PASSWORD, bearer
from tests.helpers.vacancies import feature

TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


def login(client, email: str, next_path: str = "/"):
    page = client.get("/anmelden").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/anmelden", data={"email": email, "password": PASSWORD,
                                              "csrf_token": csrf, "next": next_path},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return response


def page_config(html: str) -> dict:
    """The config a map page hands its scripts (static/app/map-start.js) as JSON."""
    found = re.search(r'<script id="leerstand-page" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no page config"
    return json.loads(found.group(1))


def absolute_urls(html: str) -> set[str]:
    return set(re.findall(r'(?:src|href)\s*=\s*["\'](https?:[^"\']+)', html))


@pytest.mark.parametrize("path", ["/karte/{ags}", "/verwaltung/{ags}", "/uebersicht"])
def test_pages_load_nothing_from_a_cdn(client, users, path):
    users.token("admin", email="admin@example.org", password=PASSWORD)
    login(client, "admin@example.org")
    response = client.get(path.format(ags=SCHMOELLN))
    assert response.status_code == 200
    html = response.text
    # the only absolute URLs: the tile template (in the map script) and the attribution link
    assert absolute_urls(html) <= {"https://www.openstreetmap.org/copyright"}
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "netdna.bootstrapcdn",
                "unpkg.com"):  # folium's defaults and the usual suspects
        assert cdn not in html
    assert html.count("https://") == 2  # tiles + attribution
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(asset).status_code == 200, asset


def test_vendored_libraries_have_pinned_versions_and_licences():
    from app.config import PROJECT_DIR

    vendor = PROJECT_DIR / "static" / "vendor"
    expected = {"leaflet": "leaflet@1.9.3",
                "leaflet.markercluster": "leaflet.markercluster@1.5.3",
                "leaflet-geoman": "@geoman-io/leaflet-geoman-free@2.20.2"}
    for folder, version in expected.items():
        assert (vendor / folder / "VERSION").read_text().strip() == version
        assert any(p.name.upper().startswith(("LICENSE", "MIT-LICENCE")) for p in (vendor / folder).iterdir())


def test_offline_map_has_no_cdn_and_no_zoom_lock():
    for cls in (OfflineMap, StaffMap):
        parts = build_map(tiles_url=TILES, attribution="OSM", bounds=(12.3, 50.8, 12.4, 50.9), cls=cls)
        text = parts.header + parts.html + parts.script
        assert re.findall(r"https?://[^\s\"']+", text) == [TILES]
        assert "user-scalable" not in text
    # the class lists stay as defined (folium's add_js_link would mutate them for every map)
    assert all(url.startswith(("/static/vendor/", "/static/app/")) for _, url in OfflineMap.default_js)
    assert len(OfflineMap.default_js) == 3  # Leaflet, its German defaults, markercluster (no jQuery)


def test_offline_map_is_fitted_to_the_town_as_it_is_created():
    """One first view (not zoom_start's, then the town's): the set-up fits the bounds without
    animation before any layer is added; without bounds, folium's centre and zoom."""
    parts = build_map(tiles_url=TILES, attribution="OSM", bounds=(12.3, 50.8, 12.4, 50.9))
    created = parts.script.index(f'L.map("{parts.name}"')
    fitted = parts.script.index(f"{parts.name}.fitBounds([[50.8, 12.3], [50.9, 12.4]], {{animate: false}})")
    assert created < fitted < parts.script.index("L.tileLayer(")
    assert "center:" not in parts.script[created:fitted]
    whole = build_map(tiles_url=TILES, attribution="OSM", bounds=None)
    assert "fitBounds" not in whole.script and "center: [51.0, 11.0]" in whole.script


def test_public_page_does_not_inline_the_register(client, users):
    client.post("/api/v1/vacancies", headers=bearer(users.token("staff", SCHMOELLN)),
                json=feature(SCHMOELLN, description="Unverwechselbar-4711", owner_contact="o@x.de",
                             internal_notes="nur intern"))
    html = client.get(f"/karte/{SCHMOELLN}").text
    assert "Leerstände in Schmölln" in html
    assert "Unverwechselbar-4711" not in html and "o@x.de" not in html and "nur intern" not in html
    assert '"ags": "16077043"' in html


@pytest.mark.parametrize("path", ["/karte/99999999", "/verwaltung/99999999", "/karte/abc",
                                  "/karte/1607704%3Cb%3E", "/verwaltung/1234567x"])
def test_unknown_town_is_a_german_404_page(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Seite nicht gefunden" in response.text and "Traceback" not in response.text


def test_staff_map_without_login_redirects_to_the_login_page(client):
    response = client.get(f"/verwaltung/{SCHMOELLN}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/anmelden?next=/verwaltung/{SCHMOELLN}"


@pytest.mark.parametrize("role,ags", [("staff", JENA), ("working_group", None)])
def test_staff_map_of_another_town_is_a_german_403_page(client, users, role, ags):
    users.token(role, ags, email="other@example.org", password=PASSWORD)
    login(client, "other@example.org")
    response = client.get(f"/verwaltung/{SCHMOELLN}", headers={"Accept": "text/html"})
    assert response.status_code == 403
    assert "Kein Zugriff" in response.text and "Schmölln" in response.text
    assert "leerstand-page" not in response.text and "map-staff." not in response.text


@pytest.mark.parametrize("role,ags", [("staff", SCHMOELLN), ("admin", None)])
def test_staff_map_for_its_town(client, users, role, ags):
    users.token(role, ags, email="own@example.org", password=PASSWORD)
    assert login(client, "own@example.org", f"/verwaltung/{SCHMOELLN}").headers["location"] == \
        f"/verwaltung/{SCHMOELLN}"
    client.post("/api/v1/vacancies", headers=bearer(users.token("staff", SCHMOELLN)),
                json=feature(SCHMOELLN, owner_contact="owner@private.example"))
    response = client.get(f"/verwaltung/{SCHMOELLN}")
    assert response.status_code == 200
    assert "Verwaltung: Schmölln" in response.text
    assert static_url("vendor/leaflet-geoman/leaflet-geoman.js") in response.text
    # the page script gets the session's CSRF token; private data only via the API
    config = page_config(response.text)
    assert config["page"] == "staff" and re.fullmatch(r"map_\w+", config["map"])
    assert len(config["csrf"]) > 20
    assert "owner@private.example" not in response.text


def test_overview_page_and_start_page_link_the_maps(client, users):
    response = client.get("/uebersicht")
    assert response.status_code == 200
    assert "Leerstand in Thüringen" in response.text
    assert static_url("app/map-overview.js") in response.text
    client.post("/api/v1/vacancies", headers=bearer(users.token("staff", SCHMOELLN)),
                json=feature(SCHMOELLN))
    start = client.get("/").text
    assert 'href="/uebersicht"' in start
    assert f'href="/karte/{SCHMOELLN}"' in start


def test_start_page_counts_in_german_without_ags_or_workbench_for_citizens(client, users):
    token = users.token("staff", SCHMOELLN)
    client.post("/api/v1/vacancies", headers=bearer(token), json=feature(SCHMOELLN))
    for dlon in (0.001, 0.0015):
        client.post("/api/v1/vacancies", headers=bearer(users.token("staff", JENA)),
                    json=feature(JENA, lon=11.591842 + dlon, lat=50.93006))
    start = client.get("/").text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", start))
    assert "Schmölln : 1 Eintrag" in text and "Jena : 2 Einträge" in text
    assert "AGS" not in text and SCHMOELLN not in text.replace(f"/karte/{SCHMOELLN}", "")
    assert "/verwaltung/" not in start and "Verwaltung" not in text
    assert english_numbers(text) == []
    # the town's staff find their workbench there, and only theirs
    users.token("staff", SCHMOELLN, email="start@example.org", password=PASSWORD)
    login(client, "start@example.org")
    start = client.get("/").text
    assert f'href="/verwaltung/{SCHMOELLN}"' in start and f'href="/verwaltung/{JENA}"' not in start


@pytest.mark.parametrize("role,ags,shows", [("staff", SCHMOELLN, "Aufgaben heute – Schmölln"),
                                            ("admin", None, "Wählen Sie die Stadt")])
def test_header_leads_those_who_edit_a_town_to_their_home(client, users, role, ags, shows):
    assert 'href="/verwaltung"' not in client.get("/ueber").text
    assert client.get("/verwaltung", follow_redirects=False).headers["location"] == \
        "/anmelden?next=/verwaltung"
    users.token(role, ags, email="bench@example.org", password=PASSWORD)
    login(client, "bench@example.org")
    assert 'href="/verwaltung"' in client.get("/ueber").text
    home = client.get("/verwaltung", follow_redirects=False)
    assert home.status_code == 200 and shows in home.text
    if ags:
        assert f'href="/verwaltung/{ags}"' in home.text  # on to the staff map


def test_the_working_group_has_no_workbench(client, users):
    users.token("working_group", email="ag-bench@example.org", password=PASSWORD)
    login(client, "ag-bench@example.org")
    assert 'href="/verwaltung"' not in client.get("/ueber").text
    response = client.get("/verwaltung", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/uebersicht"


def test_public_map_has_the_participation_forms_with_a_hidden_honeypot(client):
    html = client.get(f"/karte/{SCHMOELLN}").text
    assert static_url("app/participation.js") in html
    assert 'id="report-form"' in html and 'id="proposal-form"' in html
    for form in ("r", "p"):
        honeypot = re.search(rf'<div class="hp" aria-hidden="true">.*?<input id="{form}-website"[^>]*>',
                             html, re.S).group(0)
        assert 'name="website"' in honeypot and 'tabindex="-1"' in honeypot
        assert 'autocomplete="off"' in honeypot
    # every input the API names has its name (the field errors find their place by it)
    for name in ("location", "address", "description", "hint", "email", "consent", "title", "category",
                 "min_area_m2", "max_area_m2", "max_rent_eur_m2", "vacancy_id", "radius_m", "display_name"):
        assert f'name="{name}"' in html, name


def test_public_map_hands_the_csrf_token_to_a_logged_in_staff_members_posts(client, users):
    """A staff member browsing the public map sends the session cookie: the page's config
    carries the session's CSRF token (the staff map's), which the page sends with every POST."""
    users.token("staff", SCHMOELLN, email="browsing@example.org", password=PASSWORD)
    login(client, "browsing@example.org")
    html = client.get(f"/karte/{SCHMOELLN}").text
    csrf = page_config(html)["csrf"]
    report = {"location": {"type": "Point", "coordinates": [12.354, 50.895]}, "address": "Markt 1",
              "description": "leer"}
    staff_page = client.get(f"/verwaltung/{SCHMOELLN}").text
    assert page_config(staff_page)["csrf"] == csrf
    response = client.post("/api/v1/reports", json=report, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201, response.text
    main = html.split("<main", 1)[1].split(static_url("app/participation.js"))[0]
    assert "browsing@example.org" not in main


def test_staff_map_has_the_review_queue(client, users):
    users.token("staff", SCHMOELLN, email="queue@example.org", password=PASSWORD)
    login(client, "queue@example.org")
    html = client.get(f"/verwaltung/{SCHMOELLN}").text
    assert static_url("app/map-review.js") in html and static_url("app/map-start.js") in html
    assert page_config(html)["page"] == "staff"
    for list_id in ("review-reports", "review-pending", "review-flagged", "review-published"):
        assert f'id="{list_id}"' in html
