"""The staff home /verwaltung in Chromium: a staff login lands on it, sees the task counts and
confirms records due for re-checking with "Noch aktuell" by mouse, touch and keyboard — the
record leaves the list, the count goes down, verified_at is set in the database. A working
group login lands on /uebersicht. No private data of the records is on the page."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.database import make_engine
from tests.helpers.browser import Api
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

EMAIL = "home-staff@example.org"
OWNER = "priv-owner-home@example.invalid"
NOTES = "priv-notes-home-geheim"


def _arrange(live_server, users) -> list[int]:
    """Two records nobody checked or changed for 400 days, and a fresh one."""
    users.token("staff", SCHMOELLN, email=EMAIL, password=PASSWORD)
    staff = Api(live_server.url, users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    ids = [staff.create(feature(SCHMOELLN, lon + 0.0004 * i, lat, street="Markt", house_number=str(i),
                                owner_contact=OWNER, internal_notes=NOTES))["id"] for i in (1, 2)]
    staff.create(feature(SCHMOELLN, lon - 0.0005, lat, street="Neu"))
    with Session(make_engine(live_server.settings.database_url)) as session, session.begin():
        session.execute(text("UPDATE vacancy SET verified_at = now() - interval '400 days', "
                             "updated_at = now() - interval '400 days' WHERE id = ANY(:ids)"),
                        {"ids": ids})
    return ids


def _verified_recently(live_server, vacancy_id: int) -> bool:
    with Session(make_engine(live_server.settings.database_url)) as session:
        return session.execute(text("SELECT verified_at > now() - interval '1 minute' FROM vacancy "
                                    "WHERE id = :id"), {"id": vacancy_id}).scalar_one()


def _login(page, base: str, email: str) -> None:
    page.goto(base + "/anmelden")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("form.form button[type=submit]").click()


def _assert_no_private(page) -> None:
    html = page.content()
    assert OWNER not in html and NOTES not in html


def test_staff_lands_on_home_and_confirms_by_mouse_and_keyboard(live_server, users, page, guard):
    ids = _arrange(live_server, users)
    base = live_server.url
    _login(page, base, EMAIL)
    page.wait_for_url(base + "/verwaltung")
    expect(page.locator("h1")).to_have_text("Aufgaben heute – Schmölln")
    expect(page.locator("#recheck-count")).to_have_text("2")
    expect(page.locator(".task-card[data-task=reports] .task-count strong")).to_have_text("0")
    items = page.locator(".recheck-list li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Markt 1")
    expect(items.first).to_contain_text("zuletzt geprüft am")
    _assert_no_private(page)

    items.first.get_by_role("button", name="Noch aktuell: Markt 1").click()
    expect(items).to_have_count(1)
    expect(page.locator("#recheck-count")).to_have_text("1")
    expect(page.locator("#recheck-status")).to_contain_text("„Markt 1“ ist als noch aktuell bestätigt")
    assert _verified_recently(live_server, ids[0])
    # the focus went to the next record's button: Enter confirms it
    expect(page.get_by_role("button", name="Noch aktuell: Markt 2")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items).to_have_count(0)
    expect(page.locator("#recheck-count")).to_have_text("0")
    assert _verified_recently(live_server, ids[1])
    # after a reload the list says so
    page.reload()
    expect(page.locator(".recheck-empty")).to_have_text("Alle Einträge sind aktuell.")
    guard.assert_clean()


def test_keyboard_only_from_the_top(live_server, users, page, guard):
    ids = _arrange(live_server, users)
    _login(page, live_server.url, EMAIL)
    page.wait_for_url(live_server.url + "/verwaltung")
    button = page.get_by_role("button", name="Noch aktuell: Markt 1")
    for _ in range(40):  # Tab through the page until the first "Noch aktuell"
        page.keyboard.press("Tab")
        if button.evaluate("(b) => b === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the first Noch aktuell button")
    page.keyboard.press("Space")
    expect(page.locator(".recheck-list li")).to_have_count(1)
    assert _verified_recently(live_server, ids[0])
    guard.assert_clean()


def test_phone_tap_and_digest_toggle(live_server, users, phone_page, guard):
    ids = _arrange(live_server, users)
    page = phone_page
    _login(page, live_server.url, EMAIL)
    page.wait_for_url(live_server.url + "/verwaltung")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="Noch aktuell: Markt 2").tap()
    expect(page.locator(".recheck-list li")).to_have_count(1)
    expect(page.locator("#recheck-count")).to_have_text("1")
    assert _verified_recently(live_server, ids[1])
    toggle = page.get_by_label("Tägliche Zusammenfassung per E-Mail")
    expect(toggle).not_to_be_checked()
    toggle.tap()
    page.get_by_role("button", name="Speichern").tap()
    page.wait_for_url(live_server.url + "/verwaltung")
    expect(page.get_by_label("Tägliche Zusammenfassung per E-Mail")).to_be_checked()
    with Session(make_engine(live_server.settings.database_url)) as session:
        assert session.execute(text("SELECT digest_daily FROM app_user WHERE email = :e"),
                               {"e": EMAIL}).scalar_one() is True
    guard.assert_clean()


def test_working_group_lands_on_the_overview(live_server, users, page, guard):
    users.token("working_group", email="ag@example.org", password=PASSWORD)
    _login(page, live_server.url, "ag@example.org")
    page.wait_for_url(live_server.url + "/uebersicht")
    page.goto(live_server.url + "/verwaltung")
    page.wait_for_url(live_server.url + "/uebersicht")
    guard.assert_clean()
