"""`leerstand addresses import` through the real command line: formats, CRS, the per-row report
and that a refused import stores nothing."""

import json

import numpy as np
import pytest
import shapely
from pyogrio.raw import write
from sqlalchemy import text

from app import cli, geo
from app.config import Settings
from tests.helpers.addresses import add_addresses, count
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN

LON, LAT = CENTRES[SCHMOELLN]


@pytest.fixture
def run(database_url, monkeypatch):
    monkeypatch.setattr(cli, "get_settings",
                        lambda: Settings(_env_file=None, database_url=database_url,
                                         secret_key="s" * 40))
    return lambda *argv: cli.main(list(argv))


def _geojson(path, rows, crs=None):
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x, y]},
         "properties": props} for props, x, y in rows]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc))
    return str(path)


def _stored(session):
    return session.execute(text(
        "SELECT street, house_number, postcode, source FROM address ORDER BY id")).all()


def test_csv_import_with_german_columns(run, session, capsys, tmp_path):
    csv = tmp_path / "hk.csv"
    csv.write_text("strasse;hausnummer;hausnummerzusatz;plz;lon;lat\n"
                   f"Musterstraße;3;;4626;{LON};{LAT}\n"
                   f"Musterstraße;3;a;04626;{LON + 0.0001};{LAT}\n"
                   f"Am Brühl;12;;04626;{LON};{LAT + 0.0001}\n", encoding="utf-8")
    assert run("addresses", "import", str(csv), "--municipality", SCHMOELLN) == 0
    out = capsys.readouterr().out
    assert "3 importiert, 0 aktualisiert, 0 Zeilen mit Fehlern" in out
    assert _stored(session) == [("Musterstraße", "3", "04626", "hk.csv"),
                                ("Musterstraße", "3a", "04626", "hk.csv"),
                                ("Am Brühl", "12", "04626", "hk.csv")]


def test_reimport_updates_instead_of_duplicating(run, session, capsys, tmp_path):
    first = _geojson(tmp_path / "a.geojson", [({"street": "Musterstraße", "house_number": "3"},
                                               LON, LAT)])
    assert run("addresses", "import", first, "--municipality", SCHMOELLN) == 0
    again = _geojson(tmp_path / "b.geojson", [
        ({"straße": "Musterstr.", "hnr": 3, "postcode": "04626"}, LON + 0.0002, LAT),
        ({"street": "Beispielgasse", "house_number": "1"}, LON, LAT)])
    assert run("addresses", "import", again, "--municipality", SCHMOELLN) == 0
    assert "1 importiert, 1 aktualisiert" in capsys.readouterr().out
    assert _stored(session) == [("Musterstr.", "3", "04626", "b.geojson"),
                                ("Beispielgasse", "1", None, "b.geojson")]


def test_replace_deletes_the_towns_addresses_first(run, session, capsys, tmp_path):
    add_addresses(session, SCHMOELLN, ("Alte Gasse", "1"), ("Alte Gasse", "2"))
    add_addresses(session, JENA, ("Jenaer Weg", "1"))
    path = _geojson(tmp_path / "a.geojson", [({"street": "Neue Gasse", "house_number": "1"},
                                              LON, LAT)])
    assert run("addresses", "import", path, "--municipality", SCHMOELLN, "--replace") == 0
    assert "1 importiert, 0 aktualisiert, 0 Zeilen mit Fehlern, 2 bisherige gelöscht" in \
        capsys.readouterr().out
    assert [r[0] for r in _stored(session)] == ["Jenaer Weg", "Neue Gasse"]


def test_rows_name_their_town_without_municipality_option(run, session, tmp_path):
    jena_lon, jena_lat = CENTRES[JENA]
    path = _geojson(tmp_path / "th.geojson", [
        ({"street": "Markt", "house_number": "1", "ags": SCHMOELLN}, LON, LAT),
        ({"street": "Markt", "house_number": "1", "municipality": int(JENA)}, jena_lon, jena_lat)])
    assert run("addresses", "import", path) == 0
    assert session.scalar(text("SELECT count(DISTINCT municipality_id) FROM address")) == 2


def test_geopackage_in_utm_lands_at_the_right_point(run, session, tmp_path):
    east, north = geo.transformer(geo.WGS84, geo.UTM32).transform(LON, LAT)
    path = tmp_path / "hk.gpkg"
    write(str(path), geometry=shapely.to_wkb(np.array([shapely.Point(east, north)])),
          field_data=[np.array(["Musterstraße"], dtype=object), np.array(["7"], dtype=object)],
          fields=["STN", "HNR"], driver="GPKG", geometry_type="Point", crs="EPSG:25832")
    assert run("addresses", "import", str(path), "--municipality", SCHMOELLN) == 0
    metres = session.scalar(text(
        "SELECT ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint(:x, :y), 4326)::geography)"
        " FROM address"), {"x": LON, "y": LAT})
    assert metres < 1


# --- refused: nothing stored ---------------------------------------------------------------------

def _refused(run, session, capsys, *argv, expect: str, code: int = 1) -> str:
    before = count(session)
    assert run("addresses", "import", *argv) == code
    out = capsys.readouterr()
    assert expect in out.out + out.err, out
    session.rollback()
    assert count(session) == before
    return out.out


def test_broken_geojson(run, session, capsys, tmp_path):
    path = tmp_path / "x.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    out = _refused(run, session, capsys, str(path), "--municipality", SCHMOELLN,
                   expect="broken or truncated GeoJSON")
    assert "nichts gespeichert" in out


def test_gpkg_that_is_really_text(run, session, capsys, tmp_path):
    path = tmp_path / "x.gpkg"
    path.write_text("street,house_number\nMarkt,1\n")
    _refused(run, session, capsys, str(path), "--municipality", SCHMOELLN,
             expect="is not a gpkg file")


def test_unknown_crs(run, session, capsys, tmp_path):
    path = _geojson(tmp_path / "x.geojson", [({"street": "Markt", "house_number": "1"},
                                              LON, LAT)], crs="EPSG:2154")
    _refused(run, session, capsys, path, "--municipality", SCHMOELLN,
             expect="Datei: crs: unsupported CRS 'EPSG:2154'")


def test_empty_and_unsupported_files(run, session, capsys, tmp_path):
    empty = _geojson(tmp_path / "x.geojson", [])
    _refused(run, session, capsys, empty, "--municipality", SCHMOELLN,
             expect="holds no addresses")
    other = tmp_path / "x.txt"
    other.write_text("Markt 1")
    _refused(run, session, capsys, str(other), "--municipality", SCHMOELLN,
             expect="unsupported file type")


def test_one_bad_row_stores_nothing_and_every_problem_is_named(run, session, capsys, tmp_path):
    add_addresses(session, SCHMOELLN, ("Vorher", "1"))
    jena_lon, jena_lat = CENTRES[JENA]
    path = _geojson(tmp_path / "x.geojson", [
        ({"street": "Musterstraße", "house_number": "1"}, LON, LAT),               # 1 fine
        ({"street": "Musterstr.", "house_number": "1"}, LON, LAT),                 # 2 duplicate
        ({"street": "Musterstraße", "house_number": "2"}, jena_lon, jena_lat),     # 3 in Jena
        ({"street": "Musterstraße", "house_number": "3"}, 13.4, 52.5),             # 4 Berlin
        ({"street": "", "house_number": "4"}, LON, LAT),                           # 5 no street
        ({"street": "Musterstraße"}, LON, LAT),                                    # 6 no number
        ({"street": "Muster\u0000straße", "house_number": "5"}, LON, LAT),         # 7 NUL
        ({"street": "M" * 201, "house_number": "6"}, LON, LAT),                    # 8 too long
        ({"street": "Musterstraße", "house_number": "7", "plz": "4"}, LON, LAT),   # 9 postcode
        ({"street": "Musterstraße", "house_number": "8", "ags": JENA}, LON, LAT),  # 10 town
    ])
    out = _refused(run, session, capsys, path, "--municipality", SCHMOELLN,
                   expect="0 importiert, 0 aktualisiert, 9 Zeilen mit Fehlern – nichts gespeichert")
    for line in ("Zeile 2: address: Musterstr. 1 steht schon in Zeile 1",
                 "Zeile 3: geometry: point [", "it lies in Jena (AGS 16053000)",
                 "Zeile 4: geometry: point [13.400000, 52.500000] is outside Schmölln",
                 "Zeile 5: street: fehlt", "Zeile 6: house_number: fehlt",
                 "Zeile 7: street: contains a NUL character",
                 "Zeile 8: street: länger als 200 Zeichen",
                 "Zeile 9: postcode: eine Postleitzahl hat 5 Ziffern",
                 "Zeile 10: municipality: die Zeile nennt AGS 16053000"):
        assert line in out, (line, out)
    assert "Zeile 1:" not in out


def test_skip_invalid_stores_the_valid_rows(run, session, capsys, tmp_path):
    path = _geojson(tmp_path / "x.geojson", [
        ({"street": "Musterstraße", "house_number": "1"}, LON, LAT),
        ({"street": "Musterstraße", "house_number": "2"}, 13.4, 52.5)])
    assert run("addresses", "import", path, "--municipality", SCHMOELLN, "--skip-invalid") == 0
    assert "1 importiert, 0 aktualisiert, 1 Zeilen mit Fehlern" in capsys.readouterr().out
    assert count(session) == 1


def test_rows_without_town_and_unknown_towns(run, session, capsys, tmp_path):
    path = _geojson(tmp_path / "x.geojson", [
        ({"street": "Markt", "house_number": "1"}, LON, LAT),
        ({"street": "Markt", "house_number": "2", "ags": "16999999"}, LON, LAT)])
    out = _refused(run, session, capsys, path, expect="2 Zeilen mit Fehlern")
    assert "Zeile 1: municipality: fehlt" in out
    assert "Zeile 2: municipality: keine Gemeinde mit AGS '16999999'" in out


def test_bad_municipality_option(run, session, capsys, tmp_path):
    path = _geojson(tmp_path / "x.geojson", [({"street": "Markt", "house_number": "1"},
                                              LON, LAT)])
    _refused(run, session, capsys, path, "--municipality", "16999999",
             expect="no municipality with AGS 16999999", code=2)
    with pytest.raises(SystemExit):
        run("addresses", "import", path, "--municipality", "1607")
    assert count(session) == 0
