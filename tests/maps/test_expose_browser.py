"""The exposé from the pages (issue 13, item 3): a link in the public popup and two in the staff
editor (for interested parties, and internal with notes); each opens a real PDF."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect

from tests.helpers.browser import Api, login
from tests.helpers.towns import SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import full_feature

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True,
                          check=True).stdout.decode()


def test_the_public_popup_links_the_expose(live_server, users, phone_page, guard):
    page = phone_page
    shop = Api(live_server.url, users.token("staff", SCHMOELLN)).create(full_feature(SCHMOELLN))
    page.goto(f"{live_server.url}/karte/{SCHMOELLN}")
    page.locator(".vac-marker").first.tap()
    link = page.get_by_role("link", name="Exposé (PDF) für Interessierte")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == f"/api/v1/vacancies/{shop['id']}/expose.pdf"
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.body())
    assert "Musterstraße 3" in text and "Geheim" not in text and "Erbstreit" not in text
    guard.assert_clean()


def test_the_staff_editor_links_both_versions(live_server, users, page, guard):
    users.token("staff", SCHMOELLN, email="expose@example.org", password=PASSWORD)
    shop = Api(live_server.url, users.token("staff", SCHMOELLN)).create(full_feature(SCHMOELLN))
    login(page, live_server.url, SCHMOELLN, "expose@example.org")
    page.wait_for_selector(".list-item")
    page.locator(".list-item").first.click()
    expect(page.locator("#editor-title")).to_contain_text("Leerstand bearbeiten")
    internal = page.get_by_role("link", name="intern, mit Notizen")
    expect(internal).to_be_visible()
    # the logged-in browser's own session fetches the internal version
    response = page.request.get(live_server.url + internal.get_attribute("href"))
    assert response.status == 200, response.text()
    text = _pdf_text(response.body())
    assert "intern: Erbstreit" in text and "Geheim" not in text
    public = page.get_by_role("link", name="für Interessierte")
    assert public.get_attribute("href") == f"/api/v1/vacancies/{shop['id']}/expose.pdf"
    guard.assert_clean()
