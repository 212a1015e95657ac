"""The staff map as staff use it beyond editing: a task's link opens the record, the import
with its dry run shown per row, erasing a person's data, realising and withdrawing an idea,
and the shop an author chose listed with the reason it does not fit."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from tests.helpers.browser import Api, login
from tests.helpers.participation import SECRET_EMAIL, point, proposal_body
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.users import PASSWORD
from tests.helpers.vacancies import feature

STAFF_EMAIL = "werkzeuge@schmoelln.example.org"


def _staff(live_server, users) -> Api:
    users.token("staff", SCHMOELLN, email=STAFF_EMAIL, password=PASSWORD)
    return Api(live_server.url, users.token("staff", SCHMOELLN))


def _geojson(tmp_path, name: str, rows: list[dict]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": rows}), encoding="utf-8")
    return str(path)


def test_a_task_link_opens_the_record_in_the_editor(live_server, users, page, guard):
    staff = _staff(live_server, users)
    lon, lat = CENTRES[SCHMOELLN]
    created = staff.create(feature(SCHMOELLN, lon + 0.002, lat - 0.001, street="Linkgasse",
                                   house_number="7"))
    tasks = staff.http.get("/api/v1/tasks", params={"municipality": SCHMOELLN}).json()
    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)
    link = f"/verwaltung/{SCHMOELLN}#leerstand-{created['id']}"
    page.goto(live_server.url + link)
    expect(page.locator("#editor-title")).to_contain_text("Linkgasse 7")
    expect(page.locator("#f-street")).to_have_value("Linkgasse")
    # the staff home's items point here, never to the public map
    links = [item["link"] for task in tasks["tasks"] for item in task["items"]]
    assert all(link.startswith(f"/verwaltung/{SCHMOELLN}#") for link in links), links
    page.goto(live_server.url + f"/verwaltung/{SCHMOELLN}#leerstand-999999")
    expect(page.locator("#map-status")).to_contain_text("nicht (mehr) da")
    guard.assert_clean()


def test_import_shows_the_dry_run_per_row_then_imports(live_server, users, page, guard, tmp_path):
    staff = _staff(live_server, users)
    lon, lat = CENTRES[SCHMOELLN]
    good = feature(SCHMOELLN, lon + 0.001, lat, street="Importweg", house_number="1",
                   external_id="imp-1")
    bad = feature(SCHMOELLN, lon + 0.0012, lat, street="Importweg", house_number="2",
                  external_id="imp-2", floor_area_m2=-5)
    before = len(staff.list(SCHMOELLN))
    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)

    page.set_input_files("#import-file", _geojson(tmp_path, "mit-fehler.geojson", [good, bad]))
    page.get_by_role("button", name="Probelauf").click()
    report = page.locator("#import-report")
    expect(report).to_contain_text("Probelauf für „mit-fehler.geojson“: 2 Zeilen, 1 Problem –")
    problem = report.locator("table.import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("2")
    expect(problem.locator("td").nth(1)).to_have_text("floor_area_m2")
    expect(page.get_by_role("button", name="Importieren")).to_be_disabled()
    assert len(staff.list(SCHMOELLN)) == before  # a dry run changes nothing

    page.set_input_files("#import-file", _geojson(tmp_path, "gut.geojson", [good]))
    expect(page.get_by_role("button", name="Importieren")).to_be_disabled()  # not checked yet
    page.get_by_role("button", name="Probelauf").click()
    expect(report).to_contain_text("alle in Ordnung")
    page.get_by_role("button", name="Importieren").click()
    expect(report).to_contain_text("Importiert aus „gut.geojson“: 1 neu, 0 geändert")
    streets = [f["properties"]["street"] for f in staff.list(SCHMOELLN)]
    assert len(streets) == before + 1 and "Importweg" in streets

    (tmp_path / "kaputt.geojson").write_bytes(b"\x00{nicht json")  # a broken file
    page.set_input_files("#import-file", str(tmp_path / "kaputt.geojson"))
    page.get_by_role("button", name="Probelauf").click()
    problems = report.locator("table.import-problems tbody tr")
    expect(problems.first.locator("td").first).to_have_text("Datei")
    expect(report).to_contain_text("nichts wird übernommen")
    expect(page.get_by_role("button", name="Importieren")).to_be_disabled()
    assert len(staff.list(SCHMOELLN)) == before + 1
    guard.assert_clean()


@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_erase_a_person_by_keyboard(live_server, users, screen, request, guard, session):
    page = request.getfixturevalue(screen)  # desktop, and a phone at 390×844
    staff = _staff(live_server, users)
    created = staff.http.post("/api/v1/proposals", json=proposal_body(
        location=point(), radius_m=500, email=SECRET_EMAIL, display_name="Erika")).json()
    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)
    page.locator("#erase-email").focus()
    page.keyboard.type(SECRET_EMAIL)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Daten löschen")).to_be_focused()
    page.keyboard.press("Enter")
    ask = page.get_by_role("alertdialog")
    expect(ask).to_contain_text("endgültig löschen?")
    expect(ask.get_by_role("button", name="Abbrechen")).to_be_focused()  # the safe choice
    page.keyboard.press("Escape")  # cancelled: nothing happens
    expect(ask).to_have_count(0)
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal_contact WHERE proposal_id = :id"),
                           {"id": created["id"]}).scalar_one() == 1
    page.get_by_role("button", name="Daten löschen").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")  # from "Abbrechen" back to the confirming button
    expect(page.get_by_role("button", name="Endgültig löschen")).to_be_focused()
    page.keyboard.press("Enter")
    status = page.locator("#erase-status")
    expect(status).to_contain_text("Gelöscht: 1 Kontakt zu Ideen, 1 angezeigter Name")
    expect(page.locator("#erase-email")).to_have_value("")
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM proposal_contact WHERE proposal_id = :id"),
                           {"id": created["id"]}).scalar_one() == 0
    assert SECRET_EMAIL not in page.content()

    page.locator("#erase-email").fill(SECRET_EMAIL)  # a second time: nothing left
    page.get_by_role("button", name="Daten löschen").click()
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(status).to_have_text("Zu dieser E-Mail-Adresse gibt es hier keine Daten.")
    page.locator("#erase-email").fill("kein-at-zeichen")
    page.get_by_role("button", name="Daten löschen").click()
    page.get_by_role("button", name="Endgültig löschen").click()
    expect(status).to_contain_text("Nicht gelöscht")
    guard.assert_clean()


def test_realise_withdraw_and_the_unfit_pinned_shop(live_server, users, page, guard):
    staff = _staff(live_server, users)
    lon, lat = CENTRES[SCHMOELLN]
    big = staff.create(feature(SCHMOELLN, lon + 0.0015, lat + 0.0005, street="Großer Markt",
                               house_number="9", floor_area_m2=400))
    pinned = staff.http.post("/api/v1/proposals", json=proposal_body(
        vacancy_id=big["id"], title="Kleines Atelier", max_area_m2=150)).json()
    other = staff.http.post("/api/v1/proposals", json=proposal_body(
        location=point(), radius_m=500, title="Lesecafé")).json()
    for proposal in (pinned, other):
        assert staff.http.post(f"/api/v1/proposals/{proposal['id']}/publish").status_code == 200

    login(page, live_server.url, SCHMOELLN, STAFF_EMAIL)
    atelier = page.locator("#review-published form", has_text="Kleines Atelier")
    expect(atelier.get_by_role("link", name="Kleines Atelier")).to_have_attribute(
        "href", f"/vorschlaege/{pinned['id']}")
    atelier.get_by_role("button", name="Passende Leerstände").click()
    unfit = atelier.locator("li.pinned-unfit")
    expect(unfit).to_contain_text("Großer Markt 9")
    expect(unfit).to_contain_text("passt nicht")
    expect(unfit).to_contain_text("größer als")
    unfit.get_by_role("link", name="Großer Markt 9").click()
    expect(page.locator("#editor-title")).to_contain_text("Großer Markt 9")

    atelier.get_by_role("button", name="Als verwirklicht markieren").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Verwirklicht").click()
    expect(page.locator("#review-status")).to_contain_text("wurde verwirklicht")
    page.locator("#review-published form", has_text="Lesecafé").get_by_role(
        "button", name="Zurückziehen").click()
    page.get_by_role("alertdialog").get_by_role("button", name="Zurückziehen").click()
    expect(page.locator("#review-status")).to_contain_text("ist zurückgezogen")
    assert staff.http.get(f"/api/v1/proposals/{pinned['id']}").json()["status"] == "realised"
    assert staff.http.get(f"/api/v1/proposals/{other['id']}").json()["status"] == "withdrawn"
    expect(page.locator("#review-published form")).to_have_count(0)
    guard.assert_clean()
