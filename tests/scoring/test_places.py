"""Places import (service and CLI): the common per-row report, all or nothing, shipped layers."""

import json

import pytest
from sqlalchemy import text

from app import cli
from app.errors import InvalidInput
from app.scoring import places
from tests.helpers.towns import CENTRES, JENA, SCHMOELLN
from tests.helpers.vacancies import create, full_feature

LON, LAT = CENTRES[SCHMOELLN]


def count(session, **where) -> int:
    clause = " AND ".join(f"{k} = :{k}" for k in where) or "true"
    return session.scalar(text(f"SELECT count(*) FROM place WHERE {clause}"), where)


def point(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def write_geojson(tmp_path, features, name="orte.geojson", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_geojson_import(session, tmp_path):
    path = write_geojson(tmp_path, [point(LON, LAT, name="Café Beispiel"),
                                    point(LON + 0.001, LAT, name="Bäckerei")])
    report = places.import_places(session=session, path=path, category="gastronomy")
    assert (report.rows, report.created, report.problems, report.rejected) == (2, 2, [], False)
    assert count(session, category="gastronomy", source="orte.geojson") == 2


def test_reimport_replaces_instead_of_doubling(session, tmp_path):
    path = write_geojson(tmp_path, [point(LON, LAT)])
    places.import_places(session=session, path=path, category="retail")
    report = places.import_places(session=session, path=path, category="retail")
    assert report.replaced == 1 and count(session, category="retail") == 1


def test_broken_rows_are_reported_and_nothing_is_imported(session, tmp_path):
    path = write_geojson(tmp_path, [
        point(LON, LAT, name="gut"),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[LON, LAT],
                                                                               [LON + 1, LAT]]}},
        point(LAT, LON, name="vertauscht"),  # lat/lon swapped: lands outside Thuringia
        point(2.35, 48.85, name="Paris"),
        {"type": "Feature", "geometry": None, "properties": {}},
        point(LON, LAT, name="x" * 500),
        "kein Feature",
    ])
    report = places.import_places(session=session, path=path, category="culture")
    assert report.rejected and report.created == 0
    reasons = {p.row: p.reason for p in report.problems}
    assert sorted(reasons) == [2, 3, 4, 5, 6, 7]
    assert "Point" in reasons[2] and "outside every municipality" in reasons[4]
    assert "longer than" in reasons[6]
    assert count(session) == 0


def test_skip_invalid_imports_the_good_rows(session, tmp_path):
    path = write_geojson(tmp_path, [point(LON, LAT), point(2.35, 48.85)])
    report = places.import_places(session=session, path=path, category="culture",
                                  skip_invalid=True)
    assert report.created == 1 and len(report.problems) == 1 and not report.rejected
    assert count(session) == 1


def test_csv_import_with_line_numbers(session, tmp_path):
    path = tmp_path / "kultur.csv"
    path.write_text("name,lon,lat\nMuseum,12.354,50.895\nKaputt,abc,50.9\nWeit weg,1e400,50\n"
                    "Galerie,12.356,50.896\n")
    report = places.import_places(session=session, path=path, category="culture")
    assert report.rejected
    assert [(p.row, p.field, "numbers" in p.reason) for p in report.problems] == [
        (3, "geometry", True), (4, "geometry", True)]
    report = places.import_places(session=session, path=path, category="culture",
                                  skip_invalid=True)
    assert report.created == 2


def test_csv_in_utm_with_crs(session, tmp_path):
    path = tmp_path / "laeden.csv"
    path.write_text("name;x;y\n".replace(";", ",") + "Laden,735000,5644000\n")
    report = places.import_places(session=session, path=path, category="retail", crs="EPSG:25832")
    assert report.created == 1 or report.problems  # a valid UTM point, in or outside Thuringia
    assert all("outside" in p.reason for p in report.problems)


@pytest.mark.parametrize(("content", "name", "message"), [
    ("{not json", "a.geojson", "broken or truncated GeoJSON"),
    ('{"type": "Feature"}', "a.geojson", "FeatureCollection"),
    ("a,b\n1,2\n", "a.csv", "lon and lat"),
    ("", "a.gpx", "unsupported file type"),
])
@pytest.mark.parametrize("skip_invalid", [False, True])
def test_broken_files_are_refused(session, tmp_path, content, name, message, skip_invalid):
    """A problem with the whole file writes nothing, even with skip_invalid (it must not
    empty the layer it would replace)."""
    places.import_places(session=session, path=write_geojson(tmp_path, [point(LON, LAT)]),
                         category="retail", source="Läden", rescore=False)
    path = tmp_path / name
    path.write_text(content)
    report = places.import_places(session=session, path=path, category="retail",
                                  source="Läden", skip_invalid=skip_invalid)
    assert report.rejected and report.problems[0].row == 0
    assert message in report.problems[0].reason
    assert count(session) == 1


def test_unknown_category_and_crs_are_refused(session, tmp_path):
    path = write_geojson(tmp_path, [point(LON, LAT)])
    with pytest.raises(InvalidInput, match="unknown category"):
        places.import_places(session=session, path=path, category="kneipe")
    with pytest.raises(InvalidInput, match="unsupported CRS"):
        places.import_places(session=session, path=path, category="retail", crs="EPSG:2056")


def test_legacy_crs_member_is_honoured(session, tmp_path):
    path = write_geojson(tmp_path, [point(735000, 5644000)],
                         crs={"type": "name", "properties": {"name": "EPSG:25832"}})
    report = places.import_places(session=session, path=path, category="retail",
                                  skip_invalid=True)
    assert report.rows == 1 and report.crs == "EPSG:25832"
    assert report.created == 1 or report.problems


def test_defaults_load_stations_and_jena_tram_stops(session):
    reports = places.import_defaults(session=session)
    stations, trams = reports
    assert stations.category == "station" and stations.created > 290
    assert trams.category == "tram_stop" and trams.created == 92 and trams.filtered == 17
    assert session.scalar(text("SELECT attribution FROM place WHERE category = 'station' LIMIT 1"))\
        .startswith("Deutsche Bahn")
    again = places.import_defaults(session=session)
    assert again[0].replaced == stations.created
    assert count(session, category="station") == stations.created


def test_import_rescores_vacancies(client, users, session, tmp_path):
    from tests.helpers.users import bearer

    staff = bearer(users.token("staff", JENA))
    created = create(client, staff, full_feature(JENA))
    assert created["properties"]["scores"]["confidence"] < 1
    before = created["properties"]["scores"]
    session.close()
    lon, lat = CENTRES[JENA]
    path = write_geojson(tmp_path, [point(lon + 0.0004, lat + 0.0003, name=f"Laden {i}")
                                    for i in range(10)])
    settings = client.app.state.settings
    assert _cli(settings, "places", "import", str(path), "--category", "retail") == 0
    after = client.get(f"/api/v1/vacancies/{created['id']}").json()["properties"]["scores"]
    assert after["confidence"] > before["confidence"]
    facts = {c["fact"]: c["value"] for c in
             client.get(f"/api/v1/vacancies/{created['id']}/score").json()["criteria"]}
    assert facts["active_uses_150m"] == 10


def _cli(settings, *argv):
    import app.cli as cli_module

    original = cli_module.get_settings
    cli_module.get_settings = lambda: settings
    try:
        return cli.main(list(argv))
    finally:
        cli_module.get_settings = original


def test_cli_reports_rows_and_refuses(client, tmp_path, capsys):
    path = write_geojson(tmp_path, [point(LON, LAT), point(2.35, 48.85)])
    settings = client.app.state.settings
    assert _cli(settings, "places", "import", str(path), "--category", "culture") == 1
    out = capsys.readouterr().out
    assert "row 2: geometry: outside every municipality" in out and "nothing imported" in out
    assert _cli(settings, "places", "import", str(path), "--category", "culture",
                "--skip-invalid") == 0
    assert "1 created" in capsys.readouterr().out


def test_cli_needs_category_with_file(client, tmp_path, capsys):
    path = write_geojson(tmp_path, [point(LON, LAT)])
    assert _cli(client.app.state.settings, "places", "import", str(path)) == 2
    assert "--category" in capsys.readouterr().err


def test_cli_rescore(client, tmp_path, capsys):
    assert _cli(client.app.state.settings, "scoring", "rescore") == 0
    assert "scored" in capsys.readouterr().out
