"""Boundary import: the shipped data, other formats and CRS, broken files (nothing changes),
all in the common import report."""

import json

import pytest
from sqlalchemy import func, select, text

from app.municipalities import boundary_import
from app.municipalities.models import Municipality


def count(session):
    return session.scalar(select(func.count()).select_from(Municipality))


def test_shipped_data_is_loaded_with_population_and_centres(session):
    assert count(session) == 849
    row = session.execute(text(
        "SELECT name, population, ST_Covers(boundary, centre) FROM municipality WHERE ags = '16077043'"
    )).one()
    assert row == ("Schmölln", 13724, True)


def test_reimport_updates_instead_of_duplicating(session):
    report = boundary_import.import_boundaries(session=session)
    assert (report.rows, report.created, report.updated, report.problems) == (849, 0, 849, [])
    assert report.with_population == 610 and count(session) == 849  # the Destatis register: 633 towns of 2020


def write(tmp_path, features, name="g.geojson", crs=None):
    doc = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def square_feature(ags, name, x=11.0, y=50.5, d=0.01, **props):
    return {"type": "Feature", "properties": {"AGS": ags, "GEN": name, **props},
            "geometry": {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d],
                                                             [x, y + d], [x, y]]]}}


def test_new_municipality_from_a_file(session, tmp_path):
    path = write(tmp_path, [square_feature("16999001", "Neustadt", population=1234)])
    report = boundary_import.import_boundaries(session=session, path=path, register=None)
    assert (report.rows, report.created, report.updated, report.valid) == (1, 1, 0, True)
    row = session.execute(text(
        "SELECT name, population, centre IS NOT NULL FROM municipality WHERE ags = '16999001'"
    )).one()
    assert row == ("Neustadt", 1234, True)


def test_geopackage_in_gauss_krueger_is_transformed(session, tmp_path):
    """A GeoPackage in EPSG:31467 (how old municipal GIS deliver) is read and transformed."""
    import numpy as np
    import shapely
    from pyogrio.raw import read, write

    from app import geo

    meta, _, wkb, values = read(boundary_import.DEFAULT_BOUNDARIES, where="AGS = '16077043'")
    boundary = geo.transform(shapely.from_wkb(wkb[0]), geo.WGS84, 31467)
    path = tmp_path / "schmoelln_gk3.gpkg"
    write(path, np.array([shapely.to_wkb(boundary)], dtype=object),
          [np.array(["16077043"], dtype=object), np.array(["Schmölln neu"], dtype=object),
           np.array([np.nan])],
          fields=["ags", "name", "einwohner"], driver="GPKG", crs="EPSG:31467",
          geometry_type="MultiPolygon")
    boundary_import.import_boundaries(session=session, path=path, register=None)
    name, inside, population = session.execute(text(
        "SELECT name, ST_Covers(boundary, ST_SetSRID(ST_MakePoint(12.354, 50.895), 4326)), "
        "population FROM municipality WHERE ags = '16077043'")).one()
    assert (name, inside) == ("Schmölln neu", True)
    assert population == 13724  # a NaN count in the file keeps the known population


def rejected(session, path) -> list[tuple[int, str, str]]:
    """The problems of a file that changed nothing."""
    report = boundary_import.import_boundaries(session=session, path=path, register=None)
    assert report.rejected and (report.created, report.updated) == (0, 0)
    assert count(session) == 849
    return [(p.row, p.field, p.reason) for p in report.problems]


@pytest.mark.parametrize("features, message", [
    ([square_feature("1699", "Kurz")], "not 8 digits"),
    ([square_feature("16999001", "A"), square_feature("16999001", "B")], "appears twice"),
    ([{"type": "Feature", "properties": {"AGS": "16999001", "GEN": "P"},
       "geometry": {"type": "Point", "coordinates": [11, 50]}}], "polygon"),
    ([{"type": "Feature", "properties": {"AGS": "16999001", "GEN": "Bow"},
       "geometry": {"type": "Polygon", "coordinates": [[[11, 50], [11.1, 50.1], [11.1, 50],
                                                        [11, 50.1], [11, 50]]]}}], "invalid"),
])
def test_bad_rows_change_nothing(session, tmp_path, features, message):
    problems = rejected(session, write(tmp_path, features))
    assert len(problems) == 1 and message in problems[0][2]


def test_every_bad_row_is_reported(session, tmp_path):
    path = write(tmp_path, [square_feature("16999001", "A"), square_feature("1699", "Kurz"),
                            square_feature("16999001", "B")])
    assert [(row, field) for row, field, _ in rejected(session, path)] == [(2, "ags"), (3, "ags")]


def test_missing_fields(session, tmp_path):
    feature = square_feature("16999001", "X")
    feature["properties"] = {"id": 1}
    assert rejected(session, write(tmp_path, [feature])) == [
        (0, "ags", "needs one of the fields ags")]


def test_broken_file(session, tmp_path):
    path = tmp_path / "kaputt.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    report = boundary_import.import_boundaries(session=session, path=path, register=None)
    assert report.file == "kaputt.geojson" and report.rejected
    assert report.problems[0].row == 0 and "broken" in report.problems[0].reason


def test_unsupported_crs(session, tmp_path):
    path = write(tmp_path, [square_feature("16999001", "X", x=600000, y=5600000, d=100)],
                 crs="EPSG:32632")
    (row, field, reason), = rejected(session, path)
    assert (row, field) == (0, "crs") and "EPSG:32632" in reason


def test_three_dimensional_boundary_is_stored_flat(session, tmp_path):
    feature = square_feature("16999001", "Hoch")
    feature["geometry"]["coordinates"] = [[[*xy, 300.0] for xy in
                                           feature["geometry"]["coordinates"][0]]]
    report = boundary_import.import_boundaries(session=session, path=write(tmp_path, [feature]),
                                               register=None)
    assert report.created == 1
    assert session.scalar(text("SELECT ST_NDims(boundary) FROM municipality "
                               "WHERE ags = '16999001'")) == 2
