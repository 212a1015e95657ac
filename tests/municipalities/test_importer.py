"""Boundary import: the shipped data, other formats and CRS, broken files (nothing changes)."""

import json

import pytest
from sqlalchemy import func, select, text

from app.errors import InvalidInput, UnsupportedCRS
from app.municipalities import importer
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
    result = importer.import_boundaries(session=session)
    assert result.imported == 849 and count(session) == 849


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
    result = importer.import_boundaries(session=session, path=path, register=None)
    assert result.imported == 1
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

    meta, _, wkb, values = read(importer.DEFAULT_BOUNDARIES, where="AGS = '16077043'")
    boundary = geo.transform(shapely.from_wkb(wkb[0]), geo.WGS84, 31467)
    path = tmp_path / "schmoelln_gk3.gpkg"
    write(path, np.array([shapely.to_wkb(boundary)], dtype=object),
          [np.array(["16077043"], dtype=object), np.array(["Schmölln neu"], dtype=object),
           np.array([np.nan])],
          fields=["ags", "name", "einwohner"], driver="GPKG", crs="EPSG:31467",
          geometry_type="MultiPolygon")
    importer.import_boundaries(session=session, path=path, register=None)
    name, inside, population = session.execute(text(
        "SELECT name, ST_Covers(boundary, ST_SetSRID(ST_MakePoint(12.354, 50.895), 4326)), "
        "population FROM municipality WHERE ags = '16077043'")).one()
    assert (name, inside) == ("Schmölln neu", True)
    assert population == 13724  # a NaN count in the file keeps the known population


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
    path = write(tmp_path, features)
    with pytest.raises(InvalidInput, match=message):
        importer.import_boundaries(session=session, path=path, register=None)
    session.rollback()
    assert count(session) == 849


def test_missing_fields(session, tmp_path):
    feature = square_feature("16999001", "X")
    feature["properties"] = {"id": 1}
    with pytest.raises(InvalidInput, match="AGS"):
        importer.import_boundaries(session=session, path=write(tmp_path, [feature]), register=None)


def test_broken_file(session, tmp_path):
    path = tmp_path / "kaputt.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(InvalidInput, match="kaputt.geojson"):
        importer.import_boundaries(session=session, path=path, register=None)


def test_unsupported_crs(session, tmp_path):
    path = write(tmp_path, [square_feature("16999001", "X", x=600000, y=5600000, d=100)],
                 crs="EPSG:32632")
    with pytest.raises(UnsupportedCRS):
        importer.import_boundaries(session=session, path=path, register=None)
