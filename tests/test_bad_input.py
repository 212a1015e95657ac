"""Bad input from the adversarial probe (issue 16): each case gets a clear 4xx and changes
nothing, never a 500 — NUL bytes, ids beyond PostgreSQL's integer, absurd offsets, 3D and
string coordinates, deeply nested bodies."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.helpers.participation import (
    SECRET_EMAIL,
    new_vacancy,
    point,
    proposal_body,
    published,
    report_body,
)
from tests.helpers.towns import CENTRES, SCHMOELLN
from tests.helpers.vacancies import VACANCIES, create, feature

BIG = 9_999_999_999  # beyond PostgreSQL's integer (2³¹−1)


def _count(session, table: str) -> int:
    session.rollback()  # a fresh snapshot of what the app committed
    return session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _square(z: float | None = None, lon: float | None = None, lat: float | None = None) -> dict:
    lon0, lat0 = CENTRES[SCHMOELLN]
    lon, lat = lon or lon0, lat or lat0
    corners = [(lon - 0.001, lat - 0.001), (lon + 0.001, lat - 0.001), (lon + 0.001, lat + 0.001),
               (lon - 0.001, lat + 0.001), (lon - 0.001, lat - 0.001)]
    ring = [[x, y] if z is None else [x, y, z] for x, y in corners]
    return {"type": "Polygon", "coordinates": [ring]}


def _nested(depth: int) -> str:
    # JSON text: json.dumps itself stops near 1,000 levels
    return "[" * depth + "12.35, 50.89" + "]" * depth


def _json(template: dict, nested: str) -> dict:
    """Keyword arguments of a request whose body is ``template`` with "NESTED" replaced."""
    return {"content": json.dumps(template).replace('"NESTED"', nested),
            "headers": {"Content-Type": "application/json"}}


# --- NUL bytes ---------------------------------------------------------------------------------

def test_nul_in_query_parameter(client):
    response = client.get("/api/v1/municipalities", params={"q": "a\x00b"})
    assert response.status_code == 422, response.text
    assert response.json()["code"] in ("invalid_input", "validation_error")


def test_nul_in_report(client, session):
    response = client.post("/api/v1/reports", json=report_body(description="leer\x00seit Mai"))
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"  # refused by the schema, not by psycopg
    assert _count(session, "vacancy") == 0


def test_nul_in_proposal_and_flag(client, users, session):
    response = client.post("/api/v1/proposals", json=proposal_body(title="Repair\x00Café",
                                                               area=_square()))
    assert response.status_code == 422, response.text
    assert _count(session, "proposal") == 0
    idea = published(client, users.token("staff", SCHMOELLN), area=_square())
    flag = client.post(f"/api/v1/proposals/{idea['id']}/flags",
                       json={"reason": "spam", "comment": "a\x00b"})
    assert flag.status_code == 422, flag.text
    assert flag.json()["code"] == "validation_error"
    assert _count(session, "proposal_flag") == 0


def test_nul_in_vacancy_fields(client, staff, session):
    created = client.post(VACANCIES, json=feature(owner_contact="Frau\x00Geheim"), headers=staff)
    assert created.status_code == 422, created.text
    assert created.json()["code"] == "validation_error"
    assert _count(session, "vacancy") == 0
    key = client.post(VACANCIES, json={**feature(), "properties": {
        **feature()["properties"], "street\x00": "x"}}, headers=staff)
    assert key.status_code == 422, key.text


def test_nul_in_erase_email(client, staff):
    response = client.post("/api/v1/privacy/erase", json={"email": f"{SECRET_EMAIL}\x00"},
                           headers=staff)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


# --- ids and offsets ---------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path"), [
    ("get", f"/api/v1/vacancies/{BIG}"),
    ("get", f"/api/v1/vacancies/{BIG}/score"),
    ("get", f"/api/v1/vacancies/{BIG}/history"),
    ("get", f"/api/v1/vacancies/{BIG}/matches"),
    ("patch", f"/api/v1/vacancies/{BIG}"),
    ("post", f"/api/v1/reports/{BIG}/confirm"),
    ("post", f"/api/v1/reports/{BIG}/reject"),
    ("get", f"/api/v1/proposals/{BIG}"),
    ("get", f"/api/v1/proposals/{BIG}/matches"),
    ("put", f"/api/v1/matches/{BIG}"),
])
def test_id_beyond_integer_is_refused(client, staff, method, path):
    response = client.request(method, path, headers=staff, json={})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"


@pytest.mark.parametrize("path", ["/api/v1/municipalities", "/api/v1/vacancies",
                                  "/api/v1/proposals", "/ogc/collections/vacancies/items"])
def test_absurd_offset(client, path):
    response = client.get(path, params={"offset": "99999999999999999999"})
    assert response.status_code in (400, 422), response.text


# --- times --------------------------------------------------------------------------------------

# offsets no time zone has (Python takes up to 23:59, PostgreSQL only ±15:59), and times that
# fall outside years 1-9999 once in UTC
BAD_TIMES = ("2026-01-01T00:00:00+21:58", "2026-01-01T00:00:00-18:01",
             "0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00")
SINCE_PATHS = ("/api/v1/export/vacancies.csv", "/api/v1/export/vacancies.geojson",
               "/api/v1/export/vacancies.gpkg", VACANCIES)


@pytest.mark.parametrize("path", SINCE_PATHS)
@pytest.mark.parametrize("value", BAD_TIMES)
def test_updated_since_outside_any_time_zone(client, staff, path, value):
    response = client.get(path, headers=staff, params={"updated_since": value})
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["code"], body["detail"]) == ("validation_error", "invalid input: updated_since")
    assert body["errors"][0]["loc"] == ["query", "updated_since"]


def test_updated_since_says_what_is_wrong(client):
    response = client.get(VACANCIES, params={"updated_since": BAD_TIMES[0]})
    assert "UTC offset +21:58 is outside ±18:00" in response.json()["errors"][0]["msg"]


@pytest.mark.parametrize("path", SINCE_PATHS)
def test_updated_since_beyond_postgresqls_offsets(client, staff, path):
    """+17:30 is within ±18:00 but beyond what PostgreSQL parses: it reaches it in UTC."""
    create(client, staff, feature())
    since = {"2000-01-01T00:00:00+17:30": 1, "2999-01-01T00:00:00+17:30": 0}
    for value, expected in since.items():
        response = client.get(path, headers=staff, params={"updated_since": value})
        assert response.status_code == 200, response.text
        if not path.endswith(".gpkg"):
            assert response.text.count("Musterstraße") == expected, value


# --- 3D and string coordinates -----------------------------------------------------------------

def test_3d_point_of_report_and_vacancy_drops_z(client, staff, session):
    lon, lat = CENTRES[SCHMOELLN]
    report = client.post("/api/v1/reports", json={
        **report_body(), "location": {"type": "Point", "coordinates": [lon + 0.001, lat, 231.5]}})
    assert report.status_code == 201, report.text
    body = feature(footprint={**_square(z=231.5), "type": "Polygon"})
    body["geometry"]["coordinates"].append(231.5)
    vacancy = client.post(VACANCIES, json=body, headers=staff)
    assert vacancy.status_code == 201, vacancy.text
    vid = vacancy.json()["id"]
    moved = client.patch(f"{VACANCIES}/{vid}", headers={**staff, "If-Match": '"1"'}, json={
        "geometry": {"type": "Point", "coordinates": [lon + 0.0002, lat, 10.0]}})
    assert moved.status_code == 200, moved.text
    session.rollback()
    dims = session.execute(text(
        "SELECT ST_NDims(location), ST_NDims(footprint) FROM vacancy WHERE id = :id"),
        {"id": vid}).one()
    assert tuple(dims) == (2, 2)


def test_3d_proposal_area_and_location_drop_z(client):
    area = client.post("/api/v1/proposals", json=proposal_body(area=_square(z=200.0)))
    assert area.status_code == 201, area.text
    located = point()
    located["coordinates"].append(200.0)
    place = client.post("/api/v1/proposals", json=proposal_body(location=located, radius_m=300))
    assert place.status_code == 201, place.text


def test_3d_core_area_drops_z(client, staff):
    response = client.put(f"/api/v1/municipalities/{SCHMOELLN}/core-area", json=_square(z=231.5),
                          headers=staff)
    assert response.status_code == 200, response.text
    ring = response.json()["properties"]["core_area"]["coordinates"][0][0]
    assert all(len(position) == 2 for position in ring)


@pytest.mark.parametrize("coordinates", [["12.35", "50.89"], [True, 50.89]])
def test_coordinates_must_be_numbers(client, session, coordinates):
    response = client.post("/api/v1/reports", json={
        **report_body(), "location": {"type": "Point", "coordinates": coordinates}})
    assert response.status_code == 422, response.text
    assert _count(session, "vacancy") == 0


# --- deep nesting ------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [500, 950, 1100])
def test_deeply_nested_core_area(client, staff, depth):
    request = _json({"type": "Polygon", "coordinates": "NESTED"}, _nested(depth))
    request["headers"].update(staff)
    response = client.put(f"/api/v1/municipalities/{SCHMOELLN}/core-area", **request)
    assert response.status_code in (400, 422), response.text


@pytest.mark.parametrize("depth", [500, 1100])
def test_deeply_nested_body(client, staff, depth):
    request = _json(feature(footprint={"type": "Polygon", "coordinates": "NESTED"}),
                    _nested(depth))
    request["headers"].update(staff)
    response = client.post(VACANCIES, **request)
    assert response.status_code in (400, 422), response.text
    report = client.post("/api/v1/reports", **_json({**report_body(), "extra": "NESTED"},
                                                     _nested(depth)))
    assert report.status_code in (400, 422), report.text


# --- smaller (item 13) -------------------------------------------------------------------------

def test_like_wildcards_match_literally(client):
    everything = client.get("/api/v1/municipalities", params={"q": "%%%_"})
    assert everything.status_code == 200
    assert everything.json()["features"] == []
    named = client.get("/api/v1/municipalities", params={"q": "Schmöll"}).json()["features"]
    assert [f["properties"]["ags"] for f in named] == [SCHMOELLN]


def test_arabic_indic_digits_are_no_ags(client):
    response = client.get("/api/v1/vacancies", params={"municipality": "١٦٠٧٧٠٤٣"})
    assert response.status_code in (400, 422), response.text


def test_no_match_for_a_pending_idea(client, users, session):
    token = users.token("staff", SCHMOELLN)
    vacancy = new_vacancy(client, token)
    pending = client.post("/api/v1/proposals", json=proposal_body(vacancy_id=vacancy)).json()
    response = client.post("/api/v1/matches", headers={"Authorization": f"Bearer {token}"}, json={
        "proposal_id": pending["id"], "vacancy_id": vacancy, "state": "contacted"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "proposal_id"
    assert _count(session, "proposal_match") == 0
