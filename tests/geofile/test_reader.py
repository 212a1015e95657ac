"""The shared import reader, without a database: formats, encodings, coordinate columns, CRS,
and files that are broken, empty, hostile or too big (refused as a whole, row 0)."""

from __future__ import annotations

import json
import zipfile
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


def test_unstorable_text_is_a_problem_of_its_row(tmp_path):
    """NUL (PostgreSQL text cannot hold it) and lone surrogates (UTF-8 cannot encode them) in a
    value, a property name or a Feature id mark the row; the rest of the file reads on."""
    path = tmp_path / "p.csv"
    # past the first bytes (those are sniffed as binary data, below)
    path.write_bytes(b"name,lon,lat\n" + b"A,12.3,50.9\n" * 10 + b"B\x00,12.3,50.9\n")
    src = reader.read_points(path)
    assert [r.text_problem for r in src.records[:10]] == [None] * 10
    assert src.records[10].row == 12 and src.records[10].text_problem[0] == "name"
    assert "NUL" in src.records[10].text_problem[1]
    features = [feature([LON, LAT], name="A\u0000B"), feature([LON, LAT], **{"na\u0000me": "x"}),
                feature([LON, LAT], name="A\ud800"), {**feature([LON, LAT]), "id": "\udfff"},
                feature([LON, LAT], name="\U0001f3ea \\u0000")]  # an escaped emoji; "\u0000" as text
    escaped = geojson(tmp_path, features)
    assert "\\u0000" in escaped.read_text() and "\\ud800" in escaped.read_text()
    src = reader.read_points(escaped)
    problems = [r.text_problem for r in src.records]
    assert [p and p[0] for p in problems] == ["name", "properties", "name", "id", None]
    assert "NUL" in problems[0][1] and "NUL" in problems[1][1] and "surrogate" in problems[2][1]
    assert src.columns == ["name"]  # a name that cannot be stored is no column (nor echoed)
    header = tmp_path / "h.csv"
    header.write_bytes(b"name,lon,lat" + b" " * 100 + b",no\x00te\nA,12.3,50.9,x\n")
    error = refused(header)
    assert error.field == "columns" and "column 4" in error.message
    binary = tmp_path / "b.csv"
    binary.write_bytes(b"\x00\x01\x02binary")
    assert "binary data" in refused(binary).message


def test_over_long_csv_cell_is_a_problem_of_its_row(tmp_path):
    path = tmp_path / "cell.csv"
    path.write_text(f'name,lon,lat,note\nA,{LON},{LAT},"{"x" * reader.MAX_CSV_FIELD}"\n'
                    f'B,{LON},{LAT},"{"x" * 200_000}"\n'
                    f'"{"y" * 150_000}\nover two lines",{LON},{LAT},\n')
    first, second, third = reader.read_points(path).records
    assert first.text_problem is None and len(first.props["note"]) == reader.MAX_CSV_FIELD
    assert second.row == 3 and second.text_problem[0] == "note"
    assert "more than 100,000 characters" in second.text_problem[1]
    assert third.row == 5 and third.text_problem[0] == "name"  # the line where the row ends


def test_unreadable_text_of_a_shapefile(tmp_path):
    """A .dbf whose text is not in the encoding its .cpg names is refused as a whole."""
    folder = tmp_path / "shp"
    folder.mkdir()
    write(str(folder / "leer.shp"), np.array(shapely.to_wkb(shapely.points([(LON, LAT)])),
                                             dtype=object),
          [np.array(["Markt"], dtype=object)], fields=["street"], driver="ESRI Shapefile",
          crs="EPSG:4326", geometry_type="Point")
    dbf = folder / "leer.dbf"
    dbf.write_bytes(dbf.read_bytes().replace(b"Markt", b"\xed\xa0rkt"))  # not UTF-8
    archive = tmp_path / "leer.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    error = refused(archive)
    assert error.field == "file" and "not valid in its encoding" in error.message


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
    inside = geojson(tmp_path, [feature([LON, LAT], name="NESTED")], name="inside.geojson")
    inside.write_text(inside.read_text().replace('"NESTED"', "[" * 5000 + "]" * 5000))
    assert "nested too deeply" in refused(inside).message
    huge_number = geojson(tmp_path, [feature([LON, LAT], floor_area_m2=0)], name="n.geojson")
    huge_number.write_text(huge_number.read_text().replace(": 0", ": " + "9" * 5000))
    error = refused(huge_number)
    assert error.field == "file" and "unreadable GeoJSON" in error.message


def test_shapes_are_read_flat_in_the_file_crs(tmp_path):
    square = [[[11.0, 50.5, 10], [11.1, 50.5, 10], [11.1, 50.6, 10], [11.0, 50.5, 10]]]
    path = geojson(tmp_path, [{"type": "Feature", "properties": {"AGS": "16999001"},
                               "geometry": {"type": "Polygon", "coordinates": square}}])
    src = reader.read_shapes(path)
    shape, = src.shapes
    assert src.epsg == 4326 and src.columns == ["ags"] and shape.props == {"ags": "16999001"}
    assert shape.geometry.geom_type == "Polygon" and not shape.geometry.has_z
