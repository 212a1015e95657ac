"""The owner dialogue: the contacts log (staff of the town and admins only), the owner's consent
and next follow-up as private vacancy fields, and the town's require_owner_consent rule on the
public read paths."""

from datetime import date, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import full_feature

URL = "/api/v1/vacancies"
PERSON = "Herr Vertraulich-Besitzer"
NOTE = "Notiz: will an Bäckerei vermieten, Erbstreit geheimXYZ"


@pytest.fixture
def staff(users):
    return bearer(users.token("staff", SCHMOELLN))


def _create(client, headers, **props):
    response = client.post(URL, json=full_feature(**props), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _log(client, headers, vid, **fields):
    body = {"contacted_on": date.today().isoformat(), "channel": "phone", "person": PERSON,
            "outcome": "reached", "note": NOTE, **fields}
    return client.post(f"{URL}/{vid}/owner-contacts", json=body, headers=headers)


def test_staff_log_lists_newest_first_changes_and_deletes(client, staff):
    vid = _create(client, staff)["id"]
    first = _log(client, staff, vid, contacted_on=(date.today() - timedelta(days=9)).isoformat())
    assert first.status_code == 201, first.text
    second = _log(client, staff, vid, channel="visit", outcome="consent_given", person=None)
    assert second.status_code == 201
    assert second.json()["created_by"].endswith("@example.org")
    listed = client.get(f"{URL}/{vid}/owner-contacts", headers=staff).json()
    assert [e["id"] for e in listed["entries"]] == [second.json()["id"], first.json()["id"]]
    assert listed["owner_consent"] == "none" and listed["next_follow_up"] is None

    entry = first.json()["id"]
    changed = client.patch(f"{URL}/{vid}/owner-contacts/{entry}",
                           json={"outcome": "interested", "note": None}, headers=staff)
    assert changed.status_code == 200
    assert changed.json()["outcome"] == "interested" and changed.json()["note"] is None
    assert changed.json()["person"] == PERSON
    cleared = client.patch(f"{URL}/{vid}/owner-contacts/{entry}", json={"channel": None},
                           headers=staff)
    assert cleared.status_code == 422
    assert client.delete(f"{URL}/{vid}/owner-contacts/{entry}", headers=staff).status_code == 204
    assert client.delete(f"{URL}/{vid}/owner-contacts/{entry}", headers=staff).status_code == 404
    listed = client.get(f"{URL}/{vid}/owner-contacts", headers=staff).json()
    assert [e["id"] for e in listed["entries"]] == [second.json()["id"]]


def test_bad_input_is_refused_and_changes_nothing(client, staff):
    vid = _create(client, staff)["id"]
    for body in ({"channel": "fax"}, {"outcome": "vielleicht"}, {"person": "x" * 201},
                 {"note": "a\u0000b"}, {"contacted_on": "2999-01-01"},
                 {"contacted_on": "1999-12-31"}, {"extra": 1}):
        response = _log(client, staff, vid, **body)
        assert response.status_code == 422, body
        assert "detail" in response.json()
    for path in (f"{URL}/{2**31}/owner-contacts", f"{URL}/{vid}/owner-contacts/{2**31}",
                 f"{URL}/0/owner-contacts"):
        assert client.get(path, headers=staff).status_code in (404, 405, 422)
    assert client.get(f"{URL}/{vid}/owner-contacts", headers=staff).json()["entries"] == []


def test_only_staff_of_the_town_and_admins(client, users, staff, database_url):
    vid = _create(client, staff)["id"]
    entry = _log(client, staff, vid).json()["id"]
    assert client.get(f"{URL}/{vid}/owner-contacts").status_code == 401
    for headers in (bearer(users.token("working_group")), bearer(users.token("staff", JENA))):
        for method, path, body in (("get", "", None), ("post", "", {}),
                                   ("patch", f"/{entry}", {"note": "x"}),
                                   ("delete", f"/{entry}", None)):
            kwargs = {"json": body} if body is not None else {}
            response = client.request(method, f"{URL}/{vid}/owner-contacts{path}",
                                      headers=headers, **kwargs)
            assert response.status_code in (403, 422), (method, response.text)
            assert PERSON not in response.text and "geheimXYZ" not in response.text
    admin = bearer(users.token("admin"))
    assert client.get(f"{URL}/{vid}/owner-contacts", headers=admin).json()["entries"][0][
        "person"] == PERSON
    # a reported (unpublished) vacancy of another town does not exist for its staff
    reported = _create(client, staff, dx=0.0009)["id"]
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET status = 'withdrawn' WHERE id = :id"),
                     {"id": reported})
    assert client.get(f"{URL}/{reported}/owner-contacts",
                      headers=bearer(users.token("staff", JENA))).status_code == 404


def test_consent_and_follow_up_are_private_fields_with_history(client, users, staff):
    vacancy = _create(client, staff)
    vid = vacancy["id"]
    follow = (date.today() + timedelta(days=14)).isoformat()
    response = client.patch(f"{URL}/{vid}", headers={**staff, "If-Match": '"1"'}, json={
        "properties": {"owner_consent": "basic", "next_follow_up": follow}})
    assert response.status_code == 200, response.text
    props = response.json()["properties"]
    assert props["owner_consent"] == "basic" and props["next_follow_up"] == follow
    history = client.get(f"{URL}/{vid}/history", headers=staff).json()["entries"]
    assert {"owner_consent", "next_follow_up"} <= {e["field"] for e in history}
    bad = client.patch(f"{URL}/{vid}", headers={**staff, "If-Match": '"2"'},
                       json={"properties": {"owner_consent": "some"}})
    assert bad.status_code == 422
    for headers in ({}, bearer(users.token("working_group")), bearer(users.token("staff", JENA))):
        one = client.get(f"{URL}/{vid}", headers=headers).json()["properties"]
        assert "owner_consent" not in one and "next_follow_up" not in one
        wg_history = client.get(f"{URL}/{vid}/history", headers=headers)
        if headers:
            entries = [e for e in wg_history.json()["entries"] if e["field"] == "owner_consent"]
            assert entries and all(e["redacted"] and e["new"] is None for e in entries)


def _set_town(client, staff, on: bool):
    response = client.patch(f"/api/v1/municipalities/{SCHMOELLN}",
                            json={"require_owner_consent": on}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["require_owner_consent"] is on


def _set_consent(database_url, vid, consent):
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET owner_consent = :c WHERE id = :id"),
                     {"c": consent, "id": vid})


@pytest.mark.parametrize("on", [False, True])
def test_require_owner_consent_on_the_public_paths(client, users, staff, database_url, on):
    ids = {}
    for n, consent in enumerate(("none", "basic", "full")):
        vid = _create(client, staff, dx=0.0003 * n, description=f"Beschreibung {consent}")["id"]
        _set_consent(database_url, vid, consent)
        ids[consent] = vid
    _set_town(client, staff, on)
    public = client.get(URL, params={"municipality": SCHMOELLN}).json()
    shown = {f["id"]: f["properties"] for f in public["features"]}
    if not on:
        assert set(shown) == set(ids.values())
        assert all(p["street"] == "Musterstraße" for p in shown.values())
    else:
        assert set(shown) == {ids["basic"], ids["full"]}
        basic, full = shown[ids["basic"]], shown[ids["full"]]
        assert basic["status"] == "vacant" and basic["municipality"] == SCHMOELLN
        assert basic["street"] is None and basic["description"] is None
        assert basic["floor_area_m2"] is None and basic["scores"] is None
        assert basic["photos"] == {"count": 0, "cover": None}
        assert full["street"] == "Musterstraße" and full["description"] == "Beschreibung full"
    # one vacancy, exposé, score breakdown, photos: none → 404, basic → point only / 404
    none_one = client.get(f"{URL}/{ids['none']}")
    assert none_one.status_code == (404 if on else 200)
    basic_one = client.get(f"{URL}/{ids['basic']}").json()["properties"]
    assert (basic_one["street"] is None) is on
    for path in (f"/api/v1/vacancies/{ids['basic']}/expose.pdf",
                 f"/api/v1/vacancies/{ids['basic']}/photos"):
        response = client.get(path)
        assert (response.status_code == 404) is on, (path, response.status_code)
    # OGC API items and the anonymous export read the same rule
    items = client.get("/ogc/collections/vacancies/items",
                       params={"f": "json", "limit": 100}).json()
    ogc = {f["id"]: f["properties"] for f in items["features"]}
    assert (ids["none"] in ogc) is not on
    assert (ogc[ids["basic"]]["street"] is None) is on
    assert ogc[ids["basic"]]["status"] == "vacant"
    csv = client.get("/api/v1/export/vacancies.csv").text
    assert ("Beschreibung none" in csv) is not on
    assert ("Beschreibung basic" in csv) is not on
    assert "Beschreibung full" in csv
    # statistics count every public vacancy: counts tell nothing of an owner
    stats = client.get("/api/v1/statistics/municipalities").json()
    town = next(f for f in stats["features"] if f["id"] == SCHMOELLN)
    assert town["properties"]["total"] == 3
    # staff of the town and the working group see every row in full
    for headers in (staff, bearer(users.token("working_group"))):
        listed = client.get(URL, params={"municipality": SCHMOELLN}, headers=headers).json()
        assert {f["properties"]["street"] for f in listed["features"]} == {"Musterstraße"}
        assert len(listed["features"]) == 3


def test_duplicate_hints_follow_the_consent(client, staff, database_url):
    vid = _create(client, staff, dx=0.0, dy=0.0)["id"]
    _set_consent(database_url, vid, "basic")
    _set_town(client, staff, True)
    from tests.helpers.towns import CENTRES
    lon, lat = CENTRES[SCHMOELLN]
    response = client.get("/api/v1/reports/duplicates", params={"lon": lon, "lat": lat})
    if response.status_code == 404:
        pytest.fail("duplicate route moved: " + response.text)
    hints = response.json()
    found = [h for h in (hints if isinstance(hints, list) else hints.get("duplicates", []))
             if h["id"] == vid]
    assert found and found[0]["street"] is None
    _set_consent(database_url, vid, "none")
    hints = client.get("/api/v1/reports/duplicates", params={"lon": lon, "lat": lat}).json()
    rows = hints if isinstance(hints, list) else hints.get("duplicates", [])
    assert vid not in [h["id"] for h in rows]


def test_follow_ups_due_query(client, staff, database_url):
    from sqlalchemy.orm import Session

    from app.vacancies import owner
    due = _create(client, staff)["id"]
    later = _create(client, staff, dx=0.0008)["id"]
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET next_follow_up = CASE id WHEN :a THEN "
                          "current_date - 1 ELSE current_date + 5 END WHERE id IN (:a, :b)"),
                     {"a": due, "b": later})
        town = conn.execute(text("SELECT municipality_id FROM vacancy WHERE id = :a"),
                            {"a": due}).scalar_one()
    with Session(create_engine(database_url)) as session:
        rows = owner.follow_ups_due(session=session, municipality_id=town)
    assert [r[0] for r in rows] == [due]


def test_deleting_a_vacancy_cascades(client, staff, database_url):
    vid = _create(client, staff)["id"]
    assert _log(client, staff, vid).status_code == 201
    with create_engine(database_url).begin() as conn:
        conn.execute(text("DELETE FROM vacancy WHERE id = :id"), {"id": vid})
        assert conn.execute(text("SELECT count(*) FROM owner_contact_entry")).scalar_one() == 0


def test_unknown_vacancy(client, staff):
    assert client.get(f"{URL}/999999/owner-contacts", headers=staff).status_code == 404
    assert _log(client, staff, 999999).status_code == 404


def test_exports_carry_consent_and_follow_up_only_privately_and_never_the_log(
        client, users, staff, caplog):
    vid = _create(client, staff)["id"]
    follow = "2031-05-07"
    client.patch(f"{URL}/{vid}", headers={**staff, "If-Match": '"1"'},
                 json={"properties": {"owner_consent": "full", "next_follow_up": follow}})
    with caplog.at_level("DEBUG"):
        assert _log(client, staff, vid).status_code == 201
        private = client.get("/api/v1/export/vacancies.csv",
                             params={"include_private": "true"}, headers=staff).text
        plain = client.get("/api/v1/export/vacancies.csv", headers=staff).text
        wg = client.get("/api/v1/export/vacancies.csv",
                        headers=bearer(users.token("working_group"))).text
    header = private.splitlines()[0]
    assert "owner_consent" in header and "next_follow_up" in header and follow in private
    for text_ in (plain, wg):
        assert "owner_consent" not in text_.splitlines()[0] and follow not in text_
    for text_ in (private, plain, wg, caplog.text):
        assert PERSON not in text_ and "geheimXYZ" not in text_
