"""Pure geometry and CRS helpers."""

import math

import pytest

from app import geo
from app.errors import BadRequest, InvalidGeometry, UnsupportedCRS


@pytest.mark.parametrize("name, code", [
    ("EPSG:4326", 4326), ("epsg:25832", 25832), ("urn:ogc:def:crs:EPSG::31467", 31467),
    ("urn:ogc:def:crs:EPSG:6.6:31468", 31468), ("http://www.opengis.net/def/crs/EPSG/0/3857", 3857),
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326), ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
])
def test_supported_crs_names(name, code):
    assert geo.parse_crs(name) == code


@pytest.mark.parametrize("name", ["EPSG:2154", "EPSG:", "WGS84", "", "EPSG:25833"])
def test_unsupported_crs_names(name):
    with pytest.raises(UnsupportedCRS):
        geo.parse_crs(name)


# degrees: ~1 cm for ETRS89/WGS84-based CRS; ~1 m for DHDN (Gauss-Krüger), where neither side has
# the BETA2007 grid offline and both fall back to Helmert transformations (EPSG accuracy 3 m)
@pytest.mark.parametrize("epsg, tolerance", [(25832, 1e-7), (3857, 1e-7), (31467, 1e-5),
                                             (31468, 1e-5)])
def test_pyproj_agrees_with_postgis(session, epsg, tolerance):
    """Input is transformed in Python; PostGIS (another PROJ build) must agree."""
    from sqlalchemy import text

    x, y = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM ST_Transform(ST_SetSRID(ST_MakePoint(12.354035, 50.895281),"
        " 4326), :epsg) p"), {"epsg": epsg}).one()
    point = geo.geometry_from_geojson({"type": "Point", "coordinates": [x, y]}, field="g", epsg=epsg)
    assert point.x == pytest.approx(12.354035, abs=tolerance)
    assert point.y == pytest.approx(50.895281, abs=tolerance)


@pytest.mark.parametrize("coords", [[math.nan, 50.0], [12.0, math.inf], [12.0, -math.inf]])
def test_non_finite_coordinates(coords):
    with pytest.raises(InvalidGeometry, match="finite"):
        geo.geometry_from_geojson({"type": "Point", "coordinates": coords}, field="g")


def test_out_of_range_after_transform():
    with pytest.raises(InvalidGeometry, match="out of range"):
        geo.geometry_from_geojson({"type": "Point", "coordinates": [500, 50]}, field="g")


@pytest.mark.parametrize("value", ["1,2,3", "a,b,c,d", "2,2,1,1", "nan,1,2,3", "0,0,0,100"])
def test_bad_bboxes(value):
    with pytest.raises(BadRequest):
        geo.parse_bbox(value)


def test_bbox():
    assert geo.parse_bbox("11,50,12,51") == (11, 50, 12, 51)
