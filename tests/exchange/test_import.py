"""Imports: every format, CRS from the file, dry run report, all-or-nothing, re-import, uploads."""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from sqlalchemy import func, select, text

from app.accounts.principal import Principal
from app.errors import Conflict
from app.exchange import import_service
from app.exchange.import_service import ImportRejected
from app.vacancies import service as vacancies
from app.vacancies.models import Vacancy, VacancyHistory
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.users import bearer

URL = "/api/v1/import/vacancies"
LON, LAT = CENTRES[SCHMOELLN]
ADMIN = Principal(role="admin")
# Schmölln's centre in ETRS89 / UTM 32N and in Gauss-Krüger zone 4
UTM = (735_452.0, 5_643_250.0)


def point(i: int = 0) -> tuple[float, float]:
    return LON + 0.0002 * (i % 10) - 0.001, LAT + 0.0002 * (i // 10) - 0.001


def fc(features: list[dict], crs: str | None = None) -> dict:
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    return doc


def feat(i: int = 0, coords=None, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coords or point(i))},
            "properties": {"external_id": f"E-{i}", "street": "Markt", "floor_area_m2": 50 + i,
                           **props}}


def count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Vacancy))


def run(session, path: Path, dry_run=False, ags=SCHMOELLN, **kw):
    report = import_service.import_file(session=session, path=path, ags=ags, actor=ADMIN,
                                        dry_run=dry_run, **kw)
    session.commit()
    return report


def rejected(session, path: Path, **kw) -> list[dict]:
    with pytest.raises(ImportRejected) as info:
        run(session, path, **kw)
    session.rollback()
    assert count(session) == 0
    return info.value.extra["report"]["errors"]


def write_json(tmp_path: Path, doc, name="v.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- GeoJSON --------------------------------------------------------------------------------

def test_geojson_import_creates_rows_and_history(session, tmp_path):
    path = write_json(tmp_path, fc([feat(i, has_wc="ja") for i in range(3)]))
    report = run(session, path)
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert count(session) == 3
    vacancy = session.scalar(select(Vacancy).where(Vacancy.external_id == "E-1"))
    assert vacancy.has_wc is True and float(vacancy.floor_area_m2) == 51
    assert vacancy.status.value == "vacant" and vacancy.source == "import"
    # the creation is recorded by the row itself and shown as the first history entry
    assert session.scalar(select(func.count()).select_from(VacancyHistory)) == 0
    entries = vacancies.history(session=session, vacancy_id=vacancy.id, actor=ADMIN)
    assert [(e["field"], e["new"]) for e in entries] == [
        ("created", {"status": "vacant", "source": "import"})]


def test_reimport_updates_instead_of_duplicating(session, tmp_path):
    run(session, write_json(tmp_path, fc([feat(i) for i in range(3)])))
    again = run(session, write_json(tmp_path, fc([feat(0), feat(1, floor_area_m2=99),
                                                  feat(3)]), "w.geojson"))
    assert (again.created, again.updated, again.unchanged) == (1, 1, 1)
    assert count(session) == 4
    changed = session.scalar(select(Vacancy).where(Vacancy.external_id == "E-1"))
    assert float(changed.floor_area_m2) == 99 and changed.version == 2
    history = session.scalars(select(VacancyHistory.field).where(
        VacancyHistory.vacancy_id == changed.id, VacancyHistory.version == 2)).all()
    assert history == ["floor_area_m2"]


def test_small_reimport_into_a_bigger_town_finds_its_rows(session, tmp_path):
    """Known ids are looked up by the file's ids when the town has more rows than the file
    (the other lookup reads the town's rows); both must find the row to update."""
    run(session, write_json(tmp_path, fc([feat(i) for i in range(4)])))
    again = run(session, write_json(tmp_path, fc([feat(2, street="Brückenstraße")]), "one.geojson"))
    assert (again.created, again.updated) == (0, 1) and count(session) == 4
    assert session.scalar(select(Vacancy.street).where(Vacancy.external_id == "E-2")) == (
        "Brückenstraße")


def test_geojson_crs_member_is_read(session, tmp_path):
    path = write_json(tmp_path, fc([feat(0, coords=UTM)], crs="EPSG:25832"))
    report = run(session, path)
    assert report.crs == "EPSG:25832" and report.created == 1
    lon, lat = session.execute(text("SELECT ST_X(location), ST_Y(location) FROM vacancy")).one()
    assert abs(lon - LON) < 0.01 and abs(lat - LAT) < 0.01


def test_dry_run_reports_per_row_and_changes_nothing(session, tmp_path):
    path = write_json(tmp_path, fc([
        feat(0), feat(1, floor_area_m2=-5), feat(2, coords=CENTRES[JENA]),
        feat(3, coords=(LAT, LON)), {"type": "Feature", "geometry": None, "properties": {}},
        feat(5, status="reported"), feat(6, vacant_since="2999-01-01"), feat(0),
        feat(8, description="<script>alert(1)</script>"),
    ]))
    report = run(session, path, dry_run=True)
    assert count(session) == 0
    found = {(p.row, p.field) for p in report.problems}
    assert found == {(2, "floor_area_m2"), (3, "geometry"), (4, "geometry"), (5, "geometry"),
                     (6, "status"), (7, "vacant_since"), (8, "external_id")}
    reasons = {p.row: p.reason for p in report.problems}
    assert "Jena" in reasons[3] and "swapped" in reasons[4]
    # the real run refuses the same file as a whole
    assert len(rejected(session, path)) == 7


def test_problem_in_a_late_chunk_undoes_the_chunks_already_written(session, tmp_path,
                                                                     monkeypatch):
    """Rows go into the COPY chunk by chunk while later ones are still checked: a problem in
    the last chunk must roll back what the earlier chunks wrote, and the report still lists
    every problem of the file (also those after the first one)."""
    monkeypatch.setattr(import_service, "CHUNK_ROWS", 2)
    rows = [feat(i) for i in range(9)]
    rows[6]["properties"]["floor_area_m2"] = -1
    rows[8]["properties"]["status"] = "reported"
    errors = rejected(session, write_json(tmp_path, fc(rows)))
    assert [(e["row"], e["field"]) for e in errors] == [(7, "floor_area_m2"), (9, "status")]
    # the same file without the two problems goes in whole, across the chunks
    del rows[8]["properties"]["status"]
    rows[6]["properties"]["floor_area_m2"] = 70
    report = run(session, write_json(tmp_path, fc(rows), "ok.geojson"))
    assert report.created == 9 and count(session) == 9


def test_point_on_the_boundary_line_is_inside(session, tmp_path):
    """shapely's vectorised test leaves out points exactly on the boundary; PostGIS decides
    them after the COPY (ST_Covers: on the line is inside), and they are written then."""
    lon, lat = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointN(ST_ExteriorRing(ST_GeometryN(boundary, 1)),"
        " 1) AS p FROM municipality WHERE ags = :ags) v"), {"ags": SCHMOELLN}).one()
    path = write_json(tmp_path, fc([feat(0), feat(1, coords=(lon, lat))]))
    assert run(session, path, dry_run=True).created == 2  # the dry run counts it the same
    report = run(session, path)
    assert report.created == 2
    stored = session.execute(text("SELECT ST_X(location), ST_Y(location) FROM vacancy "
                                  "WHERE external_id = 'E-1'")).one()
    assert tuple(stored) == (lon, lat)


def test_concurrent_import_of_the_same_ids_is_a_conflict(session, tmp_path, monkeypatch):
    """Another import created the same external ids after this one looked them up: the COPY
    hits the unique constraint, the import is refused as a conflict and writes nothing."""
    run(session, write_json(tmp_path, fc([feat(0)])))
    monkeypatch.setattr(import_service, "_existing", lambda *args: {})
    with pytest.raises(Conflict):
        run(session, write_json(tmp_path, fc([feat(5), feat(0)]), "again.geojson"))
    session.rollback()
    assert count(session) == 1


def test_script_tags_are_stored_as_text_not_refused(session, tmp_path):
    run(session, write_json(tmp_path, fc([feat(0, description="<script>alert(1)</script>")])))
    assert session.scalar(select(Vacancy.description)) == "<script>alert(1)</script>"


@pytest.mark.parametrize(("content", "reason"), [
    (b'{"type": "FeatureCollection", "features": [{"type": "Feature", ', "truncated"),
    (b"PK\x03\x04 not really json", "not a geojson"),
    (b'{"type": "Feature"}', "FeatureCollection"),
    (b"", "not a geojson"),
])
def test_broken_geojson_files(session, tmp_path, content, reason):
    path = tmp_path / "v.geojson"
    path.write_bytes(content)
    errors = rejected(session, path)
    assert errors[0]["row"] == 0 and reason in errors[0]["reason"]


def test_unknown_crs_is_refused(session, tmp_path):
    errors = rejected(session, write_json(tmp_path, fc([feat(0)], crs="EPSG:2154")))
    assert errors[0]["field"] == "crs" and "EPSG:2154" in errors[0]["reason"]


def test_nan_and_absurd_numbers(session, tmp_path):
    path = tmp_path / "v.geojson"
    path.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","geometry":'
                    '{"type":"Point","coordinates":[NaN, 50.9]},"properties":{}},'
                    '{"type":"Feature","geometry":{"type":"Point","coordinates":[12.35, 50.89]},'
                    '"properties":{"asking_rent_eur_m2": 1e12}}]}')
    errors = rejected(session, path)
    assert {(e["row"], e["field"]) for e in errors} == {(1, "geometry"),
                                                         (2, "asking_rent_eur_m2")}


def test_import_for_another_town_is_forbidden(session, tmp_path):
    from app.errors import Forbidden

    staff = Principal(user_id=None, role="staff", municipality_id=session.scalar(text(
        "SELECT id FROM municipality WHERE ags = :a"), {"a": JENA}))
    with pytest.raises(Forbidden):
        import_service.import_file(session=session, path=write_json(tmp_path, fc([feat(0)])),
                                   ags=SCHMOELLN, actor=staff, dry_run=True)


def test_municipality_column_must_match(session, tmp_path):
    errors = rejected(session, write_json(tmp_path, fc([feat(0, municipality=JENA)])))
    assert errors[0]["field"] == "municipality"


# --- CSV ------------------------------------------------------------------------------------

def test_csv_semicolon_windows_1252_german_numbers(session, tmp_path):
    lon, lat = point(1)
    body = ("external_id;Straße;street;lon;lat;floor_area_m2;has_wc;vacant_since\n"
            f"K-1;x;Töpfergasse;{str(lon).replace('.', ',')};{str(lat).replace('.', ',')};"
            "85,5;ja;01.03.2024\n")
    path = tmp_path / "liste.csv"
    path.write_bytes(body.encode("cp1252"))
    report = run(session, path)
    assert report.created == 1 and any("Windows-1252" in w for w in report.warnings)
    assert any("straße" in w for w in report.warnings)  # unknown column ignored, named
    vacancy = session.scalar(select(Vacancy))
    assert vacancy.street == "Töpfergasse" and float(vacancy.floor_area_m2) == 85.5
    assert vacancy.has_wc is True and vacancy.vacant_since.isoformat() == "2024-03-01"


def test_csv_wkt_with_srid(session, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(f"external_id,wkt\nW-1,SRID=25832;POINT({UTM[0]} {UTM[1]})\n", encoding="utf-8")
    report = run(session, path)
    assert report.crs == "EPSG:25832" and report.created == 1


def test_csv_gauss_krueger_with_crs_option(session, tmp_path):
    from app import geo

    x, y = geo.transformer(4326, 31468).transform(*point(2))
    path = tmp_path / "v.csv"
    path.write_text(f"external_id,x,y\nG-1,{x},{y}\n", encoding="utf-8")
    assert run(session, path, crs="EPSG:31468").created == 1


def test_csv_missing_columns_and_bad_rows(session, tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("external_id,street\nA,Markt\n", encoding="utf-8")
    assert rejected(session, path)[0]["field"] == "columns"
    path.write_text("external_id,lon,lat,floor\nA,abc,50.9,ground\nB,12.35,50.89,attic\nC,1\n",
                    encoding="utf-8")
    errors = rejected(session, path)
    assert [(e["row"], e["field"]) for e in errors] == [(2, "geometry"), (3, "floor"),
                                                         (4, "geometry")]


def test_csv_formula_guard_is_stripped(session, tmp_path):
    lon, lat = point(0)
    path = tmp_path / "v.csv"
    path.write_text(f"external_id,lon,lat,description\nA,{lon},{lat},'=1+1\n", encoding="utf-8")
    run(session, path)
    assert session.scalar(select(Vacancy.description)) == "=1+1"


def test_file_that_is_not_what_its_name_says(session, tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    assert "not a csv" in rejected(session, path)[0]["reason"]
    other = tmp_path / "v.xlsx"
    other.write_bytes(b"PK\x03\x04")
    assert "unsupported file type" in rejected(session, other)[0]["reason"]


# --- GeoPackage and Shapefile ----------------------------------------------------------------

def ogr_file(path: Path, driver: str, epsg: int, coords: list[tuple[float, float]],
             ids: list[str], geometry_type="Point", **kw) -> None:
    geoms = shapely.points(coords) if geometry_type == "Point" else coords
    with warnings.catch_warnings():  # dBase cuts field names to 10 characters, as intended
        warnings.simplefilter("ignore", RuntimeWarning)
        write(str(path), np.array(shapely.to_wkb(geoms), dtype=object),
          [np.array(ids, dtype=object), np.array([80.0] * len(ids))],
          fields=["external_id", "floor_area_m2"], driver=driver, crs=f"EPSG:{epsg}",
          geometry_type=geometry_type, layer="vacancies", **kw)



def test_geopackage_in_utm(session, tmp_path):
    path = tmp_path / "v.gpkg"
    ogr_file(path, "GPKG", 25832, [UTM, (UTM[0] + 20, UTM[1])], ["P-1", "P-2"])
    report = run(session, path)
    assert report.format == "gpkg" and report.crs == "EPSG:25832" and report.created == 2


def zipped_shapefile(tmp_path: Path, epsg: int | None, coords, ids, drop_prj=False) -> Path:
    folder = tmp_path / "shp"
    folder.mkdir(exist_ok=True)
    ogr_file(folder / "leer.shp", "ESRI Shapefile", epsg or 4326, coords, ids)
    archive = tmp_path / "leer.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            if not (drop_prj and part.suffix == ".prj"):
                z.write(part, part.name)
    return archive


def test_zipped_shapefile_in_gauss_krueger(session, tmp_path):
    from app import geo

    coords = [geo.transformer(4326, 31468).transform(*point(i)) for i in range(3)]
    report = run(session, zipped_shapefile(tmp_path, 31468, coords, ["a", "b", "c"]))
    assert report.format == "shapefile" and report.crs == "EPSG:31468" and report.created == 3
    # dBase cuts names to 10 characters: external_i / floor_area are still recognised
    assert not report.warnings
    assert session.scalar(select(Vacancy.floor_area_m2).where(Vacancy.external_id == "b")) == 80


def test_shapefile_without_prj_is_refused(session, tmp_path):
    errors = rejected(session, zipped_shapefile(tmp_path, None, [point(0)], ["a"], drop_prj=True))
    assert errors[0]["field"] == "crs" and ".prj" in errors[0]["reason"]


def test_truncated_geopackage_and_zip(session, tmp_path):
    path = tmp_path / "v.gpkg"
    ogr_file(path, "GPKG", 4326, [point(0)], ["a"])
    path.write_bytes(path.read_bytes()[:3000])
    assert rejected(session, path)[0]["row"] == 0
    archive = zipped_shapefile(tmp_path, 4326, [point(0)], ["a"])
    archive.write_bytes(archive.read_bytes()[:200])
    assert "zip" in rejected(session, archive)[0]["reason"]


def test_polygons_are_refused_per_row(session, tmp_path):
    path = tmp_path / "v.gpkg"
    ogr_file(path, "GPKG", 4326, [shapely.box(LON, LAT, LON + 0.001, LAT + 0.001)], ["a"],
             geometry_type="Polygon")
    assert "Point" in rejected(session, path)[0]["reason"]


# --- the upload API -------------------------------------------------------------------------

def test_upload_dry_run_then_real(client, staff, session):
    body = json.dumps(fc([feat(i) for i in range(2)] + [feat(5, floor_area_m2=10**9)])).encode()
    files = {"file": ("liste.geojson", body, "application/geo+json")}
    dry = client.post(URL, params={"municipality": SCHMOELLN, "dry_run": "true"}, files=files,
                      headers=staff)
    assert dry.status_code == 200 and dry.json()["valid"] is False
    assert dry.json()["errors"] == [{"row": 3, "field": "floor_area_m2",
                                     "reason": "Input should be less than or equal to 100000"}]
    real = client.post(URL, params={"municipality": SCHMOELLN}, files=files, headers=staff)
    assert real.status_code == 422 and real.json()["report"]["errors_total"] == 1
    assert count(session) == 0
    good = json.dumps(fc([feat(i) for i in range(2)])).encode()
    ok = client.post(URL, params={"municipality": SCHMOELLN},
                     files={"file": ("liste.geojson", good)}, headers=staff)
    assert ok.status_code == 200 and ok.json()["created"] == 2 and count(session) == 2
    # the report says how long the import and the town's rescore took (the dry run: no rescore)
    assert dry.json()["seconds_import"] > 0 and dry.json()["seconds_rescore"] == 0
    assert ok.json()["seconds_import"] > 0 and ok.json()["seconds_rescore"] > 0


def test_upload_needs_staff_of_that_town(client, users, session):
    body = {"file": ("l.geojson", json.dumps(fc([feat(0)])).encode())}
    anonymous = client.post(URL, params={"municipality": SCHMOELLN}, files=body)
    assert anonymous.status_code == 401
    other = client.post(URL, params={"municipality": SCHMOELLN}, files=body,
                        headers=bearer(users.token("staff", JENA)))
    assert other.status_code == 403
    group = client.post(URL, params={"municipality": SCHMOELLN}, files=body,
                        headers=bearer(users.token("working_group")))
    assert group.status_code == 403 and count(session) == 0


def test_upload_over_one_mib_is_accepted(client, staff, session):
    features = [feat(i, description="x" * 4000) for i in range(300)]
    body = json.dumps(fc(features)).encode()
    assert len(body) > 1024 * 1024
    response = client.post(URL, params={"municipality": SCHMOELLN},
                           files={"file": ("big.geojson", body)}, headers=staff)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 300


def test_declared_200_mb_upload_is_refused_at_once(client, staff, session):
    response = client.post(URL, params={"municipality": SCHMOELLN}, headers={
        **staff, "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(200 * 1024 * 1024)}, content=b"--x--")
    assert response.status_code == 413 and count(session) == 0


def test_streamed_200_mb_upload_is_cut_off_early(live_server, users, session):
    """A chunked 200 MB upload (no Content-Length) is answered with 413 while it is still
    being sent: the server stops reading at the upload limit instead of taking it whole."""
    import select
    import socket
    from urllib.parse import urlsplit

    port = urlsplit(live_server.url).port
    token = users.token("staff", SCHMOELLN)
    chunk = b"100000\r\n" + b"x" * 0x100000 + b"\r\n"  # 1 MiB in chunked encoding
    preamble = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.geojson"'
                b"\r\n\r\n")
    sent, answer = 0, b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall((f"POST {URL}?municipality={SCHMOELLN} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      f"Authorization: Bearer {token}\r\nTransfer-Encoding: chunked\r\n"
                      "Content-Type: multipart/form-data; boundary=x\r\n\r\n").encode()
                     + f"{len(preamble):x}\r\n".encode() + preamble + b"\r\n")
        for _ in range(200):
            try:
                sock.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
            sent += 1
            if select.select([sock], [], [], 0)[0]:
                break
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 200
    assert count(session) == 0


def test_json_body_limit_still_applies_elsewhere(client, staff):
    response = client.post("/api/v1/vacancies", headers={**staff, "Content-Type": "application/json"},
                           content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    assert response.status_code == 413


def test_upload_of_file_without_extension(client, staff):
    response = client.post(URL, params={"municipality": SCHMOELLN, "dry_run": "true"},
                           files={"file": ("liste", io.BytesIO(b"abc"))}, headers=staff)
    assert response.status_code == 200
    assert "unsupported file type" in response.json()["errors"][0]["reason"]


def test_report_and_logs_never_echo_private_values(client, staff, session, caplog):
    secret = "Frau Geheim 0365 999 "
    body = json.dumps(fc([feat(0, owner_contact=secret * 100, internal_notes=secret),
                          feat(1, owner_contact=secret, floor_area_m2="viel")])).encode()
    with caplog.at_level("DEBUG"):
        response = client.post(URL, params={"municipality": SCHMOELLN}, headers=staff,
                               files={"file": ("l.geojson", body)})
    assert response.status_code == 422
    assert {(e["row"], e["field"]) for e in response.json()["report"]["errors"]} == {
        (1, "owner_contact"), (2, "floor_area_m2")}
    assert "Geheim" not in response.text and "Geheim" not in caplog.text
    assert count(session) == 0


def test_upload_report_keys_are_the_public_schema(client, staff):
    """The common import report (app.geofile.report) keeps the upload API's keys and order."""
    body = json.dumps(fc([feat(0)])).encode()
    response = client.post(URL, params={"municipality": SCHMOELLN, "dry_run": "true"},
                           files={"file": ("l.geojson", body)}, headers=staff)
    assert list(response.json()) == [
        "file", "format", "crs", "municipality", "dry_run", "valid", "rows", "created",
        "updated", "unchanged", "rescored", "seconds_import", "seconds_rescore", "errors_total",
        "errors", "warnings"]


def test_nul_in_a_csv_is_a_problem_of_its_row(session, tmp_path):
    """The dry run finds it, as the real run would (PostgreSQL text cannot hold NUL)."""
    lon, lat = point(0)
    path = tmp_path / "v.csv"
    path.write_bytes(b"external_id,lon,lat,street\n"
                     + b"".join(f"A{i},{lon},{lat},Markt\n".encode() for i in range(5))
                     + f"B,{lon},{lat},M\x00rkt\n".encode())
    dry = run(session, path, dry_run=True)
    assert [(p.row, p.field) for p in dry.problems] == [(7, "street")]
    assert "NUL" in dry.problems[0].reason
    assert rejected(session, path) == [p.as_dict() for p in dry.problems]
