"""Hostile import files (issue 16): each is refused with a clear report, the same in the dry run
and in the real run, through the upload API and through `leerstand import`; never a 500, and the
register is unchanged afterwards."""

from __future__ import annotations

import json
import stat
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from sqlalchemy import text

from app import cli
from tests.exchange.test_import import URL, fc, feat, point
from tests.helpers.towns import SCHMOELLN
from tests.helpers.zips import PARTS, bomb, zip_of

Case = Callable[[Path], tuple[str, bytes]]


def _geojson(features: list[dict]) -> tuple[str, bytes]:
    return "liste.geojson", json.dumps(fc(features)).encode()


def _nested(depth: int, where: str = "description") -> tuple[str, bytes]:
    name, body = _geojson([feat(0, **{where: "NESTED"})])
    return name, body.replace(b'"NESTED"', b"[" * depth + b"]" * depth)


def _csv(rows: list[str]) -> tuple[str, bytes]:
    return "liste.csv", ("external_id,lon,lat,street,description\n" + "".join(
        f"{row}\n" for row in rows)).encode()


def _zip(tmp: Path, entries: dict) -> tuple[str, bytes]:
    return "leer.zip", zip_of(tmp / "leer.zip", entries).read_bytes()


def _symlink(tmp: Path) -> tuple[str, bytes]:
    link = zipfile.ZipInfo("leer.prj")
    link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    return _zip(tmp, {**PARTS, link: b"/etc/passwd"})


def _corrupt_zip(tmp: Path) -> tuple[str, bytes]:
    name, body = _zip(tmp, {**PARTS, "leer.shp": bytes(range(256)) * 400})
    start = 30 + len("leer.shp")  # the deflate stream, after the local header
    return name, body[:start] + b"\xff" * 40 + body[start + 40:]


def _huge_number(tmp: Path) -> tuple[str, bytes]:
    name, body = _geojson([feat(0)])
    return name, body.replace(b'"floor_area_m2": 50', b'"floor_area_m2": ' + b"9" * 5000)


def _bad_dbf(tmp: Path) -> tuple[str, bytes]:
    folder = tmp / "shp"
    folder.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        write(str(folder / "leer.shp"), np.array(shapely.to_wkb(shapely.points([point(0)])),
                                                 dtype=object),
              [np.array(["Markt"], dtype=object)], fields=["street"], driver="ESRI Shapefile",
              crs="EPSG:4326", geometry_type="Point")
    dbf = folder / "leer.dbf"
    dbf.write_bytes(dbf.read_bytes().replace(b"Markt", b"\xed\xa0rkt"))  # not UTF-8
    return _zip(tmp, {part.name: part.read_bytes() for part in folder.iterdir()})


LON, LAT = point(0)
# name → (the file, the problems expected: row, field and a part of the reason)
CASES: dict[str, tuple[Case, list[tuple[int, str, str]]]] = {
    "zip bomb": (lambda tmp: ("leer.zip", bomb(tmp / "bomb.zip").read_bytes()),
                 [(0, "file", "would unpack")]),
    "zip entry outside": (lambda tmp: _zip(tmp, {f"../{n}": d for n, d in PARTS.items()}),
                          [(0, "file", "'../leer.shp' points outside the archive")]),
    "zip symlink": (_symlink, [(0, "file", "'leer.prj' is a symbolic link")]),
    "zip in a zip": (lambda tmp: _zip(tmp, {**PARTS, "alt.zip": b"PK\x03\x04"}),
                     [(0, "file", "holds another archive ('alt.zip')")]),
    "zip of 1,001 entries": (lambda tmp: _zip(tmp, {**PARTS, **{f"{i}.txt": b"" for i in
                                                                range(998)}}),
                             [(0, "file", "1,001 entries, more than the 1,000")]),
    "zip broken stream": (_corrupt_zip, [(0, "file", "broken or truncated zip file")]),
    "dbf not UTF-8": (_bad_dbf, [(0, "file", "text is not valid in its encoding")]),
    "csv cell over the limit": (lambda tmp: _csv([
        f"A,{LON},{LAT},Markt,ok", f'B,{LON},{LAT},Markt,"{"x" * 100_001}"']),
        [(3, "description", "more than 100,000 characters")]),
    "csv NUL": (lambda tmp: _csv([f"A,{LON},{LAT},Markt,ok", f"B,{LON},{LAT},M\x00rkt,ok"]),
                [(3, "street", "NUL")]),
    "geojson NUL": (lambda tmp: _geojson([
        feat(0, street="M\u0000rkt"), feat(1, **{"stre\u0000et": "x"}),
        feat(2, external_id="E\u0000"), feat(3)]), [
        (1, "street", "NUL"), (2, "properties", "a property name contains a NUL"),
        (3, "external_id", "NUL")]),
    "geojson lone surrogates": (lambda tmp: _geojson([
        feat(0, external_id="E\ud800"), feat(1, **{"stre\udc00et": "x"}),
        feat(2, note="\udfff"), feat(3, street="Caf\u00e9 \U0001f3ea")]), [
        (1, "external_id", "unpaired surrogate"), (2, "properties", "unpaired surrogate"),
        (3, "note", "unpaired surrogate")]),
    "typed properties": (lambda tmp: _geojson([
        feat(0, external_id={"a": 1}), feat(1, external_id=[1]), feat(2, external_id=True),
        feat(3, external_id=1.5), feat(4, floor_area_m2=True), feat(5, vacant_since=0),
        feat(6, verified_at=1_700_000_000), feat(7, municipality=[SCHMOELLN]),
        feat(8, street=["Markt"]), feat(9, external_id=17), feat(10, external_id=18.0)]), [
        (1, "external_id", "got an object"), (2, "external_id", "got a list"),
        (3, "external_id", "got true/false"), (4, "external_id", "got a decimal number"),
        (5, "floor_area_m2", "not true/false"), (6, "vacant_since", "not a number"),
        (7, "verified_at", "not a number"), (8, "municipality", "must be the AGS as text"),
        (9, "street", "valid string")]),
    "external_id nested 500 deep": (lambda tmp: _nested(500, "external_id"),
                                    [(1, "external_id", "got a list")]),
    "geojson nested 1,000 deep": (lambda tmp: _nested(1000), [(0, "file", "nested too deeply")]),
    "geojson nested 100,000 deep": (lambda tmp: _nested(100_000),
                                    [(0, "file", "nested too deeply")]),
    "geojson number of 5,000 digits": (_huge_number, [(0, "file", "unreadable GeoJSON")]),
}


def fingerprint(session) -> tuple:
    """The register's vacancies and history, as a count and a checksum."""
    session.rollback()
    return tuple(session.execute(text("""
        SELECT (SELECT count(*) FROM vacancy),
               (SELECT md5(coalesce(string_agg(v::text, '|' ORDER BY v.id), '')) FROM vacancy v),
               (SELECT count(*) FROM vacancy_history)
    """)).one())


@pytest.fixture
def leerstand(settings, monkeypatch, capsys):
    """`leerstand import FILE --municipality AGS [--dry-run]`: exit code and the problem lines."""
    monkeypatch.setenv("LEERSTAND_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LEERSTAND_SECRET_KEY", settings.secret_key)
    cli.get_settings.cache_clear()

    def run(path: Path, dry_run: bool) -> tuple[int, list[str]]:
        code = cli.main(["import", str(path), "--municipality", SCHMOELLN,
                         *(["--dry-run"] if dry_run else [])])
        out = capsys.readouterr().out.splitlines()
        return code, [line for line in out if line.startswith("row ")]

    yield run
    cli.get_settings.cache_clear()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_file_is_refused_everywhere_and_changes_nothing(
        case, client, staff, session, leerstand, tmp_path):
    ok = client.post(URL, params={"municipality": SCHMOELLN}, headers=staff,
                     files={"file": _geojson([feat(0), feat(1)])})
    assert ok.status_code == 200 and ok.json()["created"] == 2, ok.text
    before = fingerprint(session)
    build, expected = CASES[case]
    name, body = build(tmp_path)
    upload = {"file": (name, body)}
    dry = client.post(URL, params={"municipality": SCHMOELLN, "dry_run": "true"},
                      headers=staff, files=upload)
    assert dry.status_code == 200, dry.text
    assert dry.json()["valid"] is False
    errors = dry.json()["errors"]
    assert [(e["row"], e["field"]) for e in errors] == [(r, f) for r, f, _ in expected]
    for error, (_, _, reason) in zip(errors, expected, strict=True):
        assert reason in error["reason"]
    real = client.post(URL, params={"municipality": SCHMOELLN}, headers=staff, files=upload)
    assert real.status_code == 422, real.text
    assert real.json()["code"] == "import_rejected" and real.json()["report"]["errors"] == errors
    path = tmp_path / name
    path.write_bytes(body)
    lines = [f"row {e['row']}: {e['field']}: {e['reason']}" for e in errors]
    assert leerstand(path, dry_run=True) == (1, lines)
    assert leerstand(path, dry_run=False) == (1, lines)
    assert fingerprint(session) == before


def test_three_dimensional_points_import_flat(client, staff, session, leerstand, tmp_path):
    """GPS devices write a height: it is dropped, through the API and the CLI alike."""
    name, body = _geojson([feat(0, coords=(*point(0), 312.5)), feat(1, coords=(*point(1), 0))])
    response = client.post(URL, params={"municipality": SCHMOELLN}, headers=staff,
                           files={"file": (name, body)})
    assert response.status_code == 200 and response.json()["created"] == 2, response.text
    path = tmp_path / name
    path.write_bytes(json.dumps(fc([feat(i, coords=(*point(i), 300.0)) for i in range(2, 4)])
                                ).encode())
    assert leerstand(path, dry_run=False) == (0, [])
    session.rollback()
    dims = session.execute(text("SELECT ST_NDims(location), count(*) FROM vacancy "
                                "GROUP BY 1")).all()
    assert [tuple(row) for row in dims] == [(2, 4)]
