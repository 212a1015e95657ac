"""OGC API collection `proposals`: published citizen ideas only, never the proposer's e-mail."""

import subprocess

import pytest

from tests.helpers.participation import SECRET_EMAIL, new_vacancy, published, submit
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer

ITEMS = "/ogc/collections/proposals/items"


@pytest.fixture
def proposals(client, users):
    staff = users.token("staff", SCHMOELLN)
    lon, lat = CENTRES[SCHMOELLN]
    vacancy = new_vacancy(client, staff)
    pinned = published(client, staff, vacancy_id=vacancy, email=SECRET_EMAIL,
                       display_name="Erika", title="<script>alert(1)</script> Atelier")
    area = published(client, staff, municipality=SCHMOELLN, email=SECRET_EMAIL, area={
        "type": "Polygon", "coordinates": [[[lon - 0.002, lat - 0.002], [lon + 0.002, lat - 0.002],
                                            [lon + 0.002, lat + 0.002], [lon - 0.002, lat - 0.002]]]})
    pending = submit(client, municipality=SCHMOELLN, email=SECRET_EMAIL,
                     location={"type": "Point", "coordinates": [lon, lat]}, radius_m=300)
    jena_lon, jena_lat = CENTRES[JENA]
    jena = published(client, users.token("staff", JENA), municipality=JENA, radius_m=200,
                     location={"type": "Point", "coordinates": [jena_lon, jena_lat]})
    return {"pinned": pinned, "area": area, "pending": pending, "jena": jena,
            "vacancy": vacancy}


@pytest.mark.parametrize("who", ["anonymous", "staff", "working_group"])
def test_only_published_proposals_without_email(client, users, proposals, who):
    headers = {"anonymous": {}, "staff": bearer(users.token("staff", SCHMOELLN)),
               "working_group": bearer(users.token("working_group"))}[who]
    response = client.get(ITEMS, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    body = response.json()
    ids = {f["id"] for f in body["features"]}
    assert ids == {proposals["pinned"]["id"], proposals["area"]["id"], proposals["jena"]["id"]}
    assert body["numberMatched"] == 3
    assert SECRET_EMAIL not in response.text and "email" not in response.text
    pending = client.get(f"{ITEMS}/{proposals['pending']['id']}", headers=headers)
    assert pending.status_code == 404


def test_geometry_is_area_point_or_pinned_vacancy(client, proposals):
    features = {f["id"]: f for f in client.get(ITEMS).json()["features"]}
    assert features[proposals["area"]["id"]]["geometry"]["type"] == "Polygon"
    assert features[proposals["jena"]["id"]]["geometry"]["type"] == "Point"
    vacancy = client.get(f"/api/v1/vacancies/{proposals['vacancy']}").json()
    pinned = features[proposals["pinned"]["id"]]
    assert pinned["geometry"] == vacancy["geometry"]
    assert pinned["properties"]["vacancy_id"] == proposals["vacancy"]
    assert pinned["properties"]["title"].startswith("<script>")  # JSON carries text as typed


def test_municipality_filter_bbox_and_utm(client, proposals):
    only_jena = client.get(ITEMS, params={"municipality": JENA}).json()
    assert [f["id"] for f in only_jena["features"]] == [proposals["jena"]["id"]]
    lon, lat = CENTRES[JENA]
    box = client.get(ITEMS, params={"bbox": f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"})
    assert box.json()["numberMatched"] == 1
    utm = client.get(f"{ITEMS}/{proposals['jena']['id']}", params={
        "crs": "http://www.opengis.net/def/crs/EPSG/0/25832"})
    assert utm.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/25832>"
    assert utm.json()["geometry"]["coordinates"][0] > 100_000


@pytest.mark.parametrize("params, parameter", [
    ({"status": "pending"}, "status"), ({"datetime": "2020-01-01T00:00:00Z"}, "datetime"),
    ({"municipality": "abc"}, "municipality"), ({"limit": "0"}, "limit"),
])
def test_bad_parameters(client, params, parameter):
    response = client.get(ITEMS, params=params)
    assert response.status_code == 400 and response.json()["parameter"] == parameter


def test_html_escapes_text(client, proposals):
    page = client.get(ITEMS, params={"f": "html"})
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text


def test_gdal_reads_the_proposals_collection(live_server, proposals):
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-so", f"OAPIF:{live_server.url}/ogc",
                             "proposals"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Feature Count: 3" in result.stdout and "title: String" in result.stdout
