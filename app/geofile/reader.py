"""Opening import files: GeoJSON, CSV, GeoPackage, Shapefile. No database, no domain rules.

The one reader of the vacancy, boundary and places imports. ``read_points`` turns a file of
points into ``Record``s (row number, raw properties, x/y in the file's CRS, or why the row has
no usable point), ``to_wgs84`` transforms them in one vectorised call; ``read_shapes`` gives any
geometry as shapely objects (boundaries). GeoJSON and CSV are read with the standard library
(plain floats, no geometry objects: the fast path of a 100,000-row import), GeoPackage and
Shapefile through pyogrio's bundled GDAL (a zipped Shapefile after ``archive`` has checked and
unpacked it). Problems of the whole file — wrong type for its name, broken, hostile, oversized,
empty, unknown CRS, no coordinates — raise ``ImportFileError`` (row 0 in a report); text that
cannot be stored (NUL, lone surrogates, an over-long CSV cell) marks its row
(``Record.text_problem``). Rows are numbered from 1 in file order; for CSV the number is the
line in the file (header = line 1), which is the row number a spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from app import geo
from app.errors import InvalidInput

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg",
           ".zip": "shapefile", ".shp": "shp"}
POINT_FORMATS = frozenset({"geojson", "csv", "gpkg", "shapefile"})
# boundaries: also a Shapefile on disk (.shp with its .shx/.dbf/.prj next to it)
SHAPE_FORMATS = frozenset({"geojson", "gpkg", "shapefile", "shp"})
_FORMAT_NAMES = {"geojson": ".geojson", "csv": ".csv", "gpkg": ".gpkg", "shp": ".shp",
                 "shapefile": "a .zip with a Shapefile"}
# coordinate columns of a CSV, in order of preference
LON_NAMES, LAT_NAMES = ("lon", "lng", "longitude", "x"), ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom")
MAX_FILE_BYTES = 200 * 1024 * 1024  # twice the upload limit; a 100,000-row GeoJSON is ~70 MB
_NUMBER = (int, float)  # exact types: JSON true/false are bools, not coordinates
DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_EWKT = re.compile(r"^\s*SRID=(\d+);(.*)$", re.IGNORECASE | re.DOTALL)
# PostgreSQL text cannot hold NUL, and UTF-8 cannot encode a lone surrogate ("\ud800" in JSON):
# either would pass the checks and fail the write, so a row holding one is refused. (Other
# control characters are stored as given: PostgreSQL takes them and every export escapes them.)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# the JSON escapes that decode to one of them (raw, they are not UTF-8 and the file is refused)
_UNSTORABLE_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")
# the longest text the register takes is 10,000 characters (internal_notes); ten times that is
# a cell no spreadsheet export holds. The csv module's own limit (131,072) would end the read
# without saying where, so it is raised to the file limit and the cells are measured here
MAX_CSV_FIELD = 100_000
csv.field_size_limit(max(csv.field_size_limit(), MAX_FILE_BYTES))  # process-wide, only raised


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (wrong type, truncated, unknown CRS, no geometry)."""

    code = "import_file_invalid"


@dataclass
class Record:
    """One record of a file: raw properties and its point in the file's CRS."""

    row: int
    props: dict[str, Any]
    x: float | None
    y: float | None
    geometry_problem: str | None = None
    fid: Any = None  # a GeoJSON Feature's own "id" member
    text_problem: tuple[str, str] | None = None  # (field, reason): text that cannot be stored


@dataclass
class PointSource:
    """A file of points read but not yet checked: its records in file order."""

    format: str
    epsg: int
    columns: list[str]
    records: list[Record]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Shape:
    row: int
    props: dict[str, Any]
    geometry: shapely.Geometry | None  # 2D, in the file's CRS


@dataclass
class ShapeSource:
    format: str
    epsg: int
    columns: list[str]
    shapes: list[Shape]


# --- file type, size and CRS ------------------------------------------------------------------

def _names(formats: Iterable[str]) -> str:
    names = [_FORMAT_NAMES[kind] for kind in _FORMAT_NAMES if kind in formats]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def detect_format(path: Path, filename: str | None = None,
                  formats: Iterable[str] = POINT_FORMATS) -> str:
    """The file's format from its name, refused when its first bytes say otherwise."""
    formats = frozenset(formats)
    name = filename or path.name
    kind = FORMATS.get(Path(name).suffix.lower())
    if kind not in formats:
        raise ImportFileError(f"unsupported file type {Path(name).suffix or name!r}; use "
                              f"{_names(formats)}", field="file")
    with path.open("rb") as handle:
        head = handle.read(64)
    looks = _looks_like(head)
    if kind != "shp" and looks != kind and not (kind == "csv" and looks == "text"):
        raise ImportFileError(f"{name} is not a {kind} file (its content looks like {looks})",
                              field="file")
    return kind


def _looks_like(head: bytes) -> str:
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"PK\x03\x04"):
        return "shapefile"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith((b"{", b"[")):
        return "geojson"
    if not head or b"\x00" in head:
        return "binary data" if head else "an empty file"
    return "text"


def check_size(path: Path, max_bytes: int) -> None:
    size = path.stat().st_size
    if size > max_bytes:
        raise ImportFileError(f"the file has {size:,} bytes, more than the {max_bytes:,} an "
                              "import takes", field="file")


def epsg_of(crs: Any, source: str) -> int:
    """EPSG code of a file's CRS (name, WKT or PROJ string); only the accepted ones."""
    if crs is None or crs == "":
        raise ImportFileError(f"{source} declares no CRS (for a Shapefile: the .prj is missing)",
                              field="crs")
    try:
        # the horizontal part: heights are dropped on import (EPSG:4979 → 4326, 25832+5783 → 25832)
        flat = CRS.from_user_input(crs).to_2d()
        code = geo.WGS84 if flat.to_authority(min_confidence=70) == ("OGC", "CRS84") else \
            flat.to_epsg(min_confidence=70)
    except CRSError as exc:
        raise ImportFileError(f"{source} has an unreadable CRS: {exc}", field="crs") from exc
    if code not in geo.SUPPORTED_EPSG:
        accepted = ", ".join(f"EPSG:{c}" for c in geo.SUPPORTED_EPSG)
        raise ImportFileError(f"unsupported CRS {('EPSG:' + str(code)) if code else crs!r} in "
                              f"{source}; accepted: {accepted}", field="crs")
    return code


def to_wgs84(records: list[Record], epsg: int) -> list[tuple[float, float] | None]:
    """Every record's point in WGS84 lon/lat (one vectorised transformation), None without one."""
    located = [r for r in records if r.x is not None]
    xs = np.array([r.x for r in located], dtype=float)
    ys = np.array([r.y for r in located], dtype=float)
    if epsg != geo.WGS84 and len(located):
        xs, ys = geo.transformer(epsg, geo.WGS84).transform(xs, ys)
    points = iter(zip(xs.tolist(), ys.tolist(), strict=True))
    return [next(points) if r.x is not None else None for r in records]


def in_range(point: tuple[float, float] | None) -> TypeGuard[tuple[float, float]]:
    """A transformed point that is a real place on earth (not the infinity of a bad CRS)."""
    return point is not None and all(math.isfinite(v) for v in point) and (
        -180 <= point[0] <= 180 and -90 <= point[1] <= 90)


# --- text that cannot be stored ---------------------------------------------------------------

def _why_unstorable(text: str) -> str:
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which PostgreSQL text cannot hold"
    return "contains an unpaired surrogate (\\ud800–\\udfff), which is not text"


def _unstorable_text(props: dict[str, Any], fid: Any = None) -> tuple[str, str] | None:
    """The first property name or text value (or Feature id) that cannot be stored, and why."""
    for key, value in props.items():
        if _UNSTORABLE.search(key):
            return "properties", f"a property name {_why_unstorable(key)}"
        if type(value) is str and _UNSTORABLE.search(value):
            return key, _why_unstorable(value)
    if type(fid) is str and _UNSTORABLE.search(fid):
        return "id", f"the Feature id {_why_unstorable(fid)}"
    return None


def _mark_unstorable(records: list[Record], columns: set[str]) -> list[str]:
    """Marks the records with text that cannot be stored; the column names that can."""
    for record in records:
        if record.text_problem is None:
            record.text_problem = _unstorable_text(record.props, record.fid)
    return sorted(name for name in columns if not _UNSTORABLE.search(name))


# --- GeoJSON ------------------------------------------------------------------------------

def _point_xy(geom: shapely.Geometry | None) -> tuple[float | None, float | None, str | None]:
    if geom is None or geom.is_empty:
        return None, None, "no geometry"
    if geom.geom_type == "MultiPoint" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type != "Point":
        return None, None, f"geometry must be a Point, got {geom.geom_type}"
    if not (math.isfinite(geom.x) and math.isfinite(geom.y)):
        return None, None, "coordinates must be finite numbers"
    return geom.x, geom.y, None


def read_geojson(path: Path) -> tuple[int, list[Record], list[str]]:
    data = path.read_bytes()
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"GeoJSON must be UTF-8: {exc}", field="file") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"broken or truncated GeoJSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}", field="file") from exc
    except ValueError as exc:  # a number of more than 4,300 digits (Python's int limit)
        raise ImportFileError(f"unreadable GeoJSON: {exc}", field="file") from exc
    except RecursionError as exc:  # a Feature nests 4 levels; json gives up near 1,000
        raise ImportFileError("the GeoJSON is nested too deeply (hundreds of levels of arrays "
                              "or objects)", field="file") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise ImportFileError("GeoJSON must be a FeatureCollection with a features array",
                              field="file")
    epsg = epsg_of(geo_crs_name(doc.get("crs")), "the GeoJSON crs member") if doc.get(
        "crs") else geo.WGS84
    records = []
    for number, feature in enumerate(doc["features"], start=1):
        records.append(_geojson_record(number, feature))
    columns = {key for record in records for key in record.props}
    if _UNSTORABLE_ESCAPE.search(data):  # one scan of the bytes spares the rows a look each
        return epsg, records, _mark_unstorable(records, columns)
    return epsg, records, sorted(columns)


def geo_crs_name(member: Any) -> str:
    if isinstance(member, dict) and member.get("type") == "name":
        name = (member.get("properties") or {}).get("name")
        if isinstance(name, str):
            return name
    raise ImportFileError('the "crs" member must look like {"type": "name", "properties": '
                          '{"name": "EPSG:25832"}}', field="crs")


def _geojson_record(number: int, feature: Any) -> Record:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Record(number, {}, None, None, "not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        return Record(number, {}, None, None, "properties must be an object")
    fid = feature.get("id")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return Record(number, props, None, None, "no geometry", fid)
    coords = geometry.get("coordinates")
    # a third value (height) is allowed and dropped: GPS devices write it
    if geometry.get("type") == "Point" and type(coords) is list and len(coords) in (2, 3) \
            and type(coords[0]) in _NUMBER and type(coords[1]) in _NUMBER:
        x, y = float(coords[0]), float(coords[1])
        if math.isfinite(x) and math.isfinite(y):
            return Record(number, props, x, y, None, fid)
        return Record(number, props, None, None, "coordinates must be finite numbers", fid)
    if geometry.get("type") != "Point":
        return Record(number, props, None, None,
                      f"geometry must be a Point, got {geometry.get('type')!r}", fid)
    return Record(number, props, None, None, "a Point needs coordinates [x, y]", fid)


# --- CSV ----------------------------------------------------------------------------------

def decode(data: bytes) -> tuple[str, str | None]:
    """Text of a spreadsheet export: UTF-8 (with or without BOM), else Windows-1252 (with a
    warning)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8", errors="strict"), None
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"the file starts as UTF-8 but is not: {exc}",
                                  field="file") from exc
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "read as Windows-1252 (not valid UTF-8)"


def coordinate_columns(header: list[str]) -> tuple[str | None, str | None, str | None]:
    """The lon, lat and WKT columns of a (lower-case) header; ImportFileError without them."""
    lon_col = next((n for n in LON_NAMES if n in header), None)
    lat_col = next((n for n in LAT_NAMES if n in header), None)
    wkt_col = next((n for n in WKT_NAMES if n in header), None)
    if not (lon_col and lat_col) and not wkt_col:
        raise ImportFileError("the CSV needs lon and lat columns (or x and y) or a wkt column",
                              field="columns")
    return lon_col, lat_col, wkt_col


def read_csv(path: Path, crs: str | None) -> tuple[int, list[Record], list[str], list[str]]:
    text, note = decode(path.read_bytes())
    warnings = [note] if note else []
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = _csv_header(next(reader))
        lon_col, lat_col, wkt_col = coordinate_columns(header)
        epsg = geo.parse_crs(crs) if crs else geo.WGS84
        records = _csv_records(reader, header, lon_col, lat_col, wkt_col,
                               long_cells=len(text) > MAX_CSV_FIELD)
    except StopIteration as exc:
        raise ImportFileError("the CSV file is empty", field="file") from exc
    except csv.Error as exc:
        raise ImportFileError(f"broken CSV at line {reader.line_num}: {exc}",
                              field="file") from exc
    file_epsgs = {r.props.pop("__epsg__") for r in records if "__epsg__" in r.props}
    if len(file_epsgs) > 1:
        raise ImportFileError(f"the wkt column mixes SRIDs {sorted(file_epsgs)}", field="wkt")
    if file_epsgs:
        epsg = epsg_of(f"EPSG:{file_epsgs.pop()}", "the wkt column's SRID")
    if "\x00" in text:
        _mark_unstorable(records, set())
    return epsg, records, header, warnings


def _csv_header(names: list[str]) -> list[str]:
    for number, name in enumerate(names, start=1):
        if "\x00" in name or len(name) > MAX_CSV_FIELD:
            raise ImportFileError(f"the name of column {number} is not a column name (NUL "
                                  "characters or over-long; a binary file?)", field="columns")
    return [name.strip().lower() for name in names]


def _csv_records(reader: Any, header: list[str], lon_col: str | None, lat_col: str | None,
                 wkt_col: str | None, long_cells: bool) -> list[Record]:
    """The rows as records; ``long_cells``: a cell may be over MAX_CSV_FIELD (a longer file)."""
    records: list[Record] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            records.append(Record(line, {}, None, None,
                                  f"has {len(values)} fields, the header has {len(header)}"))
            continue
        if long_cells and max(map(len, values)) > MAX_CSV_FIELD:
            records.append(_long_cell(line, header, values))
            continue
        record = dict(zip(header, values, strict=True))
        records.append(_csv_record(line, record, lon_col, lat_col, wkt_col))
    return records


def _long_cell(line: int, header: list[str], values: list[str]) -> Record:
    """A row with an over-long cell: its props are left out (the reason names the column)."""
    column = next(name for name, value in zip(header, values, strict=True)
                  if len(value) > MAX_CSV_FIELD)
    return Record(line, {}, None, None, text_problem=(
        column, f"the cell has more than {MAX_CSV_FIELD:,} characters, the most an import takes"))


def number(value: str) -> float | None:
    """A spreadsheet number (``85,5`` or ``85.5``), None if it is none."""
    value = value.strip()
    if DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def _csv_record(line: int, record: dict[str, Any], lon_col: str | None, lat_col: str | None,
                wkt_col: str | None) -> Record:
    if lon_col and lat_col and (record[lon_col].strip() or record[lat_col].strip()):
        x, y = number(record[lon_col]), number(record[lat_col])
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            return Record(line, record, None, None, f"{lon_col}/{lat_col} must be numbers")
        return Record(line, record, x, y)
    if wkt_col and record[wkt_col].strip():
        wkt = record[wkt_col]
        match = _EWKT.match(wkt)
        if match:
            record["__epsg__"] = int(match.group(1))
            wkt = match.group(2)
        try:
            geom = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException as exc:
            return Record(line, record, None, None, f"unreadable WKT: {exc}")
        x, y, problem = _point_xy(geom)
        return Record(line, record, x, y, problem)
    return Record(line, record, None, None, "no coordinates")


# --- GeoPackage and Shapefile (pyogrio) ---------------------------------------------------

def _read_ogr(path: Path, kind: str, layer: str | None, max_bytes: int,
              long_names: Iterable[str]) -> tuple[int, list[str], Any, list[Any]]:
    """The layer's EPSG code, field names, WKB geometries and field columns."""
    if kind != "shapefile":
        return _read_layer(str(path), kind, layer, long_names)
    from app.geofile import archive  # imports ImportFileError from here

    with tempfile.TemporaryDirectory(prefix="leerstand-zip-") as folder:
        shp = archive.extract_shapefile(path, Path(folder), max_bytes)
        return _read_layer(str(shp), kind, layer, long_names)


def _read_layer(source: str, kind: str, layer: str | None,
                long_names: Iterable[str]) -> tuple[int, list[str], Any, list[Any]]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        layers = pyogrio.list_layers(source)
        if len(layers) == 0:
            raise ImportFileError("the file holds no layer", field="file")
        wanted = layer if layer in {str(name) for name, _ in layers} else None
        meta, _, wkb, field_data = pyogrio.raw.read(source, layer=wanted)
    except (DataSourceError, DataLayerError, RuntimeError) as exc:
        raise ImportFileError(f"broken or truncated {kind} file: {exc}", field="file") from exc
    except UnicodeDecodeError as exc:  # a .dbf whose text is not in its .cpg's encoding
        raise ImportFileError(f"the {kind} file's text is not valid in its encoding: {exc}",
                              field="file") from exc
    if wkb is None:
        raise ImportFileError(f"the {kind} layer has no geometry column", field="geometry")
    epsg = epsg_of(meta.get("crs"), f"the {kind} file")
    names = [str(name).lower() for name in meta["fields"]]
    if kind in ("shapefile", "shp"):  # dBase field names are cut to 10 characters
        full = {name[:10]: name for name in long_names if len(name) > 10}
        names = [full.get(name, name) for name in names]
    return epsg, names, wkb, field_data


def _plain(value: Any) -> Any:
    """numpy scalars from pyogrio as plain Python values (NaN/NaT as missing)."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


def _props(names: list[str], field_data: list[Any], i: int) -> dict[str, Any]:
    return {name: _plain(column[i]) for name, column in zip(names, field_data, strict=True)}


# --- the entry points -----------------------------------------------------------------------

def _check_rows(count: int, max_rows: int | None) -> None:
    if max_rows is not None and count > max_rows:
        raise ImportFileError(f"the file has {count:,} rows, more than the {max_rows:,} this "
                              "import takes", field="file")


def read_points(
    path: Path, *, filename: str | None = None, crs: str | None = None,
    formats: Iterable[str] = POINT_FORMATS, layer: str | None = None,
    long_names: Iterable[str] = (), max_bytes: int = MAX_FILE_BYTES, max_rows: int | None = None,
) -> PointSource:
    """A file of points, not yet checked. ``crs`` is the CRS of a CSV's coordinate columns (for
    other formats it must agree with the file's); ``layer`` the preferred layer of a
    GeoPackage; ``long_names`` the field names a Shapefile may have cut to 10 characters."""
    kind = detect_format(path, filename, formats)
    check_size(path, max_bytes)
    warnings: list[str] = []
    if kind == "geojson":
        epsg, records, columns = read_geojson(path)
    elif kind == "csv":
        epsg, records, columns, warnings = read_csv(path, crs)
    else:
        epsg, columns, wkb, field_data = _read_ogr(path, kind, layer, max_bytes, long_names)
        records = []
        for i, geom in enumerate(shapely.from_wkb(wkb, on_invalid="ignore")):
            x, y, problem = _point_xy(geom)
            records.append(Record(i + 1, _props(columns, field_data, i), x, y, problem))
    if crs and kind != "csv" and geo.parse_crs(crs) != epsg:
        raise ImportFileError(f"the crs option ({crs}) contradicts the file's CRS (EPSG:{epsg})",
                              field="crs")
    _check_rows(len(records), max_rows)
    return PointSource(kind, epsg, columns, records, warnings)


def read_shapes(
    path: Path, *, filename: str | None = None, formats: Iterable[str] = SHAPE_FORMATS,
    max_bytes: int = MAX_FILE_BYTES, max_rows: int | None = None,
) -> ShapeSource:
    """A file of any geometries (boundaries), all formats through pyogrio; heights dropped."""
    kind = detect_format(path, filename, formats)
    check_size(path, max_bytes)
    epsg, columns, wkb, field_data = _read_ogr(path, kind, None, max_bytes, ())
    geoms = shapely.force_2d(shapely.from_wkb(wkb, on_invalid="ignore"))
    shapes = [Shape(i + 1, _props(columns, field_data, i), geom) for i, geom in enumerate(geoms)]
    _check_rows(len(shapes), max_rows)
    return ShapeSource(kind, epsg, columns, shapes)
