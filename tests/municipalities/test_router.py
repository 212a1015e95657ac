"""Municipality API: list, one with boundary, core area with its bad inputs."""

import pytest
from pyproj import Transformer

from tests.helpers.towns import ALTENBURG, CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer

URL = "/api/v1/municipalities"


def square(lon, lat, d=0.003):
    return {"type": "Polygon", "coordinates": [[[lon - d, lat - d], [lon + d, lat - d],
                                                [lon + d, lat + d], [lon - d, lat + d],
                                                [lon - d, lat - d]]]}


def test_list_has_all_real_municipalities(client):
    body = client.get(URL).json()
    assert body["numberMatched"] == 849
    assert client.get(URL).headers["content-type"] == "application/geo+json"


def test_list_search_and_boundaries(client):
    body = client.get(URL, params={"q": "Schmölln", "geometry": "boundary"}).json()
    assert [f["id"] for f in body["features"]] == [SCHMOELLN]
    assert body["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_one_municipality(client):
    body = client.get(f"{URL}/{JENA}").json()
    assert body["properties"]["name"] == "Jena" and body["properties"]["population"] == 111343
    assert body["geometry"]["type"] == "MultiPolygon"
    assert body["properties"]["centre"]["coordinates"] == pytest.approx(list(CENTRES[JENA]))


@pytest.mark.parametrize("ags, status", [("16999999", 404), ("1234", 422), ("abcdefgh", 422)])
def test_unknown_or_malformed_ags(client, ags, status):
    assert client.get(f"{URL}/{ags}").status_code == status


def test_unknown_ags_page_is_german_html(client):
    response = client.get("/gibt-es-nicht", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "Seite nicht gefunden" in response.text


def test_staff_sets_and_clears_core_area(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    lon, lat = CENTRES[SCHMOELLN]
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", json=square(lon, lat), headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["properties"]["core_area"]["type"] == "MultiPolygon"
    assert response.json()["properties"]["has_core_area"] is True
    cleared = client.put(f"{URL}/{SCHMOELLN}/core-area",
                         json={"type": "Feature", "geometry": None}, headers=staff)
    assert cleared.json()["properties"]["core_area"] is None


def test_core_area_in_utm(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    lon, lat = CENTRES[SCHMOELLN]
    polygon = square(lon, lat)
    polygon["coordinates"] = [[list(to_utm.transform(x, y)) for x, y in polygon["coordinates"][0]]]
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", json=polygon, headers=staff,
                          params={"crs": "EPSG:25832"})
    assert response.status_code == 200
    ring = response.json()["properties"]["core_area"]["coordinates"][0][0]
    assert ring[0][0] == pytest.approx(lon - 0.003, abs=1e-6)


def core_area(client, ags=SCHMOELLN):
    return client.get(f"{URL}/{ags}").json()["properties"]["core_area"]


@pytest.mark.parametrize("body, code", [
    ({"type": "Polygon", "coordinates": [[[12.35, 50.89], [12.36, 50.9], [12.36, 50.89],
                                          [12.35, 50.9], [12.35, 50.89]]]}, "invalid_geometry"),
    (square(*CENTRES[ALTENBURG]), "invalid_geometry"),
    ({"type": "Polygon", "coordinates": []}, "invalid_geometry"),
])
def test_bad_core_areas(client, users, body, code):
    staff = bearer(users.token("staff", SCHMOELLN))
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", json=body, headers=staff)
    assert response.status_code == 422 and response.json()["code"] == code
    assert core_area(client) is None


def test_core_area_wrong_type(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", headers=staff,
                          json={"type": "LineString", "coordinates": [[12.35, 50.89], [12.36, 50.9]]})
    assert response.status_code == 422 and core_area(client) is None


def test_core_area_unknown_crs(client, users):
    staff = bearer(users.token("staff", SCHMOELLN))
    body = square(*CENTRES[SCHMOELLN])
    body["crs"] = {"type": "name", "properties": {"name": "EPSG:2056"}}
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", json=body, headers=staff)
    assert response.status_code == 422 and response.json()["code"] == "unsupported_crs"


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("other_town", 403),
                                         ("working_group", 403)])
def test_core_area_permissions(client, users, who, status):
    headers = {"anonymous": {}, "other_town": bearer(users.token("staff", JENA)),
               "working_group": bearer(users.token("working_group"))}[who]
    response = client.put(f"{URL}/{SCHMOELLN}/core-area", json=square(*CENTRES[SCHMOELLN]),
                          headers=headers)
    assert response.status_code == status and core_area(client) is None


def test_core_area_unknown_town(client, users):
    admin = bearer(users.token("admin"))
    response = client.put(f"{URL}/16999999/core-area", json=square(*CENTRES[SCHMOELLN]),
                          headers=admin)
    assert response.status_code == 404
