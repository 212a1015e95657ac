"""Pure rules of the exchange package, without a database: columns, OGC parameters, cleaning."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.accounts.principal import Principal
from app.exchange import ogc, vacancy_checks
from app.vacancies.columns import columns

STAFF = Principal(user_id=1, role=Role.staff, municipality_id=7)
GROUP = Principal(user_id=2, role=Role.working_group)
ADMIN = Principal(user_id=3, role=Role.admin)


def test_private_columns_only_when_asked():
    assert not {"owner_contact", "internal_notes"} & {c.name for c in columns()}
    assert [c.name for c in columns(("internal_notes",))][-1] == "internal_notes"
    with pytest.raises(ValueError):
        columns(("password",))


@pytest.mark.parametrize(("value", "epsg"), [
    ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326), ("CRS84", 4326),
    ("http://www.opengis.net/def/crs/EPSG/0/25832", 25832), ("EPSG:25832", 25832),
])
def test_ogc_crs(value, epsg):
    assert ogc.parse_crs(value) == epsg


@pytest.mark.parametrize("value", ["EPSG:4326", "EPSG:31468", "EPSG:99999", "nonsense", ""])
def test_ogc_crs_refused(value):
    with pytest.raises(ogc.OgcInvalidParameter):
        ogc.parse_crs(value)


def test_ogc_bbox_in_utm_is_transformed_to_wgs84():
    params = ogc.parse_items({"bbox": "735000,5643000,736000,5644000", "bbox-crs": ogc.CRS_URIS[25832]},
                             "vacancies")
    minx, miny, maxx, maxy = params.bbox
    assert 12.3 < minx < maxx < 12.4 and 50.8 < miny < maxy < 51.0


@pytest.mark.parametrize("bbox", ["1,2,3", "a,b,c,d", "3,2,1,0", "nan,1,2,3", "-200,0,0,10"])
def test_ogc_bad_bbox_is_an_ogc_parameter_error(bbox):
    with pytest.raises(ogc.OgcInvalidParameter) as caught:
        ogc.parse_items({"bbox": bbox}, "vacancies")
    assert caught.value.field == "bbox" and caught.value.body()["code"] == "InvalidParameterValue"


def test_ogc_datetime():
    lower, upper = ogc.parse_datetime("2026-01-01T00:00:00Z/..")
    assert lower.year == 2026 and upper is None
    moment, same = ogc.parse_datetime("2026-01-01")
    assert moment == same and moment.tzinfo is not None


@pytest.mark.parametrize(("name", "raw", "clean"), [
    ("has_wc", "Ja", True), ("has_wc", "nein", False), ("has_wc", "vielleicht", "vielleicht"),
    ("floor_area_m2", "85,5", "85.5"), ("vacant_since", "01.03.2024", "2024-03-01"),
    ("description", "'=SUM(A1)", "=SUM(A1)"), ("description", "'quoted'", "'quoted'"),
    ("description", "'\tx", "\tx"), ("description", "'\r=1", "\r=1"), ("street", "''x", "'x"),
    ("street", "  ", None),
])
def test_spreadsheet_values(name, raw, clean):
    assert vacancy_checks._clean(name, raw) == clean
