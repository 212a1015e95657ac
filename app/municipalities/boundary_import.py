"""Import municipality boundaries (GeoJSON, GeoPackage, Shapefile), upsert by AGS.

The file is opened by the shared reader (``app.geofile.reader``, pyogrio for every format) and
every row is checked before anything is written; the result is the common import report
(``app.geofile.report``): a file with a problem, in any row, changes nothing.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import geo
from app.config import PROJECT_DIR
from app.geofile import reader
from app.geofile.report import ImportReport, Problem

DEFAULT_BOUNDARIES = PROJECT_DIR / "geodata" / "th_gemeinden_vg250_2016.geojson"
DEFAULT_REGISTER = PROJECT_DIR / "geodata" / "th_gemeindeverzeichnis_destatis_2020.csv"
AGS_FIELDS = ("ags",)  # field names are read in lower case
NAME_FIELDS = ("name", "gen")
POPULATION_FIELDS = ("population", "einwohner", "ewz", "destatis_einwohner_2019")


@dataclass
class RegisterEntry:
    name: str
    population: int | None
    lon: float
    lat: float


@dataclass(kw_only=True)
class BoundaryReport(ImportReport):
    with_population: int = 0

    def outcome(self) -> list[str]:
        return [*super().outcome(), f"{self.with_population} with population"]


def read_register(path: Path = DEFAULT_REGISTER) -> dict[str, RegisterEntry]:
    """Destatis Gemeindeverzeichnis rows by AGS: official name, population, centre point."""
    with path.open(encoding="utf-8", newline="") as handle:
        return {
            row["ags"]: RegisterEntry(
                name=row["name"],
                population=int(row["einwohner"]) if row["einwohner"] else None,
                lon=float(row["lon"]),
                lat=float(row["lat"]),
            )
            for row in csv.DictReader(handle)
        }


def _count(value: object) -> int | None:
    """A population figure from a file cell; empty, NaN or negative counts as unknown."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if math.isfinite(number) and number >= 0 else None


def _field(columns: list[str], names: tuple[str, ...]) -> str | None:
    return next((name for name in names if name in columns), None)


def _required_field(columns: list[str], names: tuple[str, ...]) -> str:
    found = _field(columns, names)
    if found is None:
        raise reader.ImportFileError(f"needs one of the fields {', '.join(names)}",
                                     field=names[0])
    return found


def _boundary(shape: reader.Shape, ags: str, epsg: int) -> tuple[str | None, Problem | None]:
    """The row's boundary as WGS84 MultiPolygon WKT, or the problem with it."""
    geom = shape.geometry
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        return None, Problem(shape.row, "geometry", f"AGS {ags}: needs a polygon boundary")
    if not geom.is_valid:
        return None, Problem(shape.row, "geometry", f"AGS {ags}: invalid boundary: "
                             f"{shapely.is_valid_reason(geom)}")
    return geo.as_multipolygon(geo.transform(geom, epsg)).wkt, None


def _rows(src: reader.ShapeSource, entries: dict[str, RegisterEntry],
          problems: list[Problem]) -> list[dict[str, Any]]:
    """The municipality rows of the file; what is wrong with the others goes to ``problems``."""
    ags_field = _required_field(src.columns, AGS_FIELDS)
    name_field = _required_field(src.columns, NAME_FIELDS)
    pop_field = _field(src.columns, POPULATION_FIELDS)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for shape in src.shapes:
        ags = str(shape.props[ags_field] or "").strip()
        if len(ags) != 8 or not ags.isdigit():
            problems.append(Problem(shape.row, "ags", f"AGS {ags!r} is not 8 digits"))
            continue
        if ags in seen:
            problems.append(Problem(shape.row, "ags", f"AGS {ags} appears twice (first in row "
                                    f"{seen[ags]})"))
            continue
        seen[ags] = shape.row
        boundary, problem = _boundary(shape, ags, src.epsg)
        if problem:
            problems.append(problem)
            continue
        entry = entries.get(ags)
        population = _count(shape.props[pop_field]) if pop_field else None
        rows.append({
            "ags": ags,
            "name": str(shape.props[name_field]),
            "boundary": boundary,
            "population": population if population is not None else (entry and entry.population),
            "centre": f"POINT({entry.lon} {entry.lat})" if entry else None,
        })
    return rows


def import_boundaries(
    *, session: Session, path: Path = DEFAULT_BOUNDARIES, register: Path | None = DEFAULT_REGISTER
) -> BoundaryReport:
    """Upsert every municipality in the file; all or nothing (the caller's transaction): a
    report with problems wrote nothing."""
    report = BoundaryReport(file=path.name)
    problems: list[Problem] = []
    try:
        src = reader.read_shapes(path)
        report.format, report.crs, report.rows = src.format, f"EPSG:{src.epsg}", len(src.shapes)
        if not src.shapes:
            raise reader.ImportFileError("the file holds no features", field="file")
        rows = _rows(src, read_register(register) if register else {}, problems)
    except reader.ImportFileError as exc:  # the whole file: reported as row 0
        problems.append(Problem(0, exc.field or "file", exc.message))
    if not problems:
        _upsert(session, rows, report)
    report.finish(problems)
    return report


def _upsert(session: Session, rows: list[dict[str, Any]], report: BoundaryReport) -> None:
    known = set(session.scalars(text("SELECT ags FROM municipality WHERE ags = ANY(:agss)"),
                                {"agss": [r["ags"] for r in rows]}))
    session.execute(
        text("""
            INSERT INTO municipality (ags, name, boundary, population, centre)
            VALUES (:ags, :name, ST_GeomFromText(:boundary, 4326), :population,
                    ST_GeomFromText(:centre, 4326))
            ON CONFLICT (ags) DO UPDATE SET
                name = EXCLUDED.name, boundary = EXCLUDED.boundary,
                population = COALESCE(EXCLUDED.population, municipality.population),
                centre = COALESCE(EXCLUDED.centre, municipality.centre), updated_at = now()
        """),
        rows,
    )
    # a centre outside the boundary (e.g. data from different dates) is worse than none
    session.execute(text(
        "UPDATE municipality SET centre = ST_PointOnSurface(boundary) "
        "WHERE centre IS NULL OR NOT ST_Covers(boundary, centre)"
    ))
    report.created, report.updated = len(rows) - len(known), len(known)
    report.with_population = sum(r["population"] is not None for r in rows)
