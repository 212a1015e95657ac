"""Exports: formats, filters, who sees what, the field schema, and round trips via the importer."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess

import pyogrio
import pytest
from pyogrio.raw import read
from sqlalchemy import Enum, func, select, text, update

from app.exchange import export, fields, import_service
from app.exchange.cli import OPERATOR
from app.municipalities.models import Municipality
from app.vacancies.columns import FIELD_KINDS, columns
from app.vacancies.models import Vacancy
from app.vacancies.query import VacancyFilter
from app.vacancies.schemas import PRIVATE_FIELDS, PUBLIC_FIELDS
from tests.helpers.towns import JENA, SCHMOELLN
from tests.helpers.vacancies import create, feature

URL = "/api/v1/export/vacancies"
SECRETS = ("Frau Geheim", "Herr Jena", "Notiz intern")


def geojson(client, headers=None, **params) -> dict:
    response = client.get(f"{URL}.geojson", headers=headers or {}, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()


def ids(doc: dict) -> set[str]:
    return {f["properties"]["external_id"] for f in doc["features"]}


# --- GeoJSON --------------------------------------------------------------------------------

def test_geojson_is_rfc7946(client, register):
    doc = geojson(client)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    first = doc["features"][0]
    assert first["geometry"]["type"] == "Point"
    lon, lat = first["geometry"]["coordinates"]
    assert 9 < lon < 13 and 50 < lat < 52  # lon/lat order, Thuringia


def test_anonymous_export_public_only(client, register):
    for fmt in ("geojson", "csv", "gpkg"):
        response = client.get(f"{URL}.{fmt}")
        assert response.status_code == 200
        assert not any(s.encode() in response.content for s in SECRETS), fmt
        assert b"owner_contact" not in response.content and b"internal_notes" not in response.content
    assert ids(geojson(client)) == {"S-1", "S-2", "J-1"}  # S-3 was withdrawn


def test_working_group_sees_all_towns_and_statuses_without_personal_data(client, register,
                                                                         working_group):
    doc = geojson(client, working_group)
    assert ids(doc) == {"S-1", "S-2", "S-3", "J-1"}
    body = json.dumps(doc)
    assert not any(s in body for s in SECRETS)
    refused = client.get(f"{URL}.geojson", headers=working_group, params={"include_private": True})
    assert refused.status_code == 403 and refused.json()["field"] == "include_private"


def test_staff_export_own_town_with_internal_notes_not_owner_contact(client, register, staff):
    doc = geojson(client, staff)
    assert ids(doc) == {"S-1", "S-2", "S-3"}
    by_id = {f["properties"]["external_id"]: f["properties"] for f in doc["features"]}
    assert by_id["S-1"]["internal_notes"] == "Notiz intern"
    assert "owner_contact" not in by_id["S-1"]
    private = geojson(client, staff, include_private=True)
    assert {f["properties"]["external_id"]: f["properties"].get("owner_contact")
            for f in private["features"]}["S-1"] == "Frau Geheim, 0365 111"
    assert "Herr Jena" not in json.dumps(private)


def test_staff_cannot_export_another_town(client, register, staff):
    response = client.get(f"{URL}.csv", headers=staff, params={"municipality": JENA})
    assert response.status_code == 403 and response.json()["field"] == "municipality"
    own = client.get(f"{URL}.csv", headers=staff, params={"municipality": SCHMOELLN})
    assert own.status_code == 200


def test_filters(client, register, working_group):
    assert ids(geojson(client, working_group, municipality=f"{SCHMOELLN},{JENA}",
                       status="threatened,withdrawn")) == {"S-2", "S-3"}
    assert ids(geojson(client, working_group, municipality=JENA)) == {"J-1"}
    assert ids(geojson(client, working_group, updated_since="2999-01-01T00:00:00Z")) == set()


@pytest.mark.parametrize(("params", "field"), [
    ({"municipality": "123"}, "municipality"), ({"status": "gone"}, "status"),
    ({"updated_since": "yesterday"}, "updated_since"),
])
def test_bad_filters(client, params, field):
    response = client.get(f"{URL}.geojson", params=params)
    assert response.status_code == 422 and field in response.text


@pytest.mark.parametrize("fmt", ["geojson", "csv"])
def test_updated_since_beyond_postgresql_offsets(client, register, working_group, fmt):
    # +16:00 is a valid Python offset but none of PostgreSQL's: the streamed answer used to
    # break off after its 200 header; the time is now sent as UTC
    response = client.get(f"{URL}.{fmt}", headers=working_group,
                          params={"updated_since": "2000-01-01T00:00:00+16:00"})
    assert response.status_code == 200, response.text
    assert "S-1" in response.text
    out_of_range = client.get(f"{URL}.{fmt}", params={"updated_since": "0001-01-01T00:00:00+16:00"})
    assert out_of_range.status_code == 422 and out_of_range.json()["errors"][0]["loc"] == [
        "query", "updated_since"]


def test_geojson_is_streamed_in_chunks(settings, register, monkeypatch):
    from app.database import make_engine

    monkeypatch.setattr(export, "CHUNK_ROWS", 1)
    query = export.export_query(OPERATOR, VacancyFilter())
    chunks = list(export.stream_geojson(make_engine(settings.database_url), query))
    assert len(chunks) == 4 + 1  # one chunk per row (the head with the first), tail
    assert len(json.loads(b"".join(chunks))["features"]) == 4


def test_geojson_opens_with_ogrinfo(client, register, tmp_path):
    path = tmp_path / "export.geojson"
    path.write_bytes(client.get(f"{URL}.geojson").content)
    out = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True,
                         text=True, check=True).stdout
    assert "Feature Count: 3" in out and "Geometry: Point" in out
    assert "floor_area_m2: Real" in out and "has_wc: Integer(Boolean)" in out


# --- CSV and GeoPackage -------------------------------------------------------------------

def test_csv_has_lon_lat_wkt_and_guards_formulas(client, register, working_group):
    response = client.get(f"{URL}.csv", headers=working_group)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 4
    assert list(rows[0])[-3:] == ["lon", "lat", "wkt"]
    s3 = next(r for r in rows if r["external_id"] == "S-3")
    assert s3["description"].startswith("'=HYPERLINK")
    s1 = next(r for r in rows if r["external_id"] == "S-1")
    assert s1["has_wc"] == "true" and s1["wkt"] == f"POINT({s1['lon'].rstrip('0')} " \
        f"{s1['lat'].rstrip('0')})"


# what a spreadsheet takes for a formula, or a tab/CR that can hide one (OWASP); an apostrophe
# is guarded too, so that a text really starting with one comes back unchanged
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")
HYPERLINK = '=HYPERLINK("http://x","y")'


def free_text_columns() -> list[str]:
    """The exported columns a vacancy row can hold any text in (the others are enums or AGS)."""
    table = Vacancy.__table__
    return [c.name for c in columns(PRIVATE_FIELDS) if c.kind == "str"
            and c.sql == f"v.{c.name}" and not isinstance(table.c[c.name].type, Enum)]


def test_csv_guards_every_text_column_and_no_number(client, staff, session):
    made = [create(client, staff, feature(external_id=f"G-{i}")) for i in range(len(FORMULA_STARTS))]
    names = free_text_columns()
    assert {"street", "external_id", "owner_contact"} <= set(names)
    for i, (start, vacancy) in enumerate(zip(FORMULA_STARTS, made, strict=True)):
        # written behind the API's back: it strips tabs and CRs (postcode holds 5 characters)
        session.execute(update(Vacancy).where(Vacancy.id == vacancy["id"]).values(
            dict.fromkeys(names, f"{start}{i}x")))
    session.execute(update(Municipality).where(Municipality.ags == SCHMOELLN)
                    .values(name=HYPERLINK))
    # negative numbers stay numbers: a point west and south of 0/0, a negative score
    first = made[0]["id"]
    session.execute(update(Vacancy).where(Vacancy.id == first).values(
        location=func.ST_SetSRID(func.ST_MakePoint(-0.5, -10.25), 4326)))
    session.execute(text("ALTER TABLE vacancy_score DROP CONSTRAINT ck_vacancy_score_interim_range"))
    session.execute(text("UPDATE vacancy_score SET interim = -5 WHERE vacancy_id = :id"),
                    {"id": first})
    session.commit()
    response = client.get(f"{URL}.csv", headers=staff, params={"include_private": True})
    assert response.status_code == 200, response.text
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(response.text, newline=""))}
    for i, (start, vacancy) in enumerate(zip(FORMULA_STARTS, made, strict=True)):
        row = rows[vacancy["id"]]
        assert {name: row[name] for name in names} == dict.fromkeys(names, f"'{start}{i}x")
        assert row["municipality_name"] == "'" + HYPERLINK
    assert (rows[first]["lon"], rows[first]["lat"]) == ("-0.5000000", "-10.2500000")
    assert rows[first]["wkt"] == "POINT(-0.5 -10.25)" and rows[first]["score_interim"] == "-5"


def _reimport(session, path, content: bytes):
    """Import an export's bytes into Schmölln for real; the report, checked valid."""
    path.write_bytes(content)
    report = import_service.import_file(session=session, path=path, ags=SCHMOELLN,
                                        actor=OPERATOR, dry_run=False)
    session.commit()
    assert report.valid, report.problems
    return report


def test_csv_guard_round_trips_through_the_importer(client, staff, session, tmp_path):
    texts = {start: f"{start}{HYPERLINK}" for start in ("=", "+", "-", "@", "'", "'=")}
    for start, value in texts.items():
        create(client, staff, feature(external_id=f"{start}E", street=value, former_use=value,
                                      description=value, owner_contact=value,
                                      internal_notes=value))
    first = client.get(f"{URL}.csv", headers=staff, params={"include_private": True})
    exported = list(csv.DictReader(io.StringIO(first.text)))
    assert {r["street"] for r in exported} == {f"'{v}" for v in texts.values()}  # guarded ...
    report = _reimport(session, tmp_path / "guarded.csv", first.content)
    assert (report.rows, report.created, report.updated, report.unchanged) == (6, 0, 0, 6)
    stored = session.execute(select(Vacancy.external_id, Vacancy.street, Vacancy.owner_contact))
    assert {(e, s, o) for e, s, o in stored} == {(f"{k}E", v, v) for k, v in texts.items()}
    second = client.get(f"{URL}.csv", headers=staff, params={"include_private": True})
    assert second.content == first.content  # ... and imports back unchanged


def test_geopackage_version_layer_and_types(client, register, working_group, tmp_path):
    response = client.get(f"{URL}.gpkg", headers=working_group)
    assert response.status_code == 200
    path = tmp_path / "v.gpkg"
    path.write_bytes(response.content)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300  # GeoPackage 1.3
    info = pyogrio.read_info(path, layer="vacancies")
    assert info["features"] == 4 and info["crs"] == "EPSG:4326"
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["floor_area_m2"] == "OFTReal" and types["vacant_since"] == "OFTDate"
    assert types["updated_at"] == "OFTDateTime" and types["has_wc"] == "OFTInteger"
    meta, _, _, data = read(path)
    values = dict(zip(meta["fields"], data, strict=True))
    assert sorted(values["external_id"]) == ["J-1", "S-1", "S-2", "S-3"]
    assert "owner_contact" not in values and "internal_notes" not in values


def test_schema_document_lists_every_public_field():
    assert set(PUBLIC_FIELDS) | set(PRIVATE_FIELDS) <= set(FIELD_KINDS)
    doc = fields.schema_document()
    names = [f["name"] for f in doc["fields"]]
    assert set(PUBLIC_FIELDS) <= set(names) and doc["schema_version"]
    assert {f["name"] for f in doc["fields"] if f["private"]} == set(PRIVATE_FIELDS)


def test_schema_endpoint(client):
    response = client.get("/api/v1/export/schema")
    assert response.status_code == 200
    assert response.json()["schema_version"] == fields.EXCHANGE_SCHEMA_VERSION


# --- round trips: every exported file imports back unchanged -----------------------------

@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_export_round_trips_through_the_importer(client, register, staff, session, tmp_path, fmt):
    first = client.get(f"{URL}.{fmt}", headers=staff)
    path = tmp_path / f"export.{fmt}"
    report = _reimport(session, path, first.content)
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 0, 0, 3)
    second = client.get(f"{URL}.{fmt}", headers=staff)
    if fmt == "gpkg":
        assert read(path)[3][0].tolist() == read_bytes_gpkg(second.content, tmp_path)
    else:
        assert second.content == first.content


def read_bytes_gpkg(content: bytes, tmp_path) -> list:
    path = tmp_path / "second.gpkg"
    path.write_bytes(content)
    return read(path)[3][0].tolist()


def test_edited_export_updates_the_register(client, register, staff, session, tmp_path):
    doc = client.get(f"{URL}.geojson", headers=staff).json()
    doc["features"][0]["properties"]["floor_area_m2"] = 70
    path = tmp_path / "edited.geojson"
    path.write_text(json.dumps(doc))
    report = import_service.import_file(session=session, path=path, ags=SCHMOELLN,
                                        actor=OPERATOR, dry_run=False)
    session.commit()
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    after = client.get(f"/api/v1/vacancies/{doc['features'][0]['id']}").json()
    assert after["properties"]["floor_area_m2"] == 70 and after["properties"]["version"] == 2


def test_cli_export_and_import(settings, register, tmp_path, monkeypatch, capsys):
    from app import cli

    monkeypatch.setenv("LEERSTAND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEERSTAND_SECRET_KEY", settings.secret_key)
    cli.get_settings.cache_clear()
    out = tmp_path / "all.geojson"
    try:
        assert cli.main(["export", str(out), "--municipality", SCHMOELLN]) == 0
        assert len(json.loads(out.read_text())["features"]) == 3
        assert "Frau Geheim" not in out.read_text()
        assert cli.main(["import", str(out), "--municipality", SCHMOELLN, "--dry-run"]) == 0
        assert "0 would be created, 0 updated, 3 unchanged" in capsys.readouterr().out
        assert cli.main(["import", str(out), "--municipality", JENA]) == 1
        printed = capsys.readouterr().out
        assert "row 1: municipality: belongs to AGS 16077043" in printed
    finally:
        cli.get_settings.cache_clear()


def test_cli_refuses_an_updated_since_beyond_any_time_zone(settings, tmp_path, monkeypatch,
                                                          capsys):
    from app import cli

    monkeypatch.setenv("LEERSTAND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEERSTAND_SECRET_KEY", settings.secret_key)
    cli.get_settings.cache_clear()
    out = tmp_path / "changed.csv"
    try:
        with pytest.raises(SystemExit) as exit_:
            cli.main(["export", str(out), "--updated-since", "2026-01-01T00:00:00+21:58"])
    finally:
        cli.get_settings.cache_clear()
    assert exit_.value.code == 2 and not out.exists()
    assert "--updated-since" in capsys.readouterr().err.replace("\n", " ")


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_scores_travel_flat_in_every_format(client, register, working_group, tmp_path, fmt):
    """The working group compares towns by score in QGIS: the stored scores are in every export,
    equal to what the register serves; unscored (withdrawn) records have empty score columns."""
    api = {f["id"]: f["properties"]["scores"] for f in client.get(
        "/api/v1/vacancies", params={"limit": 100}, headers=working_group).json()["features"]}
    path = tmp_path / f"scores.{fmt}"
    path.write_bytes(client.get(f"{URL}.{fmt}", headers=working_group).content)
    meta, fids, _, values = read(path, return_fids=True)
    field = dict(zip(meta["fields"], values, strict=True))
    # GDAL turns a GeoJSON Feature's "id" into the feature id
    for row, vid in enumerate(field["id"] if "id" in field else fids):
        expected = api[int(vid)]
        interim, recommendation = field["score_interim"][row], field["score_recommendation"][row]
        if expected is None:
            assert recommendation in (None, "")
        else:
            assert int(interim) == expected["interim"]
            assert int(field["score_permanent"][row]) == expected["permanent"]
            assert recommendation == expected["recommendation"]
            assert int(field["score_profile_version"][row]) == expected["profile_version"]
    assert any(s is not None for s in api.values()) and any(s is None for s in api.values())


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_timestamps_a_hair_before_the_full_second_read_back(client, register, working_group,
                                                            session, tmp_path, fmt):
    """CI once failed at random: GDAL rounded an updated_at of …:00.9997 up to a full second and
    pyogrio refused the result ("microsecond must be in 0..999999"). Exports hold milliseconds."""
    session.execute(text("UPDATE vacancy SET updated_at = '2026-03-01 09:59:59.999712+00', "
                         "verified_at = '2026-03-01 09:00:00.9996+00'"))
    session.commit()
    path = tmp_path / f"late.{fmt}"
    path.write_bytes(client.get(f"{URL}.{fmt}", headers=working_group).content)
    meta, _, _, values = read(path)  # as QGIS users' scripts do: to datetimes
    field = dict(zip(meta["fields"], values, strict=True))
    assert len(field["updated_at"]) == 4
    assert {str(v)[:23] for v in field["updated_at"]} == {"2026-03-01T09:59:59.999"}
    assert {str(v)[:23] for v in field["verified_at"]} == {"2026-03-01T09:00:00.999"}
