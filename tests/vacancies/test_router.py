"""The register API: create, read, list, update, history, with every bad input it refuses."""

import json

import pytest
from sqlalchemy import func, select, text

from app.vacancies.models import Vacancy, VacancyHistory
from tests.helpers.towns import ALTENBURG, CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer
from tests.helpers.vacancies import feature

URL = "/api/v1/vacancies"


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Vacancy))


def create(client, headers, **kw):
    response = client.post(URL, json=feature(**kw), headers=headers)
    assert response.status_code == 201, response.text
    return response


# --- create and read -------------------------------------------------------------------------

def test_create_returns_feature_with_location_and_etag(client, staff):
    response = create(client, staff, owner_contact="Frau Beispiel, 0365 123", description="Laden")
    body = response.json()
    assert response.headers["content-type"] == "application/geo+json"
    assert response.headers["location"] == f"{URL}/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["type"] == "Feature" and body["geometry"]["type"] == "Point"
    props = body["properties"]
    assert props["municipality"] == SCHMOELLN and props["status"] == "vacant"
    assert props["floor_area_m2"] == 85 and props["version"] == 1
    assert props["owner_contact"] == "Frau Beispiel, 0365 123"  # staff of the town see it
    assert props["verified_at"] is not None and props["stale"] is False  # staff just saw it


def test_get_returns_the_same_feature(client, staff):
    created = create(client, staff).json()
    got = client.get(f"{URL}/{created['id']}")
    assert got.status_code == 200
    assert got.json()["geometry"] == created["geometry"]
    assert got.headers["etag"] == '"1"'


def test_every_public_property_is_present(client, staff):
    from app.vacancies.schemas import PUBLIC_FIELDS

    created = create(client, staff).json()
    props = client.get(f"{URL}/{created['id']}").json()["properties"]
    assert set(PUBLIC_FIELDS) | {"municipality", "version"} <= set(props)


def test_unknown_vacancy_is_404(client):
    response = client.get(f"{URL}/999999")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- list ------------------------------------------------------------------------------------

def test_list_filters_and_pages(client, users):
    schmoelln = bearer(users.token("staff", SCHMOELLN))
    jena = bearer(users.token("staff", JENA))
    for i in range(3):
        create(client, schmoelln, lon=CENTRES[SCHMOELLN][0] + i * 0.0002)
    create(client, jena, ags=JENA, status="threatened")

    everything = client.get(URL).json()
    assert everything["numberMatched"] == 4 and len(everything["features"]) == 4

    page = client.get(URL, params={"municipality": SCHMOELLN, "limit": 2, "offset": 2}).json()
    assert page["numberMatched"] == 3 and page["numberReturned"] == 1

    by_status = client.get(URL, params={"status": "threatened"}).json()
    assert [f["properties"]["municipality"] for f in by_status["features"]] == [JENA]

    lon, lat = CENTRES[JENA]
    in_box = client.get(URL, params={"bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"})
    assert in_box.json()["numberMatched"] == 1


def test_number_matched_is_honest_on_every_page(client, users):
    # the count runs only when a page is full or past the end; every branch gives the total
    schmoelln = bearer(users.token("staff", SCHMOELLN))
    for i in range(5):
        create(client, schmoelln, lon=CENTRES[SCHMOELLN][0] + i * 0.0002)
    for limit, offset, returned in [(10, 0, 5), (5, 0, 5), (2, 0, 2), (2, 4, 1), (10, 10, 0),
                                    (3, 5, 0)]:
        body = client.get(URL, params={"limit": limit, "offset": offset}).json()
        assert (body["numberMatched"], body["numberReturned"]) == (5, returned), (limit, offset)
        assert len(body["features"]) == returned


@pytest.mark.parametrize("params, field", [
    ({"bbox": "1,2,3"}, "bbox"),
    ({"bbox": "12,51,11,50"}, "bbox"),
    ({"bbox": "a,b,c,d"}, "bbox"),
    ({"bbox": "0,0,200,10"}, "bbox"),
    ({"status": "leer"}, "status"),
    ({"municipality": "123"}, "municipality"),
])
def test_list_bad_filters(client, params, field):
    response = client.get(URL, params=params)
    assert response.status_code in (400, 422)
    assert response.json()["field"] == field


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": -1}, {"limit": 1_000_000},
                                    {"offset": -5}])
def test_list_bad_paging(client, params):
    assert client.get(URL, params=params).status_code == 422


def test_anonymous_sees_only_published_statuses(client, staff, session):
    created = create(client, staff).json()
    session.execute(text("UPDATE vacancy SET status = 'reported' WHERE id = :id"),
                    {"id": created["id"]})
    session.commit()
    assert client.get(URL).json()["numberMatched"] == 0
    assert client.get(f"{URL}/{created['id']}").status_code == 404
    assert client.get(URL, headers=staff).json()["numberMatched"] == 1


# --- update ----------------------------------------------------------------------------------

def test_patch_with_if_match_updates_and_bumps_version(client, staff):
    vid = create(client, staff).json()["id"]
    response = client.patch(f"{URL}/{vid}", json={"properties": {"floor_area_m2": 120}},
                            headers={**staff, "If-Match": '"1"'})
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["floor_area_m2"] == 120
    assert response.headers["etag"] == '"2"'


def test_patch_with_version_in_body(client, staff):
    vid = create(client, staff).json()["id"]
    response = client.patch(f"{URL}/{vid}", json={"properties": {"version": 1, "has_wc": True}},
                            headers=staff)
    assert response.status_code == 200 and response.json()["properties"]["has_wc"] is True


def test_stale_version_is_409_and_changes_nothing(client, staff):
    vid = create(client, staff).json()["id"]
    first = client.patch(f"{URL}/{vid}", json={"properties": {"street": "Neue Straße"}},
                         headers={**staff, "If-Match": '"1"'})
    assert first.status_code == 200
    stale = client.patch(f"{URL}/{vid}", json={"properties": {"street": "Alte Straße"}},
                         headers={**staff, "If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and stale.json()["current_version"] == 2
    assert client.get(f"{URL}/{vid}").json()["properties"]["street"] == "Neue Straße"


def test_patch_without_version_is_428(client, staff):
    vid = create(client, staff).json()["id"]
    response = client.patch(f"{URL}/{vid}", json={"properties": {"street": "X"}}, headers=staff)
    assert response.status_code == 428


def test_patch_moves_point_and_clears_a_fact(client, staff):
    vid = create(client, staff, shop_window_m=4).json()["id"]
    lon, lat = CENTRES[SCHMOELLN]
    response = client.patch(f"{URL}/{vid}", headers={**staff, "If-Match": '"1"'}, json={
        "geometry": {"type": "Point", "coordinates": [lon - 0.001, lat]},
        "properties": {"shop_window_m": None},
    })
    assert response.status_code == 200
    body = response.json()
    assert body["geometry"]["coordinates"] == [pytest.approx(lon - 0.001), pytest.approx(lat)]
    assert body["properties"]["shop_window_m"] is None


def test_patch_without_change_keeps_version(client, staff):
    vid = create(client, staff).json()["id"]
    response = client.patch(f"{URL}/{vid}", json={"properties": {"street": "Musterstraße"}},
                            headers={**staff, "If-Match": '"1"'})
    assert response.headers["etag"] == '"1"'


def test_allowed_status_transition(client, staff):
    vid = create(client, staff).json()["id"]
    response = client.patch(f"{URL}/{vid}", json={"properties": {"status": "interim_use"}},
                            headers={**staff, "If-Match": '"1"'})
    assert response.json()["properties"]["status"] == "interim_use"


def test_forbidden_status_transition_reused_to_reported(client, staff, session):
    vid = create(client, staff).json()["id"]
    ok = client.patch(f"{URL}/{vid}", json={"properties": {"status": "reused"}},
                      headers={**staff, "If-Match": '"1"'})
    assert ok.status_code == 200
    response = client.patch(f"{URL}/{vid}", json={"properties": {"status": "reported"}},
                            headers={**staff, "If-Match": '"2"'})
    assert response.status_code == 422
    assert response.json()["code"] == "forbidden_transition"
    assert "reused" in response.json()["detail"] and "reported" in response.json()["detail"]
    assert session.get(Vacancy, vid).status.value == "reused"


def test_new_vacancy_cannot_start_as_reported(client, staff, session):
    response = client.post(URL, json=feature(status="reported"), headers=staff)
    assert response.status_code == 422 and response.json()["field"] == "properties.status"
    assert count(session) == 0


# --- history ---------------------------------------------------------------------------------

def test_history_records_who_when_field_old_new(client, users):
    staff_token = users.token("staff", SCHMOELLN, email="amt@schmoelln.example")
    headers = bearer(staff_token)
    vid = create(client, headers, floor_area_m2=80).json()["id"]
    client.patch(f"{URL}/{vid}", json={"properties": {"floor_area_m2": 95, "status": "threatened"}},
                 headers={**headers, "If-Match": '"1"'})
    entries = client.get(f"{URL}/{vid}/history", headers=headers).json()["entries"]
    assert entries[0]["field"] == "created"
    changes = {e["field"]: (e["old"], e["new"]) for e in entries[1:]}
    # vacant → threatened is not allowed; the whole edit is refused, so only `created` exists
    assert changes == {}
    client.patch(f"{URL}/{vid}", json={"properties": {"floor_area_m2": 95, "status": "interim_use"}},
                 headers={**headers, "If-Match": '"1"'})
    entries = client.get(f"{URL}/{vid}/history", headers=headers).json()["entries"]
    changes = {e["field"]: (e["old"], e["new"]) for e in entries[1:]}
    assert changes == {"floor_area_m2": (80.0, 95.0), "status": ("vacant", "interim_use")}
    assert {e["actor"] for e in entries} == {"amt@schmoelln.example"}
    assert all(e["version"] == 2 for e in entries[1:])
    # the creation entry comes from the vacancy row; its status is the first one, not today's
    assert entries[0]["new"] == {"status": "vacant", "source": "staff"}


def test_history_needs_a_login(client, staff):
    vid = create(client, staff).json()["id"]
    assert client.get(f"{URL}/{vid}/history").status_code == 401


# --- bad input: geometry ---------------------------------------------------------------------

def bad(client, headers, session, body, status=422, field=None, code=None, **kw):
    response = client.post(URL, json=body, headers=headers, **kw) if not isinstance(body, str) \
        else client.post(URL, content=body, headers=headers, **kw)
    assert response.status_code == status, response.text
    if field:
        fields = [response.json().get("field")] + [
            ".".join(map(str, e["loc"])) for e in response.json().get("errors", [])]
        assert any(field in (f or "") for f in fields), response.json()
    if code:
        assert response.json()["code"] == code
    assert count(session) == 0
    return response.json()


def test_self_intersecting_footprint(client, staff, session):
    lon, lat = CENTRES[SCHMOELLN]
    bowtie = {"type": "Polygon", "coordinates": [[
        [lon, lat], [lon + 0.0002, lat + 0.0002], [lon + 0.0002, lat], [lon, lat + 0.0002], [lon, lat],
    ]]}
    body = bad(client, staff, session, feature(footprint=bowtie), field="footprint",
               code="invalid_geometry")
    assert "Self-intersection" in body["detail"]


def test_valid_footprint_is_stored(client, staff):
    lon, lat = CENTRES[SCHMOELLN]
    lon, lat = lon + 0.0005, lat + 0.0003
    square = {"type": "Polygon", "coordinates": [[
        [lon - 0.0001, lat - 0.0001], [lon + 0.0001, lat - 0.0001], [lon + 0.0001, lat + 0.0001],
        [lon - 0.0001, lat + 0.0001], [lon - 0.0001, lat - 0.0001]]]}
    body = create(client, staff, footprint=square).json()
    assert body["properties"]["footprint"]["type"] == "Polygon"


def test_footprint_far_from_point(client, staff, session):
    lon, lat = CENTRES[SCHMOELLN]
    far = {"type": "Polygon", "coordinates": [[
        [lon + 0.01, lat], [lon + 0.011, lat], [lon + 0.011, lat + 0.001], [lon + 0.01, lat]]]}
    bad(client, staff, session, feature(footprint=far), field="footprint")


def test_wrong_geometry_type(client, staff, session):
    body = feature()
    body["geometry"] = {"type": "LineString", "coordinates": [[12.35, 50.89], [12.36, 50.9]]}
    bad(client, staff, session, body, field="geometry")


def test_empty_geometry(client, staff, session):
    body = feature()
    body["geometry"] = {"type": "Point", "coordinates": []}
    bad(client, staff, session, body, field="geometry")


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_coordinates(client, staff, session, literal):
    body = feature()
    lon = body["geometry"]["coordinates"][0]
    text_body = json.dumps(body).replace(repr(lon), literal, 1)
    assert literal in text_body
    response = client.post(URL, content=text_body,
                           headers={**staff, "Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text
    assert count(session) == 0


def test_nan_in_a_number_property(client, staff, session):
    text_body = json.dumps(feature()).replace('"floor_area_m2": 85', '"floor_area_m2": NaN')
    response = client.post(URL, content=text_body,
                           headers={**staff, "Content-Type": "application/json"})
    assert response.status_code == 422 and count(session) == 0


def test_point_outside_the_municipality(client, staff, session):
    lon, lat = CENTRES[ALTENBURG]
    body = bad(client, staff, session, feature(lon=lon, lat=lat), field="geometry",
               code="outside_municipality")
    assert "Altenburg" in body["detail"]


def test_swapped_lon_lat_is_explained(client, staff, session):
    lon, lat = CENTRES[SCHMOELLN]
    body = feature()
    body["geometry"]["coordinates"] = [lat, lon]
    result = bad(client, staff, session, body, code="outside_municipality")
    assert "swapped" in result["detail"]


def test_out_of_range_coordinates(client, staff, session):
    bad(client, staff, session, feature(lon=500, lat=50), field="geometry")


# --- bad input: CRS --------------------------------------------------------------------------

def _utm(lon, lat, epsg):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True).transform(lon, lat)


@pytest.mark.parametrize("epsg", [25832, 31467, 31468, 3857])
def test_crs_member_is_transformed(client, staff, epsg):
    lon, lat = CENTRES[SCHMOELLN][0] + 0.0005, CENTRES[SCHMOELLN][1] + 0.0003
    body = feature()
    body["geometry"]["coordinates"] = list(_utm(lon, lat, epsg))
    body["crs"] = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{epsg}"}}
    created = client.post(URL, json=body, headers=staff)
    assert created.status_code == 201, created.text
    got_lon, got_lat = created.json()["geometry"]["coordinates"]
    assert got_lon == pytest.approx(lon, abs=1e-6) and got_lat == pytest.approx(lat, abs=1e-6)


def test_crs_query_parameter_is_transformed(client, staff):
    lon, lat = CENTRES[SCHMOELLN][0] + 0.0005, CENTRES[SCHMOELLN][1] + 0.0003
    body = feature()
    body["geometry"]["coordinates"] = list(_utm(lon, lat, 25832))
    response = client.post(URL, json=body, headers=staff, params={"crs": "EPSG:25832"})
    assert response.status_code == 201
    assert response.json()["geometry"]["coordinates"][0] == pytest.approx(lon, abs=1e-6)


@pytest.mark.parametrize("name", ["EPSG:2154", "EPSG:4258x", "urn:ogc:def:crs:EPSG::27700", "foo"])
def test_other_crs_is_refused(client, staff, session, name):
    body = feature()
    body["crs"] = {"type": "name", "properties": {"name": name}}
    bad(client, staff, session, body, field="crs", code="unsupported_crs")


def test_unknown_crs_query_parameter(client, staff, session):
    response = client.post(URL, json=feature(), headers=staff, params={"crs": "EPSG:32633"})
    assert response.status_code == 422 and response.json()["code"] == "unsupported_crs"
    assert count(session) == 0


# --- bad input: facts ------------------------------------------------------------------------

@pytest.mark.parametrize("props, field", [
    ({"floor_area_m2": -5}, "floor_area_m2"),
    ({"floor_area_m2": 0}, "floor_area_m2"),
    ({"floor_area_m2": 150_000}, "floor_area_m2"),
    ({"shop_window_m": 5000}, "shop_window_m"),
    ({"asking_rent_eur_m2": -1}, "asking_rent_eur_m2"),
    ({"vacant_since": "2999-01-01"}, "vacant_since"),
    ({"floor": "attic"}, "floor"),
    ({"condition": "perfect"}, "condition"),
    ({"status": "empty"}, "status"),
    ({"owner_interim_willing": "maybe"}, "owner_interim_willing"),
    ({"postcode": "1234"}, "postcode"),
    ({"colour": "red"}, "colour"),
    ({"municipality": "99999999"}, "municipality"),
    ({"description": "x" * 6000}, "description"),
])
def test_bad_facts(client, staff, session, props, field):
    bad(client, staff, session, feature(**props), field=field)


def test_unknown_top_level_member(client, staff, session):
    body = feature()
    body["bbox"] = [1, 2, 3, 4]
    bad(client, staff, session, body, field="bbox")


def test_script_tags_are_stored_as_text(client, staff):
    text_value = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    body = create(client, staff, description=text_value).json()
    assert body["properties"]["description"] == text_value


# --- bad input: HTTP -------------------------------------------------------------------------

def test_body_over_one_mib(client, staff, session):
    body = feature(description="x" * 100)
    raw = json.dumps(body).replace('"x', '"' + "x" * (1024 * 1024), 1)
    response = client.post(URL, content=raw, headers={**staff, "Content-Type": "application/json"})
    assert response.status_code == 413 and count(session) == 0


def test_non_json_body(client, staff, session):
    response = client.post(URL, content="{not json", headers={**staff,
                                                             "Content-Type": "application/json"})
    assert response.status_code == 400 and count(session) == 0


def test_wrong_content_type(client, staff, session):
    response = client.post(URL, content=json.dumps(feature()),
                           headers={**staff, "Content-Type": "text/plain"})
    assert response.status_code == 415 and count(session) == 0


def test_geo_json_content_type_is_accepted(client, staff):
    response = client.post(URL, content=json.dumps(feature()),
                           headers={**staff, "Content-Type": "application/geo+json"})
    assert response.status_code == 201


# --- permissions -----------------------------------------------------------------------------

def test_write_without_token_is_401(client, session):
    response = client.post(URL, json=feature())
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"
    assert count(session) == 0


def test_invalid_token_is_401(client, session):
    response = client.post(URL, json=feature(), headers=bearer("lst_nope"))
    assert response.status_code == 401 and count(session) == 0


def test_staff_of_another_town_cannot_create(client, users, session):
    jena = bearer(users.token("staff", JENA))
    response = client.post(URL, json=feature(), headers=jena)
    assert response.status_code == 403 and count(session) == 0


def test_staff_of_another_town_cannot_update(client, users, staff):
    vid = create(client, staff).json()["id"]
    jena = bearer(users.token("staff", JENA))
    response = client.patch(f"{URL}/{vid}", json={"properties": {"street": "X"}},
                            headers={**jena, "If-Match": '"1"'})
    assert response.status_code == 403
    assert client.get(f"{URL}/{vid}").json()["properties"]["street"] == "Musterstraße"


def test_working_group_cannot_write(client, users, session):
    ag = bearer(users.token("working_group"))
    assert client.post(URL, json=feature(), headers=ag).status_code == 403
    assert count(session) == 0


def test_admin_can_write_anywhere(client, users):
    admin = bearer(users.token("admin"))
    assert client.post(URL, json=feature(ags=JENA), headers=admin).status_code == 201


def test_history_rows_only_for_real_changes(client, staff, session):
    vid = create(client, staff).json()["id"]
    client.patch(f"{URL}/{vid}", json={"properties": {"street": "Musterstraße"}},
                 headers={**staff, "If-Match": '"1"'})
    fields = session.scalars(select(VacancyHistory.field).where(VacancyHistory.vacancy_id == vid))
    assert list(fields) == []  # the creation is the vacancy row itself
