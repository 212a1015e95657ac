"""OGC API - Features at /ogc: documents, paging, filters, CRS, bad parameters, privacy, and
GDAL's own OAPIF client (ogrinfo/ogr2ogr 3.6 and pyogrio's GDAL 3.12) against a live server."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app.exchange import ogc
from app.vacancies.models import Vacancy
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN

ITEMS = "/ogc/collections/vacancies/items"
SECRETS = ("Frau Geheim", "Herr Jena", "Notiz intern")
LON, LAT = CENTRES[SCHMOELLN]
SCHMOELLN_BBOX = f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}"


def get(client, url, headers=None, **params):
    return client.get(url, params=params, headers={"Accept": "application/json", **(headers or {})})


def test_landing_links_service_desc_and_conformance(client):
    body = get(client, "/ogc").json()
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["service-desc"].endswith("/openapi.json")
    assert rels["conformance"].endswith("/ogc/conformance")
    assert rels["data"].endswith("/ogc/collections")
    assert client.get(rels["service-desc"]).status_code == 200
    classes = get(client, "/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in classes
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in classes


def test_collections_offer_crs84_and_utm(client):
    body = get(client, "/ogc/collections").json()
    by_id = {c["id"]: c for c in body["collections"]}
    assert set(by_id) == {"vacancies", "municipalities", "proposals"}
    vacancies = by_id["vacancies"]
    assert vacancies["crs"] == [ogc.CRS_URIS[4326], ogc.CRS_URIS[25832]]
    minx, miny, maxx, maxy = vacancies["extent"]["spatial"]["bbox"][0]
    assert 9 < minx < maxx < 13 and 50 < miny < maxy < 52  # Thuringia
    assert get(client, "/ogc/collections/vacancies").json()["id"] == "vacancies"


def test_items_page_with_next_links(client, register):
    first = get(client, ITEMS, limit=2)
    assert first.headers["content-type"] == "application/geo+json"
    assert first.headers["content-crs"] == f"<{ogc.CRS_URIS[4326]}>"
    body = first.json()
    assert (body["numberMatched"], body["numberReturned"]) == (3, 2)
    next_href = next(link["href"] for link in body["links"] if link["rel"] == "next")
    second = client.get(next_href).json()
    assert second["numberReturned"] == 1
    assert not [link for link in second["links"] if link["rel"] == "next"]
    seen = [f["id"] for f in body["features"] + second["features"]]
    assert len(set(seen)) == 3


def test_default_limit_is_100(client, register):
    body = get(client, ITEMS).json()
    assert body["numberReturned"] == 3
    assert "limit=100" not in json.dumps(body["links"])  # no next page


def test_bbox_status_municipality_datetime_filters(client, register):
    assert get(client, ITEMS, bbox=SCHMOELLN_BBOX).json()["numberMatched"] == 2
    assert get(client, ITEMS, status="threatened").json()["numberMatched"] == 1
    assert get(client, ITEMS, municipality=JENA).json()["numberMatched"] == 1
    assert get(client, ITEMS, datetime="2000-01-01T00:00:00Z/..").json()["numberMatched"] == 3
    assert get(client, ITEMS, datetime="../2000-01-01T00:00:00Z").json()["numberMatched"] == 0
    # an offset beyond PostgreSQL's ±15:59 is read as the same instant in UTC
    assert get(client, ITEMS, datetime="2000-01-01T00:00:00+16:00/..").json()["numberMatched"] == 3


def test_crs_25832_output_and_bbox_crs(client, register):
    response = get(client, ITEMS, crs=ogc.CRS_URIS[25832], bbox=SCHMOELLN_BBOX)
    assert response.headers["content-crs"] == f"<{ogc.CRS_URIS[25832]}>"
    x, y = response.json()["features"][0]["geometry"]["coordinates"]
    assert 700_000 < x < 800_000 and 5_600_000 < y < 5_700_000
    utm_bbox = f"{x - 200},{y - 200},{x + 200},{y + 200}"
    near = get(client, ITEMS, **{"bbox": utm_bbox, "bbox-crs": "EPSG:25832"}).json()
    assert near["numberMatched"] >= 1 and near["numberMatched"] <= 2


def test_single_item_and_municipalities(client, register):
    fid = register[0]["id"]
    feature = get(client, f"{ITEMS}/{fid}").json()
    assert feature["id"] == fid and feature["properties"]["external_id"] == "S-1"
    town = get(client, f"/ogc/collections/municipalities/items/{SCHMOELLN}").json()
    assert town["properties"]["name"] == "Schmölln"
    assert town["geometry"]["type"] == "MultiPolygon"
    page = get(client, "/ogc/collections/municipalities/items", limit=5).json()
    assert page["numberMatched"] == 849 and page["numberReturned"] == 5


@pytest.mark.parametrize("params", [
    {"limit": "0"}, {"limit": "-1"}, {"limit": "1000000"}, {"limit": "ten"}, {"offset": "-3"},
    {"bbox": "1,2,3"}, {"bbox": "a,b,c,d"}, {"bbox": "13,51,12,50"}, {"bbox": "0,0,200,10"},
    {"crs": "EPSG:2154"}, {"crs": "EPSG:4326"}, {"bbox-crs": "EPSG:3035", "bbox": "1,2,3,4"},
    {"f": "xml"}, {"datetime": "yesterday"}, {"datetime": "2025-01-01T00:00:00Z/2024-01-01T00:00:00Z"},
    {"datetime": "0001-01-01T00:00:00+16:00"},
    {"status": "gone"}, {"municipality": "123"}, {"datetime": "2026-01-01T00:00:00+21:58"},
    {"datetime": "../9999-12-31T23:00:00-05:00"},
])
def test_bad_parameters_give_ogc_exceptions(client, params):
    response = get(client, ITEMS, **params)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == "InvalidParameterValue" and body["description"]


def test_filters_of_another_collection_are_refused(client):
    response = get(client, "/ogc/collections/municipalities/items", status="vacant")
    assert response.status_code == 400 and response.json()["parameter"] == "status"


@pytest.mark.parametrize("url", [
    "/ogc/collections/nope", "/ogc/collections/nope/items", f"{ITEMS}/999999",
    "/ogc/collections/proposals/items/999999", "/ogc/collections/proposals/items/x",
    f"{ITEMS}/abc", "/ogc/collections/municipalities/items/99999999",
])
def test_not_found_gives_ogc_exception(client, url):
    response = get(client, url)
    assert response.status_code == 404 and response.json()["code"] == "NotFound"


def test_unpublished_vacancy_is_404_for_anonymous(client, register, staff):
    withdrawn = register[2]["id"]
    assert get(client, f"{ITEMS}/{withdrawn}").status_code == 404
    assert get(client, f"{ITEMS}/{withdrawn}", staff).status_code == 200


def test_privacy_per_role(client, register, staff, working_group):
    anonymous = get(client, ITEMS).text
    assert not any(s in anonymous for s in SECRETS) and "owner_contact" not in anonymous
    group = get(client, ITEMS, working_group).json()
    assert group["numberMatched"] == 4
    assert not any(s in json.dumps(group) for s in SECRETS)
    own = get(client, ITEMS, staff).json()
    props = {f["properties"]["external_id"]: f["properties"] for f in own["features"]}
    assert set(props) == {"S-1", "S-2", "S-3", "J-1"}  # own town all, Jena published
    assert props["S-1"]["owner_contact"] == "Frau Geheim, 0365 111"
    assert props["J-1"]["owner_contact"] is None and "Herr Jena" not in json.dumps(own)


def test_html_output_escapes_user_text(client, register):
    response = client.get(ITEMS, params={"f": "html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text
    assert not any(s in response.text for s in SECRETS)
    assert client.get("/ogc", params={"f": "html"}).status_code == 200


# --- real clients: GDAL ----------------------------------------------------------------------

def gdal(*args: str, token: str | None = None) -> str:
    command = list(args)
    if token:
        command += ["--config", "GDAL_HTTP_HEADERS", f"Authorization: Bearer {token}"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_ogrinfo_lists_collections(live_server, register):
    out = gdal("ogrinfo", "-ro", f"OAPIF:{live_server.url}/ogc")
    assert "vacancies" in out and "municipalities" in out


def test_ogrinfo_reads_with_spatial_filter_and_paging(live_server, register):
    lon0, lat0, lon1, lat1 = SCHMOELLN_BBOX.split(",")
    out = gdal("ogrinfo", "-ro", "-al", "-geom=NO", "-oo", "PAGE_SIZE=1", "-spat", lon0, lat0,
               lon1, lat1, f"OAPIF:{live_server.url}/ogc", "vacancies")
    assert out.count("OGRFeature(vacancies)") == 2  # two published in Schmölln, one per page
    assert "S-1" in out and "S-2" in out and "J-1" not in out


def test_ogr2ogr_copies_every_vacancy_to_a_geopackage(live_server, register, users, session,
                                                      tmp_path):
    target = tmp_path / "copy.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{live_server.url}/ogc", "vacancies",
         "-oo", "PAGE_SIZE=2", token=users.token("working_group"))
    in_database = session.scalar(select(func.count()).select_from(Vacancy))
    out = gdal("ogrinfo", "-ro", "-so", str(target), "vacancies")
    assert in_database == 4 and f"Feature Count: {in_database}" in out


def test_gdal_reads_the_layer_in_epsg_25832(live_server, register):
    """What QGIS does with an OGC API layer in EPSG:25832: GDAL's CRS open option (GDAL >= 3.7,
    here pyogrio's bundled 3.12) asks for crs=.../EPSG/0/25832 and gets UTM coordinates. Run in
    a subprocess: pyogrio holds the GIL while GDAL waits for the in-process server."""
    script = (
        "import json, sys, shapely; from pyogrio.raw import read\n"
        "meta, _, wkb, _ = read(sys.argv[1], layer='vacancies', CRS='EPSG:25832')\n"
        "print(json.dumps({'crs': meta['crs'], 'x': [shapely.from_wkb(g).x for g in wkb]}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, f"OAPIF:{live_server.url}/ogc"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["crs"] == "EPSG:25832" and len(result["x"]) == 3
    assert all(600_000 < x < 800_000 for x in result["x"])  # UTM eastings, not degrees


def test_ogrinfo_attribute_filter_finds_the_api_definition(live_server, register):
    """With -where GDAL reads the landing page and follows service-desc to the OpenAPI document;
    without that link it would probe /api and print HTTP 404 errors."""
    result = subprocess.run(["ogrinfo", "-ro", "-al", "-geom=NO", "-where", "status = 'threatened'",
                             f"OAPIF:{live_server.url}/ogc", "vacancies"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "404" not in result.stderr
    assert result.stdout.count("OGRFeature(vacancies)") == 1 and "S-2" in result.stdout


def test_browsers_get_html_without_f(client, register):
    page = client.get(ITEMS, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    assert client.get(ITEMS).headers["content-type"] == "application/geo+json"  # httpx: */*
