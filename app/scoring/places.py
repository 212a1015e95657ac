"""Context layers for the scoring: import reference points (stations, shops, museums …).

GeoJSON (Point features) or CSV (lon/lat columns). Every row is checked; the report names each
bad row with its number and the reason. Nothing is written unless every row is valid, or the
caller asked to skip invalid rows. A re-import of the same source and category replaces the
earlier one, so loading the defaults twice does not double them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.config import PROJECT_DIR
from app.errors import DomainError, InvalidInput
from app.scoring import service
from app.scoring.categories import PLACE_CATEGORIES

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 200_000
MAX_NAME = 200
LON_FIELDS, LAT_FIELDS = ("lon", "lng", "longitude", "x"), ("lat", "latitude", "y")
NAME_FIELDS, ID_FIELDS = ("name", "Name", "NAME", "bezeichnung"), ("id", "@id", "eva_nr", "ID")


@dataclass(frozen=True)
class Layer:
    path: Path
    category: str
    attribution: str
    where: tuple[str, str] | None = None


GEODATA = PROJECT_DIR / "geodata"
DEFAULT_LAYERS = (
    Layer(GEODATA / "th_bahnhoefe_db_2020.geojson", "station",
          "Deutsche Bahn AG – Haltestellendaten (CC BY 4.0), Daten verändert"),
    Layer(GEODATA / "jena_tram_osm_2014.geojson", "tram_stop",
          "© OpenStreetMap contributors, ODbL 1.0", where=("railway", "tram_stop")),
)


@dataclass
class RowError:
    row: int
    reason: str


@dataclass
class ImportReport:
    source: str
    category: str
    read: int = 0
    filtered: int = 0
    imported: int = 0
    replaced: int = 0
    errors: list[RowError] = field(default_factory=list)
    rejected: bool = False  # nothing written because of errors (no --skip-invalid)

    def lines(self) -> list[str]:
        out = [f"{self.source} ({self.category}): {self.read} rows read, {self.filtered} "
               f"filtered out, {len(self.errors)} invalid"]
        out += [f"  row {e.row}: {e.reason}" for e in self.errors]
        if self.rejected:
            out.append("  nothing imported: fix the rows above or pass --skip-invalid")
        else:
            out.append(f"  {self.imported} imported ({self.replaced} earlier places of this "
                       "source and category replaced)")
        return out


@dataclass
class Candidate:
    row: int
    name: str | None
    external_id: str | None
    lon: float
    lat: float


def _check_category(category: str) -> None:
    if category not in PLACE_CATEGORIES:
        raise InvalidInput(f"unknown category {category!r}; allowed: {', '.join(PLACE_CATEGORIES)}",
                           field="category")


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput(f"{path.name}: {size} bytes, more than {MAX_FILE_BYTES}", field="file")
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{path.name}: cannot read as UTF-8 text: {exc}", field="file") from exc


def _clean_name(value: Any, row: int, errors: list[RowError]) -> tuple[bool, str | None]:
    if value is None or value == "":
        return True, None
    if not isinstance(value, str):
        errors.append(RowError(row, f"name must be text, got {type(value).__name__}"))
        return False, None
    if len(value) > MAX_NAME:
        errors.append(RowError(row, f"name longer than {MAX_NAME} characters"))
        return False, None
    return True, value.strip() or None


def _first(props: dict[str, Any], names: tuple[str, ...]) -> Any:
    return next((props[n] for n in names if props.get(n) not in (None, "")), None)


def _geojson_rows(path: Path, where: tuple[str, str] | None, report: ImportReport,
                  epsg: int | None) -> list[Candidate]:
    try:
        document = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{path.name}: not valid JSON (line {exc.lineno}): {exc.msg}",
                           field="file") from exc
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection" or not \
            isinstance(document.get("features"), list):
        raise InvalidInput(f"{path.name}: expected a GeoJSON FeatureCollection", field="file")
    if epsg is None:
        epsg = geo.crs_from_member(document["crs"]) if "crs" in document else geo.WGS84
    candidates = []
    for number, feature in enumerate(document["features"], start=1):
        report.read += 1
        props = feature.get("properties") if isinstance(feature, dict) else None
        props = props if isinstance(props, dict) else {}
        if where and str(props.get(where[0])) != where[1]:
            report.filtered += 1
            continue
        if not isinstance(feature, dict) or feature.get("type") != "Feature" or not isinstance(
                feature.get("geometry"), dict):
            report.errors.append(RowError(number, "not a GeoJSON Feature with a geometry"))
            continue
        try:
            point = geo.geometry_from_geojson(feature["geometry"], field="geometry", epsg=epsg,
                                              types=("Point",))
        except DomainError as exc:
            report.errors.append(RowError(number, exc.message))
            continue
        ok, name = _clean_name(_first(props, NAME_FIELDS), number, report.errors)
        if ok:
            external = _first(props, ID_FIELDS) or feature.get("id")
            candidates.append(Candidate(number, name, None if external is None else
                                        str(external)[:100], point.x, point.y))
    return candidates


def _csv_rows(path: Path, where: tuple[str, str] | None, report: ImportReport,
              epsg: int | None) -> list[Candidate]:
    reader = csv.DictReader(io.StringIO(_read_text(path), newline=""))
    fields = reader.fieldnames or []
    lon_field = next((f for f in fields if f.strip().lower() in LON_FIELDS), None)
    lat_field = next((f for f in fields if f.strip().lower() in LAT_FIELDS), None)
    if not lon_field or not lat_field:
        raise InvalidInput(f"{path.name}: needs coordinate columns lon/lat (or x/y); found "
                           f"{', '.join(fields) or 'none'}", field="file")
    epsg = epsg or geo.WGS84
    candidates = []
    for props in reader:
        number = reader.line_num  # the file's line, header = line 1
        report.read += 1
        if where and props.get(where[0]) != where[1]:
            report.filtered += 1
            continue
        try:
            x, y = float(props[lon_field]), float(props[lat_field])
        except (TypeError, ValueError):
            report.errors.append(RowError(number, f"{lon_field}/{lat_field} must be numbers, got "
                                                  f"{props.get(lon_field)!r}, {props.get(lat_field)!r}"))
            continue
        if not (math.isfinite(x) and math.isfinite(y)):
            report.errors.append(RowError(number, "coordinates must be finite numbers"))
            continue
        try:
            point = geo.geometry_from_geojson({"type": "Point", "coordinates": [x, y]},
                                              field="geometry", epsg=epsg, types=("Point",))
        except DomainError as exc:
            report.errors.append(RowError(number, exc.message))
            continue
        ok, name = _clean_name(_first(props, NAME_FIELDS), number, report.errors)
        if ok:
            external = _first(props, ID_FIELDS)
            candidates.append(Candidate(number, name, None if external is None else
                                        str(external)[:100], point.x, point.y))
    return candidates


def _outside(session: Session, candidates: list[Candidate]) -> set[int]:
    """Rows whose point lies in no municipality of the register (one query)."""
    if not candidates:
        return set()
    rows = session.execute(text("""
        SELECT t.row FROM unnest(CAST(:rows AS int[]), CAST(:xs AS float8[]),
                                 CAST(:ys AS float8[])) AS t(row, x, y)
        WHERE NOT EXISTS (SELECT 1 FROM municipality m
                          WHERE ST_Covers(m.boundary, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326)))
    """), {"rows": [c.row for c in candidates], "xs": [c.lon for c in candidates],
           "ys": [c.lat for c in candidates]}).scalars()
    return set(rows)


def import_places(
    *, session: Session, path: Path, category: str, skip_invalid: bool = False,
    where: tuple[str, str] | None = None, crs: str | None = None, source: str | None = None,
    attribution: str | None = None, rescore: bool = True,
) -> ImportReport:
    """Check every row, then (all valid, or skip_invalid) replace this source's places of the
    category and rescore the vacancies."""
    _check_category(category)
    epsg = geo.parse_crs(crs) if crs else None
    report = ImportReport(source=source or path.name, category=category)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        candidates = _geojson_rows(path, where, report, epsg)
    elif suffix == ".csv":
        candidates = _csv_rows(path, where, report, epsg)
    else:
        raise InvalidInput(f"{path.name}: unsupported file type; use .geojson, .json or .csv",
                           field="file")
    if report.read > MAX_ROWS:
        raise InvalidInput(f"{path.name}: {report.read} rows, more than {MAX_ROWS}", field="file")
    outside = _outside(session, candidates)
    report.errors += [RowError(r, "outside every municipality in the register") for r in
                      sorted(outside)]
    report.errors.sort(key=lambda e: e.row)
    if report.errors and not skip_invalid:
        report.rejected = True
        return report
    valid = [c for c in candidates if c.row not in outside]
    report.replaced = session.execute(
        text("DELETE FROM place WHERE source = :source AND category = :category"),
        {"source": report.source, "category": category},
    ).rowcount
    if valid:
        session.execute(text("""
            INSERT INTO place (category, name, geom, source, attribution, external_id)
            SELECT :category, t.name, ST_SetSRID(ST_MakePoint(t.x, t.y), 4326), :source,
                   :attribution, t.ext
            FROM unnest(CAST(:names AS text[]), CAST(:xs AS float8[]), CAST(:ys AS float8[]),
                        CAST(:exts AS text[])) AS t(name, x, y, ext)
        """), {"category": category, "source": report.source, "attribution": attribution,
               "names": [c.name for c in valid], "xs": [c.lon for c in valid],
               "ys": [c.lat for c in valid], "exts": [c.external_id for c in valid]})
    report.imported = len(valid)
    if rescore:
        # a new stop or shop can change any vacancy's nearest-stop distance or neighbourhood
        service.rescore_all(session=session)
    return report


def import_defaults(*, session: Session, rescore: bool = True) -> list[ImportReport]:
    """The shipped layers: Thuringian DB stations and Jena's tram stops, with attribution."""
    reports = [
        import_places(session=session, path=layer.path, category=layer.category,
                      where=layer.where, attribution=layer.attribution, rescore=False)
        for layer in DEFAULT_LAYERS
    ]
    if rescore:
        service.rescore_all(session=session)
    return reports
