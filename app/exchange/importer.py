"""Reading and validating vacancy files: GeoJSON, CSV, GeoPackage, zipped Shapefile. No database.

``read`` turns a file into records; a ``Checker`` turns records, chunk by chunk, into ``Row``
(row number, validated properties, a WGS84 point) plus what is wrong, per row (row, field,
reason). Problems of the whole file raise ``ImportFileError`` (reported as row 0). Rows are
numbered from 1 in file order; for CSV the number is the line in the file (header = line 1),
which is the row number a spreadsheet shows.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pydantic import ConfigDict, TypeAdapter, ValidationError
from pyproj import CRS
from pyproj.exceptions import CRSError

from app import geo
from app.errors import InvalidInput
from app.vacancies.lifecycle import VacancyStatus
from app.vacancies.schemas import VacancyFields

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg",
           ".zip": "shapefile"}
IMPORTABLE = tuple(name for name in VacancyFields.model_fields if name != "footprint")
# columns an export writes that an import ignores (so exported files import unchanged)
EXPORT_ONLY = {"id", "fid", "municipality", "municipality_name", "stale", "created_at",
               "updated_at", "version", "lon", "lat", "wkt", "x", "y", "geometry", "geom",
               "score_interim", "score_permanent", "score_recommendation", "score_profile_version",
               "scores"}
LON_NAMES, LAT_NAMES = ("lon", "lng", "longitude", "x"), ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom")
NOT_IMPORTABLE_STATUSES = {VacancyStatus.reported.value}  # reserved for citizen reports
_TRUE = {"true", "t", "yes", "y", "1", "ja", "j", "wahr", "x"}
_FALSE = {"false", "f", "no", "n", "0", "nein", "falsch"}
_GERMAN_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d+$")
_EWKT = re.compile(r"^\s*SRID=(\d+);(.*)$", re.IGNORECASE | re.DOTALL)
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@])")
_NUMBER = (int, float)  # exact types: JSON true/false are bools, not coordinates
_IMPORTABLE = frozenset(IMPORTABLE)
# names already in canonical form need no renaming (the common case: our own exports)
_KNOWN_KEYS = _IMPORTABLE | EXPORT_ONLY | {"external_id"}
SHAPEFILE_NAMES = {name[:10]: name for name in (*IMPORTABLE, "external_id", "municipality",
                                                 "municipality_name") if len(name) > 10}


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (wrong type, truncated, unknown CRS, no geometry)."""

    code = "import_file_invalid"


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "reason": self.reason}


@dataclass
class Row:
    row: int
    values: dict[str, Any]  # validated, only the columns present in the file
    lon: float
    lat: float
    external_id: str | None


@dataclass
class Source:
    """A file read but not yet validated: its records in file order."""

    format: str
    epsg: int
    columns: list[str]  # the importable columns present in the file
    raws: list[_Raw]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Raw:
    """One record before validation: raw properties and coordinates in the file's CRS."""

    row: int
    props: dict[str, Any]
    x: float | None
    y: float | None
    geometry_problem: str | None = None


# --- file type and CRS --------------------------------------------------------------------

def detect_format(path: Path, filename: str | None = None) -> str:
    name = filename or path.name
    kind = FORMATS.get(Path(name).suffix.lower())
    if kind is None:
        raise ImportFileError(f"unsupported file type {Path(name).suffix or name!r}; use .geojson, "
                              ".csv, .gpkg or a .zip with a Shapefile", field="file")
    with path.open("rb") as handle:
        head = handle.read(64)
    looks = _looks_like(head)
    if looks != kind and not (kind == "csv" and looks == "text"):
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


def epsg_of(crs: Any, source: str) -> int:
    """EPSG code of a file's CRS (name, WKT or PROJ string); only the accepted ones."""
    if crs is None or crs == "":
        raise ImportFileError(f"{source} declares no CRS (for a Shapefile: the .prj is missing)",
                              field="crs")
    try:
        code = CRS.from_user_input(crs).to_epsg(min_confidence=70)
    except CRSError as exc:
        raise ImportFileError(f"{source} has an unreadable CRS: {exc}", field="crs") from exc
    if code not in geo.SUPPORTED_EPSG:
        accepted = ", ".join(f"EPSG:{c}" for c in geo.SUPPORTED_EPSG)
        raise ImportFileError(f"unsupported CRS {('EPSG:' + str(code)) if code else crs!r} in "
                              f"{source}; accepted: {accepted}", field="crs")
    return code


# --- readers --------------------------------------------------------------------------------

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


def read_geojson(path: Path) -> tuple[int, list[_Raw], list[str]]:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"GeoJSON must be UTF-8: {exc}", field="file") from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"broken or truncated GeoJSON: {exc.msg} at line {exc.lineno}, "
                              f"column {exc.colno}", field="file") from exc
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(
            doc.get("features"), list):
        raise ImportFileError("GeoJSON must be a FeatureCollection with a features array",
                              field="file")
    epsg = epsg_of(geo_crs_name(doc.get("crs")), "the GeoJSON crs member") if doc.get(
        "crs") else geo.WGS84
    raws = []
    for number, feature in enumerate(doc["features"], start=1):
        raws.append(_geojson_raw(number, feature))
    columns = sorted({key for raw in raws for key in raw.props})
    return epsg, raws, columns


def geo_crs_name(member: Any) -> str:
    if isinstance(member, dict) and member.get("type") == "name":
        name = (member.get("properties") or {}).get("name")
        if isinstance(name, str):
            return name
    raise ImportFileError('the "crs" member must look like {"type": "name", "properties": '
                          '{"name": "EPSG:25832"}}', field="crs")


def _geojson_raw(number: int, feature: Any) -> _Raw:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return _Raw(number, {}, None, None, "not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        return _Raw(number, {}, None, None, "properties must be an object")
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict):
        return _Raw(number, props, None, None, "no geometry")
    coords = geometry.get("coordinates")
    if geometry.get("type") == "Point" and type(coords) is list and len(coords) in (2, 3) \
            and type(coords[0]) in _NUMBER and type(coords[1]) in _NUMBER:
        x, y = float(coords[0]), float(coords[1])
        if math.isfinite(x) and math.isfinite(y):
            return _Raw(number, props, x, y)
        return _Raw(number, props, None, None, "coordinates must be finite numbers")
    if geometry.get("type") != "Point":
        return _Raw(number, props, None, None,
                    f"geometry must be a Point, got {geometry.get('type')!r}")
    return _Raw(number, props, None, None, "a Point needs coordinates [x, y]")


def _decode(data: bytes) -> tuple[str, str | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "read as Windows-1252 (not valid UTF-8)"


def read_csv(path: Path, crs: str | None) -> tuple[int, list[_Raw], list[str], list[str]]:
    text, note = _decode(path.read_bytes())
    warnings = [note] if note else []
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration as exc:
        raise ImportFileError("the CSV file is empty", field="file") from exc
    lon_col = next((n for n in LON_NAMES if n in header), None)
    lat_col = next((n for n in LAT_NAMES if n in header), None)
    wkt_col = next((n for n in WKT_NAMES if n in header), None)
    if not (lon_col and lat_col) and not wkt_col:
        raise ImportFileError("the CSV needs lon and lat columns (or x and y) or a wkt column",
                              field="columns")
    epsg = geo.parse_crs(crs) if crs else geo.WGS84
    raws: list[_Raw] = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raws.append(_Raw(line, {}, None, None,
                             f"has {len(values)} fields, the header has {len(header)}"))
            continue
        record = dict(zip(header, values, strict=True))
        raws.append(_csv_raw(line, record, lon_col, lat_col, wkt_col, epsg))
    file_epsgs = {raw.props.pop("__epsg__") for raw in raws if "__epsg__" in raw.props}
    if len(file_epsgs) > 1:
        raise ImportFileError(f"the wkt column mixes SRIDs {sorted(file_epsgs)}", field="wkt")
    if file_epsgs:
        epsg = epsg_of(f"EPSG:{file_epsgs.pop()}", "the wkt column's SRID")
    return epsg, raws, header, warnings


def _number(value: str) -> float | None:
    value = value.strip()
    if _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        return float(value)
    except ValueError:
        return None


def _csv_raw(line: int, record: dict[str, str], lon_col: str | None, lat_col: str | None,
             wkt_col: str | None, epsg: int) -> _Raw:
    if lon_col and lat_col and (record[lon_col].strip() or record[lat_col].strip()):
        x, y = _number(record[lon_col]), _number(record[lat_col])
        if x is None or y is None or not (math.isfinite(x) and math.isfinite(y)):
            return _Raw(line, record, None, None, f"{lon_col}/{lat_col} must be numbers")
        return _Raw(line, record, x, y)
    if wkt_col and record[wkt_col].strip():
        wkt = record[wkt_col]
        match = _EWKT.match(wkt)
        if match:
            record["__epsg__"] = int(match.group(1))
            wkt = match.group(2)
        try:
            geom = shapely.from_wkt(wkt)
        except shapely.errors.GEOSException as exc:
            return _Raw(line, record, None, None, f"unreadable WKT: {exc}")
        x, y, problem = _point_xy(geom)
        return _Raw(line, record, x, y, problem)
    return _Raw(line, record, None, None, "no coordinates")


def read_ogr(path: Path, kind: str) -> tuple[int, list[_Raw], list[str]]:
    """GeoPackage or zipped Shapefile through pyogrio's bundled GDAL."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    source = str(path)
    if kind == "shapefile":
        _check_zip(path)
        source = f"/vsizip/{path}"
    try:
        layers = pyogrio.list_layers(source)
        if len(layers) == 0:
            raise ImportFileError("the file holds no layer", field="file")
        layer = "vacancies" if "vacancies" in {str(name) for name, _ in layers} else None
        meta, _, wkb, field_data = pyogrio.raw.read(source, layer=layer)
    except (DataSourceError, DataLayerError, RuntimeError) as exc:
        raise ImportFileError(f"broken or truncated {kind} file: {exc}", field="file") from exc
    if wkb is None:
        raise ImportFileError(f"the {kind} layer has no geometry column", field="geometry")
    epsg = epsg_of(meta.get("crs"), f"the {kind} file")
    names = [str(name).lower() for name in meta["fields"]]
    if kind == "shapefile":  # dBase field names are cut to 10 characters
        names = [SHAPEFILE_NAMES.get(name, name) for name in names]
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")
    raws = []
    for i, geom in enumerate(geoms):
        props = {name: _plain(column[i]) for name, column in zip(names, field_data, strict=True)}
        x, y, problem = _point_xy(geom)
        raws.append(_Raw(i + 1, props, x, y, problem))
    return epsg, raws, names


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            bad = archive.testzip()
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ImportFileError(f"broken or truncated zip file: {exc}", field="file") from exc
    if bad is not None:
        raise ImportFileError(f"the zip entry {bad} is corrupt", field="file")
    shps = [m for m in members if m.lower().endswith(".shp")]
    if len(shps) != 1:
        raise ImportFileError(f"the zip must hold exactly one .shp file, found {len(shps)}",
                              field="file")
    stem = shps[0][:-4].lower()
    missing = [ext for ext in (".shx", ".dbf") if f"{stem}{ext}" not in {m.lower() for m in members}]
    if missing:
        raise ImportFileError(f"the Shapefile is incomplete: missing {', '.join(missing)}",
                              field="file")


def _plain(value: Any) -> Any:
    """numpy scalars from pyogrio as plain Python values (NaN/NaT as missing)."""
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else str(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    return value


# --- validation -----------------------------------------------------------------------------

class ImportFields(VacancyFields):
    """The register's own field rules; enum values as plain strings, ready for COPY."""

    model_config = ConfigDict(**VacancyFields.model_config, use_enum_values=True)


def _kinds(word: str) -> frozenset[str]:
    return frozenset(name for name, info in VacancyFields.model_fields.items()
                     if word in str(info.annotation))


BOOL_FIELDS, FLOAT_FIELDS, DATE_FIELDS = _kinds("bool"), _kinds("float"), _kinds("date")


def _clean(name: str, value: Any) -> Any:
    """Spreadsheet habits → JSON values: empty cells, German booleans, dates and decimals."""
    if not isinstance(value, str):
        return value
    return _CLEANERS.get(name, _clean_text)(value)


def _clean_text(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    return _FORMULA_GUARD.sub("", value) if value[0] == "'" else value


def _clean_bool(value: str) -> bool | str | None:
    lowered = value.strip().lower()
    if lowered == "":
        return None
    return lowered in _TRUE if lowered in _TRUE or lowered in _FALSE else value.strip()


def _clean_float(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    return value.replace(",", ".") if _DECIMAL_COMMA.match(value) else value


def _clean_date(value: str) -> str | None:
    value = value.strip()
    if value == "":
        return None
    match = _GERMAN_DATE.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return value
    return value


_CLEANERS = {**dict.fromkeys(BOOL_FIELDS, _clean_bool), **dict.fromkeys(FLOAT_FIELDS, _clean_float),
             **dict.fromkeys(DATE_FIELDS, _clean_date)}


@dataclass
class _Prepared:
    values: dict[str, Any]
    external_id: str | None
    problems: list[Problem]


def _canonical(props: dict[str, Any]) -> dict[str, Any]:
    """Column names as the register spells them (trimmed, lower case)."""
    if _KNOWN_KEYS.issuperset(props):
        return props
    return {str(k).strip().lower(): v for k, v in props.items()}


def _external_id(value: Any) -> str | None:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn "17" into 17.0
    return None if value in (None, "") else _FORMULA_GUARD.sub("", str(value).strip())


def external_ids(raws: list[_Raw]) -> list[str]:
    """The external ids of a file's records, normalised as the checks do (to look them up
    before the rows are checked)."""
    found = (_external_id(_canonical(raw.props).get("external_id")) for raw in raws)
    return [value for value in found if value is not None]


def _prepare(raw: _Raw, expected_ags: str) -> _Prepared:
    """Column names and spreadsheet values normalised; the checks that need no model."""
    problems = []
    props = _canonical(raw.props)
    ags = props.get("municipality")
    if ags not in (None, "") and str(ags).strip() != expected_ags:
        problems.append(Problem(raw.row, "municipality",
                                f"belongs to AGS {ags}, this import is for {expected_ags}"))
    values = {name: _clean(name, value) for name, value in props.items() if name in _IMPORTABLE}
    external_id = _external_id(props.get("external_id"))
    if external_id is not None and len(external_id) > 100:
        problems.append(Problem(raw.row, "external_id", "longer than 100 characters"))
    return _Prepared(values, external_id, problems)


def _validate_props(raw: _Raw, prepared: _Prepared,
                    model: ImportFields | None = None) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The register's field rules for one row; ``model`` when the batch already validated it."""
    problems = prepared.problems
    if model is None:
        try:
            model = ImportFields.model_validate(prepared.values)
        except ValidationError as exc:
            for error in exc.errors():
                name = ".".join(str(p) for p in error["loc"]) or "properties"
                problems.append(Problem(raw.row, name, error["msg"]))
            return None, problems
    fields = model.__dict__
    checked = {name: fields[name] for name in prepared.values}
    if checked.get("status") in NOT_IMPORTABLE_STATUSES:
        problems.append(Problem(raw.row, "status", "'reported' is reserved for citizen reports"))
    if "status" in checked and checked["status"] is None:
        problems.append(Problem(raw.row, "status", "status cannot be empty"))
    if "owner_interim_willing" in checked and checked["owner_interim_willing"] is None:
        checked["owner_interim_willing"] = "unknown"
    checked["external_id"] = prepared.external_id
    return (None if problems else checked), problems


_BATCH = TypeAdapter(list[ImportFields])


def _validate_batch(prepared: list[_Prepared]) -> list[ImportFields] | None:
    """All rows through the field rules in ONE call into pydantic-core (the per-call overhead
    of 100,000 separate calls was a third of the validation time). None if any row fails: then
    each row is validated alone, so that every problem is reported with its own row."""
    try:
        return _BATCH.validate_python([p.values for p in prepared])
    except ValidationError:
        return None


def _to_wgs84(raws: list[_Raw], epsg: int) -> list[tuple[float, float] | None]:
    located = [raw for raw in raws if raw.x is not None]
    xs = np.array([raw.x for raw in located], dtype=float)
    ys = np.array([raw.y for raw in located], dtype=float)
    if epsg != geo.WGS84 and len(located):
        xs, ys = geo._transformer(epsg, geo.WGS84).transform(xs, ys)
    points = iter(zip(xs.tolist(), ys.tolist(), strict=True))
    return [next(points) if raw.x is not None else None for raw in raws]


class Checker:
    """Checks a file's records chunk by chunk (so that writing can begin before the last row is
    read); an external id may appear only once in the whole file."""

    def __init__(self, epsg: int, expected_ags: str) -> None:
        self.epsg, self.expected_ags = epsg, expected_ags
        self.seen: dict[str, int] = {}

    def check(self, raws: list[_Raw]) -> tuple[list[Row], list[Problem]]:
        """Rows that pass every check that needs no database, and the problems of the others."""
        problems: list[Problem] = []
        rows: list[Row] = []
        seen, epsg = self.seen, self.epsg
        prepared = [_prepare(raw, self.expected_ags) for raw in raws]
        models = _validate_batch(prepared)
        for i, (raw, point) in enumerate(zip(raws, _to_wgs84(raws, epsg), strict=True)):
            row_problems = []
            if raw.geometry_problem:
                row_problems.append(Problem(raw.row, "geometry", raw.geometry_problem))
            elif point is None or not all(math.isfinite(v) for v in point) or not (
                    -180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                row_problems.append(Problem(raw.row, "geometry",
                                            f"coordinates [{raw.x}, {raw.y}] are out of range "
                                            f"for EPSG:{epsg}"))
            values, prop_problems = _validate_props(raw, prepared[i],
                                                    models[i] if models else None)
            row_problems += prop_problems
            external_id = values.get("external_id") if values else None
            if external_id is not None:
                if external_id in seen:
                    row_problems.append(Problem(raw.row, "external_id", f"{external_id!r} "
                                                f"already used in row {seen[external_id]}"))
                else:
                    seen[external_id] = raw.row
            if row_problems:
                problems += row_problems
                continue
            values.pop("external_id")
            rows.append(Row(raw.row, values, point[0], point[1], external_id))
        return rows, problems


def read(path: Path, *, filename: str | None = None, crs: str | None = None) -> Source:
    """Read a file's records (not yet checked); file-level problems raise ImportFileError."""
    kind = detect_format(path, filename)
    warnings: list[str] = []
    if kind == "geojson":
        epsg, raws, columns = read_geojson(path)
    elif kind == "csv":
        epsg, raws, columns, warnings = read_csv(path, crs)
    else:
        epsg, raws, columns = read_ogr(path, kind)
    if crs and kind != "csv" and geo.parse_crs(crs) != epsg:
        raise ImportFileError(f"the crs option ({crs}) contradicts the file's CRS (EPSG:{epsg})",
                              field="crs")
    ignored = sorted(set(columns) - set(IMPORTABLE) - EXPORT_ONLY - {"external_id"}
                     - set(LON_NAMES) - set(LAT_NAMES) - set(WKT_NAMES))
    if ignored:
        warnings.append(f"ignored columns: {', '.join(ignored)}")
    if "external_id" not in columns:
        warnings.append("no external_id column: importing this file again creates duplicates")
    present = [name for name in IMPORTABLE if name in columns]
    return Source(kind, epsg, present, raws, warnings)
