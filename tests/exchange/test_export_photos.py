"""Photos in the exchange: exports and OGC items carry the approved photos' URLs, never their
bytes; rows with a basic owner consent carry none; an import ignores the photo fields."""

from __future__ import annotations

import csv
import io
import json

import pyogrio
import pytest
from pyogrio.raw import read
from sqlalchemy import select, text

from app.exchange import fields, import_service
from app.exchange.cli import OPERATOR
from app.vacancies.models import Vacancy
from tests.helpers import images
from tests.helpers.towns import SCHMOELLN
from tests.helpers.vacancies import create, feature

URL = "/api/v1/export/vacancies"
ITEMS = "/ogc/collections/vacancies/items"


def _upload(client, headers, vacancy_id: int, color) -> dict:
    response = client.post(f"/api/v1/vacancies/{vacancy_id}/photos", headers=headers,
                           files={"file": ("foto.jpg", images.photo(color=color), "image/jpeg")})
    assert response.status_code == 201, response.text
    return response.json()


def _patch(client, headers, photo_id: int, **changes) -> None:
    response = client.patch(f"/api/v1/photos/{photo_id}", headers=headers, json=changes)
    assert response.status_code == 200, response.text


def _url(photo: dict) -> str:
    return f"/api/v1/photos/{photo['id']}.jpg"


@pytest.fixture
def gallery(client, staff):
    """A vacancy with three photos: the third moved to the front, the second the cover, the
    first hidden again (approved: false); and one without photos."""
    vacancy = create(client, staff, feature(external_id="F-1"))
    first, second, third = (_upload(client, staff, vacancy["id"], color)
                            for color in ((200, 0, 0), (0, 200, 0), (0, 0, 200)))
    _patch(client, staff, third["id"], position=0)
    _patch(client, staff, second["id"], is_cover=True)
    _patch(client, staff, first["id"], approved=False)
    create(client, staff, feature(external_id="F-0", lon=12.3535, lat=50.8950))
    return {"vacancy": vacancy, "shown": [third, second], "hidden": first}


def _by_external_id(rows) -> dict:
    return {row["external_id"]: row for row in rows}


def test_geojson_and_ogc_items_carry_urls_in_order_and_the_cover(client, gallery):
    shown = [_url(p) for p in gallery["shown"]]
    response = client.get(f"{URL}.geojson")
    assert response.status_code == 200, response.text
    assert b"\xff\xd8" not in response.content  # no JPEG inside
    props = _by_external_id(f["properties"] for f in response.json()["features"])
    assert props["F-1"]["photo_urls"] == shown
    assert props["F-1"]["cover_photo_url"] == _url(gallery["shown"][1])
    assert props["F-0"]["photo_urls"] == [] and props["F-0"]["cover_photo_url"] is None
    assert _url(gallery["hidden"]) not in response.text
    items = client.get(ITEMS, params={"f": "json"})
    assert items.status_code == 200, items.text
    ogc = _by_external_id(f["properties"] for f in items.json()["features"])
    assert ogc["F-1"]["photo_urls"] == shown
    assert ogc["F-1"]["cover_photo_url"] == _url(gallery["shown"][1])
    # every URL is served to the same (anonymous) caller
    for url in shown:
        assert client.get(url).headers["content-type"] == "image/jpeg"


def test_csv_and_geopackage_carry_space_separated_urls(client, gallery, tmp_path):
    expected = " ".join(_url(p) for p in gallery["shown"])
    response = client.get(f"{URL}.csv")
    assert response.status_code == 200, response.text
    rows = _by_external_id(csv.DictReader(io.StringIO(response.text, newline="")))
    assert rows["F-1"]["photo_urls"] == expected
    assert rows["F-1"]["cover_photo_url"] == _url(gallery["shown"][1])
    assert rows["F-0"]["photo_urls"] == "" and rows["F-0"]["cover_photo_url"] == ""
    gpkg = client.get(f"{URL}.gpkg")
    assert gpkg.status_code == 200, gpkg.text
    path = tmp_path / "photos.gpkg"
    path.write_bytes(gpkg.content)
    info = pyogrio.read_info(path, layer="vacancies")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["photo_urls"] == "OFTString" and types["cover_photo_url"] == "OFTString"
    meta, _, _, data = read(path, layer="vacancies")
    table = dict(zip(meta["fields"], data, strict=True))
    by_id = dict(zip(table["external_id"], zip(table["photo_urls"], table["cover_photo_url"],
                                                  strict=True), strict=True))
    assert by_id["F-1"] == (expected, _url(gallery["shown"][1]))
    assert by_id["F-0"][0] == ""


def test_basic_consent_rows_carry_no_photo(client, staff, gallery, database_url):
    from sqlalchemy import create_engine

    vid = gallery["vacancy"]["id"]
    with create_engine(database_url).begin() as conn:
        conn.execute(text("UPDATE vacancy SET owner_consent = 'basic' WHERE id = :id"), {"id": vid})
        conn.execute(text("UPDATE municipality SET require_owner_consent = true WHERE ags = :a"),
                     {"a": SCHMOELLN})
    public = client.get(f"{URL}.geojson").json()
    row = next(f["properties"] for f in public["features"] if f["id"] == vid)
    assert row["photo_urls"] is None and row["cover_photo_url"] is None
    assert "/api/v1/photos/" not in json.dumps(public)
    assert "/api/v1/photos/" not in client.get(f"{URL}.csv").text
    ogc = client.get(f"{ITEMS}/{vid}", params={"f": "json"}).json()
    assert ogc["properties"]["photo_urls"] is None
    # staff of the town read the row in full
    own = client.get(f"{URL}.geojson", headers=staff).json()
    mine = next(f["properties"] for f in own["features"] if f["id"] == vid)
    assert mine["photo_urls"] == [_url(p) for p in gallery["shown"]]


def test_schema_names_the_photo_fields_and_the_version_moved_on():
    doc = fields.schema_document()
    by_name = {f["name"]: f for f in doc["fields"]}
    assert by_name["photo_urls"]["type"] == "urls" and not by_name["photo_urls"]["private"]
    assert by_name["cover_photo_url"]["type"] == "str"
    assert doc["schema_version"] == fields.EXCHANGE_SCHEMA_VERSION == "1.2"


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_import_ignores_the_photo_fields(client, staff, gallery, session, tmp_path, fmt):
    exported = client.get(f"{URL}.{fmt}", headers=staff)
    assert exported.status_code == 200
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(exported.content)
    report = import_service.import_file(session=session, path=path, ags=SCHMOELLN,
                                        actor=OPERATOR, dry_run=False)
    session.commit()
    assert report.valid, report.problems
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    assert not any("photo" in warning for warning in report.warnings)
    assert session.scalar(select(Vacancy.version).where(Vacancy.external_id == "F-1")) == 1
    count = session.execute(text("SELECT count(*) FROM photo")).scalar_one()
    assert count == 3


def test_a_changed_photo_url_in_the_file_changes_nothing(client, staff, gallery, session,
                                                        tmp_path):
    doc = client.get(f"{URL}.geojson", headers=staff).json()
    for f in doc["features"]:
        f["properties"]["photo_urls"] = ["https://example.org/fremd.jpg"]
        f["properties"]["cover_photo_url"] = "https://example.org/fremd.jpg"
    path = tmp_path / "edited.geojson"
    path.write_text(json.dumps(doc))
    report = import_service.import_file(session=session, path=path, ags=SCHMOELLN,
                                        actor=OPERATOR, dry_run=False)
    session.commit()
    assert report.valid and report.unchanged == 2, report.problems
    listed = client.get(f"/api/v1/vacancies/{gallery['vacancy']['id']}/photos").json()
    assert [p["id"] for p in listed["photos"]] == [p["id"] for p in gallery["shown"]]
