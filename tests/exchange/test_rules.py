"""Pure rules of the exchange package, without a database: scopes, OGC parameters, cleaning."""

from __future__ import annotations

import pytest

from app.accounts.models import Role
from app.accounts.principal import ANONYMOUS, Principal
from app.errors import Forbidden
from app.exchange import export, importer, ogc
from app.exchange.fields import columns

STAFF = Principal(user_id=1, role=Role.staff, municipality_id=7)
GROUP = Principal(user_id=2, role=Role.working_group)
ADMIN = Principal(user_id=3, role=Role.admin)


def test_export_scopes():
    assert export.export_scope(ANONYMOUS).statuses is not None  # published only
    assert export.export_scope(ANONYMOUS).private == ()
    assert export.export_scope(GROUP) == export.Scope(None, None, ())
    assert export.export_scope(STAFF) == export.Scope((7,), None, ("internal_notes",))
    assert export.export_scope(STAFF, include_private=True).private == (
        "owner_contact", "internal_notes")
    assert export.export_scope(ADMIN).private == ()
    for principal in (ANONYMOUS, GROUP):
        with pytest.raises(Forbidden):
            export.export_scope(principal, include_private=True)


def test_staff_may_not_name_another_town():
    scope = export.export_scope(STAFF)
    with pytest.raises(Forbidden):
        export.check_municipalities(scope, export.Filters(municipalities=["16053000"]),
                                     own_ags="16077043")
    export.check_municipalities(scope, export.Filters(municipalities=["16077043"]),
                                 own_ags="16077043")


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
    minx, miny, maxx, maxy = ogc.parse_bbox("735000,5643000,736000,5644000", 25832)
    assert 12.3 < minx < maxx < 12.4 and 50.8 < miny < maxy < 51.0


def test_ogc_datetime():
    lower, upper = ogc.parse_datetime("2026-01-01T00:00:00Z/..")
    assert lower.year == 2026 and upper is None
    moment, same = ogc.parse_datetime("2026-01-01")
    assert moment == same and moment.tzinfo is not None


@pytest.mark.parametrize(("name", "raw", "clean"), [
    ("has_wc", "Ja", True), ("has_wc", "nein", False), ("has_wc", "vielleicht", "vielleicht"),
    ("floor_area_m2", "85,5", "85.5"), ("vacant_since", "01.03.2024", "2024-03-01"),
    ("description", "'=SUM(A1)", "=SUM(A1)"), ("description", "'quoted'", "'quoted'"),
    ("street", "  ", None),
])
def test_spreadsheet_values(name, raw, clean):
    assert importer._clean(name, raw) == clean


def test_file_type_sniffing(tmp_path):
    for name, content, kind in [("a.geojson", b' {"type"', "geojson"), ("a.csv", b"lon,lat\n", "csv"),
                                ("a.gpkg", b"SQLite format 3\x00", "gpkg"),
                                ("a.zip", b"PK\x03\x04", "shapefile")]:
        path = tmp_path / name
        path.write_bytes(content)
        assert importer.detect_format(path) == kind
    path = tmp_path / "a.gpkg"
    path.write_bytes(b'{"type": "FeatureCollection"}')
    with pytest.raises(importer.ImportFileError, match="looks like geojson"):
        importer.detect_format(path)
