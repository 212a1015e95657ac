"""A citizen reports an empty shop with photos in headless Chromium: the hint asks for no people
and no number plates, the photos reach the review queue unapproved and without EXIF."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.helpers import images
from tests.helpers.browser import Api
from tests.helpers.towns import CENTRES, SCHMOELLN

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_report_with_photos_reaches_the_review_queue(live_server, users, page, guard, tmp_path):
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    first, second = tmp_path / "schaufenster.jpg", tmp_path / "eingang.heic"
    first.write_bytes(images.gps_photo())
    second.write_bytes(images.heic())
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.wait_for_selector(".vac-marker, .marker-cluster, .leaflet-container")
    page.click("#report-start")
    expect(page.locator("#r-photos-hint")).to_contain_text(
        "Bitte fotografieren Sie keine Personen und keine Autokennzeichen.")
    page.wait_for_function("() => window.leerstandLayer && window.leerstandLayer.map")
    page.evaluate("([lat, lon]) => window.leerstandLayer.map.setView([lat, lon], 17, {reset: true})",
                  [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 20, box["y"] + box["height"] / 2)
    expect(page.locator("#r-location")).not_to_have_value("")
    page.fill("#r-address", "Fotogasse 2")
    page.fill("#r-description", "Leer seit dem Sommer")
    page.set_input_files("#r-photos", [str(first), str(second)])
    page.locator("#report-form button[type=submit]").click()
    status = page.locator("#participate-status")
    expect(status).to_contain_text("2 Fotos wurden übertragen", timeout=20_000)
    expect(status).to_contain_text("Danke! Ihre Meldung ist eingegangen.")
    queue = staff.http.get("/api/v1/review", params={"municipality": SCHMOELLN}).json()
    [report] = [r for r in queue["reports"] if r["address"] == "Fotogasse 2"]
    assert [p["approved"] for p in report["photos"]] == [False, False]
    served = staff.http.get(report["photos"][0]["url"])
    assert served.status_code == 200
    assert dict(Image.open(io.BytesIO(served.content)).getexif()) == {}
    guard.assert_clean()
