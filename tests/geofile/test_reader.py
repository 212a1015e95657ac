"""The shared import reader, without a database: formats, encodings, coordinate columns, CRS,
and files that are broken, empty, hostile or too big (refused as a whole, row 0)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio.raw import write

from app.errors import UnsupportedCRS
from app.geofile import reader
from app.geofile.reader import ImportFileError

LON, LAT = 12.354, 50.895
UTM = (735_452.0, 5_643_250.0)  # the same place in ETRS89 / UTM 32N


def geojson(tmp_path: Path, features: list, name="p.geojson", **extra) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def feature(coords, **props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coords},
            "properties": props}


def refused(path: Path, **kw) -> ImportFileError:
    with pytest.raises(ImportFileError) as info:
        reader.read_points(path, **kw)
    return info.value


def test_file_type_sniffing(tmp_path):
    for name, content, kind in [("a.geojson", b' {"type"', "geojson"), ("a.csv", b"lon,lat\n", "csv"),
                                ("a.gpkg", b"SQLite format 3\x00", "gpkg"),
                                ("a.zip", b"PK\x03\x04", "shapefile")]:
        path = tmp_path / name
        path.write_bytes(content)
        assert reader.detect_format(path) == kind
    path = tmp_path / "a.gpkg"
    path.write_bytes(b'{"type": "FeatureCollection"}')
    with pytest.raises(ImportFileError, match="looks like geojson"):
        reader.detect_format(path)


def test_each_import_names_only_its_own_formats(tmp_path):
    path = tmp_path / "a.gpx"
    path.write_text("<gpx/>")
    assert "use .geojson, .csv, .gpkg or a .zip with a Shapefile" in refused(path).message
    with pytest.raises(ImportFileError, match=r"use \.geojson, \.gpkg, \.shp or a \.zip"):
        reader.read_shapes(path)


def test_csv_coordinate_aliases_are_one_list(tmp_path):
    """lon/lng/longitude/x and lat/latitude/y, in any case, for every import."""
    for lon, lat in [("lon", "lat"), ("LNG", "Latitude"), ("longitude", "y"), ("X", "Y")]:
        path = tmp_path / "p.csv"
        path.write_text(f"name,{lon},{lat}\nA,{LON},{LAT}\n")
        record, = reader.read_points(path).records
        assert (record.x, record.y, record.row) == (LON, LAT, 2)
    path.write_text("name,east,north\nA,1,2\n")
    assert refused(path).field == "columns"


def test_csv_encodings_and_german_numbers(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(f"name;lon;lat\nTöpfer;{str(LON).replace('.', ',')};50,895\n".encode("cp1252"))
    src = reader.read_points(path)
    assert src.records[0].props["name"] == "Töpfer" and src.records[0].x == LON
    assert src.warnings == ["read as Windows-1252 (not valid UTF-8)"]
    path.write_bytes(b"\xef\xbb\xbfname,lon,lat\nA,12.3,50.9\n")  # BOM: UTF-8, no warning
    assert reader.read_points(path).warnings == []
    path.write_bytes(b"\xef\xbb\xbfname,lon,lat\n\xff,12.3,50.9\n")  # a BOM that lies
    assert "UTF-8" in refused(path).message


def test_nul_bytes_are_refused(tmp_path):
    path = tmp_path / "p.csv"
    # past the first bytes (those are sniffed as binary data, below): PostgreSQL would refuse it
    path.write_bytes(b"name,lon,lat\n" + b"A,12.3,50.9\n" * 10 + b"B\x00,12.3,50.9\n")
    assert "NUL" in refused(path).message
    escaped = geojson(tmp_path, [feature([LON, LAT], name="A\u0000B")])
    assert "\\u0000" in escaped.read_text()
    assert "NUL" in refused(escaped).message
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    assert "binary data" in refused(binary).message


def test_three_dimensional_coordinates_keep_x_and_y(tmp_path):
    record, = reader.read_points(geojson(tmp_path, [feature([LON, LAT, 312.5])])).records
    assert (record.x, record.y, record.geometry_problem) == (LON, LAT, None)
    path = tmp_path / "p.csv"
    path.write_text(f"name,wkt\nA,POINT Z ({LON} {LAT} 312.5)\n")
    record, = reader.read_points(path).records
    assert (record.x, record.y) == (LON, LAT)
    four, = reader.read_points(geojson(tmp_path, [feature([LON, LAT, 1, 2])])).records
    assert four.x is None and "[x, y]" in four.geometry_problem
    gpkg = tmp_path / "p.gpkg"
    write(str(gpkg), np.array([shapely.to_wkb(shapely.Point(LON, LAT, 300))], dtype=object), [],
          fields=[], driver="GPKG", crs="EPSG:4979", geometry_type="Point Z")
    src = reader.read_points(gpkg)
    assert src.epsg == 4326 and (src.records[0].x, src.records[0].y) == (LON, LAT)


@pytest.mark.filterwarnings("ignore:GPKG. bad application_id")
def test_broken_files(tmp_path):
    truncated = tmp_path / "t.geojson"
    truncated.write_bytes(b'{"type": "FeatureCollection", "features": [{"type": "Feat')
    assert "broken or truncated GeoJSON" in refused(truncated).message
    gpkg = tmp_path / "t.gpkg"
    gpkg.write_bytes(b"SQLite format 3\x00" + b"\x01" * 500)
    assert "broken or truncated gpkg" in refused(gpkg).message
    archive = tmp_path / "t.zip"
    archive.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    assert "zip" in refused(archive).message
    not_a_collection = geojson(tmp_path, [], name="f.geojson")
    not_a_collection.write_text('{"type": "Feature"}')
    assert "FeatureCollection" in refused(not_a_collection).message


def test_wrong_crs(tmp_path):
    named = {"type": "name", "properties": {"name": "EPSG:2154"}}
    error = refused(geojson(tmp_path, [feature(list(UTM))], crs=named))
    assert error.field == "crs" and "EPSG:2154" in error.message
    odd = refused(geojson(tmp_path, [feature(list(UTM))], crs={"type": "link"}))
    assert odd.field == "crs"
    utm = {"type": "name", "properties": {"name": "EPSG:25832"}}
    contradicted = refused(geojson(tmp_path, [feature(list(UTM))], crs=utm), crs="EPSG:31468")
    assert "contradicts" in contradicted.message
    with pytest.raises(UnsupportedCRS):  # an option the caller gave, not a problem of the file
        reader.read_points(geojson(tmp_path, [feature([LON, LAT])]), crs="EPSG:2056")
    src = reader.read_points(geojson(tmp_path, [feature(list(UTM))], crs=utm))
    lon, lat = reader.to_wgs84(src.records, src.epsg)[0]
    assert abs(lon - LON) < 0.01 and abs(lat - LAT) < 0.01


def test_crs_of_ogr_files(tmp_path):
    gpkg = tmp_path / "p.gpkg"
    write(str(gpkg), np.array([shapely.to_wkb(shapely.Point(*UTM))], dtype=object), [],
          fields=[], driver="GPKG", crs="EPSG:32632", geometry_type="Point")
    error = refused(gpkg)
    assert error.field == "crs" and "EPSG:32632" in error.message
    assert reader.epsg_of("EPSG:25832+5783", "x") == 25832  # UTM with heights: the UTM part


def test_out_of_range_points_after_transformation(tmp_path):
    src = reader.read_points(geojson(tmp_path, [feature([LON, LAT]), feature([LAT * 10, 400])]))
    first, second = reader.to_wgs84(src.records, src.epsg)
    assert reader.in_range(first) and not reader.in_range(second)


def test_empty_files(tmp_path):
    for name in ("e.geojson", "e.csv"):
        path = tmp_path / name
        path.write_bytes(b"")
        assert "an empty file" in refused(path).message
    header_only = tmp_path / "h.csv"
    header_only.write_text("name,lon,lat\n")
    assert reader.read_points(header_only).records == []
    blank = tmp_path / "b.csv"
    blank.write_text("\n\n")
    assert refused(blank).field == "columns"
    assert reader.read_points(geojson(tmp_path, [])).records == []


def test_oversized_files_and_too_many_rows(tmp_path):
    path = geojson(tmp_path, [feature([LON, LAT]) for _ in range(3)])
    assert "more than the 100 an import takes" in refused(path, max_bytes=100).message
    assert "3 rows, more than the 2" in refused(path, max_rows=2).message
    assert len(reader.read_points(path, max_rows=3).records) == 3


def test_hostile_content(tmp_path):
    deep = tmp_path / "deep.geojson"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in refused(deep).message
    huge_cell = tmp_path / "cell.csv"
    huge_cell.write_text(f'name,lon,lat\n"{"x" * 200_000}",{LON},{LAT}\n')
    error = refused(huge_cell)
    assert error.field == "file" and "line" in error.message


def test_shapes_are_read_flat_in_the_file_crs(tmp_path):
    square = [[[11.0, 50.5, 10], [11.1, 50.5, 10], [11.1, 50.6, 10], [11.0, 50.5, 10]]]
    path = geojson(tmp_path, [{"type": "Feature", "properties": {"AGS": "16999001"},
                               "geometry": {"type": "Polygon", "coordinates": square}}])
    src = reader.read_shapes(path)
    shape, = src.shapes
    assert src.epsg == 4326 and src.columns == ["ags"] and shape.props == {"ags": "16999001"}
    assert shape.geometry.geom_type == "Polygon" and not shape.geometry.has_z
