"""GET /api/v1/coordinates/wgs84: a typed Rechtswert/Hochwert (ETRS89 / UTM 32N) to WGS84 for the
staff editor; bad pairs get a 422 naming the field, never a 500."""

import pytest
from pyproj import Transformer

from tests.helpers.towns import CENTRES, SCHMOELLN

URL = "/api/v1/coordinates/wgs84"


def test_a_utm_pair_of_schmoelln_comes_back_as_lon_lat(client):
    lon, lat = CENTRES[SCHMOELLN]
    x, y = Transformer.from_crs(4326, 25832, always_xy=True).transform(lon, lat)
    response = client.get(URL, params={"x": round(x, 2), "y": round(y, 2)})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["crs"] == "EPSG:25832"
    assert abs(body["lon"] - lon) < 1e-6 and abs(body["lat"] - lat) < 1e-6


@pytest.mark.parametrize(("params", "field", "words"), [
    ({"x": 5640000, "y": 700000}, "x", "swapped"),
    ({"x": 12345, "y": 5640000}, "x", "easting"),
    ({"x": 700000, "y": 123}, "y", "northing"),
    ({"x": 300000, "y": 5640000}, "x", "outside Thuringia"),
    ({"x": 700000, "y": 5640000, "crs": "EPSG:9999"}, "crs", "unsupported CRS"),
])
def test_bad_pairs_are_refused_with_the_field_named(client, params, field, words):
    response = client.get(URL, params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == field and words in body["detail"]


@pytest.mark.parametrize("params", [{"x": "nan", "y": 5640000}, {"x": "viel", "y": 1},
                                    {"y": 5640000}])
def test_non_numbers_are_a_validation_error(client, params):
    assert client.get(URL, params=params).status_code == 422
