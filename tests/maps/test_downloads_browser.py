"""Downloads as people use them: the working group on /uebersicht and a town's staff on their map
click GeoJSON, CSV and GeoPackage (for all towns or one), and GDAL opens each file with the
expected number of features and without owner data; /uebersicht readable on a laptop and a
phone (no cell cut off, no sideways scrolling). On the demo data."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest
from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import demo
from app.database import make_engine
from tests.helpers.browser import login, open_page, screenshot
from tests.helpers.users import PASSWORD

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
JENA = "16053000"
FORMATS = {"GeoJSON": "geojson", "CSV": "csv", "GeoPackage": "gpkg"}
# what the demo keeps from everybody but the town's staff (app/demo.py): owner contacts and
# internal notes
PRIVATE = ("demo.invalid", "(fiktiv)", "Gespräch mit Eigentümer")


@pytest.fixture
def demo_data(database_url) -> dict[str, int]:
    """The demo loaded; how many vacancies there are in all and in each town."""
    with Session(make_engine(database_url)) as session, session.begin():
        demo.load(session=session, password=PASSWORD)
        counts = dict(session.execute(text(
            "SELECT m.ags, count(*) FROM vacancy v JOIN municipality m ON m.id = v.municipality_id "
            "GROUP BY m.ags")).all())
        notes = session.scalar(text("SELECT count(*) FROM vacancy WHERE internal_notes <> ''"))
    assert notes and len(counts) == 3
    return {"all": sum(counts.values()), **counts}


def _download(page, button: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    download = info.value
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def _check_file(path: Path, expected: int) -> None:
    """GDAL reads every feature, and no owner contact or internal note is in the bytes."""
    assert pyogrio.read_info(path)["features"] == expected, path.name
    pyogrio.raw.read(path)
    content = path.read_bytes()
    for secret in PRIVATE:
        assert secret.encode() not in content, (path.name, secret)
    assert b"owner_contact" not in content and b"internal_notes" not in content


def _log_in_to_overview(page, base_url: str) -> None:
    page.goto(f"{base_url}/anmelden?next=/uebersicht")
    page.fill("#email", "ag@demo.invalid")
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(f"{base_url}/uebersicht")
    expect(page.locator("#download-town option")).to_have_count(4)  # all towns, then three


def test_working_group_downloads_every_format_from_the_overview(live_server, demo_data, page,
                                                                guard, tmp_path):
    _log_in_to_overview(page, live_server.url)
    expect(page.locator("#download-town")).to_have_value("")  # "Alle Städte" first
    for button, suffix in FORMATS.items():
        path = _download(page, button, tmp_path / "all")
        assert path.suffix == f".{suffix}"
        _check_file(path, demo_data["all"])
    page.locator("#download-town").select_option(label="Jena")
    for button in FORMATS:
        _check_file(_download(page, button, tmp_path / "jena"), demo_data[JENA])
    guard.assert_clean()


def test_download_by_keyboard_only(live_server, demo_data, page, guard, tmp_path):
    _log_in_to_overview(page, live_server.url)
    page.locator("#download-town").focus()
    page.keyboard.press("ArrowDown")  # the first town (alphabetical)
    expect(page.locator("#download-town")).to_have_value(JENA)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="GeoJSON", exact=True)).to_be_focused()
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    path = tmp_path / "keyboard.geojson"
    info.value.save_as(path)
    _check_file(path, demo_data[JENA])
    guard.assert_clean()


def test_overview_links_the_qgis_help_ogc_and_the_schema(live_server, demo_data, page, guard):
    page.goto(f"{live_server.url}/uebersicht")
    expect(page.locator("#download-town option")).to_have_count(4)
    page.get_by_role("link", name="Anleitung: die Daten in QGIS öffnen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leerstandsdaten in QGIS öffnen")
    expect(page.locator("main")).to_contain_text(f"{live_server.url}/ogc")
    page.go_back()
    for name, path in (("OGC API - Features", "/ogc"),
                       ("Feldbeschreibung der Exporte", "/api/v1/export/schema")):
        link = page.locator(".download-links").get_by_role("link", name=name)
        assert link.get_attribute("href") == path
        assert page.request.get(live_server.url + path).status == 200
    guard.assert_clean()


def test_staff_download_their_town_without_notes(live_server, demo_data, page, guard, tmp_path):
    login(page, live_server.url, JENA, "jena@demo.invalid")
    expect(page.locator("#download-town option")).to_have_count(1)
    expect(page.locator("#download-town")).to_have_value(JENA)
    for button in FORMATS:
        _check_file(_download(page, button, tmp_path), demo_data[JENA])
    guard.assert_clean()


# --- layout ---------------------------------------------------------------------------------

CLIPPED = """() => [...document.querySelectorAll(`#towns-table th, #towns-table td, #towns-table caption,
        .downloads label, .downloads button, .downloads select, .downloads a`)]
    .filter((e) => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).display !== 'inline')
    .map((e) => e.tagName + ': ' + e.textContent.trim())"""


def _check_layout(page, base_url: str, width: int, name: str) -> None:
    _log_in_to_overview(page, base_url)
    expect(page.locator("#towns-table caption")).to_have_text("3 Städte mit Einträgen")
    expect(page.locator("#towns-table tbody tr")).to_have_count(3)
    page.locator("#towns-table").scroll_into_view_if_needed()
    screenshot(page, name)
    assert page.evaluate(CLIPPED) == []
    table = page.locator("#towns-table")
    assert table.evaluate("(e) => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways"
    header = page.locator("#towns-table th").all_inner_texts()
    assert header == ["Stadt", "aktiv", "je 10.000 Einw."]
    assert "Zwischennutzung:\u00a04" in page.locator("#towns-table tbody").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_overview_fits_a_laptop(live_server, demo_data, browser, guard):
    context, page = open_page(browser, guard, viewport={"width": 1280, "height": 800})
    try:
        _check_layout(page, live_server.url, 1280, "overview-1280")
    finally:
        context.close()
    guard.assert_clean()


def test_overview_fits_a_phone(live_server, demo_data, phone_page, guard):
    _check_layout(phone_page, live_server.url, 390, "overview-390")
    guard.assert_clean()
