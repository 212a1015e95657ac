"""Photos in headless Chromium: staff keep a vacancy's gallery in the editor (upload several,
caption, cover, order, delete; by mouse and by keyboard alone), and the public map's popup
shows the cover's thumbnail on a phone — but none where the owner allowed only location and
status."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.helpers import images
from tests.helpers.browser import Api, login
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
EMAIL = "fotos@example.org"
RED, GREEN = (200, 30, 30), (30, 160, 60)


def _open_editor(page, street: str) -> None:
    page.locator("#vacancy-list button", has_text=street).click()
    expect(page.locator("#editor-title")).to_contain_text(street)
    expect(page.locator("#photo-gallery")).to_be_visible()


def _photos(base_url: str, vacancy_id: int) -> list[dict]:
    """The gallery as an anonymous visitor reads it."""
    response = httpx.get(f"{base_url}/api/v1/vacancies/{vacancy_id}/photos")
    assert response.status_code == 200, response.text
    return response.json()["photos"]


def _upload(api: Api, vacancy_id: int, color, caption: str | None = None) -> dict:
    response = api.http.post(f"/api/v1/vacancies/{vacancy_id}/photos",
                             data={"caption": caption} if caption else {},
                             files={"file": ("foto.jpg", images.photo(color=color), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()


def test_staff_keep_the_gallery_and_the_public_sees_it(live_server, users, page, guard, tmp_path):
    users.token("staff", SCHMOELLN, email=EMAIL, password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    vacancy = api.create(feature(SCHMOELLN, street="Fotogasse", house_number="7"))
    first, second = tmp_path / "eingang.jpg", tmp_path / "schaufenster.jpg"
    first.write_bytes(images.photo(color=RED))
    second.write_bytes(images.noisy_jpeg())
    login(page, live_server.url, SCHMOELLN, EMAIL)
    _open_editor(page, "Fotogasse")
    status = page.locator("#gallery-status")
    expect(status).to_have_text("Noch keine Fotos.")

    page.set_input_files("#gallery-files", [str(first), str(second)])
    page.click("#gallery-upload")
    expect(status).to_have_text("2 Fotos hochgeladen.", timeout=20_000)
    items = page.locator("#gallery-list li")
    expect(items).to_have_count(2)
    expect(items.nth(0).locator("img")).to_have_attribute("alt", "Foto 1")

    # caption and cover of the second photo
    caption = items.nth(1).get_by_label("Bildunterschrift")
    caption.fill("Schaufenster zur Hauptstraße")
    caption.press("Tab")
    expect(status).to_have_text("Bildunterschrift gespeichert.")
    items.nth(1).get_by_label("Titelfoto").check()
    expect(status).to_have_text("Titelfoto gewählt.")
    # … moved to the front
    items.nth(1).get_by_role("button", name="nach vorn").click()
    expect(status).to_contain_text("jetzt Foto 1 von 2")
    expect(items.nth(0).get_by_label("Bildunterschrift")).to_have_value("Schaufenster zur Hauptstraße")
    expect(items.nth(0).get_by_role("button", name="nach vorn")).to_be_disabled()
    # the red one (now second) deleted after the page asked
    items.nth(1).get_by_role("button", name="Löschen").click()
    items.nth(1).get_by_role("button", name="Ja, löschen").click()
    expect(status).to_contain_text("Foto gelöscht. 1 Foto übrig.")
    expect(items).to_have_count(1)

    photos = _photos(live_server.url, vacancy["id"])
    assert [(p["caption"], p["is_cover"], p["position"]) for p in photos] == [
        ("Schaufenster zur Hauptstraße", True, 0)]

    # the public popup shows that cover's thumbnail
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator("#vacancy-list button", has_text="Fotogasse").click()
    cover = page.locator(".leaflet-popup .popup-cover")
    expect(cover).to_have_attribute("alt", "Foto: Fotogasse 7")
    assert cover.get_attribute("src") == photos[0]["thumbnail_url"].removeprefix(live_server.url)
    page.wait_for_function("() => document.querySelector('.popup-cover').naturalWidth > 0")
    guard.assert_clean()


def test_caption_and_cover_by_keyboard_alone(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email=EMAIL, password=PASSWORD)
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    vacancy = api.create(feature(SCHMOELLN, street="Tastenweg"))
    one, two = (_upload(api, vacancy["id"], color) for color in (RED, GREEN))
    login(page, live_server.url, SCHMOELLN, EMAIL)
    page.locator("#vacancy-list button", has_text="Tastenweg").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#gallery-list li")).to_have_count(2)
    status = page.locator("#gallery-status")

    page.locator("#gallery-upload").focus()
    page.keyboard.press("Tab")  # the first photo's caption
    page.keyboard.type("Eingang")
    page.keyboard.press("Enter")
    expect(status).to_have_text("Bildunterschrift gespeichert.")
    page.keyboard.press("Tab")  # its cover button
    page.keyboard.press("Space")
    expect(status).to_have_text("Titelfoto gewählt.")
    assert [(p["id"], p["caption"], p["is_cover"]) for p in _photos(live_server.url, vacancy["id"])] == [
        (one["id"], "Eingang", True), (two["id"], None, False)]
    page.keyboard.press("ArrowDown")  # the next radio of the group: the second photo's
    expect(page.locator(f"#gallery-{two['id']}-cover")).to_be_checked()
    expect(status).to_have_text("Titelfoto gewählt.")
    page.wait_for_function(f"""async () => {{
        const r = await fetch("/api/v1/vacancies/{vacancy['id']}/photos");
        return (await r.json()).photos.find((p) => p.is_cover).id === {two['id']}; }}""")
    # the order by keyboard too: "nach hinten" of the last photo is disabled, so Shift+Tab from
    # its delete button reaches "nach vorn"
    page.locator(f"#gallery-list li[data-id='{two['id']}'] .gallery-delete").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(status).to_contain_text("jetzt Foto 1 von 2")
    assert [p["id"] for p in _photos(live_server.url, vacancy["id"])] == [two["id"], one["id"]]
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused == "Foto 1 nach hinten", focused  # the moved photo's own button keeps focus
    guard.assert_clean()


def test_popup_cover_on_a_phone_and_none_for_a_basic_consent(live_server, users, phone_page, guard,
                                                             database_url):
    from sqlalchemy import create_engine, text

    page = phone_page
    api = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    shown = api.create(feature(SCHMOELLN, lon + 0.0004, lat, street="Bildstraße", house_number="2"))
    basic = api.create(feature(SCHMOELLN, lon - 0.0004, lat, street="Stillweg", house_number="9"))
    for vacancy in (shown, basic):
        photo = _upload(api, vacancy["id"], GREEN)
        api.http.patch(f"/api/v1/photos/{photo['id']}", json={"is_cover": True})
    response = api.http.patch(f"/api/v1/municipalities/{SCHMOELLN}", json={"require_owner_consent": True})
    assert response.status_code == 200, response.text
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET owner_consent = 'full' WHERE id = :id"), {"id": shown["id"]})
        conn.execute(text("UPDATE vacancy SET owner_consent = 'basic' WHERE id = :id"), {"id": basic["id"]})

    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator("#vacancy-list button", has_text="Bildstraße").tap()
    popup = page.locator(".leaflet-popup")
    cover = popup.locator(".popup-cover")
    expect(cover).to_have_attribute("alt", "Foto: Bildstraße 2")
    assert cover.get_attribute("loading") == "lazy"
    assert (cover.get_attribute("width"), cover.get_attribute("height")) == ("240", "180")
    page.wait_for_function("() => document.querySelector('.popup-cover').naturalWidth > 0")
    page.wait_for_timeout(400)  # Leaflet pans the popup into view
    box, image = popup.bounding_box(), cover.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    assert image["x"] >= box["x"] and image["x"] + image["width"] <= box["x"] + box["width"], image
    page.locator(".leaflet-popup-close-button").tap()
    expect(popup).to_have_count(0)

    page.locator("#vacancy-list button", has_text="Adresse nicht angegeben").tap()
    expect(popup).to_be_visible()
    expect(popup.locator(".popup-cover")).to_have_count(0)
    assert "/api/v1/photos/" not in popup.inner_html()
    guard.assert_clean()
